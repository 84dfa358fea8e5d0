"""``mtosched promise``: quote a delivery date for a new order (capable-to-promise).

One inquiry from the options, or a batch from ``--batch FILE.csv`` (columns
product_id, quantity, release, weight, optional quote_id), each quoted on its
own against the same current plan: the plan in ``--base`` (a result folder)
or, without it, a fresh solve of INSTANCE. Prints each quote and writes them
all as CSV.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mtosched.cli.common import (
    EXIT_INVALID,
    expand_or_exit,
    fail,
    load_instance_or_exit,
    print_problems,
    solver_params_or_exit,
    stderr_console,
    stdout_console,
)
from mtosched.cli.solve import EXIT_NO_SCHEDULE

if TYPE_CHECKING:
    from rich.console import Console

    from mtosched.domain import Instance
    from mtosched.model.params import SolverParams
    from mtosched.solution import Result
    from mtosched.workflows.promise import Inquiry, Quote


def promise_command(
    instance: Annotated[
        Path, typer.Argument(exists=True, help="The instance (current orders).")
    ],
    product: Annotated[
        str | None, typer.Option("--product", help="Product of the new order.")
    ] = None,
    quantity: Annotated[str, typer.Option("--quantity", help="Units.")] = "1",
    release: Annotated[
        str,
        typer.Option("--release", help="Earliest start: a number or ISO datetime."),
    ] = "0",
    weight: Annotated[str, typer.Option("--weight", help="Priority weight.")] = "1",
    extra_tardiness: Annotated[
        str,
        typer.Option(
            "--extra-tardiness",
            help="Total extra tardiness (time units) existing orders may take.",
        ),
    ] = "0",
    batch: Annotated[
        Path | None,
        typer.Option("--batch", exists=True, dir_okay=False, help="CSV of inquiries."),
    ] = None,
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            exists=True,
            file_okay=False,
            help="Result folder of the current plan (default: solve INSTANCE).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Quotes CSV (default: <instance>-quotes.csv)."
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", "-t", help="Seconds per solve and per quote."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="CP-SAT search workers.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    profile: Annotated[
        str, typer.Option("--profile", help="Solver profile (name or TOML file).")
    ] = "default",
) -> None:
    """Quote the earliest delivery of a new order that makes no order later."""
    from decimal import Decimal, InvalidOperation

    from mtosched.workflows.promise import (
        Inquiry,
        free_order_id,
        promise_batch,
        write_quotes,
    )

    errors = stderr_console()
    console = stdout_console()
    if (product is None) == (batch is None):
        raise fail("give either --product (one inquiry) or --batch FILE")
    params = solver_params_or_exit(
        profile, time_limit=time_limit, workers=workers, seed=seed
    )
    loaded = load_instance_or_exit(instance, errors)
    numbers = {}
    for name, text in (
        ("--quantity", quantity),
        ("--weight", weight),
        ("--extra-tardiness", extra_tardiness),
    ):
        try:
            numbers[name] = Decimal(text.strip())
        except InvalidOperation:
            raise fail(f"{name} {text!r} is not a number") from None
        if not numbers[name].is_finite() or numbers[name] < 0:
            raise fail(f"{name} {text!r} must be a number >= 0")
    try:
        if batch is not None:
            inquiries = _read_batch(loaded, batch)
        else:
            assert product is not None
            inquiries = [
                Inquiry(
                    product,
                    numbers["--quantity"],
                    _release(loaded, release),
                    numbers["--weight"],
                    free_order_id(loaded),
                )
            ]
    except ValueError as error:
        raise fail(str(error)) from None
    current = _current_plan(loaded, base, params, console)
    budget = numbers["--extra-tardiness"]
    quotes = promise_batch(loaded, inquiries, current, budget, params)
    if len(quotes) > 1:
        console.print(
            f"{len(quotes)} inquiries, each quoted on its own against the same "
            "current plan (quotes do not reserve capacity for each other):",
            markup=False,
        )
    for quote in quotes:
        print_quote(quote, loaded, console)
    target = out or Path(f"{instance.resolve().stem}-quotes.csv")
    try:
        write_quotes(loaded, quotes, target)
    except OSError as error:
        raise fail(f"cannot write {target}: {error}") from None
    console.print(f"Quotes written to {target}", markup=False)
    if not any(quote.promised for quote in quotes):
        raise typer.Exit(EXIT_NO_SCHEDULE)


def _release(instance: Instance, text: str) -> int:
    from mtosched.workflows.times import time_from_text

    try:
        return time_from_text(instance, text)
    except ValueError as error:
        raise ValueError(f"--release: {error}") from None


def _read_batch(instance: Instance, path: Path) -> list[Inquiry]:
    from mtosched.workflows.promise import read_inquiries

    return read_inquiries(instance, path)


def _current_plan(
    instance: Instance, base: Path | None, params: SolverParams, console: Console
) -> Result:
    """The plan quotes are made against: a result folder, or a fresh solve."""
    from mtosched.io.results_reader import ResultFileError, read_result
    from mtosched.solve import solve

    data = expand_or_exit(instance)
    if base is None:
        console.print(
            f"Solving {instance.name} for the current plan "
            f"({params.time_limit:g} s)...",
            markup=False,
        )
        return solve(data, params)
    try:
        return read_result(data, base)
    except ResultFileError as error:
        print_problems(error.problems, base, stderr_console())
        raise typer.Exit(EXIT_INVALID) from None
    except ValueError as error:
        raise fail(f"the schedule in {base} is not valid: {error}") from None


def print_quote(quote: Quote, instance: Instance, console: Console) -> None:
    """One quote: the date, whether it is the earliest, and its material."""
    from mtosched.expand import format_quantity

    inquiry = quote.inquiry
    what = (
        f"{inquiry.quote_id}: {format_quantity(inquiry.quantity)} × "
        f"{inquiry.product_id}"
    )
    if not quote.promised:
        console.print(f"{what}: cannot be promised: {quote.reason}", markup=False)
        return
    at = quote.completion_at(instance)
    moment = (
        f"{at:%Y-%m-%d %H:%M} (t={quote.completion})"
        if at
        else (f"t={quote.completion}")
    )
    proof = "the earliest possible" if quote.earliest else "not proven earliest"
    console.print(f"{what}: can be delivered at {moment}, {proof}", markup=False)
    for allocation in quote.material:
        console.print(
            f"  {format_quantity(allocation.quantity)} {allocation.component_id} "
            f"from {allocation.source}",
            markup=False,
        )
