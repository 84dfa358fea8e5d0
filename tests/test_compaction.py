"""Left-shift compaction (compaction.py): earlier, never worse, still valid."""

from __future__ import annotations

from builders import make_instance, one_step_jobs
from mtosched.checker import check
from mtosched.compaction import left_shift
from mtosched.expand import expand
from mtosched.solution import ScheduledOperation, Solution


def test_idle_time_is_removed_keeping_the_sequence() -> None:
    routings, orders = one_step_jobs({"A": (4, 4, 1), "B": (2, 6, 1)})
    instance = make_instance(["M1"], routings, orders)
    loose = Solution(
        [
            ScheduledOperation("B", 1, "M1", 10, 12),
            ScheduledOperation("A", 1, "M1", 20, 24),
        ]
    )
    tight = left_shift(expand(instance), loose)
    placed = {op.work_order_id: (op.start, op.end) for op in tight.operations}
    assert placed == {"B": (0, 2), "A": (2, 6)}  # B stays first on the machine
    assert check(instance, tight).ok


def test_shift_stops_at_downtime_release_and_material() -> None:
    routings, orders = one_step_jobs(
        {"A": (4, 40, 1), "B": (2, 60, 1), "C": (3, 60, 1)}
    )
    orders[2]["release"] = 25
    instance = make_instance(
        ["M1"],
        routings,
        orders,
        bom=[{"product_id": "P_B", "component_id": "BAT", "quantity": 1}],
        supplies=[{"component_id": "BAT", "quantity": 1, "arrival": 12}],
        downtime=[{"machine_id": "M1", "start": 2, "end": 5}],
    )
    loose = Solution(
        [
            ScheduledOperation("A", 1, "M1", 6, 10),
            ScheduledOperation("B", 1, "M1", 20, 22),
            ScheduledOperation("C", 1, "M1", 30, 33),
        ]
    )
    tight = left_shift(expand(instance), loose)
    placed = {op.work_order_id: (op.start, op.end) for op in tight.operations}
    # A cannot run 0-4 across the downtime [2, 5): it starts at 5. B waits for
    # its battery (12). C waits for its release (25).
    assert placed == {"A": (5, 9), "B": (12, 14), "C": (25, 28)}
    assert check(instance, tight).ok


def test_capacity_two_keeps_parallel_runs() -> None:
    routings, orders = one_step_jobs(
        {"A": (10, 10, 1), "B": (10, 10, 1), "C": (5, 10, 1)}
    )
    instance = make_instance([{"machine_id": "M1", "capacity": 2}], routings, orders)
    loose = Solution(
        [
            ScheduledOperation("A", 1, "M1", 3, 13),
            ScheduledOperation("B", 1, "M1", 5, 15),
            ScheduledOperation("C", 1, "M1", 20, 25),
        ]
    )
    tight = left_shift(expand(instance), loose)
    placed = {op.work_order_id: (op.start, op.end) for op in tight.operations}
    assert placed == {"A": (0, 10), "B": (0, 10), "C": (10, 15)}
    assert check(instance, tight).ok
