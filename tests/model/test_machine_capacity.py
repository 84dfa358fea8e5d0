"""Machine capacity, alternatives and downtime (model/machine_capacity.py)."""

from __future__ import annotations

from builders import make_instance, one_step_jobs, solve_checked
from mtosched.checker import check
from mtosched.solution import ScheduledOperation, Solution, SolveStatus


def test_single_job_is_trivially_feasible() -> None:
    routings, orders = one_step_jobs({"A": (5, 10, 1)})
    result = solve_checked(make_instance(["M1"], routings, orders))
    assert result.status is SolveStatus.optimal
    assert result.objective_value == 0


def test_single_machine_sequence_optimum() -> None:
    # A (p=4, d=4, w=1), B (p=2, d=6, w=1), C (p=3, d=5, w=3) on one machine.
    # Enumerating the six sequences: C,B,A -> 0+0+5 = 5 and B,C,A -> 0+0+5 = 5
    # are best; every sequence that puts A before C makes C late by >= 2 (cost 6).
    routings, orders = one_step_jobs({"A": (4, 4, 1), "B": (2, 6, 1), "C": (3, 5, 3)})
    result = solve_checked(make_instance(["M1"], routings, orders))
    assert result.status is SolveStatus.optimal
    assert result.objective_value == 5
    assert result.best_bound == 5


def test_capacity_two_runs_two_at_once() -> None:
    # Three 10-minute jobs due at 10 in an oven with 2 slots: two run 0-10, the
    # third 10-20 and is 10 late. On a capacity-1 machine it would be 10+20 = 30.
    routings, orders = one_step_jobs(
        {"A": (10, 10, 1), "B": (10, 10, 1), "C": (10, 10, 1)}
    )
    oven = make_instance([{"machine_id": "M1", "capacity": 2}], routings, orders)
    assert solve_checked(oven).objective_value == 10
    single = make_instance(["M1"], routings, orders)
    assert solve_checked(single).objective_value == 30


def test_alternative_machines() -> None:
    # Two jobs due at 10, each 10 on M1 or 15 on M2: one on each machine gives
    # tardiness 5 (0-15 on M2); both on M1 would give 10.
    routings = [
        {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": 10},
        {"product_id": "P", "step": 1, "machine_id": "M2", "run_time": 15},
    ]
    orders = [
        {"order_id": "A", "product_id": "P", "due": 10},
        {"order_id": "B", "product_id": "P", "due": 10},
    ]
    result = solve_checked(make_instance(["M1", "M2"], routings, orders))
    assert result.objective_value == 5
    assert {op.machine_id for op in result.solution.operations} == {"M1", "M2"}


def test_downtime_half_open() -> None:
    # M1 is down [5, 15). B (p=5, d=5) fits exactly before the window (it may end
    # when the window starts); A (p=6, d=21) cannot fit before it and runs 15-21.
    routings, orders = one_step_jobs({"A": (6, 21, 1), "B": (5, 5, 1)})
    instance = make_instance(
        ["M1"], routings, orders, downtime=[{"machine_id": "M1", "start": 5, "end": 15}]
    )
    result = solve_checked(instance)
    assert result.objective_value == 0
    placed = {op.work_order_id: op for op in result.solution.operations}
    assert (placed["B"].start, placed["B"].end) == (0, 5)
    assert placed["A"].start >= 15


def test_checker_catches_overlap_and_downtime() -> None:
    routings, orders = one_step_jobs({"A": (6, 21, 1), "B": (5, 5, 1)})
    instance = make_instance(
        ["M1"], routings, orders, downtime=[{"machine_id": "M1", "start": 5, "end": 15}]
    )
    bad = Solution(
        [
            ScheduledOperation("A", 1, "M1", 0, 6),
            ScheduledOperation("B", 1, "M1", 3, 8),
        ]
    )
    kinds = {v.kind for v in check(instance, bad).violations}
    assert {"capacity", "downtime"} <= kinds
