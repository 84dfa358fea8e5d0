"""Run a benchmark study and write its dated CSV and markdown tables.

Usage (from the repository root; see ``benchmarks/README.md`` for the protocol)::

    python -m benchmarks.run --set wt40
    python -m benchmarks.run --set jssp --instances ft06,la01 --time-limit 10 --peer
    python benchmarks/run.py --set fjsp-mk --limit 3
    python -m benchmarks.run --set wt40 \
        --peer-from benchmarks/results/2026-11-22-wt40-at87b9e35.csv

Instances run one after the other, each in a fresh process (see ``worker``).
The result files are rewritten after every instance, so an interrupted study
keeps what it measured.
"""

from __future__ import annotations

import argparse
import datetime
import re
import shlex
import sys
from pathlib import Path

# Measure the mtosched of this checkout (its src/), whatever else is installed;
# when run as a script, also make the ``benchmarks`` package importable. Spawned
# worker processes inherit this search path.
_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "src")] + (
    [str(_ROOT)] if __package__ in (None, "") else []
)

from benchmarks import peer as peer_module  # noqa: E402
from benchmarks.report import (  # noqa: E402
    Header,
    Row,
    machine_description,
    read_csv,
    software_description,
    write_csv,
    write_markdown,
)
from benchmarks.sets import DEFAULT_DATA, SETS, BenchmarkSet, InstanceSpec  # noqa: E402
from benchmarks.worker import Job, run_isolated  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parent / "README.md"
LATEST_START = "<!-- latest-results:start -->"
LATEST_END = "<!-- latest-results:end -->"


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; defaults are the protocol's."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Solve a benchmark set with mtosched (and the peer) and "
        "write benchmarks/results/<date>-<set>.{csv,md}.",
    )
    parser.add_argument("--set", required=True, choices=sorted(SETS), dest="set_name")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="folder holding smtwt_orlib/, jssp_classic/, fjsp/ "
        "(default: ../shared/benchmarks next to the repository)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per instance (default: the set's, see README)",
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument(
        "--objective",
        default=None,
        help="objective to minimise (default: the set's; reference values only "
        "apply to the set's own objective)",
    )
    parser.add_argument(
        "--profile", default=None, help="mtosched solver profile (models/profiles)"
    )
    subset = parser.add_mutually_exclusive_group()
    subset.add_argument("--limit", type=int, default=None, help="first N instances")
    subset.add_argument(
        "--instances", default=None, help="comma-separated instance keys"
    )
    peer = parser.add_mutually_exclusive_group()
    peer.add_argument(
        "--peer", action="store_true", help="also solve with PyJobShop (bench extra)"
    )
    peer.add_argument(
        "--peer-from",
        type=Path,
        default=None,
        metavar="CSV",
        help="take the PyJobShop rows from an earlier results CSV of the same set, "
        "objective, time limit, workers and seed instead of re-running the peer",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="folder for the result files"
    )
    parser.add_argument(
        "--tag", default="", help="suffix for the file names (<date>-<set>-<tag>)"
    )
    return parser.parse_args(argv)


def choose_instances(
    benchmark: BenchmarkSet, data: Path, limit: int | None, keys: str | None
) -> list[InstanceSpec]:
    """The set's instances, or the requested subset (unknown keys are an error)."""
    specs = benchmark.instances(data)
    if keys:
        wanted = [k.strip() for k in keys.split(",") if k.strip()]
        by_key = {s.key: s for s in specs}
        unknown = [k for k in wanted if k not in by_key]
        if unknown:
            raise SystemExit(
                f"unknown instance(s) for {benchmark.name}: {', '.join(unknown)} "
                f"(known: {specs[0].key} … {specs[-1].key})"
            )
        return [by_key[k] for k in wanted]
    return specs[:limit] if limit is not None else specs


