"""The ``mtosched`` command line: thin typer commands over the library.

Each command lives in its own module and is registered here with one line.
Commands import pandas, ortools and the like inside their bodies, so that
``mtosched --help`` answers at once.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mtosched.cli.check import check_command
from mtosched.cli.explain import explain_command
from mtosched.cli.generate import generate_command
from mtosched.cli.promise import promise_command
from mtosched.cli.report import report_command
from mtosched.cli.reschedule import reschedule_command
from mtosched.cli.solve import solve_command
from mtosched.cli.validate import validate

app = typer.Typer(
    name="mtosched",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from mtosched import __version__

        typer.echo(f"mtosched {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Production scheduling for make-to-order factories (OR-Tools CP-SAT)."""


app.command()(validate)
app.command("solve")(solve_command)
app.command("check")(check_command)
app.command("report")(report_command)
app.command("explain")(explain_command)
app.command("reschedule")(reschedule_command)
app.command("promise")(promise_command)
app.command("generate")(generate_command)


def main() -> None:
    """Entry point of the ``mtosched`` console script and ``python -m mtosched``."""
    app(prog_name="mtosched")
