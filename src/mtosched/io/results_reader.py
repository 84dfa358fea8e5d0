"""Read result files back: the schedule a run wrote, or one a planner edited.

``mtosched check`` and ``mtosched report`` start from a result folder, not a
solve. Only what defines the schedule is read (``schedule.csv``: who runs
where and when; ``orders.csv``: which orders were left out and why); every
derived figure is recomputed from the instance. Malformed files raise one
:class:`ResultFileError` that names the file, row and column of every problem.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from mtosched import kpi, pegging
from mtosched.domain.errors import Problem
from mtosched.domain.values import to_integer
from mtosched.expand import ProblemData
from mtosched.solution import (
    Objective,
    Result,
    ScheduledOperation,
    Solution,
    SolveStatus,
)

T = TypeVar("T")

SCHEDULE_REQUIRED = ("work_order_id", "step", "machine_id", "start", "end")
ORDERS_REQUIRED = ("order_id", "status", "reason")
ORDER_STATUSES = ("scheduled", "unschedulable")


class ResultFileError(ValueError):
    """Result files that cannot be read; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line."""
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the result files:"
        return "\n".join([head, *(f"- {problem}" for problem in self.problems)])


def read_solution(result_dir: str | Path) -> tuple[Solution, dict[str, Any]]:
    """The schedule and the summary stored in a result folder.

    ``summary.json`` is required. Without a schedule (its status is
    ``no_solution`` or ``infeasible``) the returned solution is empty;
    otherwise ``schedule.csv`` is required and ``orders.csv`` optional (it only
    adds the unschedulable orders and their reasons).
    """
    folder = Path(result_dir)
    problems: list[Problem] = []
    summary = _read_summary(folder / "summary.json", problems)
    has_schedule = summary.get("status") in ("optimal", "feasible")
    operations: list[ScheduledOperation] = []
    unschedulable: dict[str, str] = {}
    schedule = folder / "schedule.csv"
    if schedule.exists() or has_schedule:
        operations = _read_schedule(schedule, problems)
    if (folder / "orders.csv").exists():
        unschedulable = _read_orders(folder / "orders.csv", problems)
    if problems:
        raise ResultFileError(problems)
    return Solution(operations, unschedulable), summary


def _read_summary(path: Path, problems: list[Problem]) -> dict[str, Any]:
    """``summary.json`` as a dict (numbers exact, as ``Decimal`` or ``int``)."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        problems.append(Problem(path.name, None, None, None, "an existing file"))
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(Problem(path.name, None, None, None, f"valid JSON ({error})"))
        return {}
    if not isinstance(content, dict):
        problems.append(Problem(path.name, None, None, None, "a JSON object"))
        return {}
    return content


def _read_rows(
    path: Path, required: tuple[str, ...], problems: list[Problem]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a result CSV with their line numbers (header = line 1)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            missing = [column for column in required if column not in columns]
            for column in missing:
                problems.append(
                    Problem(
                        path.stem,
                        1,
                        column,
                        None,
                        f"a required column '{column}' (missing from the header)",
                        path.name,
                    )
                )
            if missing:
                return []
            return [
                (reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
                for row in reader
                if any((value or "").strip() for value in row.values())
            ]
    except FileNotFoundError:
        problems.append(
            Problem(path.stem, None, None, None, "an existing file", path.name)
        )
    except (UnicodeDecodeError, csv.Error) as error:
        problems.append(
            Problem(
                path.stem, None, None, None, f"a UTF-8 CSV file ({error})", path.name
            )
        )
    return []


def _read_schedule(path: Path, problems: list[Problem]) -> list[ScheduledOperation]:
    """One :class:`ScheduledOperation` per valid row of ``schedule.csv``."""
    operations = []
    for line, row in _read_rows(path, SCHEDULE_REQUIRED, problems):
        before = len(problems)
        texts = {
            column: _text(path, line, row, column, problems)
            for column in ("work_order_id", "machine_id")
        }
        numbers = {
            column: _whole(path, line, row, column, problems)
            for column in ("step", "start", "end")
        }
        if len(problems) == before:
            operations.append(
                ScheduledOperation(
                    work_order_id=texts["work_order_id"],
                    step=numbers["step"],
                    machine_id=texts["machine_id"],
                    start=numbers["start"],
                    end=numbers["end"],
                )
            )
    return operations


def _read_orders(path: Path, problems: list[Problem]) -> dict[str, str]:
    """Unschedulable orders and their reasons from ``orders.csv``."""
    unschedulable: dict[str, str] = {}
    for line, row in _read_rows(path, ORDERS_REQUIRED, problems):
        order_id = _text(path, line, row, "order_id", problems)
        status = row["status"]
        if status not in ORDER_STATUSES:
            problems.append(
                Problem(
                    path.stem,
                    line,
                    "status",
                    status,
                    "scheduled or unschedulable",
                    path.name,
                )
            )
        elif status == "unschedulable" and order_id:
            unschedulable[order_id] = row["reason"] or "unschedulable"
    return unschedulable


def _text(
    path: Path, line: int, row: dict[str, str], column: str, problems: list[Problem]
) -> str:
    value = row.get(column, "")
    if not value:
        problems.append(
            Problem(path.stem, line, column, value, "a non-empty id", path.name)
        )
    return value


def _whole(
    path: Path, line: int, row: dict[str, str], column: str, problems: list[Problem]
) -> int:
    value = row.get(column, "")
    try:
        return int(to_integer(value))
    except (ValueError, InvalidOperation):
        problems.append(
            Problem(path.stem, line, column, value, "a whole number", path.name)
        )
        return 0


def read_result(data: ProblemData, result_dir: str | Path) -> Result:
    """A :class:`Result` rebuilt from a result folder, for reports and checks.

    Status, objective, bound and wall time come from ``summary.json``; the
    per-order figures and the pegging are recomputed from the instance, so a
    hand-edited schedule is reported as it now is. Pegging raises
    ``ValueError`` when the schedule breaks the material rule.
    """
    solution, summary = read_solution(result_dir)
    problems: list[Problem] = []
    status = _summary_value(summary, "status", SolveStatus, problems)
    objective = _summary_value(summary, "objective", Objective.parse_list, problems)
    if problems:
        raise ResultFileError(problems)
    scheduled = status.has_schedule
    return Result(
        status=status,
        objective=objective,
        objective_value=_decimal(summary.get("objective_value")),
        best_bound=_decimal(summary.get("best_bound")),
        wall_time=float(summary.get("wall_time_s") or 0),
        data=data,
        solution=solution if scheduled else None,
        orders=kpi.order_results(data, solution) if scheduled else [],
        allocations=pegging.allocate(data, solution) if scheduled else [],
    )


def _summary_value(
    summary: dict[str, Any],
    key: str,
    parse: Callable[[Any], T],
    problems: list[Problem],
) -> T:
    value = summary.get(key)
    try:
        return parse(value)
    except (ValueError, TypeError, AttributeError):
        expected = {
            "status": "one of " + ", ".join(s.value for s in SolveStatus),
            "objective": "objective names such as weighted_tardiness",
        }[key]
        problems.append(Problem("summary", None, key, value, expected, "summary.json"))
        return None  # type: ignore[return-value]


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
