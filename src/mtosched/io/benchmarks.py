"""Readers for the standard scheduling benchmark formats.

OR engineers compare schedulers on published instance sets. These readers turn
the three common text formats into an :class:`~mtosched.domain.Instance`, so the
same solver, checker and reports run on them as on a factory's own data:

- OR-Library single-machine weighted tardiness (``wt40.txt``, ``wt50.txt``,
  ``wt100.txt``): one machine ``M1``, one single-step product per job.
- JSPLIB / OR-Library job shop (standard format, machines numbered from 0):
  one product per job whose routing visits the machines in file order.
- FJSPLIB flexible job shop (``.fjs``, machines numbered from 1): every step
  lists its eligible machines with their processing times.

Conventions shared by all three: job ``j`` (1-based, in file order) becomes
order ``J<j>`` of product ``J<j>`` with quantity 1 and release 0; machine ids keep
the file's own numbers (``M0`` ... in JSPLIB files, ``M1`` ... in ``.fjs``
files) so that a schedule can be compared with other tools' output; steps are
numbered from 1. The job-shop formats carry no due dates or weights: orders get
due 0 and weight 1 unless given, which is irrelevant for makespan and turns
weighted tardiness into total completion time.

Malformed files raise :class:`~mtosched.domain.InstanceError` naming the file and
the line, like every other loader.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from mtosched.domain import (
    Instance,
    InstanceError,
    Machine,
    Order,
    Problem,
    RoutingRow,
    Settings,
)

#: The ``table`` named in problems found in a benchmark file.
_TABLE = "benchmark file"

#: Instances per OR-Library weighted tardiness file.
ORLIB_WT_INSTANCES = 125


@dataclass(frozen=True)
class _Token:
    """An integer read from a file, with the line it came from (for errors)."""

    value: int
    line: int


@dataclass(frozen=True)
class Job:
    """One job of a benchmark: its steps, each a list of (machine, time)."""

    steps: list[list[tuple[str, int]]]
    due: int = 0
    weight: int = 1


# ----------------------------------------------------------------- OR-Library
def read_orlib_wt(path: str | Path, n: int, index: int) -> Instance:
    """Read instance ``index`` (1-based) of an OR-Library weighted tardiness file.

    Each instance is ``n`` processing times, ``n`` weights and ``n`` due dates,
    one instance after the other. The instance is named ``wt<n>_<index>``, the key
    used by the reference values.
    """
    path = Path(path)
    tokens = _orlib_tokens(path, n)
    count = len(tokens) // (3 * n)
    if not 1 <= index <= count:
        raise InstanceError(
            [
                Problem(
                    _TABLE,
                    None,
                    None,
                    index,
                    f"an instance number from 1 to {count}",
                    path.name,
                )
            ]
        )
    return _orlib_instance(path, tokens, n, index)


def iter_orlib_wt(path: str | Path, n: int) -> Iterator[Instance]:
    """Every instance of an OR-Library weighted tardiness file, in file order."""
    path = Path(path)
    tokens = _orlib_tokens(path, n)
    for index in range(1, len(tokens) // (3 * n) + 1):
        yield _orlib_instance(path, tokens, n, index)


def _orlib_tokens(path: Path, n: int) -> list[_Token]:
    """All integers of the file; their count must be a multiple of 3n."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    tokens = _tokens(path, _read_lines(path))
    size = 3 * n
    if not tokens or len(tokens) % size:
        raise InstanceError(
            [
                Problem(
                    _TABLE,
                    tokens[-1].line if tokens else None,
                    None,
                    len(tokens),
                    f"a multiple of 3 x {n} = {size} integers "
                    f"(n processing times, weights and due dates per instance)",
                    path.name,
                )
            ]
        )
    return tokens


def _orlib_instance(path: Path, tokens: list[_Token], n: int, index: int) -> Instance:
    first = (index - 1) * 3 * n
    times, weights, dues = (
        tokens[first + part * n : first + (part + 1) * n] for part in range(3)
    )
    problems = [
        Problem(_TABLE, token.line, None, token.value, f"{what} >= {least}", path.name)
        for what, least, column in (
            ("a processing time", 0, times),
            ("a weight", 1, weights),
            ("a due date", 0, dues),
        )
        for token in column
        if token.value < least
    ]
    if problems:
        raise InstanceError(problems)
    jobs = [
        Job([[("M1", p.value)]], due=d.value, weight=w.value)
        for p, w, d in zip(times, weights, dues, strict=True)
    ]
    return build_instance(f"wt{n}_{index}", ["M1"], jobs)