def main(argv: list[str] | None = None) -> int:
    """Run the study; print one line per solve; write the tables."""
    args = parse_arguments(argv)
    benchmark = SETS[args.set_name]
    data = args.data.resolve()
    if not data.is_dir():
        raise SystemExit(f"benchmark data not found at {data} (use --data)")
    objective = (args.objective or benchmark.objective).replace("-", "_")
    time_limit = args.time_limit or benchmark.time_limit
    specs = choose_instances(benchmark, data, args.limit, args.instances)
    references = benchmark.references(data) if objective == benchmark.objective else {}
    solvers = ["mtosched"]
    peer_note = None
    copied: dict[str, Row] = {}
    if args.peer_from:
        copied, peer_note = load_peer_rows(
            args.peer_from,
            benchmark.name,
            objective,
            [s.key for s in specs],
            time_limit=time_limit,
            workers=args.workers,
            seed=args.seed,
            references={k: r.value for k, r in references.items()},
        )
        print(f"peer: {peer_note}", flush=True)
    elif args.peer:
        if peer_module.available():
            solvers.append("pyjobshop")
            peer_note = (
                f"PyJobShop {peer_module.version()}, OR-Tools CP-SAT backend, "
                "same time limit (CP-SAT's own, model building excluded), "
                "workers and seed; its schedule is checked by mtosched's checker"
            )
        else:
            peer_note = (
                "PyJobShop is not installed (pip install -e '.[bench]'); no peer column"
            )
    stamp = datetime.date.today().isoformat()
    stem = f"{stamp}-{benchmark.name}" + (f"-{args.tag}" if args.tag else "")
    if args.peer_from and (
        args.peer_from.resolve() == (args.output / f"{stem}.csv").resolve()
    ):
        raise SystemExit(
            f"--peer-from {args.peer_from} is the file this run writes; "
            "use --tag (or another --output) so it is not overwritten"
        )
    with_peer = "pyjobshop" in solvers or bool(args.peer_from)
    args.output.mkdir(parents=True, exist_ok=True)
    header = Header(
        title=f"{benchmark.name}: {benchmark.description}",
        command=_command(argv),
        protocol=[
            f"Date: {stamp}",
            f"Objective: {objective}; time limit {time_limit:g} s per instance; "
            f"{args.workers} workers; seed {args.seed}"
            + (f"; solver profile {args.profile}" if args.profile else ""),
            f"Instances: {len(specs)} of {len(benchmark.instances(data))}"
            + (" (subset)" if len(specs) < len(benchmark.instances(data)) else ""),
            "Reference: " + _reference_note(benchmark, objective),
        ],
        machine=machine_description(),
        software=software_description(
            peer_module.version() if "pyjobshop" in solvers else None
        ),
        peer_note=peer_note,
    )
    rows: list[Row] = []
    for number, spec in enumerate(specs, start=1):
        for solver in solvers:
            job = Job(
                spec,
                solver,
                objective,
                time_limit,
                args.workers,
                args.seed,
                args.profile if solver == "mtosched" else None,
            )
            outcome = run_isolated(job)
            row = Row.from_outcome(
                benchmark.name,
                spec.key,
                solver,
                objective,
                outcome,
                references.get(spec.key),
            )
            rows.append(row)
            _print_row(number, len(specs), row)
        if spec.key in copied:
            rows.append(copied[spec.key])
        write_csv(args.output / f"{stem}.csv", rows)
        write_markdown(args.output / f"{stem}.md", header, rows, with_peer)
    print(f"wrote {args.output / stem}.csv and .md")
    if args.output.resolve() == RESULTS.resolve():
        update_readme_links()
    return 0


PROTOCOL_LINE = re.compile(
    r"^- Objective: (?P<objective>\S+); time limit (?P<time_limit>\S+) s per "
    r"instance; (?P<workers>\d+) workers; seed (?P<seed>-?\d+)"
)


def load_peer_rows(
    path: Path,
    set_name: str,
    objective: str,
    keys: list[str],
    *,
    time_limit: float,
    workers: int,
    seed: int,
    references: dict[str, int] | None = None,
) -> tuple[dict[str, Row], str]:
    """The PyJobShop rows of an earlier study for this run, and the peer note.

    The file must be a results CSV of the same set and objective; when the
    markdown table next to it records the protocol, its time limit, workers and
    seed must be this run's too, and each copied row's reference value the
    current one. Anything else is a ``SystemExit`` naming the file and what
    differs. Instances of this run the file has no peer row for are left out
    (the note counts them).
    """
    shown = _shown(path)
    try:
        rows = read_csv(path)
    except OSError as error:
        raise SystemExit(f"--peer-from {shown}: cannot read it ({error})") from error
    except ValueError as error:
        raise SystemExit(f"--peer-from: {error}") from error
    for row in rows:
        if row.set != set_name:
            raise SystemExit(
                f"--peer-from {shown}: rows of set {row.set!r}, this run is "
                f"{set_name!r}"
            )
        if row.objective_name != objective:
            raise SystemExit(
                f"--peer-from {shown}: objective {row.objective_name!r}, this run "
                f"minimises {objective!r}"
            )
    peer = [r for r in rows if r.solver == "pyjobshop"]
    if not peer:
        raise SystemExit(f"--peer-from {shown}: no PyJobShop rows (run without --peer)")
    by_key: dict[str, Row] = {}
    for row in peer:
        if row.instance in by_key:
            raise SystemExit(
                f"--peer-from {shown}: two PyJobShop rows for {row.instance}"
            )
        by_key[row.instance] = row
    wanted = {k: by_key[k] for k in keys if k in by_key}
    for key, row in wanted.items():
        current = (references or {}).get(key)
        if row.reference != current:
            raise SystemExit(
                f"--peer-from {shown}: reference value of {key} is {row.reference} "
                f"there, {current} now (its RPD would not compare)"
            )
    recorded = _recorded_protocol(path.with_suffix(".md"))
    if recorded is not None:
        expected = {
            "objective": objective,
            "time limit": f"{time_limit:g} s",
            "workers": str(workers),
            "seed": str(seed),
        }
        differing = [
            f"{name} {recorded[name]} there, {value} here"
            for name, value in expected.items()
            if recorded[name] != value
        ]
        if differing:
            raise SystemExit(
                f"--peer-from {shown}: protocol differs from this run "
                f"({'; '.join(differing)}, per {_shown(path.with_suffix('.md'))})"
            )
    return wanted, _peer_note(path, recorded, len(keys) - len(wanted), len(keys))


