"""Left-shift compaction: remove needless idle time without hurting anything.

Every operation keeps its machine and its place in the machine's sequence, and
moves as early as its release, predecessors, machine, downtime and material
allow. Operations are processed in their old start order, so each one's old
position is always still free: the result is never later anywhere, and every
objective here (all regular) is never worse. It is the tie-break that keeps a
schedule compact, applied to every schedule a solve returns.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from mtosched.expand import ProblemData, clear_of_downtime
from mtosched.solution import ScheduledOperation, Solution


def _tracks(
    data: ProblemData, placed: list[ScheduledOperation]
) -> dict[tuple[str, str, int], tuple[str, int]]:
    """Split each machine of capacity k into k sequences (interval colouring)."""
    track_of: dict[tuple[str, str, int], tuple[str, int]] = {}
    track_end: dict[str, list[int]] = defaultdict(list)
    for op in sorted(placed, key=lambda o: (o.start, o.end)):
        ends = track_end[op.machine_id]
        capacity = data.capacity[op.machine_id]
        choice = next((t for t, end in enumerate(ends) if end <= op.start), None)
        if choice is None:
            if len(ends) < capacity:
                ends.append(op.end)
                choice = len(ends) - 1
            else:  # overloaded input: keep it on the least loaded track
                choice = min(range(len(ends)), key=ends.__getitem__)
        ends[choice] = max(ends[choice], op.end)
        track_of[(op.machine_id, op.work_order_id, op.step)] = (op.machine_id, choice)
    return track_of


def left_shift(data: ProblemData, solution: Solution) -> Solution:
    """Move every operation as early as its constraints allow (see module doc)."""
    index_of = {
        (data.operations[i].work_order_id, data.operations[i].step): i
        for i in range(len(data.operations))
    }
    order = sorted(
        solution.operations,
        key=lambda o: (o.start, index_of.get((o.work_order_id, o.step), -1)),
    )
    track_of = _tracks(data, solution.operations)
    track_free: dict[tuple[str, int], int] = defaultdict(int)
    new_end: dict[int, int] = {}
    consumed: dict[str, Decimal] = defaultdict(Decimal)
    last_consumer_start: dict[str, int] = defaultdict(int)
    shifted: list[ScheduledOperation] = []
    for placed in order:
        index = index_of.get((placed.work_order_id, placed.step))
        if index is None:
            shifted.append(placed)
            continue
        operation = data.operations[index]
        duration = placed.end - placed.start
        if index in data.pinned:  # started work does not move
            new_end[index] = placed.end
            track = track_of[(placed.machine_id, placed.work_order_id, placed.step)]
            track_free[track] = max(track_free[track], placed.end)
            for need in operation.needs:
                consumed[need.component_id] += need.quantity
                last_consumer_start[need.component_id] = placed.start
            shifted.append(placed)
            continue
        track = track_of[(placed.machine_id, placed.work_order_id, placed.step)]
        lower = max(
            data.orders[operation.order_id].release,
            data.not_before,
            track_free[track] if duration > 0 else 0,
            *(new_end.get(p, 0) for p in operation.predecessors),
        )
        for need in operation.needs:
            lower = max(
                lower,
                last_consumer_start[need.component_id],
                data.material_ready(
                    need.component_id, consumed[need.component_id] + need.quantity
                ),
            )
        start = clear_of_downtime(
            data.downtime.get(placed.machine_id, []), lower, duration
        )
        start = min(start, placed.start)  # never later than it was
        end = start + duration
        new_end[index] = end
        if duration > 0:
            track_free[track] = max(track_free[track], end)
        for need in operation.needs:
            consumed[need.component_id] += need.quantity
            last_consumer_start[need.component_id] = start
        shifted.append(
            ScheduledOperation(
                placed.work_order_id, placed.step, placed.machine_id, start, end
            )
        )
    return Solution(shifted, dict(solution.unschedulable))
