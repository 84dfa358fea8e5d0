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


def test_frozen_work_becomes_blocks_around_the_usable_gaps() -> None:
    from mtosched.model.machine_capacity import merged_blocks, usage_levels

    # Gaps of 1 (5-6) and 2 (9-11) cannot hold an operation of 3 and close;
    # the gap of exactly 3 (14-17) stays open.
    spans = [(0, 3), (3, 5), (6, 9), (11, 14), (17, 20)]
    assert merged_blocks(spans, shortest=3) == [(0, 14), (17, 20)]
    assert merged_blocks(spans, shortest=1) == [(0, 5), (6, 9), (11, 14), (17, 20)]
    # Two slots: use 1, 2, 1 over 0-2-4-6, nothing 6-8, downtime (all) 8-10.
    levels = usage_levels([(0, 4), (2, 6)], [(8, 10)], capacity=2)
    assert levels == [(0, 2, 1), (2, 4, 2), (4, 6, 1), (8, 10, 2)]


def _sub_model_ends(
    machine: dict[str, object], frozen: dict[str, tuple[int, int]], free: list[str]
) -> dict[str, int]:
    """Where CP-SAT puts the ``free`` jobs (each due at 0) around ``frozen`` ones."""
    from ortools.sat.python import cp_model

    from mtosched.expand import expand
    from mtosched.model.builder import FixedPart, ScheduleModel
    from mtosched.model.material import FrozenConsumption
    from mtosched.solution import Objective

    durations = {job: end - start for job, (start, end) in frozen.items()}
    durations.update({"B": 3, "G": 2})
    routings, orders = one_step_jobs({j: (p, 0, 1) for j, p in durations.items()})
    instance = make_instance([machine], routings, orders)
    data = expand(instance)
    plans = {o.order_id: o for o in data.schedulable_orders()}
    on_machines = [
        (
            data.operations[plans[job].final_operation],
            ScheduledOperation(job, 1, "M1", start, end),
        )
        for job, (start, end) in frozen.items()
    ]
    fixed = FixedPart(on_machines, FrozenConsumption(()), (0, 100), {})
    built = ScheduleModel(data, [plans[job] for job in free], fixed)
    built.model.minimize(built.term(Objective.weighted_tardiness).expression)
    solver = cp_model.CpSolver()
    assert solver.solve(built.model) == cp_model.OPTIMAL
    return {op.work_order_id: op.end for op in built.extract(solver)}


def test_a_neighbourhood_uses_every_gap_its_free_work_fits() -> None:
    # Frozen on M1: 0-4, 6-9, 9-12, 15-20. G (2) fits the gap 4-6 exactly and
    # B (3) the gap 12-15: closing a gap as wide as the shortest free job
    # would push G to 12-14 and B to 20-23 (ends 6 + 15 = 21 is optimal).
    frozen = {"A": (0, 4), "C": (6, 9), "D": (9, 12), "E": (15, 20)}
    assert _sub_model_ends({"machine_id": "M1"}, frozen, ["B", "G"]) == {
        "G": 6,
        "B": 15,
    }
    # Two slots, A 0-10 and C 0-5 frozen: B (3) and G (2) share the slot C
    # leaves free at 5; one of them starts at 5, the other after it or at 10.
    oven = {"machine_id": "M1", "capacity": 2}
    ends = _sub_model_ends(oven, {"A": (0, 10), "C": (0, 5)}, ["B", "G"])
    assert sorted(ends.values()) == [7, 10]
