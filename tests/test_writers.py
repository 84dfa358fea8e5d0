"""Result files exactly as the spec fixes them, their atomic write, and reading
them back (``io/writers.py``, ``io/results_reader.py``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mtosched import Instance, expand, kpi, pegging
from mtosched.io import writers
from mtosched.io.results_reader import ResultFileError, read_result, read_solution
from mtosched.io.writers import format_cell, summary, write_results
from mtosched.solution import Objective, Result, Solution, SolveStatus
from mtosched.solution import ScheduledOperation as Op

START = "2024-03-04T06:00:00"


def _instance(start: bool) -> Instance:
    """Two bikes (frame made in-house from tube; wheels bought) and one that
    can never get enough tube. Times in minutes; O2's due is 08:00 = 120."""
    return Instance.model_validate(
        {
            "settings": {"start": START} if start else {},
            "machines": [
                {"machine_id": "SAW", "work_center": "CUT"},
                {"machine_id": "WELD", "work_center": "FRAME"},
                {"machine_id": "PAINT", "work_center": "FINISH", "capacity": 2},
                {"machine_id": "ASM", "work_center": "ASSEMBLY"},
            ],
            "routings": [
                _step("FRAME", 1, "SAW", 10, "cut"),
                _step("FRAME", 2, "WELD", 20, "weld"),
                _step("BIKE", 1, "PAINT", 15, "paint"),
                _step("BIKE", 2, "ASM", 30, "assemble"),
            ],
            "bom": [
                {"product_id": "BIKE", "component_id": "FRAME", "quantity": 1},
                {
                    "product_id": "BIKE",
                    "component_id": "WHEEL",
                    "quantity": 2,
                    "step": 2,
                },
                {"product_id": "FRAME", "component_id": "TUBE", "quantity": "1.5"},
            ],
            "components": [
                {"component_id": "WHEEL", "on_hand": 2, "lead_time": 600},
                {"component_id": "TUBE", "on_hand": 3},
            ],
            "supplies": [
                {
                    "supply_id": "PO-W1",
                    "component_id": "WHEEL",
                    "quantity": 2,
                    "arrival": 100,
                }
            ],
            "orders": [
                {"order_id": "O1", "product_id": "BIKE", "due": 200},
                {
                    "order_id": "O2",
                    "product_id": "BIKE",
                    "due": "2024-03-04T08:00:00" if start else 120,
                    "weight": 2,
                },
                {"order_id": "O3", "product_id": "BIKE", "quantity": 5, "due": 300},
            ],
            "downtime": [{"machine_id": "WELD", "start": 50, "end": 70}],
        }
    )


def _step(product: str, step: int, machine: str, run: int, name: str) -> dict[str, Any]:
    return {
        "product_id": product,
        "step": step,
        "machine_id": machine,
        "run_time": run,
        "operation": name,
    }


# O1 finishes at 75 (due 200); O2 at 130 (due 120: 10 late, weight 2).
OPERATIONS = [
    Op("O2", 2, "ASM", 100, 130),
    Op("O1/FRAME", 1, "SAW", 0, 10),
    Op("O1/FRAME", 2, "WELD", 10, 30),
    Op("O1", 1, "PAINT", 30, 45),
    Op("O1", 2, "ASM", 45, 75),
    Op("O2/FRAME", 1, "SAW", 10, 20),
    Op("O2/FRAME", 2, "WELD", 30, 50),
    Op("O2", 1, "PAINT", 50, 65),
]


def _result(
    start: bool = True,
    status: SolveStatus = SolveStatus.feasible,
    objective: list[Objective] | None = None,
) -> Result:
    data = expand(_instance(start))
    solution = Solution(list(OPERATIONS), {"O3": data.orders["O3"].shortage or ""})
    scheduled = status.has_schedule
    return Result(
        status=status,
        objective=objective or [Objective.weighted_tardiness],
        objective_value=Decimal(20) if scheduled else None,
        best_bound=Decimal(10) if scheduled else None,
        wall_time=1.23456,
        data=data,
        solution=solution if scheduled else None,
        orders=kpi.order_results(data, solution) if scheduled else [],
        allocations=pegging.allocate(data, solution) if scheduled else [],
    )


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def written(tmp_path: Path) -> Path:
    return write_results(_result(), tmp_path / "plan", report=False)


