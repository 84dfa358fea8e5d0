"""Result files: ``schedule.csv``, ``orders.csv``, ``allocations.csv``,
``summary.json`` and ``report.html``, exactly as the spec fixes them.

The DataFrames keep typed values for library users (exact ``Decimal``
quantities, nullable integers, datetimes); only the CSV writer turns them into
the planner's text (``2``, ``0.75``, ``true``, ISO datetimes, empty cells).
:func:`write_results` writes into a temporary folder next to the target and
moves the files into place at the end, so a failed run never leaves half a
result or destroys the previous one.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mtosched.domain.time import to_datetime
from mtosched.expand import ProblemData, format_quantity

if TYPE_CHECKING:
    from mtosched.solution import Result
    from mtosched.workflows.explain import Explanation

SCHEDULE_COLUMNS = [
    "work_order_id",
    "parent_work_order_id",
    "order_id",
    "product_id",
    "quantity",
    "step",
    "operation",
    "machine_id",
    "start",
    "end",
]
ORDER_COLUMNS = [
    "order_id",
    "product_id",
    "quantity",
    "release",
    "due",
    "completion",
    "lateness",
    "tardiness",
    "weight",
    "late",
    "status",
    "reason",
]
ALLOCATION_COLUMNS = [
    "order_id",
    "work_order_id",
    "component_id",
    "quantity",
    "source",
    "available",
]
#: Why late (see :mod:`mtosched.workflows.explain`): one row per link of a chain.
EXPLANATION_COLUMNS = ["order_id", "cause", "resource", "from", "to", "detail"]
#: Time columns that get an ``_at`` twin when the instance has a plan start.
TIME_COLUMNS = {
    "schedule": ["start", "end"],
    "orders": ["release", "due", "completion"],
    "allocations": ["available"],
    "explanations": ["from", "to"],
}
#: Every file :func:`write_results` may write; others in the folder are kept.
RESULT_FILES = (
    "schedule.csv",
    "orders.csv",
    "allocations.csv",
    "explanations.csv",
    "changes.csv",
    "summary.json",
    "report.html",
)


# ------------------------------------------------------------------ frames
def schedule_frame(result: Result) -> pd.DataFrame:
    """One row per placed operation, sorted by start, then machine."""
    data = result.data
    operations = result.solution.operations if result.solution else []
    names = {(op.work_order_id, op.step): op.name for op in data.operations}
    rows = []
    for placed in operations:
        work_order = data.work_orders[placed.work_order_id]
        rows.append(
            {
                "work_order_id": placed.work_order_id,
                "parent_work_order_id": work_order.parent_id,
                "order_id": work_order.order_id,
                "product_id": work_order.product_id,
                "quantity": work_order.quantity,
                "step": placed.step,
                "operation": names.get((placed.work_order_id, placed.step), ""),
                "machine_id": placed.machine_id,
                "start": placed.start,
                "end": placed.end,
            }
        )
    rows.sort(
        key=lambda r: (r["start"], r["machine_id"], r["work_order_id"], r["step"])
    )
    frame = pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)
    frame = frame.astype({"step": "int64", "start": "int64", "end": "int64"})
    return _with_datetimes(frame, data, TIME_COLUMNS["schedule"])


def orders_frame(result: Result) -> pd.DataFrame:
    """One row per customer order; empty figures for unschedulable ones."""
    rows = [
        {
            "order_id": order.order_id,
            "product_id": order.product_id,
            "quantity": order.quantity,
            "release": order.release,
            "due": order.due,
            "completion": order.completion,
            "lateness": order.lateness,
            "tardiness": order.tardiness,
            "weight": order.weight,
            "late": order.late,
            "status": order.status,
            "reason": order.reason,
        }
        for order in result.orders
    ]
    frame = pd.DataFrame(rows, columns=ORDER_COLUMNS)
    frame = frame.astype(
        {
            "release": "int64",
            "due": "int64",
            "completion": "Int64",
            "lateness": "Int64",
            "tardiness": "Int64",
            "late": "boolean",
        }
    )
    return _with_datetimes(frame, result.data, TIME_COLUMNS["orders"])


def allocations_frame(result: Result) -> pd.DataFrame:
    """Material pegging: one row per (need, source) piece."""
    rows = [
        {
            "order_id": a.order_id,
            "work_order_id": a.work_order_id,
            "component_id": a.component_id,
            "quantity": a.quantity,
            "source": a.source,
            "available": a.available,
        }
        for a in result.allocations
    ]
    frame = pd.DataFrame(rows, columns=ALLOCATION_COLUMNS).astype(
        {"available": "int64"}
    )
    return _with_datetimes(frame, result.data, TIME_COLUMNS["allocations"])


def explanations_frame(
    result: Result, explanations: list[Explanation] | None = None
) -> pd.DataFrame:
    """Why each late order is late: its chain of causes, earliest first.

    ``explanations`` are :func:`~mtosched.workflows.explain.explain`'s
    (computed here when not given).
    """
    from mtosched.workflows.explain import explain

    if explanations is None:
        explanations = explain(result)
    rows = [
        {
            "order_id": explanation.order_id,
            "cause": cause.kind.value,
            "resource": cause.resource,
            "from": cause.start,
            "to": cause.end,
            "detail": cause.detail,
        }
        for explanation in explanations
        for cause in explanation.causes
    ]
    frame = pd.DataFrame(rows, columns=EXPLANATION_COLUMNS)
    frame = frame.astype({"from": "int64", "to": "int64"})
    return _with_datetimes(frame, result.data, TIME_COLUMNS["explanations"])


def _with_datetimes(
    frame: pd.DataFrame, data: ProblemData, columns: list[str]
) -> pd.DataFrame:
    """Add the ``<column>_at`` datetimes when the instance has a plan start."""
    start = data.instance.settings.start
    if start is None:
        return frame
    unit = data.instance.settings.time_unit
    for column in columns:
        frame[f"{column}_at"] = pd.Series(
            [
                None if pd.isna(v) else to_datetime(int(v), start, unit)
                for v in frame[column]
            ],
            index=frame.index,
            dtype="datetime64[ns]",
        )
    return frame


# ----------------------------------------------------------------- summary
def summary(result: Result) -> dict[str, Any]:
    """The ``summary.json`` content; figures are null without a schedule."""
    head: dict[str, Any] = {
        "status": result.status.value,
        "objective": ",".join(objective.value for objective in result.objective),
        "objective_value": None,
        "best_bound": _number(result.best_bound),
        "gap": None,
        "wall_time_s": round(result.wall_time, 3),
        "orders": len(result.data.orders),
    }
    figures = dict.fromkeys(
        [
            "scheduled_orders",
            "unschedulable_orders",
            "operations",
            "late_orders",
            "weighted_tardiness",
            "total_tardiness",
            "max_lateness",
            "makespan",
        ]
    )
    if result.status.has_schedule and result.solution is not None:
        head["objective_value"] = _number(result.objective_value)
        head["gap"] = _number(result.gap)
        figures = _schedule_figures(result)
    return head | figures


def _schedule_figures(result: Result) -> dict[str, Any]:
    """Counts and KPIs over the scheduled orders."""
    done = [order for order in result.orders if order.completion is not None]
    operations = result.solution.operations if result.solution else []
    return {
        "scheduled_orders": len(done),
        "unschedulable_orders": len(result.orders) - len(done),
        "operations": len(operations),
        "late_orders": sum(1 for order in done if order.late),
        "weighted_tardiness": _number(
            sum((o.weight * (o.tardiness or 0) for o in done), Decimal(0))
        ),
        "total_tardiness": sum(o.tardiness or 0 for o in done),
        "max_lateness": max((o.lateness or 0 for o in done), default=None),
        "makespan": max((op.end for op in operations), default=0),
    }


def _number(value: Decimal | float | int | None) -> int | float | None:
    """A JSON number: an int when integral, else a float; ``None`` stays null."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value == int(value):
        return int(value)
    return float(value)


