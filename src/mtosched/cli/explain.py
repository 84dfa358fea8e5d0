"""``mtosched explain``: why each late order of a result folder is late.

``solve`` already writes the chains to ``explanations.csv``; this command
prints them for a result folder (a solve's or a hand-edited one), or the chain
of any one order with ``--order``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mtosched.cli.common import (
    expand_or_exit,
    fail,
    load_instance_or_exit,
    read_plan_or_exit,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from rich.console import Console

    from mtosched.expand import ProblemData
    from mtosched.workflows.explain import Explanation


def explain_command(
    instance: Annotated[Path, typer.Argument(exists=True, help="The instance.")],
    result_dir: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="A result folder.")
    ],
    order: Annotated[
        str | None,
        typer.Option("--order", help="Explain this order (late or not) only."),
    ] = None,
) -> None:
    """Print, for every late order, the chain of causes behind its completion."""
    from mtosched.workflows.explain import explain, explain_order

    errors = stderr_console()
    console = stdout_console()
    data = expand_or_exit(load_instance_or_exit(instance, errors), errors)
    result = read_plan_or_exit(data, result_dir, errors)
    if order is not None:
        if order not in data.orders:
            raise fail(f"unknown order '{order}'")
        try:
            solution = result.solution
            assert solution is not None  # read_plan_or_exit guarantees a schedule
            explanations = [explain_order(data, solution, order)]
        except ValueError as error:
            raise fail(str(error)) from None
    else:
        explanations = explain(result)
        if not explanations:
            console.print("No late orders: every order meets its due date.")
            return
    for explanation in explanations:
        print_explanation(explanation, data, console)


def print_explanation(
    explanation: Explanation, data: ProblemData, console: Console
) -> None:
    """One order's chain, one cause a line, earliest first (greppable)."""
    from mtosched.workflows.explain import when

    unit = {"minute": "min", "hour": "h", "day": "d"}[
        data.instance.settings.time_unit.value
    ]
    lateness = explanation.lateness
    status = f"late by {lateness} {unit}" if lateness > 0 else "on time"
    console.print(
        f"{explanation.order_id}: {status} (due {when(data, explanation.due)}, "
        f"completes {when(data, explanation.completion)}): {explanation.headline()}",
        markup=False,
    )
    for cause in explanation.causes:
        span = when(data, cause.start)
        if cause.end != cause.start:
            span += f" -> {when(data, cause.end)}"
        console.print(
            f"  {span}  {cause.kind.value}  {cause.resource}  {cause.detail}",
            markup=False,
        )
