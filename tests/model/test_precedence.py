"""Routing order, child-before-parent and release (model/precedence.py)."""

from __future__ import annotations

from builders import make_instance, solve_checked
from mtosched.checker import check
from mtosched.solution import ScheduledOperation, Solution, SolveStatus

ROUTINGS = [
    {"product_id": "BIKE", "step": 1, "machine_id": "M1", "run_time": 3},
    {"product_id": "BIKE", "step": 2, "machine_id": "M2", "run_time": 4},
    {"product_id": "FRAME", "step": 1, "machine_id": "M2", "run_time": 2},
]
BOM = [{"product_id": "BIKE", "component_id": "FRAME", "quantity": 1, "step": 2}]


def bike(release: int = 0, due: int = 5):
    return make_instance(
        ["M1", "M2"],
        ROUTINGS,
        [{"order_id": "SO1", "product_id": "BIKE", "due": due, "release": release}],
        bom=BOM,
    )


def test_routing_and_child_work_order() -> None:
    # FRAME (child) runs on M2 0-2 while step 1 runs on M1 0-3; step 2 needs both
    # and runs on M2 3-7. Completion 7, due 5: tardiness 2, which is optimal
    # (the chain step 1 -> step 2 alone takes 7).
    result = solve_checked(bike())
    assert result.status is SolveStatus.optimal
    assert result.objective_value == 2
    placed = {(op.work_order_id, op.step): op for op in result.solution.operations}
    assert placed[("SO1/FRAME", 1)].end <= placed[("SO1", 2)].start
    assert placed[("SO1", 1)].end <= placed[("SO1", 2)].start


def test_release_delays_everything() -> None:
    # Released at 10: child and step 1 start at 10 at the earliest -> completion 17.
    result = solve_checked(bike(release=10, due=20), objective="makespan")
    assert result.objective_value == 17
    assert min(op.start for op in result.solution.operations) >= 10


def test_checker_catches_precedence_violations() -> None:
    bad = Solution(
        [
            ScheduledOperation("SO1/FRAME", 1, "M2", 3, 5),
            ScheduledOperation("SO1", 1, "M1", 0, 3),
            ScheduledOperation("SO1", 2, "M2", 2, 6),
        ]
    )
    kinds = {v.kind for v in check(bike(), bad).violations}
    assert "precedence" in kinds
    assert "child_after_parent" in kinds
