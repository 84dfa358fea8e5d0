"""Why late: chains of causes on tiny schedules whose answers are worked by hand.

Every schedule here comes from a checker-clean solve (``solve_checked``); the
optimal schedules of these instances are unique, so the chains are exact.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from builders import make_instance, one_step_jobs, solve_checked
from conftest import INSTANCES, run_cli
from mtosched.checker import check
from mtosched.expand import expand
from mtosched.io.writers import write_results
from mtosched.report import render_html
from mtosched.solution import ScheduledOperation, Solution
from mtosched.workflows.explain import explain, explain_order


def _chain(explanation: Any) -> list[tuple[str, str, int, int]]:
    return [(c.kind.value, c.resource, c.start, c.end) for c in explanation.causes]


def _two_step(arrival: int, **extra: Any) -> Any:
    """P: step 10 on M1 (2), step 20 on M2 (3) consuming one X; order A due 10.

    X has no stock; PO-1 brings one at ``arrival``. On time when it arrives by
    7 (step 20 ends at arrival + 3 <= 10), late by arrival - 7 after that.
    """
    return make_instance(
        ["M1", "M2"],
        [
            {"product_id": "P", "step": 10, "machine_id": "M1", "run_time": 2},
            {"product_id": "P", "step": 20, "machine_id": "M2", "run_time": 3},
        ],
        [{"order_id": "A", "product_id": "P", "due": 10}],
        bom=[{"product_id": "P", "component_id": "X", "quantity": 1, "step": 20}],
        supplies=[
            {
                "supply_id": "PO-1",
                "component_id": "X",
                "quantity": 1,
                "arrival": arrival,
            }
        ],
        **extra,
    )


def test_supplier_delay_makes_the_order_late_and_names_the_supply() -> None:
    on_time = solve_checked(_two_step(arrival=4), time_limit=5)
    assert explain(on_time) == []
    delayed = solve_checked(_two_step(arrival=20), time_limit=5)
    (explanation,) = explain(delayed)
    # Step 10 ends at 2; step 20 waits for PO-1 until 20 and ends at 23.
    assert explanation.order_id == "A"
    assert explanation.lateness == 13
    assert _chain(explanation) == [
        ("material", "X", 2, 20),
        ("own_work", "M2", 20, 23),
    ]
    assert "PO-1" in explanation.causes[0].detail
    assert "PO-1" in explanation.headline()


def test_single_machine_chain_names_the_orders_ahead() -> None:
    # tiny/single_machine, weighted tardiness optimum A, B, C: C starts at 5
    # behind B (3..5), which is behind A (0..3).
    jobs = {"A": (3, 4, 2), "B": (2, 4, 1), "C": (4, 6, 1)}
    routings, orders = one_step_jobs(jobs)
    result = solve_checked(make_instance(["M1"], routings, orders), time_limit=5)
    by_order = {e.order_id: e for e in explain(result)}
    assert set(by_order) == {"B", "C"}
    assert _chain(by_order["C"]) == [
        ("plan_start", "", 0, 0),
        ("machine_busy", "M1", 0, 3),
        ("machine_busy", "M1", 3, 5),
        ("own_work", "M1", 5, 9),
    ]
    assert "A" in by_order["C"].causes[1].detail
    assert "B" in by_order["C"].causes[2].detail
    assert by_order["C"].headline() == "M1 busy with A; M1 busy with B"
    # worst first: C (tardiness 3) before B (1)
    assert [e.order_id for e in explain(result)] == ["C", "B"]


def test_downtime_window_pushes_the_operation_behind_it() -> None:
    # A takes 4 on M1, which is down over [2, 10): it cannot fit before the
    # window, so it runs 10..14, late by 9 against due 5.
    routings, orders = one_step_jobs({"A": (4, 5, 1)})
    instance = make_instance(
        ["M1"], routings, orders, downtime=[{"machine_id": "M1", "start": 2, "end": 10}]
    )
    (explanation,) = explain(solve_checked(instance, time_limit=5))
    assert _chain(explanation) == [
        ("plan_start", "", 0, 0),
        ("downtime", "M1", 2, 10),
        ("own_work", "M1", 10, 14),
    ]


def test_only_its_own_work_from_release_is_its_routing_length() -> None:
    # Released at 5, steps of 2 and 3 back to back end at 10 > due 8.
    instance = _two_step(arrival=0)
    instance = instance.model_copy(
        update={
            "orders": [instance.orders[0].model_copy(update={"release": 5, "due": 8})]
        }
    )
    (explanation,) = explain(solve_checked(instance, time_limit=5))
    assert _chain(explanation) == [("routing_length", "A", 5, 10)]
    assert "2 operations" in explanation.causes[0].detail


def test_child_work_orders_and_shared_stock_by_hand() -> None:
    # bom_two_level, a valid hand-made schedule: SO-1's frame is cut first, so
    # SO-2's frame (its child work order) waits for the saw; SO-2 takes 2 of
    # the 4 wheels on hand, so SO-1's assembly waits for PO-1 at 30.
    instance = _load("tiny/bom_two_level")
    placements = [
        ("SO-1/FRAME", 10, "SAW", 0, 9),
        ("SO-1/FRAME", 20, "WELD", 9, 15),
        ("SO-2/FRAME", 10, "SAW", 9, 16),
        ("SO-2/FRAME", 20, "WELD", 16, 19),
        ("SO-2", 10, "ASSY", 19, 23),
        ("SO-2", 20, "ASSY", 23, 24),
        ("SO-1", 10, "ASSY", 30, 38),
        ("SO-1", 20, "ASSY", 38, 40),
    ]
    solution = Solution([ScheduledOperation(*p) for p in placements])
    assert check(instance, solution).ok
    data = expand(instance)
    assert _chain(explain_order(data, solution, "SO-2")) == [
        ("plan_start", "", 0, 0),
        ("machine_busy", "SAW", 0, 9),
        ("own_work", "SAW", 9, 16),
        ("own_work", "WELD", 16, 19),
        ("own_work", "ASSY", 19, 23),
        ("own_work", "ASSY", 23, 24),
    ]
    so1 = explain_order(data, solution, "SO-1")
    assert _chain(so1) == [
        ("material", "WHEEL", 15, 30),
        ("own_work", "ASSY", 30, 38),
        ("own_work", "ASSY", 38, 40),
    ]
    assert "2 free before t=30" in so1.causes[0].detail


def test_a_gap_the_plan_need_not_leave_is_slack() -> None:
    # A hand-edited schedule that starts A at 6 although it could start at 0.
    routings, orders = one_step_jobs({"A": (4, 5, 1)})
    instance = make_instance(["M1"], routings, orders)
    solution = Solution([ScheduledOperation("A", 1, "M1", 6, 10)])
    assert _chain(explain_order(expand(instance), solution, "A")) == [
        ("plan_start", "", 0, 0),
        ("slack", "M1", 0, 6),
        ("own_work", "M1", 6, 10),
    ]


def test_explanations_csv_and_report_section(tmp_path: Path) -> None:
    dated = _two_step(
        arrival=20, settings={"start": "2026-03-02T06:00:00", "time_unit": "minute"}
    )
    result = solve_checked(dated, time_limit=5)
    out = write_results(result, tmp_path / "plan")
    with (out / "explanations.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["cause"] for r in rows] == ["material", "own_work"]
    assert rows[0]["resource"] == "X"
    assert rows[0]["from_at"] == "2026-03-02T06:02:00"
    assert rows[0]["to_at"] == "2026-03-02T06:20:00"
    assert "PO-1" in rows[0]["detail"]
    html = render_html(result)
    assert "Why late" in html and "PO-1" in html


def test_no_late_orders_gives_a_header_only_csv(tmp_path: Path) -> None:
    out = write_results(solve_checked(_two_step(arrival=4), time_limit=5), tmp_path)
    lines = (out / "explanations.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["order_id,cause,resource,from,to,detail"]
    assert "Why late" not in render_html(
        solve_checked(_two_step(arrival=4), time_limit=5)
    )


def test_cli_explain_prints_the_chains(tmp_path: Path) -> None:
    instance_dir = tmp_path / "inst"
    instance_dir.mkdir()
    (instance_dir / "machines.csv").write_text("machine_id\nM1\nM2\n")
    (instance_dir / "routings.csv").write_text(
        "product_id,step,machine_id,run_time\nP,10,M1,2\nP,20,M2,3\n"
    )
    (instance_dir / "bom.csv").write_text(
        "product_id,component_id,quantity,step\nP,X,1,20\n"
    )
    (instance_dir / "supplies.csv").write_text(
        "supply_id,component_id,quantity,arrival\nPO-1,X,1,20\n"
    )
    (instance_dir / "orders.csv").write_text("order_id,product_id,due\nA,P,10\n")
    out = tmp_path / "plan"
    solved = run_cli(
        "solve", instance_dir, "--out", out, "-t", "5", "-w", "2", "--seed", "1"
    )
    assert solved.exit_code == 0, solved.output
    assert (out / "explanations.csv").exists()
    shown = run_cli("explain", instance_dir, out)
    assert shown.exit_code == 0, shown.output
    assert "A: late by 13" in shown.output
    assert "PO-1" in shown.output
    one = run_cli("explain", instance_dir, out, "--order", "A")
    assert one.exit_code == 0 and "material" in one.output
    unknown = run_cli("explain", instance_dir, out, "--order", "NOPE")
    assert unknown.exit_code == 2 and "unknown order" in unknown.output


def _load(relative: str) -> Any:
    from mtosched import load_instance

    return load_instance(INSTANCES / relative)
