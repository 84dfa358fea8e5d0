"""``mtosched solve``: what a planner runs every morning.

Loads and validates the instance, solves with a live progress line (elapsed
time, best objective, bound, gap), writes the result files atomically, and
prints the KPIs and the late orders. Ctrl-C stops the search and still writes
the best schedule found so far.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mtosched.cli.common import (
    EXIT_INVALID,
    expand_or_exit,
    load_instance_or_exit,
    objectives_or_exit,
    solver_params_or_exit,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from rich.console import Console

    from mtosched.solution import Result
    from mtosched.solve import Progress

#: Exit code when no schedule exists (infeasible, or none found in time).
EXIT_NO_SCHEDULE = 1


def solve_command(
    instance: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="Instance: a CSV folder, an .xlsx workbook or a .json file.",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Result folder (default: <instance>-plan)."),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", "-t", help="Seconds in all.")
    ] = None,
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="weighted-tardiness, late-orders, max-lateness, makespan, flow-time, "
            "or a lexicographic list such as late-orders,weighted-tardiness.",
        ),
    ] = "weighted-tardiness",
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="CP-SAT search workers.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="Solver profile: a name in models/profiles or a TOML file.",
        ),
    ] = "default",
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write report.html.")
    ] = True,
    log: Annotated[bool, typer.Option("--log", help="Print CP-SAT's log.")] = False,
) -> None:
    """Schedule every order: write the schedule, results, pegging and a report."""
    from mtosched.io.writers import write_results
    from mtosched.solve import solve

    errors = stderr_console()
    console = stdout_console()
    objectives = objectives_or_exit(objective)
    params = solver_params_or_exit(
        profile, time_limit=time_limit, workers=workers, seed=seed, log=log or None
    )
    loaded = load_instance_or_exit(instance, errors)
    data = expand_or_exit(loaded, errors)
    out_dir = out or Path(f"{instance.resolve().stem}-plan")
    console.print(
        f"Solving {loaded.name}: {len(data.orders)} orders, "
        f"{len(data.operations)} operations, {len(data.capacity)} machines; "
        f"{', '.join(o.value for o in objectives)}; time limit "
        f"{params.time_limit:g} s, {params.workers} workers",
        markup=False,
    )
    with _ProgressLine(console) as progress:
        result = solve(data, params, objectives, progress=progress.update)
    try:
        write_results(result, out_dir, report=report)
    except Exception as error:  # never a traceback, never a half-written folder
        stderr_console().print(f"error: cannot write results to {out_dir}: {error}")
        raise typer.Exit(EXIT_INVALID) from None
    print_kpis(result, console)
    console.print(f"Results written to {out_dir}/", markup=False)
    if not result.status.has_schedule:
        raise typer.Exit(EXIT_NO_SCHEDULE)


class _ProgressLine:
    """A live line on a terminal; a line per improvement elsewhere (logs, CI)."""

    def __init__(self, console: Console) -> None:
        from rich.live import Live

        self.console = console
        self.live = Live("", console=console, transient=True, auto_refresh=True)
        self.best: object = None
        self.printed_at = 0.0

    def __enter__(self) -> _ProgressLine:
        if self.console.is_terminal:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.console.is_terminal:
            self.live.__exit__(None, None, None)

    def update(self, progress: Progress) -> None:
        from mtosched.expand import format_quantity

        if progress.objective is not None:
            self.best = progress.objective
        text = f"{progress.elapsed:7.1f}s  {progress.stage:<20}"
        if self.best is not None:
            text += f"  best {format_quantity(self.best)}"  # type: ignore[arg-type]
        if progress.bound is not None:
            text += f"  bound {format_quantity(progress.bound)}"
        gap = progress.gap
        if gap is not None:
            text += f"  gap {gap:.1%}"
        if self.console.is_terminal:
            self.live.update(text)
        elif (
            progress.objective is not None and time.monotonic() - self.printed_at > 0.5
        ):
            self.printed_at = time.monotonic()
            self.console.print(text, markup=False)


def print_kpis(result: Result, console: Console) -> None:
    """The KPI table and the late orders, worst first."""
    from rich.table import Table

    summary = result.summary()
    table = Table(title="Plan", show_header=False, title_justify="left")
    table.add_column("KPI", style="bold")
    table.add_column("value", justify="right")
    rows = [
        ("status", summary["status"]),
        ("objective", summary["objective"]),
        ("objective value", summary["objective_value"]),
        ("best bound", summary["best_bound"]),
        ("gap", None if summary["gap"] is None else f"{summary['gap']:.2%}"),
        ("orders", summary["orders"]),
        ("scheduled orders", summary["scheduled_orders"]),
        ("unschedulable orders", summary["unschedulable_orders"]),
        ("late orders", summary["late_orders"]),
        ("weighted tardiness", summary["weighted_tardiness"]),
        ("makespan", summary["makespan"]),
        ("wall time", f"{summary['wall_time_s']:.1f} s"),
    ]
    for label, value in rows:
        table.add_row(label, "-" if value is None else str(value))
    console.print(table)
    late = sorted(
        (o for o in result.orders if o.late),
        key=lambda o: (-(o.weight * (o.tardiness or 0)), o.order_id),
    )
    if late:
        late_table = Table(title=f"Late orders ({len(late)})", title_justify="left")
        for column in ("order", "due", "completion", "lateness", "weight"):
            late_table.add_column(
                column, justify="left" if column == "order" else "right"
            )
        start = result.data.instance.settings.start
        for order in late:
            late_table.add_row(
                order.order_id,
                _when(result, order.due) if start else str(order.due),
                _when(result, order.completion) if start else str(order.completion),
                str(order.lateness),
                str(order.weight),
            )
        console.print(late_table)
    left_out = [o for o in result.orders if o.status == "unschedulable"]
    for order in left_out:
        console.print(f"unschedulable: {order.order_id}: {order.reason}", markup=False)


def _when(result: Result, units: int | None) -> str:
    from mtosched.domain.time import to_datetime

    settings = result.data.instance.settings
    if units is None or settings.start is None:
        return "-"
    return to_datetime(units, settings.start, settings.time_unit).strftime(
        "%Y-%m-%d %H:%M"
    )
