"""Tests of the independent checker: hand-made schedules with known flaws.

Most tests start from one valid schedule of a small bike shop (below) and
damage it in exactly one way, then assert that exactly that kind of violation
is reported and that its message names the culprit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtosched.checker import CheckReport, Violation, check
from mtosched.domain import Instance
from mtosched.solution import Objective, ScheduledOperation, Solution

Op = ScheduledOperation


def make_instance(**tables: Any) -> Instance:
    """An instance from plain dicts, the JSON form of the data contract."""
    return Instance.model_validate(tables)


def kinds(report: CheckReport) -> set[str]:
    return {violation.kind for violation in report.violations}


def only(report: CheckReport, kind: str) -> Violation:
    """The report holds violations of ``kind`` only; return the first."""
    assert kinds(report) == {kind}, report.violations
    return report.violations[0]


# --------------------------------------------------------------- the bike shop
# Machines SAW, WELD, PAINT (capacity 1 each); SAW is down over [5, 7).
# BIKE: step 10 "assemble" on WELD (setup 1 + 1/unit), step 20 "paint" on PAINT
#   (2/unit) or WELD (3/unit); uses 1 FRAME (made, at step 10) and 2 BOLT
#   (bought, at step 20).
# FRAME: step 10 "cut" on SAW (1/unit), step 20 "weld" on WELD (setup 1 + 1/unit);
#   uses 0.5 TUBE per unit (bought, at step 10).
# TUBE: 1 on hand, 1 more arriving at 4. BOLT: 6 on hand.
# Orders: A = 2 BIKE, due 12, weight 2; B = 1 BIKE, release 1, due 8, weight 3.
def bike_shop(**changes: Any) -> Instance:
    tables: dict[str, Any] = {
        "machines": [
            {"machine_id": "SAW"},
            {"machine_id": "WELD"},
            {"machine_id": "PAINT"},
        ],
        "routings": [
            {
                "product_id": "BIKE",
                "step": 10,
                "machine_id": "WELD",
                "run_time": 1,
                "setup_time": 1,
                "operation": "assemble",
            },
            {
                "product_id": "BIKE",
                "step": 20,
                "machine_id": "PAINT",
                "run_time": 2,
                "operation": "paint",
            },
            {"product_id": "BIKE", "step": 20, "machine_id": "WELD", "run_time": 3},
            {
                "product_id": "FRAME",
                "step": 10,
                "machine_id": "SAW",
                "run_time": 1,
                "operation": "cut",
            },
            {
                "product_id": "FRAME",
                "step": 20,
                "machine_id": "WELD",
                "run_time": 1,
                "setup_time": 1,
                "operation": "weld",
            },
        ],
        "bom": [
            {"product_id": "BIKE", "component_id": "FRAME", "quantity": 1},
            {"product_id": "BIKE", "component_id": "BOLT", "quantity": 2, "step": 20},
            {"product_id": "FRAME", "component_id": "TUBE", "quantity": "0.5"},
        ],
        "components": [
            {"component_id": "TUBE", "on_hand": 1},
            {"component_id": "BOLT", "on_hand": 6},
        ],
        "supplies": [
            {"supply_id": "PO-1", "component_id": "TUBE", "quantity": 1, "arrival": 4}
        ],
        "orders": [
            {
                "order_id": "A",
                "product_id": "BIKE",
                "quantity": 2,
                "due": 12,
                "weight": 2,
            },
            {
                "order_id": "B",
                "product_id": "BIKE",
                "quantity": 1,
                "release": 1,
                "due": 8,
                "weight": 3,
            },
        ],
        "downtime": [{"machine_id": "SAW", "start": 5, "end": 7}],
    }
    tables.update(changes)
    return make_instance(**tables)


# Durations: A/FRAME cut 2, weld 3; A assemble 3, paint 4 (6 on WELD);
# B/FRAME cut 1, weld 2; B assemble 2, paint 2 (3 on WELD).
# B/FRAME's cut needs TUBE 0.5 after A/FRAME took the 1 on hand: not before 4.
# It ends at 5, exactly when SAW goes down; WELD's jobs touch end to start.
VALID = [
    Op("A/FRAME", 10, "SAW", 0, 2),
    Op("B/FRAME", 10, "SAW", 4, 5),
    Op("A/FRAME", 20, "WELD", 2, 5),
    Op("A", 10, "WELD", 5, 8),
    Op("B/FRAME", 20, "WELD", 8, 10),
    Op("B", 10, "WELD", 10, 12),
    Op("A", 20, "PAINT", 8, 12),
    Op("B", 20, "PAINT", 12, 14),
]


def with_ops(*changed: Op, drop: tuple[tuple[str, int], ...] = ()) -> list[Op]:
    """VALID with the operations of the same (work order, step) replaced."""
    replaced = {(op.work_order_id, op.step): op for op in changed}
    ops = []
    for op in VALID:
        key = (op.work_order_id, op.step)
        if key in drop:
            continue
        ops.append(replaced.pop(key, op))
    return ops + list(replaced.values())


def test_valid_schedule_has_no_violations_and_the_hand_computed_figures() -> None:
    report = check(bike_shop(), Solution(VALID))
    assert report.violations == []
    assert report.ok
    # A completes at 12 (due 12: on time); B at 14 (due 8: 6 late, weight 3).
    assert report.completion == {"A": 12, "B": 14}
    assert (report.orders, report.scheduled_orders, report.unschedulable_orders) == (
        2,
        2,
        0,
    )
    assert report.operations == 8
    assert report.late_orders == 1
    assert report.weighted_late_orders == Decimal(3)
    assert report.weighted_tardiness == Decimal(18)  # 3 * 6
    assert report.total_tardiness == 6
    assert report.max_lateness == 6  # max(12 - 12, 14 - 8)
    assert report.makespan == 14
    assert report.flow_time == 25  # (12 - 0) + (14 - 1)
    assert report.objective(Objective.weighted_tardiness) == 18
    assert report.objective(Objective.late_orders) == 3
    assert report.objective(Objective.max_lateness) == 6
    assert report.objective(Objective.makespan) == 14
    assert report.objective(Objective.flow_time) == 25
    assert report.summary() == {
        "violations": 0,
        "orders": 2,
        "scheduled_orders": 2,
        "unschedulable_orders": 0,
        "operations": 8,
        "late_orders": 1,
        "weighted_late_orders": 3,
        "weighted_tardiness": 18,
        "total_tardiness": 6,
        "max_lateness": 6,
        "makespan": 14,
        "flow_time": 25,
    }


def test_operation_order_in_the_solution_does_not_matter() -> None:
    assert check(bike_shop(), Solution(list(reversed(VALID)))).ok


def test_alternative_machine_with_its_own_duration_is_accepted() -> None:
    # B's paint on WELD takes 3 * 1 = 3; WELD is free from 12.
    report = check(bike_shop(), Solution(with_ops(Op("B", 20, "WELD", 12, 15))))
    assert report.ok
    assert report.completion["B"] == 15


def test_figures_agree_with_the_kpi_module() -> None:
    from mtosched.expand import expand
    from mtosched.kpi import objective_value, order_results

    instance = bike_shop()
    solution = Solution(VALID)
    results = order_results(expand(instance), solution)
    report = check(instance, solution)
    for objective in Objective:
        assert report.objective(objective) == objective_value(
            objective, results, solution
        )


# ----------------------------------------------------------- which operations
def test_missing_operation() -> None:
    solution = Solution(with_ops(drop=(("B", 20),)))
    violation = only(check(bike_shop(), solution), "missing_operation")
    assert "work order B step 20 (paint)" in violation.message


def test_order_with_no_operations_and_no_reason_is_missing() -> None:
    ops = [op for op in VALID if op.work_order_id.split("/")[0] != "B"]
    report = check(bike_shop(), Solution(ops))
    violation = only(report, "missing_operation")
    assert len(report.violations) == 1
    assert "order B has none of its 4 operations" in violation.message


def test_unknown_operation() -> None:
    solution = Solution([*VALID, Op("A", 30, "SAW", 20, 21)])
    violation = only(check(bike_shop(), solution), "unknown_operation")
    assert "work order A step 30" in violation.message
    solution = Solution([*VALID, Op("C/FRAME", 10, "SAW", 20, 21)])
    assert "C/FRAME" in only(check(bike_shop(), solution), "unknown_operation").message


def test_duplicate_operation() -> None:
    solution = Solution([*VALID, Op("A/FRAME", 10, "SAW", 20, 22)])
    violation = only(check(bike_shop(), solution), "duplicate_operation")
    assert "work order A/FRAME step 10 (cut)" in violation.message
    assert "[20, 22)" in violation.message


def test_unknown_order_marked_unschedulable() -> None:
    solution = Solution(VALID, unschedulable={"Z": "short of BOLT"})
    violation = only(check(bike_shop(), solution), "unknown_order")
    assert "order Z" in violation.message


# ----------------------------------------------------------- each operation
def test_ineligible_machine() -> None:
    # PAINT is idle over [4, 5), but cutting frames is a SAW job.
    solution = Solution(with_ops(Op("B/FRAME", 10, "PAINT", 4, 5)))
    violation = only(check(bike_shop(), solution), "ineligible_machine")
    assert "work order B/FRAME step 10 (cut)" in violation.message
    assert "PAINT" in violation.message
    assert "eligible: SAW" in violation.message


def test_wrong_duration() -> None:
    solution = Solution(with_ops(Op("A", 20, "PAINT", 8, 11)))
    violation = only(check(bike_shop(), solution), "wrong_duration")
    assert "work order A step 20 (paint)" in violation.message
    assert "lasts 3" in violation.message
    assert "make it 4" in violation.message


def test_wrong_duration_is_judged_on_the_machine_used() -> None:
    # 4 is right on PAINT but A's paint on WELD takes 3 * 2 = 6.
    solution = Solution(
        with_ops(Op("A", 20, "WELD", 12, 16), Op("B", 20, "PAINT", 16, 18))
    )
    violation = only(check(bike_shop(), solution), "wrong_duration")
    assert "on machine WELD" in violation.message
    assert "make it 6" in violation.message


def test_negative_start() -> None:
    instance = make_instance(
        machines=[{"machine_id": "M"}],
        routings=[{"product_id": "P", "step": 1, "machine_id": "M", "run_time": 3}],
        orders=[{"order_id": "O", "product_id": "P", "due": 10}],
    )
    assert check(instance, Solution([Op("O", 1, "M", 0, 3)])).ok
    report = check(instance, Solution([Op("O", 1, "M", -2, 1)]))
    violation = only(report, "negative_start")
    assert "work order O step 1" in violation.message
    assert "-2" in violation.message


def test_release() -> None:
    # B released at 5: its frame's cut at 4 is one unit early.
    orders = [
        {"order_id": "A", "product_id": "BIKE", "quantity": 2, "due": 12},
        {"order_id": "B", "product_id": "BIKE", "release": 5, "due": 8},
    ]
    violation = only(check(bike_shop(orders=orders), Solution(VALID)), "release")
    assert "work order B/FRAME step 10 (cut)" in violation.message
    assert "order B is released at 5" in violation.message


def test_release_is_rounded_up() -> None:
    orders = [
        {"order_id": "A", "product_id": "BIKE", "quantity": 2, "due": 12},
        {"order_id": "B", "product_id": "BIKE", "release": "3.01", "due": 8},
    ]
    assert check(bike_shop(orders=orders), Solution(VALID)).ok  # ceil(3.01) = 4
    orders[1]["release"] = "4.01"
    assert "release" in kinds(check(bike_shop(orders=orders), Solution(VALID)))


# ------------------------------------------------------------------ precedence
def test_precedence_within_a_work_order() -> None:
    # B/FRAME's weld [8, 10) now starts before its cut [9, 10) ends.
    solution = Solution(with_ops(Op("B/FRAME", 10, "SAW", 9, 10)))
    violation = only(check(bike_shop(), solution), "precedence")
    assert "work order B/FRAME step 20 (weld) starts at 8" in violation.message
    assert "step 10 of the same work order ends at 10" in violation.message


def test_child_work_order_must_finish_before_its_consumer() -> None:
    # B's assembly [8, 10) starts before its frame's weld [10, 12) is done.
    solution = Solution(
        with_ops(Op("B", 10, "WELD", 8, 10), Op("B/FRAME", 20, "WELD", 10, 12))
    )
    violation = only(check(bike_shop(), solution), "child_after_parent")
    assert "work order B step 10 (assemble)" in violation.message
    assert "child work order B/FRAME" in violation.message
    assert "finishes at 12" in violation.message


def test_child_consumed_at_a_later_step_may_finish_later() -> None:
    # With the frame consumed at paint (step 20), A's assembly may start first.
    bom = [
        {"product_id": "BIKE", "component_id": "FRAME", "quantity": 1, "step": 20},
        {"product_id": "FRAME", "component_id": "TUBE", "quantity": "0.5"},
    ]
    ops = [
        Op("A", 10, "WELD", 0, 3),
        Op("A/FRAME", 10, "SAW", 0, 2),
        Op("A/FRAME", 20, "WELD", 3, 6),
        Op("A", 20, "PAINT", 6, 10),
    ]
    orders = [{"order_id": "A", "product_id": "BIKE", "quantity": 2, "due": 12}]
    instance = bike_shop(bom=bom, orders=orders)
    assert check(instance, Solution(ops)).ok
    early = [*ops[:3], Op("A", 20, "PAINT", 5, 9)]
    assert kinds(check(instance, Solution(early))) == {"child_after_parent"}


# -------------------------------------------------------------------- machines
def test_capacity_on_a_single_machine() -> None:
    # A's and B's paint both on PAINT over [12, 14).
    solution = Solution(
        with_ops(Op("A", 20, "PAINT", 12, 16), Op("B", 20, "PAINT", 12, 14))
    )
    violation = only(check(bike_shop(), solution), "capacity")
    assert "machine PAINT (capacity 1) runs 2 operations at once at 12" in (
        violation.message
    )
    assert "work order A step 20" in violation.message
    assert "work order B step 20" in violation.message


def oven(capacity: int, *starts: int) -> tuple[Instance, Solution]:
    """Cakes baking 5 units each in one oven, one cake per order."""
    instance = make_instance(
        machines=[{"machine_id": "OVEN", "capacity": capacity}],
        routings=[
            {"product_id": "CAKE", "step": 1, "machine_id": "OVEN", "run_time": 5}
        ],
        orders=[
            {"order_id": f"C{n}", "product_id": "CAKE", "due": 100}
            for n in range(len(starts))
        ],
    )
    ops = [Op(f"C{n}", 1, "OVEN", start, start + 5) for n, start in enumerate(starts)]
    return instance, Solution(ops)


def test_capacity_two_holds_two_at_once() -> None:
    assert check(*oven(2, 0, 2, 5, 7)).ok  # never more than two in the oven


def test_capacity_two_rejects_three_at_once() -> None:
    violation = only(check(*oven(2, 0, 2, 4)), "capacity")
    assert "machine OVEN (capacity 2) runs 3 operations at once at 4" in (
        violation.message
    )
    for order_id in ("C0", "C1", "C2"):
        assert f"work order {order_id} step 1" in violation.message


def test_capacity_is_half_open_and_each_overload_is_reported_once() -> None:
    assert check(*oven(1, 0, 5, 10)).ok  # end == next start
    report = check(*oven(1, 0, 1, 2, 20, 21))
    assert kinds(report) == {"capacity"}
    assert len(report.violations) == 2  # [0, 7) and [20, 26) are separate episodes


def test_zero_duration_operations_occupy_nothing() -> None:
    instance = make_instance(
        machines=[{"machine_id": "M"}],
        routings=[
            {"product_id": "P", "step": 1, "machine_id": "M", "run_time": 2},
            {"product_id": "Q", "step": 1, "machine_id": "M", "run_time": 0},
        ],
        orders=[
            {"order_id": "O", "product_id": "P", "due": 10},
            {"order_id": "Z", "product_id": "Q", "due": 10},
        ],
        downtime=[{"machine_id": "M", "start": 3, "end": 5}],
    )
    for zero_at in (1, 3, 4, 5):  # inside O's run, at and in the downtime
        ops = [Op("O", 1, "M", 0, 2), Op("Z", 1, "M", zero_at, zero_at)]
        assert check(instance, Solution(ops)).ok
    overlapping = [Op("O", 1, "M", 0, 2), Op("O", 1, "M", 1, 3)]
    assert "capacity" in kinds(check(instance, Solution(overlapping)))


def test_downtime() -> None:
    # B/FRAME's cut moved to [5, 6): SAW is down over [5, 7).
    solution = Solution(with_ops(Op("B/FRAME", 10, "SAW", 5, 6)))
    violation = only(check(bike_shop(), solution), "downtime")
    assert "work order B/FRAME step 10 on machine SAW [5, 6)" in violation.message
    assert "downtime [5, 7)" in violation.message


def downtime_instance(start: str, end: str) -> Instance:
    return make_instance(
        machines=[{"machine_id": "M"}],
        routings=[{"product_id": "P", "step": 1, "machine_id": "M", "run_time": 2}],
        orders=[{"order_id": "O", "product_id": "P", "due": 20}],
        downtime=[{"machine_id": "M", "start": start, "end": end}],
    )


def test_downtime_is_half_open_and_widened() -> None:
    instance = downtime_instance("4", "6")
    assert check(instance, Solution([Op("O", 1, "M", 2, 4)])).ok  # ends at start
    assert check(instance, Solution([Op("O", 1, "M", 6, 8)])).ok  # starts at end
    assert kinds(check(instance, Solution([Op("O", 1, "M", 3, 5)]))) == {"downtime"}
    assert kinds(check(instance, Solution([Op("O", 1, "M", 5, 7)]))) == {"downtime"}
    widened = downtime_instance("4.5", "5.5")  # becomes [4, 6)
    assert kinds(check(widened, Solution([Op("O", 1, "M", 2, 5)]))) == {
        "wrong_duration",
        "downtime",
    }
    assert kinds(check(widened, Solution([Op("O", 1, "M", 5, 7)]))) == {"downtime"}
    assert check(widened, Solution([Op("O", 1, "M", 2, 4)])).ok


def test_overlapping_downtime_windows_are_all_respected() -> None:
    instance = make_instance(
        machines=[{"machine_id": "M"}],
        routings=[{"product_id": "P", "step": 1, "machine_id": "M", "run_time": 1}],
        orders=[{"order_id": "O", "product_id": "P", "due": 20}],
        downtime=[
            {"machine_id": "M", "start": 2, "end": 9},
            {"machine_id": "M", "start": 4, "end": 5},
        ],
    )
    assert kinds(check(instance, Solution([Op("O", 1, "M", 7, 8)]))) == {"downtime"}
    assert check(instance, Solution([Op("O", 1, "M", 9, 10)])).ok


# -------------------------------------------------------------------- material
def test_material() -> None:
    # B/FRAME's cut at 3 needs TUBE 0.5 more; PO-1 only arrives at 4.
    solution = Solution(with_ops(Op("B/FRAME", 10, "SAW", 3, 4)))
    violation = only(check(bike_shop(), solution), "material")
    assert "component TUBE" in violation.message
    assert "by 3" in violation.message
    assert "consumed 1.5 but only 1 is on hand" in violation.message
    assert "work order B/FRAME step 10 (cut)" in violation.message


def test_supply_arriving_at_t_can_be_consumed_at_t() -> None:
    # VALID already cuts B's frame at 4, exactly when PO-1 arrives.
    assert check(bike_shop(), Solution(VALID)).ok


def test_supply_arrival_is_rounded_up() -> None:
    supplies = [
        {"supply_id": "PO-1", "component_id": "TUBE", "quantity": 1, "arrival": "3.5"}
    ]
    assert check(bike_shop(supplies=supplies), Solution(VALID)).ok  # arrives at 4
    supplies[0]["arrival"] = "4.5"  # arrives at 5
    report = check(bike_shop(supplies=supplies), Solution(VALID))
    assert kinds(report) == {"material"}


def powder(on_hand: str, lead_time: str | None = None) -> Instance:
    """Order O: 3 units of P, each using 0.1 POWDER at its only step."""
    component: dict[str, Any] = {"component_id": "POWDER", "on_hand": on_hand}
    if lead_time is not None:
        component["lead_time"] = lead_time
    return make_instance(
        machines=[{"machine_id": "M"}],
        routings=[{"product_id": "P", "step": 1, "machine_id": "M", "run_time": "0.1"}],
        bom=[{"product_id": "P", "component_id": "POWDER", "quantity": "0.1"}],
        components=[component],
        orders=[{"order_id": "O", "product_id": "P", "quantity": 3, "due": 10}],
    )


def test_fractional_quantities_are_exact() -> None:
    # 0.1 * 3 is exactly 0.3 (a binary float would say 0.30000000000000004);
    # the duration 0.1 * 3 = 0.3 rounds up to 1.
    assert check(powder("0.3"), Solution([Op("O", 1, "M", 0, 1)])).ok
    report = check(powder("0.2999"), Solution([Op("O", 1, "M", 0, 1)]))
    violation = only(report, "material")
    assert "consumed 0.3 but only 0.2999" in violation.message


def test_duration_is_exact_decimal_rounded_up() -> None:
    instance = make_instance(
        machines=[{"machine_id": "M"}],
        routings=[{"product_id": "P", "step": 1, "machine_id": "M", "run_time": "0.1"}],
        orders=[{"order_id": "O", "product_id": "P", "quantity": 30, "due": 10}],
    )
    assert check(instance, Solution([Op("O", 1, "M", 0, 3)])).ok  # not 4
    assert kinds(check(instance, Solution([Op("O", 1, "M", 0, 4)]))) == {
        "wrong_duration"
    }


def test_lead_time_makes_any_quantity_available_from_then_on() -> None:
    # No stock; lead time 4.5 rounds up to 5.
    instance = powder("0", lead_time="4.5")
    assert check(instance, Solution([Op("O", 1, "M", 5, 6)])).ok
    violation = only(check(instance, Solution([Op("O", 1, "M", 4, 5)])), "material")
    assert "component POWDER: by 4" in violation.message


def test_purchased_component_without_components_row_has_no_stock() -> None:
    instance = make_instance(
        machines=[{"machine_id": "M"}],
        routings=[{"product_id": "P", "step": 1, "machine_id": "M", "run_time": 1}],
        bom=[{"product_id": "P", "component_id": "GLUE", "quantity": 1}],
        orders=[{"order_id": "O", "product_id": "P", "due": 10}],
    )
    violation = only(check(instance, Solution([Op("O", 1, "M", 0, 1)])), "material")
    assert "component GLUE" in violation.message
    # Left out, it is justified: GLUE never arrives.
    assert check(instance, Solution([], unschedulable={"O": "short of GLUE"})).ok


# ----------------------------------------------------------------- exclusions
def short_of_bolts() -> Instance:
    """The bike shop with 5 BOLT: A needs 4 and B needs 2, so one must go."""
    components = [
        {"component_id": "TUBE", "on_hand": 1},
        {"component_id": "BOLT", "on_hand": 5},
    ]
    return bike_shop(components=components)


def test_justified_exclusion_and_figures_over_scheduled_orders_only() -> None:
    ops = [op for op in VALID if op.work_order_id.split("/")[0] == "A"]
    solution = Solution(ops, unschedulable={"B": "short of BOLT"})
    report = check(short_of_bolts(), solution)
    assert report.ok
    # Only A counts: completion 12, due 12, released at 0.
    assert report.completion == {"A": 12}
    assert (report.scheduled_orders, report.unschedulable_orders) == (1, 1)
    assert (report.late_orders, report.weighted_tardiness) == (0, 0)
    assert (report.max_lateness, report.makespan, report.flow_time) == (0, 12, 12)


def test_unschedulable_with_operations() -> None:
    ops = [op for op in VALID if op.work_order_id.split("/")[0] == "A"]
    ops.append(Op("B/FRAME", 10, "SAW", 4, 5))
    solution = Solution(ops, unschedulable={"B": "short of BOLT"})
    violation = only(check(short_of_bolts(), solution), "unschedulable_with_operations")
    assert "order B is marked unschedulable" in violation.message
    assert "work order B/FRAME step 10 (cut)" in violation.message


def test_needless_exclusion() -> None:
    # With 6 BOLT and 2 TUBE, B fits back in next to A.
    ops = [op for op in VALID if op.work_order_id.split("/")[0] == "A"]
    solution = Solution(ops, unschedulable={"B": "short of BOLT"})
    violation = only(check(bike_shop(), solution), "needless_exclusion")
    assert "order B is left out" in violation.message
    assert "BOLT needs 6 with it, 6 available" in violation.message
    assert "TUBE needs 1.5 with it, 2 available" in violation.message


def test_exclusion_is_needless_when_the_short_component_has_a_lead_time() -> None:
    components = [
        {"component_id": "TUBE", "on_hand": 1},
        {"component_id": "BOLT", "on_hand": 5, "lead_time": 30},
    ]
    ops = [op for op in VALID if op.work_order_id.split("/")[0] == "A"]
    solution = Solution(ops, unschedulable={"B": "short of BOLT"})
    report = check(bike_shop(components=components), solution)
    assert kinds(report) == {"needless_exclusion"}


# ------------------------------------------------------------------ objectives
def test_reported_objectives_must_match_exactly() -> None:
    good = {
        Objective.weighted_tardiness: Decimal("18.0"),
        Objective.late_orders: Decimal(3),
        Objective.max_lateness: Decimal(6),
        Objective.makespan: Decimal(14),
        Objective.flow_time: Decimal(25),
    }
    assert check(bike_shop(), Solution(VALID), good).ok
    # A lexicographic stage that produced no value claims nothing.
    assert check(bike_shop(), Solution(VALID), {Objective.makespan: None}).ok
    bad = {**good, Objective.weighted_tardiness: Decimal("17.999")}
    violation = only(check(bike_shop(), Solution(VALID), bad), "objective_mismatch")
    assert "weighted_tardiness is 17.999" in violation.message
    assert "gives 18" in violation.message


def test_fractional_weights_are_summed_exactly() -> None:
    orders = [
        {
            "order_id": "A",
            "product_id": "BIKE",
            "quantity": 2,
            "due": 11,
            "weight": "0.1",
        },
        {
            "order_id": "B",
            "product_id": "BIKE",
            "release": 1,
            "due": 8,
            "weight": "0.2",
        },
    ]
    report = check(bike_shop(orders=orders), Solution(VALID))
    assert report.weighted_late_orders == Decimal("0.3")
    assert report.weighted_tardiness == Decimal("1.3")  # 0.1 * 1 + 0.2 * 6
    assert report.summary()["weighted_tardiness"] == 1.3


# ------------------------------------------------------------------- datetimes
def test_datetimes_with_plan_start_and_hour_unit() -> None:
    # t = 0 at 08:00, unit hour. Release 09:30 = 1.5 h -> 2 (up); due 13:59 -> 5
    # (down); downtime 12:30-13:10 = [4.5, 5.17) -> [4, 6) (widened).
    instance = make_instance(
        settings={"start": "2024-03-04T08:00:00", "time_unit": "hour"},
        machines=[{"machine_id": "M"}],
        routings=[
            {"product_id": "P", "step": 1, "machine_id": "M", "run_time": 1},
            {"product_id": "P", "step": 2, "machine_id": "M", "run_time": 1},
        ],
        orders=[
            {
                "order_id": "O",
                "product_id": "P",
                "release": "2024-03-04T09:30:00",
                "due": "2024-03-04T13:59:00",
            }
        ],
        downtime=[
            {"machine_id": "M", "start": "2024-03-04T12:30", "end": "2024-03-04T13:10"}
        ],
    )
    report = check(instance, Solution([Op("O", 1, "M", 2, 3), Op("O", 2, "M", 3, 4)]))
    assert report.ok
    assert report.max_lateness == -1  # completes at 4, due at 5
    early = check(instance, Solution([Op("O", 1, "M", 1, 2), Op("O", 2, "M", 3, 4)]))
    violation = only(early, "release")
    assert "starts at 1 (2024-03-04 09:00)" in violation.message
    assert "released at 2 (2024-03-04 10:00)" in violation.message
    late = check(instance, Solution([Op("O", 1, "M", 2, 3), Op("O", 2, "M", 5, 6)]))
    violation = only(late, "downtime")
    assert "[4 (2024-03-04 12:00), 6 (2024-03-04 14:00))" in violation.message
    after = check(instance, Solution([Op("O", 1, "M", 2, 3), Op("O", 2, "M", 6, 7)]))
    assert after.ok
    assert (after.late_orders, after.total_tardiness, after.flow_time) == (1, 2, 5)


# ------------------------------------------------------- property-based check
@st.composite
def random_shop(draw: st.DrawFn) -> dict[str, Any]:
    """A small instance without purchased components.

    Machine M0 has capacity 1 and runs every product's first step with a
    positive duration, so two operations can always be forced to collide.
    """
    machines = ["M0", "M1", "M2"][: draw(st.integers(1, 3))]
    runs = st.sampled_from(["0", "0.5", "1", "1.5", "2"])
    routings = []
    products = ["P0", "P1", "SUB"]
    for product in products:
        steps = draw(st.integers(1, 3))
        for step in range(1, steps + 1):
            eligible = (
                ["M0"]
                if step == 1 and product != "SUB"
                else draw(st.lists(st.sampled_from(machines), min_size=1, unique=True))
            )
            for machine in eligible:
                run = draw(st.sampled_from(["1", "1.5"]) if step == 1 else runs)
                routings.append(
                    {
                        "product_id": product,
                        "step": step,
                        "machine_id": machine,
                        "run_time": run,
                        "setup_time": draw(st.sampled_from(["0", "1"])),
                    }
                )
    bom = []
    if draw(st.booleans()):
        steps_of_p0 = sorted({r["step"] for r in routings if r["product_id"] == "P0"})
        bom.append(
            {
                "product_id": "P0",
                "component_id": "SUB",
                "quantity": draw(st.sampled_from(["0.5", "1", "2"])),
                "step": draw(st.sampled_from(steps_of_p0)),
            }
        )
    downtime = [
        {
            "machine_id": draw(st.sampled_from(machines)),
            "start": start,
            "end": start + length,
        }
        for start, length in draw(
            st.lists(st.tuples(st.integers(0, 30), st.integers(1, 5)), max_size=3)
        )
    ]
    orders = []
    for n in range(draw(st.integers(2, 5))):
        release = draw(st.integers(0, 5))
        orders.append(
            {
                "order_id": f"O{n}",
                "product_id": draw(st.sampled_from(["P0", "P1"])),
                "quantity": draw(st.sampled_from(["1", "2", "3", "0.5"])),
                "release": release,
                "due": release + draw(st.integers(0, 20)),
                "weight": draw(st.integers(1, 3)),
            }
        )
    capacities = [1] + [draw(st.integers(1, 2)) for _ in machines[1:]]
    return {
        "machines": [
            {"machine_id": m, "capacity": c}
            for m, c in zip(machines, capacities, strict=True)
        ],
        "routings": routings,
        "bom": bom,
        "orders": orders,
        "downtime": downtime,
    }


def serial_schedule(tables: dict[str, Any], choose: st.DataObject) -> list[Op]:
    """Place every operation as early as allowed, one after another.

    A deliberately naive scheduler, written apart from the checker: work orders
    in child-before-parent order, each step on a drawn eligible machine at the
    first time unit where release, predecessors, capacity and downtime allow.
    """
    steps: dict[str, dict[int, dict[str, tuple[Fraction, Fraction]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in tables["routings"]:
        times = (Fraction(row["setup_time"]), Fraction(row["run_time"]))
        steps[row["product_id"]][row["step"]][row["machine_id"]] = times
    capacity = {m["machine_id"]: m["capacity"] for m in tables["machines"]}
    down = defaultdict(list)
    for window in tables["downtime"]:
        down[window["machine_id"]].append((window["start"], window["end"]))
    load: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    def fits(machine: str, start: int, duration: int) -> bool:
        if duration == 0:
            return True
        if any(s < start + duration and e > start for s, e in down[machine]):
            return False
        return all(
            load[machine][t] < capacity[machine] for t in range(start, start + duration)
        )

    def place(work_order: str, product: str, quantity: Fraction, release: int) -> int:
        """Place a work order and its children; return when it ends."""
        end = release
        for step in sorted(steps[product]):
            ready = end
            for line in tables["bom"]:
                if line["product_id"] == product and line["step"] == step:
                    component = line["component_id"]
                    need = quantity * Fraction(line["quantity"])
                    child_end = place(
                        f"{work_order}/{component}", component, need, release
                    )
                    ready = max(ready, child_end)
            machine = choose.draw(st.sampled_from(sorted(steps[product][step])))
            setup, run = steps[product][step][machine]
            duration = math.ceil(setup + run * quantity)
            start = ready
            while not fits(machine, start, duration):
                start += 1
            for t in range(start, start + duration):
                load[machine][t] += 1
            ops.append(Op(work_order, step, machine, start, start + duration))
            end = start + duration
        return end

    ops: list[Op] = []
    for order in tables["orders"]:
        quantity = Fraction(order["quantity"])
        place(order["order_id"], order["product_id"], quantity, order["release"])
    return ops


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=random_shop(), choose=st.data())
def test_serial_schedules_are_accepted_and_a_forced_overlap_is_caught(
    tables: dict[str, Any], choose: st.DataObject
) -> None:
    instance = make_instance(**tables)
    ops = serial_schedule(tables, choose)
    report = check(instance, Solution(ops))
    assert report.violations == []
    assert report.makespan == max(op.end for op in ops)
    assert set(report.completion) == {o["order_id"] for o in tables["orders"]}

    on_m0 = [
        i for i, op in enumerate(ops) if op.machine_id == "M0" and op.end > op.start
    ]
    first, second = on_m0[0], on_m0[1]
    moved = ops[second]
    ops[second] = replace(
        moved, start=ops[first].start, end=ops[first].start + moved.end - moved.start
    )
    assert "capacity" in kinds(check(instance, Solution(ops)))


# ------------------------------------------------------------------- at scale
@pytest.mark.slow
def test_fifty_thousand_operations() -> None:
    # 10,000 orders of 5 steps, step k on machine Mk; order n runs step k over
    # [n + k, n + k + 1): a pipeline, every machine busy end to end.
    orders = 10_000
    instance = make_instance(
        machines=[{"machine_id": f"M{k}"} for k in range(5)],
        routings=[
            {"product_id": "P", "step": k, "machine_id": f"M{k}", "run_time": 1}
            for k in range(5)
        ],
        orders=[
            {"order_id": f"O{n}", "product_id": "P", "due": n + 5}
            for n in range(orders)
        ],
    )
    ops = [
        Op(f"O{n}", k, f"M{k}", n + k, n + k + 1)
        for n in range(orders)
        for k in range(5)
    ]
    report = check(instance, Solution(ops))
    assert report.ok
    assert (report.operations, report.makespan, report.late_orders) == (
        50_000,
        orders + 4,
        0,
    )
    # The last order's last step moved one unit earlier: onto its neighbour's
    # slot and before its own step 3 ends.
    ops[-1] = Op(f"O{orders - 1}", 4, "M4", orders + 2, orders + 3)
    assert kinds(check(instance, Solution(ops))) == {"capacity", "precedence"}