# --------------------------------------------------------------------- JSPLIB
def read_jsplib(
    path: str | Path,
    name: str | None = None,
    due_dates: Sequence[int] | None = None,
    weights: Sequence[int] | None = None,
) -> Instance:
    """Read a job shop in the standard (JSPLIB / OR-Library) format.

    Lines starting with ``#`` are comments. The first other line is ``n m``, then
    one line per job with ``m`` pairs ``machine time`` in route order, machines
    numbered from 0. ``due_dates`` and ``weights`` (one per job, file order) make
    a due-date variant such as the weighted tardiness job shop; without them,
    orders have due 0 and weight 1.
    """
    path = Path(path)
    lines = _content_lines(path)
    header = _header(path, lines, "n_jobs n_machines", 2)
    n_jobs, n_machines = header[0].value, header[1].value
    body = _job_lines(path, lines, n_jobs, header[0].line)
    jobs = [_jsplib_job(path, tokens, n_machines) for tokens in body]
    jobs = _with_due_dates(path, jobs, due_dates, weights)
    machines = [f"M{k}" for k in range(n_machines)]
    return build_instance(name or path.stem, machines, jobs)


def _jsplib_job(path: Path, tokens: list[_Token], n_machines: int) -> Job:
    line = tokens[0].line
    if len(tokens) != 2 * n_machines:
        _fail(
            path,
            line,
            len(tokens),
            f"{2 * n_machines} integers: {n_machines} pairs 'machine time'",
        )
    steps = []
    for machine, time in zip(tokens[::2], tokens[1::2], strict=True):
        if not 0 <= machine.value < n_machines:
            _fail(path, line, machine.value, f"a machine from 0 to {n_machines - 1}")
        if time.value < 0:
            _fail(path, line, time.value, "a processing time >= 0")
        steps.append([(f"M{machine.value}", time.value)])
    return Job(steps)


def _with_due_dates(
    path: Path,
    jobs: list[Job],
    due_dates: Sequence[int] | None,
    weights: Sequence[int] | None,
) -> list[Job]:
    """Attach per-job due dates and weights given by the caller."""
    for label, values in (("due_dates", due_dates), ("weights", weights)):
        if values is not None and len(values) != len(jobs):
            raise InstanceError(
                [
                    Problem(
                        _TABLE,
                        None,
                        label,
                        len(values),
                        f"one value per job ({len(jobs)})",
                        path.name,
                    )
                ]
            )
    return [
        Job(
            job.steps,
            due=job.due if due_dates is None else int(due_dates[k]),
            weight=job.weight if weights is None else int(weights[k]),
        )
        for k, job in enumerate(jobs)
    ]


# -------------------------------------------------------------------- FJSPLIB
def read_fjs(path: str | Path, name: str | None = None) -> Instance:
    """Read a flexible job shop in the FJSPLIB ``.fjs`` format.

    Line 1 is ``n_jobs n_machines [average machines per operation]``; the third
    field is informational (often a float) and ignored. Then one line per job:
    ``n_ops``, and per operation ``k m_1 p_1 ... m_k p_k`` with machines numbered
    from 1. Every machine of the header exists, even if no operation uses it
    (Brandimarte's mk06 header says 15 machines, its operations use 10).
    """
    path = Path(path)
    lines = _content_lines(path)
    header = _fjs_header(path, lines)
    n_jobs, n_machines = header
    body = _job_lines(path, lines, n_jobs, lines[0][0])
    jobs = [_fjs_job(path, tokens, n_machines) for tokens in body]
    machines = [f"M{k}" for k in range(1, n_machines + 1)]
    return build_instance(name or path.stem, machines, jobs)


def _fjs_header(path: Path, lines: list[tuple[int, str]]) -> tuple[int, int]:
    if not lines:
        _fail(path, None, None, "a header line 'n_jobs n_machines [flexibility]'")
    number, text = lines[0]
    fields = text.split()
    if len(fields) not in (2, 3):
        _fail(path, number, text.strip(), "'n_jobs n_machines [flexibility]'")
    counts = [_integer(path, number, field) for field in fields[:2]]
    if len(fields) == 3:
        try:
            float(fields[2])
        except ValueError:
            _fail(path, number, fields[2], "a number (machines per operation)")
    for token, what in zip(counts, ("jobs", "machines"), strict=True):
        if token.value < 1:
            _fail(path, number, token.value, f"a number of {what} >= 1")
    return counts[0].value, counts[1].value


