"""``mtosched generate OUT``: write a realistic, seeded make-to-order instance.

For trying the tool at scale without a plant's data, and for benchmarks: the
same knobs and seed always give the same instance (see ``docs/generator.md``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mtosched.cli.common import fail, stdout_console

if TYPE_CHECKING:
    from rich.console import Console

    from mtosched.domain import Instance
    from mtosched.expand import ProblemData


class Profile(StrEnum):
    """The kinds of plant the generator knows."""

    ebike = "ebike"
    pc = "pc"
    furniture = "furniture"


class Form(StrEnum):
    """The three forms of an instance."""

    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def generate_command(
    out: Annotated[
        Path,
        typer.Argument(
            help="Where to write: a folder (CSV files), an .xlsx or a .json file."
        ),
    ],
    profile: Annotated[
        Profile, typer.Option("--profile", "-p", help="Kind of plant.")
    ] = Profile.ebike,
    orders: Annotated[
        int, typer.Option("--orders", "-n", min=1, help="Customer orders.")
    ] = 100,
    machines: Annotated[
        int | None,
        typer.Option(
            "--machines", min=1, help="Machines (default: 8 + orders/100, at most 60)."
        ),
    ] = None,
    products: Annotated[
        int | None,
        typer.Option(
            "--products",
            min=1,
            help="End products (default: 6 + sqrt(orders), at most 60).",
        ),
    ] = None,
    supply_tightness: Annotated[
        float,
        typer.Option(
            "--supply-tightness",
            min=0.0,
            max=1.0,
            help="0: plenty of stock, early deliveries; 1: little stock, late ones.",
        ),
    ] = 0.5,
    due_tightness: Annotated[
        float,
        typer.Option(
            "--due-tightness",
            min=0.0,
            max=1.0,
            help="0: generous due dates; 1: tight ones (many late orders).",
        ),
    ] = 0.5,
    shortage: Annotated[
        float,
        typer.Option(
            "--shortage",
            min=0.0,
            max=0.99,
            help="Share of demand missing for a few components (0: none).",
        ),
    ] = 0.0,
    numeric_times: Annotated[
        bool,
        typer.Option(
            "--numeric-times",
            help="Times as minutes from the plan start instead of datetimes.",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    form: Annotated[
        Form | None,
        typer.Option(
            "--format", help="csv, xlsx or json (default: from the suffix of OUT)."
        ),
    ] = None,
) -> None:
    """Generate a realistic make-to-order instance (the same for the same seed).

    Prints the instance's size (orders, work orders, operations, machines,
    components, supplies) and where it was written.
    """
    from mtosched.expand import expand
    from mtosched.generate import generate_instance
    from mtosched.io.instance_writer import write_instance

    path = target_path(out, form)
    try:
        instance = generate_instance(
            profile.value,
            orders,
            machines=machines,
            products=products,
            supply_tightness=supply_tightness,
            due_tightness=due_tightness,
            datetimes=not numeric_times,
            seed=seed,
            shortage=shortage,
        )
    except ValueError as error:  # a knob the profile cannot honour
        raise fail(str(error)) from None
    try:
        write_instance(instance, path)
    except OSError as error:
        raise fail(f"cannot write {path}: {error}") from None
    print_summary(instance, expand(instance), path, stdout_console())


def target_path(out: Path, form: Form | None) -> Path:
    """Where to write: OUT, with the suffix ``--format`` asks for when it has none.

    A suffix that contradicts ``--format`` is an error (exit 2) rather than a
    guess, since either reading could overwrite the wrong file.
    """
    suffix = out.suffix.lower()
    implied = {".json": Form.json, ".xlsx": Form.xlsx}.get(suffix, Form.csv)
    if form is None or form is implied:
        return out
    if form is Form.csv or suffix in (".json", ".xlsx"):
        raise fail(
            f"--format {form.value} does not match {out} "
            f"(a {implied.value} {'folder' if implied is Form.csv else 'file'})"
        )
    return out.with_name(out.name + f".{form.value}")


def print_summary(
    instance: Instance, data: ProblemData, path: Path, console: Console
) -> None:
    """One line per figure: what was generated and where it went."""
    unschedulable = sum(1 for order in data.orders.values() if not order.schedulable)
    orders = str(len(data.orders))
    if unschedulable:
        orders += f" ({unschedulable} can never be supplied)"
    lines = [
        ("instance", instance.name),
        ("orders", orders),
        ("work orders", str(len(data.work_orders))),
        ("operations", str(len(data.operations))),
        ("machines", str(len(instance.machines))),
        ("components", str(len(data.supplies))),
        ("supplies", str(len(instance.supplies))),
        ("downtime windows", str(len(instance.downtime))),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        console.print(f"{label:<{width}}  {value}", markup=False)
    console.print(f"wrote {path}", markup=False)
