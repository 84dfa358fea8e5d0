"""Helpers shared by the commands: consoles, and loading input without tracebacks.

The spec promises that bad input never gives a traceback: every problem is
printed as one line (file, row, column, value, what was expected) and the
command exits with code 2. Anything unexpected while reading is reported the
same way, as one clear line, because a planner cannot act on a stack trace.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from mtosched.domain import Instance, Problem
    from mtosched.expand import ProblemData
    from mtosched.model.params import SolverParams
    from mtosched.solution import Objective, Result

#: Exit code for input that cannot be used (the spec's "invalid input").
EXIT_INVALID = 2


def stdout_console() -> Console:
    """Console for results; long lines stay whole so they can be grepped."""
    return Console(soft_wrap=True, highlight=False)


def stderr_console() -> Console:
    """Console for warnings and errors."""
    return Console(stderr=True, soft_wrap=True, highlight=False)


def fail(message: str, console: Console | None = None) -> typer.Exit:
    """Print ``error: message`` and return the exit to raise (code 2)."""
    (console or stderr_console()).print(f"error: {message}", markup=False)
    return typer.Exit(EXIT_INVALID)


def print_problems(problems: list[Problem], path: Path, console: Console) -> None:
    """Every problem on its own line, as the spec's Errors section asks."""
    count = len(problems)
    console.print(
        f"error: {count} problem{'s' if count != 1 else ''} in {path}:", markup=False
    )
    for problem in problems:
        console.print(f"  - {problem}", markup=False)


def load_instance_or_exit(path: Path, console: Console | None = None) -> Instance:
    """Load and validate an instance; print its warnings; exit 2 when it is invalid.

    Warnings (:class:`~mtosched.domain.InstanceWarning`: unknown columns, tables
    or settings) are printed as ``warning: ...`` and do not stop the command.
    """
    from mtosched.domain import InstanceError, InstanceWarning
    from mtosched.io.loaders import load_instance

    console = console or stderr_console()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InstanceWarning)
        try:
            instance = load_instance(path)
        except InstanceError as error:
            _print_warnings(caught, console)
            print_problems(error.problems, path, console)
            raise typer.Exit(EXIT_INVALID) from None
        except Exception as error:  # never a traceback for bad input
            _print_warnings(caught, console)
            raise fail(f"cannot read {path}: {_describe(error)}", console) from None
    _print_warnings(caught, console)
    return instance


def expand_or_exit(instance: Instance, console: Console | None = None) -> ProblemData:
    """Expand a valid instance; an unexpected failure is one line and exit 2."""
    from mtosched.expand import expand

    try:
        return expand(instance)
    except Exception as error:  # a bug or an unhandled input case, not a traceback
        raise fail(
            f"cannot expand the instance into work orders: {_describe(error)}", console
        ) from None


def objectives_or_exit(text: str) -> list[Objective]:
    """The ``--objective`` list (hyphens or underscores); exit 2 if unknown or empty."""
    from mtosched.solution import Objective

    try:
        objectives = Objective.parse_list(text)
    except ValueError:
        names = ", ".join(o.value.replace("_", "-") for o in Objective)
        raise fail(f"unknown objective '{text}' (expected {names})") from None
    if not objectives:
        raise fail("--objective needs at least one objective")
    return objectives


def solver_params_or_exit(profile: str, **overrides: Any) -> SolverParams:
    """Solver settings from a profile and the command's options; exit 2 if bad."""
    from mtosched.model.params import SolverParams

    try:
        return SolverParams.from_profile(profile, **overrides)
    except ValueError as error:  # unknown profile, or a setting out of range
        raise fail(f"solver settings: {error}") from None


def read_plan_or_exit(
    data: ProblemData, result_dir: Path, console: Console | None = None
) -> Result:
    """A result folder with a schedule, rebuilt for ``data``; exit 2 otherwise.

    Malformed files list every problem; a schedule that breaks the material
    rule (pegging cannot cover it) or a folder without a schedule is one line.
    """
    from mtosched.io.results_reader import ResultFileError, read_result

    console = console or stderr_console()
    try:
        result = read_result(data, result_dir)
    except ResultFileError as error:
        print_problems(error.problems, result_dir, console)
        raise typer.Exit(EXIT_INVALID) from None
    except ValueError as error:
        raise fail(
            f"the schedule in {result_dir} is not valid: {error}", console
        ) from None
    if result.solution is None:
        raise fail(
            f"{result_dir} holds no schedule (status {result.status.value})", console
        )
    return result


def _describe(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _print_warnings(caught: list[warnings.WarningMessage], console: Console) -> None:
    from mtosched.domain import InstanceWarning

    for item in caught:
        if issubclass(item.category, InstanceWarning):
            console.print(f"warning: {item.message}", markup=False)
