"""Rows, summaries and the two result files (CSV and markdown) of a study.

A row is one (instance, solver) solve. Its figures only count when the
independent checker passed: a failed check is shown, and left out of every
mean and count, exactly like a missing schedule.
"""

from __future__ import annotations

import csv
import math
import os
import platform
import subprocess
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import get_type_hints

from benchmarks.sets import Reference
from benchmarks.worker import Outcome

SOLVERS = ("mtosched", "pyjobshop")
PEER_LABEL = "PyJobShop (CP-SAT)"


@dataclass
class Row:
    """One CSV line: one instance solved by one solver."""

    set: str
    instance: str
    solver: str
    objective_name: str
    status: str
    objective: Decimal | None
    best_bound: Decimal | None
    reference: int | None
    reference_status: str
    rpd: float | None
    at_reference: bool | None
    proven_optimal: bool | None
    wall_time_s: float | None
    peak_memory_mib: float | None
    check: str
    error: str
    notes: str = ""

    @classmethod
    def from_outcome(
        cls,
        set_name: str,
        instance: str,
        solver: str,
        objective_name: str,
        outcome: Outcome,
        reference: Reference | None,
    ) -> Row:
        """Derive RPD and the flags; they stay empty unless the check passed."""
        ok = outcome.checked and outcome.objective is not None
        value = float(outcome.objective) if ok and outcome.objective else 0.0
        ref = reference.value if reference else None
        return cls(
            set=set_name,
            instance=instance,
            solver=solver,
            objective_name=objective_name,
            status=outcome.status or "error",
            objective=outcome.objective,
            best_bound=outcome.bound,
            reference=ref,
            reference_status=reference.status if reference else "",
            rpd=100 * (value - ref) / max(ref, 1) if ok and ref is not None else None,
            at_reference=value <= ref if ok and ref is not None else None,
            proven_optimal=outcome.status == "optimal" if ok else None,
            wall_time_s=outcome.wall_time,
            peak_memory_mib=outcome.peak_memory_mib,
            check=outcome.check,
            error=outcome.error,
            notes="; ".join(outcome.notes),
        )

    @property
    def counted(self) -> bool:
        """Checked clean with an objective value: the row enters the summary."""
        return self.check == "ok" and self.objective is not None


@dataclass
class Summary:
    """The figures of one solver over one study."""

    runs: int
    counted: int
    failed_checks: int
    without_schedule: int
    with_reference: int
    mean_rpd: float | None
    at_reference: int
    proven_optimal: int
    mean_wall_time: float | None
    peak_memory_mib: float | None

    @classmethod
    def of(cls, rows: list[Row]) -> Summary:
        """Means and counts over the rows the checker accepted."""
        counted = [r for r in rows if r.counted]
        rpds = [r.rpd for r in counted if r.rpd is not None]
        walls = [r.wall_time_s for r in counted if r.wall_time_s is not None]
        memory = [r.peak_memory_mib for r in rows if r.peak_memory_mib is not None]
        return cls(
            runs=len(rows),
            counted=len(counted),
            failed_checks=sum(r.check.startswith("failed") for r in rows),
            without_schedule=sum(
                not r.check.startswith(("ok", "failed")) for r in rows
            ),
            with_reference=len(rpds),
            mean_rpd=sum(rpds) / len(rpds) if rpds else None,
            at_reference=sum(bool(r.at_reference) for r in counted),
            proven_optimal=sum(bool(r.proven_optimal) for r in counted),
            mean_wall_time=sum(walls) / len(walls) if walls else None,
            peak_memory_mib=max(memory) if memory else None,
        )


# ---------------------------------------------------------------- the machine
def machine_description() -> str:
    """CPU model, cores usable by this process, total memory, OS."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    memory = "unknown memory"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                memory = f"{kib / 1024 / 1024:.1f} GiB memory"
                break
    except (OSError, ValueError):
        pass
    return (
        f"{model}; {cores or os.cpu_count()} cores usable "
        f"({os.cpu_count()} online); {memory}; {platform.system()} {platform.release()}"
    )


def software_description(peer_version: str | None) -> str:
    """Versions of everything that decides the figures."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    parts = [
        f"mtosched {installed('mtosched')} (git {git_revision()})",
        f"ortools {installed('ortools')}",
        f"Python {platform.python_version()}",
    ]
    if peer_version:
        parts.append(f"pyjobshop {peer_version}")
    return ", ".join(parts)


