"""``mtosched reschedule``: replan from today's data, keeping started work.

INSTANCE is today's data (new and cancelled orders, changed supplies, new
downtime); ``--previous`` is the result folder of the plan the shop is
running; ``--now`` is the moment of replanning (a number or an ISO datetime,
rounded up). Writes the usual result files plus ``changes.csv``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mtosched.cli.common import (
    EXIT_INVALID,
    fail,
    load_instance_or_exit,
    objectives_or_exit,
    print_problems,
    solver_params_or_exit,
    stderr_console,
    stdout_console,
)
from mtosched.cli.solve import EXIT_NO_SCHEDULE

if TYPE_CHECKING:
    from rich.console import Console

    from mtosched.workflows.reschedule import RescheduleResult


def reschedule_command(
    instance: Annotated[
        Path,
        typer.Argument(exists=True, help="Today's instance (folder, .xlsx, .json)."),
    ],
    previous: Annotated[
        Path,
        typer.Option(
            "--previous",
            exists=True,
            file_okay=False,
            help="Result folder of the plan being run.",
        ),
    ],
    now: Annotated[
        str,
        typer.Option("--now", help="Replanning time: a number or an ISO datetime."),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Result folder (default: <instance>-replan)."),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", "-t", help="Seconds in all.")
    ] = None,
    objective: Annotated[
        str,
        typer.Option("--objective", help="As for solve (weighted-tardiness, ...)."),
    ] = "weighted-tardiness",
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="CP-SAT search workers.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    profile: Annotated[
        str, typer.Option("--profile", help="Solver profile (name or TOML file).")
    ] = "default",
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write report.html.")
    ] = True,
) -> None:
    """Replan at NOW: started work stays, nothing new starts earlier."""
    from mtosched.cli.solve import print_kpis
    from mtosched.io.results_reader import ResultFileError, read_solution
    from mtosched.workflows.reschedule import reschedule, write_reschedule
    from mtosched.workflows.times import time_from_text

    errors = stderr_console()
    console = stdout_console()
    objectives = objectives_or_exit(objective)
    params = solver_params_or_exit(
        profile, time_limit=time_limit, workers=workers, seed=seed
    )
    loaded = load_instance_or_exit(instance, errors)
    try:
        at = time_from_text(loaded, now)
    except ValueError as error:
        raise fail(f"--now: {error}") from None
    try:
        plan, _ = read_solution(previous)
    except ResultFileError as error:
        print_problems(error.problems, previous, errors)
        raise typer.Exit(EXIT_INVALID) from None
    outcome = reschedule(loaded, plan, at, params, objectives)
    out_dir = out or Path(f"{instance.resolve().stem}-replan")
    try:
        write_reschedule(outcome, out_dir, report=report)
    except Exception as error:  # never a traceback, never a half-written folder
        raise fail(f"cannot write results to {out_dir}: {error}") from None
    print_kpis(outcome.result, console)
    print_changes(outcome, console)
    console.print(f"Results written to {out_dir}/", markup=False)
    if not outcome.result.status.has_schedule:
        raise typer.Exit(EXIT_NO_SCHEDULE)


def print_changes(outcome: RescheduleResult, console: Console) -> None:
    """What moved, in a few lines; warnings for started work not kept."""
    from mtosched.workflows.explain import when

    figures = outcome.summary()
    console.print(
        f"Rescheduled at {when(outcome.result.data, outcome.now)}: "
        f"{figures['kept_started']} started "
        f"operations kept; {figures['kept']} unchanged, {figures['moved']} moved "
        f"(total shift {figures['total_shift']}, largest {figures['max_shift']}, "
        f"{figures['machine_changes']} on another machine), {figures['new']} new, "
        f"{figures['cancelled']} cancelled",
        markup=False,
    )
    for warning in outcome.warnings:
        console.print(f"warning: {warning}", markup=False)
