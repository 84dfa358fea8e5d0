"""Scaling study: generated MTO plants from 100 to 10,000 orders.

For each size, in a fresh process (so peak memory is its own): generate the
instance (profile ``ebike``, seed = the study seed), expand it, time one
construction (ATC, the first trial: ``construct_s``, the heuristic's own
growth), then the construction trials as the solve runs them (2 s of them:
``heuristic_s``; the best one's weighted tardiness is the baseline), time
building the whole CP-SAT model, then run ``solve`` for the longest time limit
and read the best weighted tardiness at each shorter mark off its progress
callback (one run per size: the value at 10 s is what the same run had at
10 s). Every final schedule is checked by the independent checker.

    python -m benchmarks.scaling --sizes 100,500,2000,10000 --marks 10,60,300
    python -m benchmarks.scaling --due-tightness 0.9

``--due-tightness`` is the generator's knob (0 generous, 1 tight; its default
0.5 leaves almost no order late at any size, so a study of how far the search
brings weighted tardiness down needs tighter promises). The late-order
columns show how loaded each plant is.

Writes ``benchmarks/results/<date>-scaling[-tight<t>].{csv,md}`` with the
command, the machine and fitted growth exponents (time ~ operations^k).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import multiprocessing
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

COLUMNS = [
    "orders",
    "operations",
    "machines",
    "expand_s",
    "construct_s",
    "heuristic_s",
    "heuristic_wt",
    "heuristic_late",
    "model_build_s",
    "model_size",
    "first_schedule_s",
    "late_orders",
    "status",
    "checker",
    "peak_memory_mib",
]


def measure(
    orders: int, marks: list[float], seed: int, workers: int, tightness: float | None
) -> dict[str, Any]:
    """Everything measured for one size (runs in its own process)."""
    from mtosched.checker import Checker
    from mtosched.expand import expand
    from mtosched.generate import generate_instance
    from mtosched.heuristic import PriorityRule, best_construction, construct
    from mtosched.kpi import objective_value, order_results
    from mtosched.model.builder import ScheduleModel
    from mtosched.model.params import SolverParams
    from mtosched.solution import Objective
    from mtosched.solve import Progress, solve

    knobs = {} if tightness is None else {"due_tightness": tightness}
    instance = generate_instance("ebike", orders=orders, seed=seed, **knobs)
    started = time.perf_counter()
    data = expand(instance)
    row: dict[str, Any] = {
        "orders": orders,
        "operations": len(data.operations),
        "machines": len(data.capacity),
        "expand_s": round(time.perf_counter() - started, 2),
    }
    started = time.perf_counter()
    construct(data, PriorityRule.atc)
    row["construct_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    baseline = best_construction(
        data,
        Objective.weighted_tardiness,
        time_budget=SolverParams().heuristic_time,  # what a solve's trials get
    )
    row["heuristic_s"] = round(time.perf_counter() - started, 2)
    results = order_results(data, baseline)
    row["heuristic_wt"] = objective_value(
        Objective.weighted_tardiness, results, baseline
    )
    row["heuristic_late"] = _late(results)
    started = time.perf_counter()
    built = ScheduleModel(data, data.schedulable_orders())
    row["model_build_s"] = round(time.perf_counter() - started, 2)
    proto = built.model.proto
    row["model_size"] = len(proto.variables) + len(proto.constraints)
    del built

    improvements: list[tuple[float, Any]] = []

    def record(progress: Progress) -> None:
        if progress.objective is not None:
            improvements.append((progress.elapsed, progress.objective))

    params = SolverParams(time_limit=max(marks), workers=workers, seed=seed)
    result = solve(data, params, Objective.weighted_tardiness, progress=record)
    row["first_schedule_s"] = round(improvements[0][0], 2) if improvements else None
    for mark in marks:
        seen = [value for elapsed, value in improvements if elapsed <= mark]
        row[f"wt_{mark:g}s"] = min(seen) if seen else None  # the incumbent then
    row[f"wt_{max(marks):g}s"] = result.objective_value
    row["late_orders"] = _late(result.orders)
    row["status"] = result.status.value
    report = Checker(instance).check(result.solution) if result.solution else None
    row["checker"] = "ok" if report is not None and report.ok else "FAILED"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    row["peak_memory_mib"] = round(peak / 1024, 1)
    return row


def _late(results: Any) -> int:
    """How many orders finish after their due date."""
    return sum(1 for r in results if r.tardiness is not None and r.tardiness > 0)


def _child(
    pipe: Any,
    orders: int,
    marks: list[float],
    seed: int,
    workers: int,
    tightness: float | None,
) -> None:
    try:
        pipe.send(measure(orders, marks, seed, workers, tightness))
    except Exception as error:  # report, do not hang the study
        pipe.send({"orders": orders, "status": f"error: {error!r}"})


def run_one(
    orders: int,
    marks: list[float],
    seed: int,
    workers: int,
    tightness: float | None = None,
) -> dict[str, Any]:
    """Measure one size in a fresh ``spawn``-ed process."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, orders, marks, seed, workers, tightness)
    )
    process.start()
    limit = 3 * max(marks) + 600
    row = (
        receiver.recv()
        if receiver.poll(limit)
        else {"orders": orders, "status": "timeout"}
    )
    process.join(10)
    if process.is_alive():
        process.kill()
    return row


