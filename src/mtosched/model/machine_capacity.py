"""Machine capacity and downtime.

A capacity-1 machine runs one operation at a time (no-overlap); a machine with
capacity k (an oven with k slots) runs at most k at once (cumulative, each
operation taking one slot). Downtime windows are fixed intervals that take the
whole machine.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from mtosched.expand import ProblemData
from mtosched.model.variables import OperationVars


def add_machine_capacity_constraints(
    model: cp_model.CpModel,
    data: ProblemData,
    operations: dict[int, OperationVars],
) -> None:
    """One no-overlap or cumulative constraint per machine in use."""
    intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    for vars_ in operations.values():
        for mode in vars_.modes:
            if mode.duration > 0:  # zero-length work occupies nothing
                intervals[mode.machine_id].append(mode.interval)
    for machine_id, machine_intervals in intervals.items():
        capacity = data.capacity[machine_id]
        blocked = [
            model.new_fixed_size_interval_var(
                start, end - start, f"down_{machine_id}_{i}"
            )
            for i, (start, end) in enumerate(data.downtime.get(machine_id, []))
        ]
        if capacity == 1:
            model.add_no_overlap(machine_intervals + blocked)
        elif len(machine_intervals) > capacity:
            model.add_cumulative(
                machine_intervals + blocked,
                [1] * len(machine_intervals) + [capacity] * len(blocked),
                capacity,
            )
        elif blocked:  # room for every operation at once: only downtime binds
            for interval in machine_intervals:
                model.add_no_overlap([interval, *blocked])
