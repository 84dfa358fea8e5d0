"""``mtosched report``: render the HTML report from existing result files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mtosched.cli.common import (
    expand_or_exit,
    load_instance_or_exit,
    read_plan_or_exit,
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
    from mtosched.report import render_html

    errors = stderr_console()
    data = expand_or_exit(load_instance_or_exit(instance, errors), errors)
    result = read_plan_or_exit(data, result_dir, errors)
    target = out or result_dir / "report.html"
    target.write_text(render_html(result), encoding="utf-8")
    stdout_console().print(f"Report written to {target}", markup=False)
