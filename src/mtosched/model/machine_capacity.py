"""Machine capacity and downtime.

A capacity-1 machine runs one operation at a time (no-overlap); a machine with
capacity k (an oven with k slots) runs at most k at once (cumulative, each
operation taking one slot). Downtime windows are fixed intervals that take the
whole machine. In a neighbourhood sub-model, what is frozen on a machine
enters as few fixed intervals: on a capacity-1 machine, blocks around the
gaps a movable operation could use; on a multi-slot machine, one interval per
stretch of constant use, as tall as that use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

from ortools.sat.python import cp_model

from mtosched.expand import Operation, ProblemData
from mtosched.model.variables import ModeVars, OperationVars
from mtosched.solution import ScheduledOperation


def add_machine_capacity_constraints(
    model: cp_model.CpModel,
    data: ProblemData,
    operations: dict[int, OperationVars],
    frozen: Sequence[tuple[Operation, ScheduledOperation]] = (),
) -> None:
    """One no-overlap or cumulative constraint per machine in use."""
    free: dict[str, list[ModeVars]] = defaultdict(list)
    for vars_ in operations.values():
        for mode in vars_.modes:
            if mode.duration > 0:  # zero-length work occupies nothing
                free[mode.machine_id].append(mode)
    occupied: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for _, placed in frozen:
        if placed.end > placed.start and placed.machine_id in free:
            occupied[placed.machine_id].append((placed.start, placed.end))
    for machine_id, modes in free.items():
        capacity = data.capacity[machine_id]
        movable = [mode.interval for mode in modes]
        downtime = data.downtime.get(machine_id, [])
        if capacity == 1:
            shortest = min(mode.duration for mode in modes)
            blocks = merged_blocks(occupied[machine_id] + list(downtime), shortest)
            model.add_no_overlap(
                movable
                + [_fixed(model, start, end, machine_id) for start, end in blocks]
            )
            continue
        levels = usage_levels(occupied[machine_id], downtime, capacity)
        if len(movable) + max((h for _, _, h in levels), default=0) > capacity:
            model.add_cumulative(
                movable
                + [_fixed(model, start, end, machine_id) for start, end, _ in levels],
                [1] * len(movable) + [height for _, _, height in levels],
                capacity,
            )


def merged_blocks(
    spans: Sequence[tuple[int, int]], shortest: int
) -> list[tuple[int, int]]:
    """What a capacity-1 machine's fixed occupation leaves free, as few blocks.

    Frozen operations and downtime only matter through the gaps between them,
    and a gap shorter than the shortest movable operation can hold none of
    them, so it is closed. On a busy machine most gaps are such slivers, so
    the no-overlap gets far fewer fixed intervals than there are frozen
    operations, with the same meaning.
    """
    blocks: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if blocks and start - blocks[-1][1] < shortest:
            blocks[-1] = (blocks[-1][0], max(blocks[-1][1], end))
        else:
            blocks.append((start, end))
    return blocks


def usage_levels(
    spans: Sequence[tuple[int, int]],
    downtime: Sequence[tuple[int, int]],
    capacity: int,
) -> list[tuple[int, int, int]]:
    """A multi-slot machine's fixed use as (start, end, slots) steps.

    Each frozen operation takes one slot and downtime takes them all; one
    fixed interval per stretch of constant use replaces one per operation.
    """
    change: dict[int, int] = defaultdict(int)
    for start, end in spans:
        change[start] += 1
        change[end] -= 1
    for start, end in downtime:
        change[start] += capacity
        change[end] -= capacity
    levels: list[tuple[int, int, int]] = []
    used = 0
    times = sorted(change)
    for time, following in pairwise(times):
        used += change[time]
        height = min(used, capacity)
        if height <= 0:
            continue
        if levels and levels[-1][1] == time and levels[-1][2] == height:
            levels[-1] = (levels[-1][0], following, height)
        else:
            levels.append((time, following, height))
    return levels


def _fixed(
    model: cp_model.CpModel, start: int, end: int, machine_id: str
) -> cp_model.IntervalVar:
    return model.new_fixed_size_interval_var(start, end - start, f"fixed_{machine_id}")