def git_revision() -> str:
    """The checkout's commit, with ``-dirty`` when tracked files differ from it.

    The runner's own output (``benchmarks/results``, the README's list of
    latest tables) does not count: a study must not make the next one dirty.
    """
    root = Path(__file__).resolve().parents[1]

    def git(*arguments: str) -> str:
        done = subprocess.run(
            ["git", *arguments],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short=10", "HEAD")
        changes = git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)benchmarks/results",
            ":(exclude)benchmarks/README.md",
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if changes else "")


# -------------------------------------------------------------------- writing
def write_csv(path: Path, rows: list[Row]) -> None:
    """One line per (instance, solver); empty cells for missing values."""
    names = [f.name for f in fields(Row)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            writer.writerow([_cell(getattr(row, name)) for name in names])


def read_csv(path: Path) -> list[Row]:
    """The rows of a CSV written by :func:`write_csv`, with their types back.

    Empty cells are ``None`` (or ``""`` for the text columns), ``true`` /
    ``false`` are booleans, objective and bound are ``Decimal``. A file that is
    not such a CSV raises ``ValueError`` naming the file and the line.
    """
    hints = get_type_hints(Row)
    names = [f.name for f in fields(Row)]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        head = next(reader, None)
        if head is None:
            raise ValueError(f"{path}: empty file, not a benchmark results CSV")
        missing = [n for n in names if n not in head and n != "notes"]
        if missing:
            raise ValueError(
                f"{path}: not a benchmark results CSV (no column {', '.join(missing)})"
            )
        rows = []
        for number, line in enumerate(reader, start=2):
            if not line:
                continue
            if len(line) != len(head):
                raise ValueError(
                    f"{path}, line {number}: {len(line)} cells, {len(head)} columns"
                )
            cells = dict(zip(head, line, strict=True))
            try:
                values = {
                    name: _parse(cells[name], hints[name])
                    for name in names
                    if name in cells
                }
            except (ValueError, ArithmeticError) as error:
                raise ValueError(f"{path}, line {number}: {error}") from error
            rows.append(Row(**values))  # type: ignore[arg-type]
    return rows


def _parse(text: str, kind: object) -> object:
    """One cell back to its column's type (the inverse of :func:`_cell`)."""
    if kind is str:
        return text
    if text == "":
        return None
    wanted = next(t for t in getattr(kind, "__args__", (kind,)) if t is not type(None))
    if wanted is bool:
        if text not in ("true", "false"):
            raise ValueError(f"expected true or false, found {text!r}")
        return text == "true"
    if wanted is Decimal:
        value = Decimal(text)
        if not value.is_finite():
            raise ValueError(f"expected a number, found {text!r}")
        return value
    if wanted in (int, float):
        return wanted(text)
    raise TypeError(f"no reader for {kind!r}")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}" if not value.is_integer() else f"{value:.1f}"
    return str(value)


@dataclass
class Header:
    """What the top of the markdown table says about the study."""

    title: str
    command: str
    protocol: list[str]
    machine: str
    software: str
    peer_note: str | None