def _recorded_protocol(table: Path) -> dict[str, str] | None:
    """Objective, time limit, workers, seed, peer version, machine of a table."""
    try:
        lines = table.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    found: dict[str, str] = {}
    for line in lines:
        match = PROTOCOL_LINE.match(line)
        if match:
            found["objective"] = match["objective"]
            found["time limit"] = f"{float(match['time_limit']):g} s"
            found["workers"] = match["workers"]
            found["seed"] = match["seed"]
        elif line.startswith("- Machine: "):
            found["machine"] = line.removeprefix("- Machine: ")
        elif line.startswith("- Software: "):
            version = re.search(r"pyjobshop (\S+?)(?:,|$)", line)
            if version:
                found["peer version"] = version[1]
    return found if "seed" in found else None


def _peer_note(
    path: Path, recorded: dict[str, str] | None, missing: int, total: int
) -> str:
    version = (recorded or {}).get("peer version")
    if recorded is None:
        how = (
            "an earlier run of the same set and objective; its time limit, "
            "workers, seed and machine are not recorded next to it, so they are "
            "not verified"
        )
    else:
        machine = recorded.get("machine")
        where = (
            "on this machine"
            if machine == machine_description()
            else f"on {machine}"
            if machine
            else "on a machine not recorded"
        )
        how = (
            f"an earlier run of the same protocol {where}: same instances, time "
            "limit, workers, seed; peer version as recorded there"
        )
    note = (
        f"PyJobShop{' ' + version if version else ''} figures copied from "
        f"{_shown(path)} ({how}), not re-run"
    )
    if missing:
        note += (
            f"; {missing} of this run's {total} instances are missing from that "
            "file: no peer result for them"
        )
    return note


def _shown(path: Path) -> str:
    """The path relative to the repository root when it lies inside it."""
    try:
        return str(path.resolve().relative_to(_ROOT))
    except ValueError:
        return str(path)


def _command(argv: list[str] | None) -> str:
    """The command as typed, with the interpreter shown as plain ``python``.

    Called as a function (``main(argv)``), the equivalent command line.
    """
    if argv is not None:
        return shlex.join(["python", "-m", "benchmarks.run", *argv])
    typed = list(getattr(sys, "orig_argv", ["python", *sys.argv]))
    return shlex.join(["python", *typed[1:]])


def _reference_note(benchmark: BenchmarkSet, objective: str) -> str:
    if objective != benchmark.objective:
        return f"none ({objective} is not the set's objective, {benchmark.objective})"
    return (
        "published values from the data folder's reference_values.json "
        "(optimal or best known; see its SOURCE.md)"
    )


def _print_row(number: int, total: int, row: Row) -> None:
    rpd = "–" if row.rpd is None else f"{row.rpd:.2f}%"
    wall = "–" if row.wall_time_s is None else f"{row.wall_time_s:.1f}s"
    print(
        f"[{number}/{total}] {row.instance:<12} {row.solver:<9} {row.status:<10} "
        f"obj {row.objective} ref {row.reference} rpd {rpd} {wall} "
        f"check {row.check}{' ' + row.error if row.error else ''}",
        flush=True,
    )


def update_readme_links() -> None:
    """Point the README's "latest results" list at the newest table of each set."""
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    if LATEST_START not in text or LATEST_END not in text:
        return
    latest: dict[str, Path] = {}
    for table in sorted(RESULTS.glob("*.md")):
        name = _set_of(table.stem)
        if name:
            latest[name] = table  # sorted by date: the last one wins
    items = [
        f"- `{name}`: [{table.name}](results/{table.name})"
        for name, table in sorted(latest.items())
    ] or ["- none yet"]
    before, rest = text.split(LATEST_START, 1)
    _, after = rest.split(LATEST_END, 1)
    README.write_text(
        before + LATEST_START + "\n" + "\n".join(items) + "\n" + LATEST_END + after,
        encoding="utf-8",
    )


def _set_of(stem: str) -> str | None:
    """The set name in ``<YYYY-MM-DD>-<set>[-<tag>]`` (longest known name wins)."""
    rest = stem[11:] if len(stem) > 11 and stem[10] == "-" else ""
    matches = [n for n in SETS if rest == n or rest.startswith(n + "-")]
    return max(matches, key=len) if matches else None


if __name__ == "__main__":
    raise SystemExit(main())