def _fjs_job(path: Path, tokens: list[_Token], n_machines: int) -> Job:
    """Parse ``n_ops`` then per operation ``k`` and ``k`` (machine, time) pairs."""
    line = tokens[0].line
    reader = _Cursor(path, tokens)
    n_ops = reader.take("the number of operations", least=1)
    steps = []
    for step in range(1, n_ops + 1):
        k = reader.take(f"the machine count of operation {step}", least=1)
        modes: list[tuple[str, int]] = []
        for _ in range(k):
            machine = reader.take(f"a machine of operation {step}", least=1)
            if machine > n_machines:
                _fail(path, line, machine, f"a machine from 1 to {n_machines}")
            time = reader.take(f"a processing time of operation {step}", least=0)
            if any(m == f"M{machine}" for m, _ in modes):
                _fail(path, line, machine, f"each machine once per operation ({step})")
            modes.append((f"M{machine}", time))
        steps.append(modes)
    if reader.left():
        _fail(
            path,
            line,
            reader.left(),
            f"no integers after the {n_ops} operations (extra integers left)",
        )
    return Job(steps)


class _Cursor:
    """Reads a job line's integers one by one, failing clearly at the end."""

    def __init__(self, path: Path, tokens: list[_Token]) -> None:
        self.path = path
        self.tokens = tokens
        self.position = 0

    def take(self, what: str, least: int) -> int:
        if self.position >= len(self.tokens):
            _fail(self.path, self.tokens[0].line, None, f"{what} (the line ends)")
        token = self.tokens[self.position]
        self.position += 1
        if token.value < least:
            _fail(self.path, token.line, token.value, f"{what}, at least {least}")
        return token.value

    def left(self) -> int:
        return len(self.tokens) - self.position


# ------------------------------------------------------------------- building
def build_instance(name: str, machines: list[str], jobs: list[Job]) -> Instance:
    """The instance of a benchmark: one unit order of its own product per job."""
    routings = [
        RoutingRow(product_id=f"J{j}", step=step, machine_id=machine, run_time=time)
        for j, job in enumerate(jobs, start=1)
        for step, modes in enumerate(job.steps, start=1)
        for machine, time in modes
    ]
    orders = [
        Order(order_id=f"J{j}", product_id=f"J{j}", due=job.due, weight=job.weight)
        for j, job in enumerate(jobs, start=1)
    ]
    return Instance(
        settings=Settings(name=name),
        machines=[Machine(machine_id=machine) for machine in machines],
        routings=routings,
        orders=orders,
    )


# -------------------------------------------------------------------- helpers
def _fail(path: Path, line: int | None, value: object, expected: str) -> NoReturn:
    raise InstanceError([Problem(_TABLE, line, None, value, expected, path.name)])


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        _fail(path, None, str(path), "an existing file")
    except (OSError, UnicodeDecodeError) as error:
        _fail(path, None, None, f"a readable text file ({error})")


def _content_lines(path: Path) -> list[tuple[int, str]]:
    """Non-blank lines that are not ``#`` comments, with 1-based line numbers."""
    return [
        (number, text)
        for number, text in enumerate(_read_lines(path), start=1)
        if text.strip() and not text.lstrip().startswith("#")
    ]


def _integer(path: Path, line: int, text: str) -> _Token:
    try:
        return _Token(int(text), line)
    except ValueError:
        _fail(path, line, text, "an integer")


def _tokens(path: Path, lines: list[str]) -> list[_Token]:
    return [
        _integer(path, number, field)
        for number, text in enumerate(lines, start=1)
        for field in text.split()
    ]


def _header(
    path: Path, lines: list[tuple[int, str]], shape: str, size: int
) -> list[_Token]:
    if not lines:
        _fail(path, None, None, f"a header line '{shape}'")
    number, text = lines[0]
    fields = text.split()
    if len(fields) != size:
        _fail(path, number, text.strip(), f"a header line '{shape}'")
    tokens = [_integer(path, number, field) for field in fields]
    for token in tokens:
        if token.value < 1:
            _fail(path, number, token.value, f"'{shape}', each at least 1")
    return tokens


def _job_lines(
    path: Path, lines: list[tuple[int, str]], n_jobs: int, header_line: int
) -> list[list[_Token]]:
    """The ``n_jobs`` lines after the header, as integers; nothing may follow."""
    body = lines[1:]
    if len(body) < n_jobs:
        _fail(
            path,
            header_line,
            len(body),
            f"{n_jobs} job lines after the header, as the header says",
        )
    if len(body) > n_jobs:
        number, text = body[n_jobs]
        _fail(
            path,
            number,
            text.strip()[:40],
            f"nothing after the {n_jobs} job lines the header announces",
        )
    return [
        [_integer(path, number, field) for field in text.split()]
        for number, text in body
    ]