# ------------------------------------------------------------- schedule.csv
def test_schedule_csv_is_sorted_by_start_then_machine_with_datetimes(
    written: Path,
) -> None:
    assert _lines(written / "schedule.csv") == [
        "work_order_id,parent_work_order_id,order_id,product_id,quantity,step,"
        "operation,machine_id,start,end,start_at,end_at",
        "O1/FRAME,O1,O1,FRAME,1,1,cut,SAW,0,10,2024-03-04T06:00:00,2024-03-04T06:10:00",
        "O2/FRAME,O2,O2,FRAME,1,1,cut,SAW,10,20,2024-03-04T06:10:00,2024-03-04T06:20:00",
        "O1/FRAME,O1,O1,FRAME,1,2,weld,WELD,10,30,2024-03-04T06:10:00,2024-03-04T06:30:00",
        "O1,,O1,BIKE,1,1,paint,PAINT,30,45,2024-03-04T06:30:00,2024-03-04T06:45:00",
        "O2/FRAME,O2,O2,FRAME,1,2,weld,WELD,30,50,2024-03-04T06:30:00,2024-03-04T06:50:00",
        "O1,,O1,BIKE,1,2,assemble,ASM,45,75,2024-03-04T06:45:00,2024-03-04T07:15:00",
        "O2,,O2,BIKE,1,1,paint,PAINT,50,65,2024-03-04T06:50:00,2024-03-04T07:05:00",
        "O2,,O2,BIKE,1,2,assemble,ASM,100,130,2024-03-04T07:40:00,2024-03-04T08:10:00",
    ]


def test_without_a_plan_start_there_are_no_at_columns(tmp_path: Path) -> None:
    out = write_results(_result(start=False), tmp_path / "plan", report=False)
    assert _lines(out / "schedule.csv")[0] == ",".join(writers.SCHEDULE_COLUMNS)
    assert _lines(out / "orders.csv")[0] == ",".join(writers.ORDER_COLUMNS)
    assert _lines(out / "allocations.csv")[0] == ",".join(writers.ALLOCATION_COLUMNS)
    assert _lines(out / "schedule.csv")[1] == "O1/FRAME,O1,O1,FRAME,1,1,cut,SAW,0,10"


# --------------------------------------------------------------- orders.csv
def test_orders_csv_late_flags_and_empty_figures_for_unschedulable(
    written: Path,
) -> None:
    assert _lines(written / "orders.csv") == [
        "order_id,product_id,quantity,release,due,completion,lateness,tardiness,"
        "weight,late,status,reason,release_at,due_at,completion_at",
        "O1,BIKE,1,0,200,75,-125,0,1,false,scheduled,,"
        "2024-03-04T06:00:00,2024-03-04T09:20:00,2024-03-04T07:15:00",
        "O2,BIKE,1,0,120,130,10,10,2,true,scheduled,,"
        "2024-03-04T06:00:00,2024-03-04T08:00:00,2024-03-04T08:10:00",
        'O3,BIKE,5,0,300,,,,1,,unschedulable,"short of TUBE: needs 7.5, at most 3 '
        'available",2024-03-04T06:00:00,2024-03-04T11:00:00,',
    ]


# ---------------------------------------------------------- allocations.csv
def test_allocations_csv_pegs_stock_and_the_supply(written: Path) -> None:
    # Needs in time order: tube at 0 and 10 (stock), wheels at 45 (stock) and
    # at 100 (PO-W1, arriving exactly then).
    assert _lines(written / "allocations.csv") == [
        "order_id,work_order_id,component_id,quantity,source,available,available_at",
        "O1,O1/FRAME,TUBE,1.5,on_hand,0,2024-03-04T06:00:00",
        "O2,O2/FRAME,TUBE,1.5,on_hand,0,2024-03-04T06:00:00",
        "O1,O1,WHEEL,2,on_hand,0,2024-03-04T06:00:00",
        "O2,O2,WHEEL,2,PO-W1,100,2024-03-04T07:40:00",
    ]