def write_markdown(
    path: Path, header: Header, rows: list[Row], with_peer: bool
) -> None:
    """The summary, the side-by-side ratio and the per-instance table."""
    own = [r for r in rows if r.solver == "mtosched"]
    peer = [r for r in rows if r.solver == "pyjobshop"]
    lines = [
        f"# {header.title}",
        "",
        "Command (from the repository root):",
        "",
        "```",
        header.command,
        "```",
        "",
        *(f"- {item}" for item in header.protocol),
        f"- Machine: {header.machine}",
        f"- Software: {header.software}",
    ]
    if header.peer_note:
        lines.append(f"- Peer: {header.peer_note}")
    lines += ["", "## Summary", "", *_summary_table(own, peer if with_peer else None)]
    if with_peer:
        lines += ["", *_comparison(own, peer)]
    lines += ["", "## Per instance", "", *_instance_table(own, peer, with_peer)]
    notes = [f"- {r.instance} ({r.solver}): {r.notes}" for r in rows if r.notes]
    if notes:
        lines += ["", "Notes:", "", *notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _summary_table(own: list[Row], peer: list[Row] | None) -> list[str]:
    columns = [("mtosched", Summary.of(own))]
    if peer is not None:
        columns.append((PEER_LABEL, Summary.of(peer)))
    head = "| figure | " + " | ".join(name for name, _ in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)

    def line(label: str, show) -> str:
        return f"| {label} | " + " | ".join(show(s) for _, s in columns) + " |"

    return [
        head,
        rule,
        line("instances run", lambda s: str(s.runs)),
        line("checked clean (counted)", lambda s: str(s.counted)),
        line("checker failures (not counted)", lambda s: str(s.failed_checks)),
        line("no schedule / error", lambda s: str(s.without_schedule)),
        line("mean RPD to reference, %", lambda s: _fmt(s.mean_rpd, 3)),
        line(
            "at reference",
            lambda s: f"{s.at_reference} / {s.with_reference}",
        ),
        line("proven optimal", lambda s: f"{s.proven_optimal} / {s.counted}"),
        line("mean wall time, s", lambda s: _fmt(s.mean_wall_time)),
        line(
            "peak memory (max over instances), MiB",
            lambda s: _fmt(s.peak_memory_mib, 0),
        ),
    ]


def _comparison(own: list[Row], peer: list[Row]) -> list[str]:
    """mtosched / peer on the instances where both schedules checked clean."""
    peer_by = {r.instance: r for r in peer if r.counted}
    pairs = [
        (r, peer_by[r.instance]) for r in own if r.counted and r.instance in peer_by
    ]
    if not pairs:
        return ["No instance where both schedules checked clean: no ratio."]
    better = sum(a.objective < b.objective for a, b in pairs)  # type: ignore[operator]
    equal = sum(a.objective == b.objective for a, b in pairs)
    own_total = sum(float(a.objective) for a, _ in pairs)  # type: ignore[arg-type]
    peer_total = sum(float(b.objective) for _, b in pairs)  # type: ignore[arg-type]
    ratio = own_total / peer_total if peer_total else math.nan
    own_rpd = [a.rpd for a, b in pairs if a.rpd is not None and b.rpd is not None]
    peer_rpd = [b.rpd for a, b in pairs if a.rpd is not None and b.rpd is not None]
    walls = [
        (a.wall_time_s, b.wall_time_s)
        for a, b in pairs
        if a.wall_time_s is not None and b.wall_time_s
    ]
    wall_ratio = (
        sum(a for a, _ in walls) / sum(b for _, b in walls) if walls else math.nan
    )
    lines = [
        f"Side by side on the {len(pairs)} instances where both schedules checked "
        "clean (mtosched / peer):",
        "",
        f"- objective: mtosched better on {better}, equal on {equal}, "
        f"worse on {len(pairs) - better - equal}",
        f"- ratio of summed objectives mtosched / peer: {ratio:.4f}",
    ]
    if own_rpd:
        lines.append(
            f"- mean RPD mtosched {sum(own_rpd) / len(own_rpd):.3f} % vs peer "
            f"{sum(peer_rpd) / len(peer_rpd):.3f} %"
        )
    lines.append(f"- ratio of summed wall times mtosched / peer: {wall_ratio:.3f}")
    return lines


def _instance_table(own: list[Row], peer: list[Row], with_peer: bool) -> list[str]:
    head = (
        "| instance | reference | objective | bound | RPD % | optimal "
        "| wall s | MiB | check |"
    )
    rule = "|---|---:|---:|---:|---:|:-:|---:|---:|---|"
    if with_peer:
        head += (
            " peer objective | peer RPD % | peer optimal | peer wall s | peer check |"
        )
        rule += "---:|---:|:-:|---:|---|"
    peer_by = {r.instance: r for r in peer}
    lines = [head, rule]
    for row in own:
        cells = [row.instance, _ref(row), *_figures(row)]
        if with_peer:
            other = peer_by.get(row.instance)
            cells += _peer_figures(other) if other else ["–"] * 5
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _ref(row: Row) -> str:
    if row.reference is None:
        return "–"
    note = (
        ""
        if row.reference_status.startswith("optimal")
        or row.reference_status == "closed"
        else f" ({row.reference_status})"
    )
    return f"{row.reference}{note}"


def _check_cell(row: Row) -> str:
    if row.error:
        return f"error: {row.error}".replace("|", "/")
    return row.check.replace("|", "/")


def _figures(row: Row) -> list[str]:
    return [
        _cell(row.objective) or "–",
        _cell(row.best_bound) or "–",
        _fmt(row.rpd),
        "yes" if row.proven_optimal else "",
        _fmt(row.wall_time_s),
        _fmt(row.peak_memory_mib, 0),
        _check_cell(row),
    ]


def _peer_figures(row: Row) -> list[str]:
    return [
        _cell(row.objective) or "–",
        _fmt(row.rpd),
        "yes" if row.proven_optimal else "",
        _fmt(row.wall_time_s),
        _check_cell(row),
    ]
