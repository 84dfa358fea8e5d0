"""``mtosched report``: render the HTML report from existing result files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mtosched.cli.common import (
    EXIT_INVALID,
    expand_or_exit,
    fail,
    load_instance_or_exit,
    print_problems,
    stderr_console,
    stdout_console,
)


def report_command(
    instance: Annotated[Path, typer.Argument(exists=True, help="The instance.")],
    result_dir: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="A result folder.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="HTML file (default: RESULT_DIR/report.html)."
        ),
    ] = None,
) -> None:
    """Render the Gantt report of a result folder as one offline HTML file."""
    from mtosched.io.results_reader import ResultFileError, read_result
    from mtosched.report import render_html

    errors = stderr_console()
    data = expand_or_exit(load_instance_or_exit(instance, errors), errors)
    try:
        result = read_result(data, result_dir)
    except ResultFileError as error:
        print_problems(error.problems, result_dir, errors)
        raise typer.Exit(EXIT_INVALID) from None
    except ValueError as error:
        raise fail(f"the schedule in {result_dir} is not valid: {error}") from None
    if result.solution is None:
        raise fail(f"{result_dir} holds no schedule (status {result.status.value})")
    target = out or result_dir / "report.html"
    target.write_text(render_html(result), encoding="utf-8")
    stdout_console().print(f"Report written to {target}", markup=False)