def fitted_exponent(
    rows: list[dict[str, Any]], column: str, against: str = "operations"
) -> float | None:
    """Least-squares slope of log(column) against log(against)."""
    points = [
        (math.log(r[against]), math.log(r[column]))
        for r in rows
        if r.get(column) and r.get(against)
    ]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def write_tables(
    rows: list[dict[str, Any]],
    marks: list[float],
    command: str,
    tightness: float | None = None,
) -> Path:
    """The CSV and the markdown table, with command, machine and exponents."""
    from benchmarks.report import machine_description

    columns = COLUMNS[:10] + [f"wt_{m:g}s" for m in marks] + COLUMNS[10:]
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if tightness is None else f"-tight{tightness:g}"
    stem = f"{dt.date.today().isoformat()}-scaling{suffix}"
    csv_path, md_path = out / f"{stem}.csv", out / f"{stem}.md"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "# Scaling study (generated e-bike plants"
        + ("" if tightness is None else f", due_tightness {tightness:g}")
        + ")",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {machine_description()}",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    lines += ["", "Ratio of weighted tardiness to the heuristic-only schedule:", ""]
    for row in rows:
        base = row.get("heuristic_wt")
        ratios = [
            f"{m:g} s: {float(row[f'wt_{m:g}s']) / float(base):.3f}"
            if base and row.get(f"wt_{m:g}s") is not None
            else f"{m:g} s: -"
            for m in marks
        ]
        lines.append(f"- {row.get('orders')} orders: " + ", ".join(ratios))
    lines += ["", "Fitted growth exponents (time ~ operations^k):", ""]
    for column in (
        "expand_s",
        "construct_s",
        "heuristic_s",
        "model_build_s",
        "model_size",
    ):
        k = fitted_exponent(rows, column)
        lines.append(f"- {column}: k = {k:.2f}" if k is not None else f"- {column}: -")
    k = fitted_exponent(rows, "model_build_s", against="model_size")
    lines += [
        "",
        "model_size is the whole model's variables + constraints (larger plants"
        " have more eligible machines per operation, so it can grow faster than"
        " the operations); model_build_s against model_size: "
        + (f"k = {k:.2f}" if k is not None else "-"),
    ]
    md_path.write_text("\n".join(lines) + "\n")
    return md_path


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def main(argv: list[str] | None = None) -> int:
    """Run the study; print each row as it completes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,2000,10000")
    parser.add_argument(
        "--marks", default="10,60,300", help="seconds; the last is the limit"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--due-tightness",
        type=float,
        default=None,
        help="generator knob (default: the generator's own, 0.5)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    marks = sorted(float(m) for m in args.marks.split(","))
    command = "python -m benchmarks.scaling " + " ".join(argv or sys.argv[1:])
    rows = []
    for orders in sizes:
        row = run_one(orders, marks, args.seed, args.workers, args.due_tightness)
        rows.append(row)
        print(row, flush=True)
        write_tables(rows, marks, command, args.due_tightness)
    print(write_tables(rows, marks, command, args.due_tightness))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