# ------------------------------------------------------------- summary.json
def test_summary_json_numbers(written: Path) -> None:
    content = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    assert content == {
        "status": "feasible",
        "objective": "weighted_tardiness",
        "objective_value": 20,
        "best_bound": 10,
        "gap": 0.5,
        "wall_time_s": 1.235,
        "orders": 3,
        "scheduled_orders": 2,
        "unschedulable_orders": 1,
        "operations": 8,
        "late_orders": 1,
        "weighted_tardiness": 20,
        "total_tardiness": 10,
        "max_lateness": 10,
        "makespan": 130,
    }
    assert list(content) == [
        "status", "objective", "objective_value", "best_bound", "gap",
        "wall_time_s", "orders", "scheduled_orders", "unschedulable_orders",
        "operations", "late_orders", "weighted_tardiness", "total_tardiness",
        "max_lateness", "makespan",
    ]  # fmt: skip
    assert isinstance(content["objective_value"], int)


def test_summary_names_a_lexicographic_objective_and_keeps_fractions() -> None:
    result = _result(objective=[Objective.late_orders, Objective.weighted_tardiness])
    result.objective_value = Decimal("2.5")
    content = summary(result)
    assert content["objective"] == "late_orders,weighted_tardiness"
    assert content["objective_value"] == 2.5
    assert content["gap"] == pytest.approx((2.5 - 10) / 2.5)


@pytest.mark.parametrize("status", [SolveStatus.infeasible, SolveStatus.no_solution])
def test_without_a_schedule_only_summary_json_with_null_figures(
    written: Path, status: SolveStatus
) -> None:
    write_results(_result(status=status), written)
    assert sorted(p.name for p in written.iterdir()) == ["summary.json"]
    content = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    assert content["status"] == status.value
    assert content["orders"] == 3
    nulls = [key for key, value in content.items() if value is None]
    assert nulls == [
        "objective_value", "best_bound", "gap", "scheduled_orders",
        "unschedulable_orders", "operations", "late_orders", "weighted_tardiness",
        "total_tardiness", "max_lateness", "makespan",
    ]  # fmt: skip


# ------------------------------------------------------------ frames, cells
def test_frames_keep_exact_typed_values() -> None:
    result = _result()
    orders = result.orders_frame()
    assert orders["completion"].dtype == "Int64"
    assert orders.loc[2, "completion"] is pd.NA
    assert orders["late"].tolist()[:2] == [False, True]
    schedule = result.schedule_frame()
    assert schedule["quantity"].tolist()[0] == Decimal(1)
    assert schedule["start_at"].iloc[-1] == pd.Timestamp("2024-03-04T07:40:00")
    allocations = result.allocations_frame()
    assert allocations["quantity"].sum() == Decimal("7")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("2.000"), "2"),
        (Decimal("0.750"), "0.75"),
        (Decimal("1E+1"), "10"),
        (True, "true"),
        (None, ""),
        (pd.NA, ""),
        (pd.Timestamp("2024-03-04 06:30"), "2024-03-04T06:30:00"),
    ],
)
def test_cells_are_written_as_a_planner_reads_them(value: object, text: str) -> None:
    assert format_cell(value) == text


# ------------------------------------------------------------ atomic write
def test_a_failing_write_keeps_the_previous_result(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p.name: p.read_bytes() for p in written.iterdir()}

    def broken(result: Result) -> pd.DataFrame:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writers, "allocations_frame", broken)
    changed = _result()
    changed.solution.operations[0] = Op("O2", 2, "ASM", 110, 140)  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="disk full"):
        write_results(changed, written, report=False)
    assert {p.name: p.read_bytes() for p in written.iterdir()} == before
    assert [p.name for p in written.parent.iterdir()] == ["plan"]  # no leftovers


