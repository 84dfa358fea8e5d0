"""``mtosched check``: verify result files against an instance.

Runs the independent checker on ``schedule.csv`` (and the left-out orders in
``orders.csv``): every operation once, eligible machine, exact duration,
precedence, release, capacity, downtime and material, and recomputes the KPIs
and the reported objective. Exit 0 when valid, 1 with violations, 2 when the
input or the result files cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mtosched.cli.common import (
    EXIT_INVALID,
    load_instance_or_exit,
    print_problems,
    stderr_console,
    stdout_console,
)


def check_command(
    instance: Annotated[Path, typer.Argument(exists=True, help="The instance.")],
    result_dir: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="A result folder.")
    ],
) -> None:
    """Check a schedule against its instance; print violations or the KPIs."""
    from decimal import Decimal

    from mtosched.checker import check
    from mtosched.io.results_reader import ResultFileError, read_solution
    from mtosched.solution import Objective

    errors = stderr_console()
    console = stdout_console()
    loaded = load_instance_or_exit(instance, errors)
    try:
        solution, summary = read_solution(result_dir)
    except ResultFileError as error:
        print_problems(error.problems, result_dir, errors)
        raise typer.Exit(EXIT_INVALID) from None
    reported: dict[Objective, Decimal | None] = {}
    try:
        objectives = Objective.parse_list(str(summary.get("objective") or ""))
    except ValueError:
        objectives = []
    value = summary.get("objective_value")
    if len(objectives) >= 1 and value is not None:
        reported[objectives[0]] = Decimal(str(value))
    report = check(loaded, solution, reported=reported)
    if report.violations:
        console.print(
            f"INVALID: {len(report.violations)} violation(s) in {result_dir}",
            markup=False,
        )
        for violation in report.violations:
            console.print(f"  - [{violation.kind}] {violation.message}", markup=False)
        raise typer.Exit(1)
    console.print(f"valid: {result_dir} satisfies every constraint", markup=False)
    for key, figure in report.summary().items():
        console.print(f"  {key}: {figure}", markup=False)
