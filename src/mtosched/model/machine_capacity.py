"""Machine capacity and downtime.

A capacity-1 machine runs one operation at a time (no-overlap); a machine with
capacity k (an oven with k slots) runs at most k at once (cumulative, each
operation taking one slot). Downtime windows are fixed intervals that take the
whole machine. In a neighbourhood sub-model, frozen operations are fixed
intervals taking one slot each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ortools.sat.python import cp_model

from mtosched.expand import Operation, ProblemData
from mtosched.model.variables import OperationVars
from mtosched.solution import ScheduledOperation


def add_machine_capacity_constraints(
    model: cp_model.CpModel,
    data: ProblemData,
    operations: dict[int, OperationVars],
    frozen: Sequence[tuple[Operation, ScheduledOperation]] = (),
) -> None:
    """One no-overlap or cumulative constraint per machine in use."""
    free: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    for vars_ in operations.values():
        for mode in vars_.modes:
            if mode.duration > 0:  # zero-length work occupies nothing
                free[mode.machine_id].append(mode.interval)
    occupied: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    for _, placed in frozen:
        if placed.end > placed.start and placed.machine_id in free:
            occupied[placed.machine_id].append(
                model.new_fixed_size_interval_var(
                    placed.start, placed.end - placed.start, "frozen"
                )
            )
    for machine_id, movable in free.items():
        capacity = data.capacity[machine_id]
        blocked = [
            model.new_fixed_size_interval_var(start, end - start, f"down_{machine_id}")
            for start, end in data.downtime.get(machine_id, [])
        ]
        taken = movable + occupied[machine_id]
        if capacity == 1:
            model.add_no_overlap(taken + blocked)
        elif len(taken) > capacity:
            model.add_cumulative(
                taken + blocked,
                [1] * len(taken) + [capacity] * len(blocked),
                capacity,
            )
        elif blocked:  # room for every operation at once: only downtime binds
            for interval in movable:
                model.add_no_overlap([interval, *blocked])