# ------------------------------------------------------------------ files
def write_results(
    result: Result,
    out_dir: str | Path,
    report: bool = True,
    extra: dict[str, Callable[[Path], None]] | None = None,
) -> Path:
    """Write the spec's result files into ``out_dir`` (replacing old ones).

    Without a schedule (``no_solution``, ``infeasible``) only ``summary.json``
    is written. ``extra`` maps further file names of :data:`RESULT_FILES`
    (``changes.csv`` of a reschedule) to functions writing them, so that they
    are replaced together with the rest. Everything is first written to a
    temporary folder beside ``out_dir``; only when all files are complete are
    they moved into place, and result files of an earlier run that this run
    does not write (say, an old ``report.html``) are removed. Returns
    ``out_dir``.
    """
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} exists and is not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = _sibling(out_dir, "new")
    try:
        for name, write in [*_file_writers(result, report), *(extra or {}).items()]:
            write(staging / name)
        _move_into_place(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _file_writers(
    result: Result, report: bool
) -> Iterable[tuple[str, Callable[[Path], None]]]:
    """The files this result gets, each with the function that writes it."""
    from mtosched.workflows.explain import explain

    scheduled = result.status.has_schedule and result.solution is not None
    explanations = explain(result) if scheduled else []  # for the csv and report
    if scheduled:
        yield "schedule.csv", lambda path: write_csv(schedule_frame(result), path)
        yield "orders.csv", lambda path: write_csv(orders_frame(result), path)
        yield "allocations.csv", lambda path: write_csv(allocations_frame(result), path)
        yield (
            "explanations.csv",
            lambda p: write_csv(explanations_frame(result, explanations), p),
        )
    yield "summary.json", lambda path: _write_json(summary(result), path)
    if report and scheduled:
        yield "report.html", lambda path: _write_report(result, path, explanations)


def _write_json(content: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _write_report(result: Result, path: Path, explanations: list[Explanation]) -> None:
    from mtosched.report import render_html  # plotly is heavy: import on use

    path.write_text(render_html(result, explanations), encoding="utf-8")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a result frame as the planner's CSV (UTF-8, comma, header row)."""
    columns = [_text_column(frame[name]) for name in frame.columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(frame.columns)
        writer.writerows(zip(*columns, strict=True))


def _text_column(column: pd.Series) -> list[str]:
    """A column as CSV text, vectorised where the dtype allows it (100k-row
    files would otherwise spend seconds in :func:`format_cell`)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").tolist()
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "true", False: "false"}).fillna("").tolist()
    if pd.api.types.is_integer_dtype(column):
        return column.astype("string").fillna("").tolist()
    return [format_cell(value) for value in column.tolist()]


def format_cell(value: Any) -> str:
    """One value as CSV text: ``2``, ``0.75``, ``true``, ISO datetime, empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, Decimal):
        return format_quantity(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else format_quantity(Decimal(repr(value)))
    return str(value)


def _move_into_place(staging: Path, out_dir: Path) -> None:
    """Replace the result files in ``out_dir`` by those in ``staging``.

    A missing or results-only folder is swapped whole (renames are atomic on
    one file system); a folder that also holds the user's own files (or is
    the working directory) keeps them, and only the result files are
    replaced one by one.
    """
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    results_only = {p.name for p in out_dir.iterdir()} <= set(RESULT_FILES)
    if results_only and not Path.cwd().resolve().is_relative_to(out_dir):
        _swap_folders(staging, out_dir)
        return
    written = {p.name for p in staging.iterdir()}
    for name in RESULT_FILES:
        if name in written:
            os.replace(staging / name, out_dir / name)
        else:
            (out_dir / name).unlink(missing_ok=True)


def _sibling(out_dir: Path, kind: str) -> Path:
    """A new hidden folder next to ``out_dir`` (created with the usual mode)."""
    while True:
        path = out_dir.parent / f".{out_dir.name}.{kind}-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(FileExistsError):
            path.mkdir()
            return path


def _swap_folders(staging: Path, out_dir: Path) -> None:
    """Rename the old folder aside, the new one in, then drop the old one."""
    backup = _sibling(out_dir, "old")
    backup.rmdir()
    out_dir.rename(backup)
    try:
        staging.rename(out_dir)
    except OSError:
        with contextlib.suppress(OSError):
            backup.rename(out_dir)
        raise
    shutil.rmtree(backup, ignore_errors=True)