def test_a_new_result_replaces_every_old_file(written: Path) -> None:
    (written / "report.html").write_text("stale", encoding="utf-8")
    write_results(_result(), written, report=False)
    assert "report.html" not in {p.name for p in written.iterdir()}
    assert [p.name for p in written.parent.iterdir()] == ["plan"]


def test_the_users_own_files_in_the_folder_are_kept(written: Path) -> None:
    (written / "notes.txt").write_text("mine", encoding="utf-8")
    (written / "report.html").write_text("stale", encoding="utf-8")
    write_results(_result(status=SolveStatus.infeasible), written)
    assert sorted(p.name for p in written.iterdir()) == ["notes.txt", "summary.json"]
    assert (written / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_an_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plan").write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        write_results(_result(), tmp_path / "plan")


# -------------------------------------------------------------- read back
def test_round_trip_through_the_result_files(written: Path) -> None:
    original = _result()
    solution, content = read_solution(written)
    assert sorted(solution.operations, key=str) == sorted(OPERATIONS, key=str)
    assert solution.unschedulable == original.solution.unschedulable  # type: ignore[union-attr]
    assert content["weighted_tardiness"] == 20
    again = read_result(original.data, written)
    assert again.status is SolveStatus.feasible
    assert again.objective == [Objective.weighted_tardiness]
    assert again.objective_value == Decimal(20)
    assert again.orders == original.orders
    assert again.allocations == original.allocations
    assert summary(again) | {"wall_time_s": 0} == summary(original) | {"wall_time_s": 0}


def test_reading_a_result_without_a_schedule(tmp_path: Path) -> None:
    out = write_results(_result(status=SolveStatus.infeasible), tmp_path / "plan")
    solution, content = read_solution(out)
    assert solution.operations == []
    assert content["status"] == "infeasible"
    assert read_result(_result().data, out).solution is None


def _located(error: ResultFileError) -> list[tuple[str | None, int | None, Any, Any]]:
    return [(p.file, p.row, p.column, p.value) for p in error.problems]


def test_malformed_result_files_name_file_row_and_column(written: Path) -> None:
    lines = _lines(written / "schedule.csv")
    lines[2] = lines[2].replace(",10,20,", ",10,soon,")  # line 3: end
    lines[3] = lines[3].replace("O1/FRAME,O1", ",O1", 1)  # line 4: work_order_id
    (written / "schedule.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    orders = _lines(written / "orders.csv")
    orders[1] = orders[1].replace(",scheduled,", ",done,")
    (written / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    with pytest.raises(ResultFileError) as caught:
        read_solution(written)
    assert _located(caught.value) == [
        ("schedule.csv", 3, "end", "soon"),
        ("schedule.csv", 4, "work_order_id", ""),
        ("orders.csv", 2, "status", "done"),
    ]
    assert "schedule.csv, row 3, column 'end'" in str(caught.value)


def test_missing_columns_and_files_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    folder.mkdir()
    with pytest.raises(ResultFileError, match=r"summary.json: .*an existing file"):
        read_solution(folder)
    (folder / "summary.json").write_text('{"status": "optimal"}', encoding="utf-8")
    (folder / "schedule.csv").write_text("work_order_id,step,start\nO1,1,0\n")
    with pytest.raises(ResultFileError) as caught:
        read_solution(folder)
    assert _located(caught.value) == [
        ("schedule.csv", 1, "machine_id", None),
        ("schedule.csv", 1, "end", None),
    ]
    assert "a required column 'end' (missing from the header)" in str(caught.value)


def test_an_unknown_status_in_summary_is_reported(written: Path) -> None:
    content = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    content["status"] = "great"
    (written / "summary.json").write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(ResultFileError, match="column 'status': value 'great'"):
        read_result(_result().data, written)
