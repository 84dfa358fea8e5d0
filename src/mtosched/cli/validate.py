"""``mtosched validate PATH``: load, validate and expand an instance, then summarise.

Nothing is solved: this is the command a planner runs after exporting data, to
see at once whether the export is usable and how big the problem is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mtosched.cli.common import expand_or_exit, load_instance_or_exit, stdout_console

if TYPE_CHECKING:
    from rich.console import Console

    from mtosched.expand import ProblemData


def validate(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="Instance: a folder of CSV files, an .xlsx workbook or a .json file.",
        ),
    ],
) -> None:
    """Check an instance and summarise it (exit 0 when valid, 2 when not).

    Prints the sizes of the expanded problem and the orders that can never be
    supplied; or every problem found, one per line: file, row, column, value
    and what was expected.
    """
    instance = load_instance_or_exit(path)
    data = expand_or_exit(instance)
    print_summary(data, stdout_console())


def print_summary(data: ProblemData, console: Console) -> None:
    """The instance at a glance, then the unschedulable orders with reasons."""
    from rich.table import Table
    from rich.text import Text

    from mtosched.domain.time import to_datetime

    instance = data.instance
    settings = instance.settings
    unit = settings.time_unit.value
    unschedulable = [order for order in data.orders.values() if not order.schedulable]
    horizon = f"{data.horizon} {unit}s"
    if settings.start is not None:
        end = to_datetime(data.horizon, settings.start, settings.time_unit)
        horizon += f" (until {end.isoformat(sep=' ', timespec='minutes')})"
    rows = [
        ("instance", instance.name),
        (
            "start",
            settings.start.isoformat(sep=" ", timespec="minutes")
            if settings.start
            else "none (times are plain numbers)",
        ),
        ("time unit", unit),
        ("orders", f"{len(data.orders)} ({len(unschedulable)} unschedulable)"),
        ("work orders", str(len(data.work_orders))),
        ("operations", str(len(data.operations))),
        ("machines", str(len(instance.machines))),
        ("components", f"{len(data.supplies)} purchased"),
        ("supplies", str(len(instance.supplies))),
        ("downtime windows", str(len(instance.downtime))),
        ("horizon", horizon),
    ]
    summary = Table(title=f"Instance {instance.name}", show_header=False)
    summary.add_column("what", style="bold")
    summary.add_column("value")
    for label, value in rows:
        summary.add_row(label, Text(value))
    console.print(summary)
    if unschedulable:
        # Plain lines, not a table: a reason is long and must not be wrapped.
        console.print("unschedulable orders (never enough material):", markup=False)
        for order in unschedulable:
            console.print(f"  {order.order_id}: {order.shortage}", markup=False)
    console.print(f"{instance.name}: valid", markup=False)
