"""Reschedule: replan from today's data while started work stays where it is.

A supplier slips, a machine breaks, orders arrive or are cancelled: the
planner reruns the plan "now". Operations of the previous plan that started
before now are facts on the shop floor: they keep their machine and times
(work in progress finishes as planned). Nothing else may start before now.
The rest stays close to the previous plan (same machine, nearby start), so
the shop floor sees only the changes the new data or a better objective
force. That is the solve's own mechanism, not a stage bolted on here: the
previous plan pushed right just enough to be valid today (:func:`repair`) is
the solve's ``start`` plan, competing with its constructive heuristic for the
incumbent, and the previous plan is its ``reference``: equally good schedules
compare by distance from it, and the solve's last stage (after the
neighbourhood search, ``SolverParams.stability_share`` of the time) fixes the
objective values and minimises the distance (:func:`mtosched.solve.solve`).
So the new plan is never worse, by objective and then by distance, than the
repaired previous plan.

A started operation is kept only if today's data still allow it exactly where
it is: its order and operation still exist, the machine is still eligible with
the same duration, no new downtime overlaps it, its release is not later, its
predecessors are kept too, and the material it consumed is there in today's
data. Otherwise it is planned again from now, with a warning saying why (a
breakdown that interrupts an operation restarts it after the breakdown).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from mtosched.domain import Instance
from mtosched.domain.time import to_datetime
from mtosched.expand import ProblemData, expand, pin
from mtosched.model.params import SolverParams
from mtosched.solution import Objective, Result, ScheduledOperation, Solution
from mtosched.solve import ProgressCallback, solve
from mtosched.solve import distance as distance  # re-exported: the change measure

if TYPE_CHECKING:
    import pandas as pd

Key = tuple[str, int]

CHANGE_COLUMNS = [
    "work_order_id",
    "step",
    "operation",
    "old_machine_id",
    "old_start",
    "new_machine_id",
    "new_start",
    "shift",
    "status",
]


class ChangeStatus(StrEnum):
    """What happened to one operation between the two plans."""

    kept = "kept"  # same machine, same start
    moved = "moved"  # another start or another machine
    new = "new"  # not in the previous plan (a new order, a changed routing)
    cancelled = "cancelled"  # not in the new plan (cancelled or left out)


@dataclass(frozen=True)
class Change:
    """One operation in the previous plan, the new one, or both."""

    work_order_id: str
    step: int
    operation: str
    old: ScheduledOperation | None
    new: ScheduledOperation | None

    @property
    def status(self) -> ChangeStatus:
        """kept, moved, new or cancelled."""
        if self.old is None:
            return ChangeStatus.new
        if self.new is None:
            return ChangeStatus.cancelled
        if (self.old.machine_id, self.old.start) == (
            self.new.machine_id,
            self.new.start,
        ):
            return ChangeStatus.kept
        return ChangeStatus.moved

    @property
    def shift(self) -> int | None:
        """New start minus old start (None unless in both plans)."""
        if self.old is None or self.new is None:
            return None
        return self.new.start - self.old.start

    @property
    def machine_changed(self) -> bool:
        """In both plans, on different machines."""
        return (
            self.old is not None
            and self.new is not None
            and self.old.machine_id != self.new.machine_id
        )


@dataclass
class RescheduleResult:
    """The new plan, how it differs from the previous one, and what was kept."""

    result: Result
    now: int
    previous: Solution
    changes: list[Change]
    kept_started: dict[int, ScheduledOperation] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, status: ChangeStatus) -> int:
        """How many operations have this status."""
        return sum(1 for change in self.changes if change.status is status)

    @property
    def moved(self) -> list[Change]:
        """Operations in both plans that changed start or machine."""
        return [c for c in self.changes if c.status is ChangeStatus.moved]

    @property
    def total_shift(self) -> int:
        """Sum of |new start − old start| over moved operations."""
        return sum(abs(c.shift or 0) for c in self.moved)

    @property
    def max_shift(self) -> int:
        """Largest |new start − old start|."""
        return max((abs(c.shift or 0) for c in self.moved), default=0)

    @property
    def machine_changes(self) -> int:
        """Moved operations that changed machine."""
        return sum(1 for c in self.moved if c.machine_changed)

    def summary(self) -> dict[str, int]:
        """The change figures, as printed by the CLI."""
        return {
            "now": self.now,
            "kept_started": len(self.kept_started),
            "kept": self.count(ChangeStatus.kept),
            "moved": len(self.moved),
            "total_shift": self.total_shift,
            "max_shift": self.max_shift,
            "machine_changes": self.machine_changes,
            "new": self.count(ChangeStatus.new),
            "cancelled": self.count(ChangeStatus.cancelled),
        }


def reschedule(
    instance: Instance,
    previous: Solution,
    now: int,
    params: SolverParams | None = None,
    objective: Objective | str | Sequence[Objective | str] = (
        Objective.weighted_tardiness
    ),
    progress: ProgressCallback | None = None,
) -> RescheduleResult:
    """Replan ``instance`` (today's data) at ``now`` from the ``previous`` plan.

    Operations of ``previous`` that started before ``now`` stay exactly where
    they are when today's data allow it (see the module doc); nothing else
    starts before ``now``; the other operations stay as close to ``previous``
    as the objective allows. ``params.time_limit`` covers everything
    (``params.stability_share`` of it is kept for staying close). The result's
    schedule passes the checker and :func:`check_reschedule`, and is never
    worse, by objective and then by distance, than the repaired previous plan
    (the solve's start plan; see the module doc).
    """
    data = expand(instance)
    kept, warnings = started_operations(data, previous, now)
    pinned = pin(data, kept, now)
    by_key = previous.by_key()
    reference = Solution(
        [
            by_key[(op.work_order_id, op.step)]
            for op in data.operations
            if (op.work_order_id, op.step) in by_key
        ]
    )
    cannot = {
        order.order_id: str(order.shortage)
        for order in pinned.orders.values()
        if not order.schedulable
    }  # the solve's order selection may leave out more: it drops those itself
    start = repair(pinned, previous, Solution([], cannot))
    result = solve(
        pinned, params, objective, progress, reference=reference, start=start
    )
    new = result.solution if result.solution is not None else Solution([])
    return RescheduleResult(
        result=result,
        now=now,
        previous=previous,
        changes=compare(data, previous, new),
        kept_started=kept,
        warnings=warnings,
    )


# ------------------------------------------------------------ what stays
def started_operations(
    data: ProblemData, previous: Solution, now: int
) -> tuple[dict[int, ScheduledOperation], list[str]]:
    """Operations that started before ``now`` and stay, and why others cannot.

    Returns the kept placements by operation index, and one warning per
    started operation that today's data no longer allow where it is.
    """
    index_of = {(op.work_order_id, op.step): op.index for op in data.operations}
    kept: dict[int, ScheduledOperation] = {}
    warnings: list[str] = []
    for placed in sorted(previous.operations, key=lambda p: (p.start, p.end)):
        if placed.start >= now:
            continue
        index = index_of.get((placed.work_order_id, placed.step))
        if index is None:
            continue  # cancelled order or a step that is gone: nothing to keep
        problem = _conflict(data, index, placed)
        if problem:
            warnings.append(_replanned(placed, problem))
        else:
            kept[index] = placed
    while True:  # drop what depends on dropped work, or overloads today's data
        dropped = _inconsistent(data, kept)
        if not dropped:
            return kept, warnings
        for index, problem in dropped.items():
            warnings.append(_replanned(kept.pop(index), problem))


def _replanned(placed: ScheduledOperation, problem: str) -> str:
    return (
        f"{placed.work_order_id} step {placed.step} started at {placed.start} on "
        f"{placed.machine_id}, but {problem}: it is planned again from now"
    )


def _conflict(data: ProblemData, index: int, placed: ScheduledOperation) -> str:
    """Why today's data do not allow a started operation where it is ('' if ok)."""
    operation = data.operations[index]
    order = data.orders[operation.order_id]
    if not order.schedulable:
        return f"its order cannot be supplied today ({order.shortage})"
    duration = operation.duration_on(placed.machine_id)
    if duration is None:
        return f"{placed.machine_id} is no longer eligible for it"
    if duration != placed.end - placed.start:
        return f"it now takes {duration} on {placed.machine_id}"
    for start, end in data.downtime.get(placed.machine_id, []):
        if start < placed.end and placed.start < end:
            return f"{placed.machine_id} is down from {start} to {end}"
    if order.release > placed.start:
        return f"its order is now released at {order.release}"
    return ""


def _inconsistent(
    data: ProblemData, kept: dict[int, ScheduledOperation]
) -> dict[int, str]:
    """Kept operations that cannot stay together (index -> why)."""
    dropped: dict[int, str] = {}
    for index, placed in kept.items():
        for pred in data.operations[index].predecessors:
            if pred not in kept:
                dropped[index] = "a predecessor is planned again"
            elif kept[pred].end > placed.start:
                dropped[index] = "a predecessor now ends after it started"
    dropped.update(_over_capacity(data, kept))
    dropped.update(_short_of_material(data, kept))
    return dropped


def _over_capacity(
    data: ProblemData, kept: dict[int, ScheduledOperation]
) -> dict[int, str]:
    running: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for index, placed in kept.items():
        running[placed.machine_id].append((placed.start, placed.end, index))
    dropped: dict[int, str] = {}
    for machine_id, spans in running.items():
        spans.sort()
        active: list[int] = []
        for start, end, index in spans:
            active = [e for e in active if e > start]
            if len(active) >= data.capacity.get(machine_id, 1) and end > start:
                dropped[index] = f"{machine_id} has less capacity now"
                continue
            active.append(end)
    return dropped


def _short_of_material(
    data: ProblemData, kept: dict[int, ScheduledOperation]
) -> dict[int, str]:
    uses: dict[str, list[tuple[int, Decimal, int]]] = defaultdict(list)
    for index, placed in kept.items():
        for need in data.operations[index].needs:
            uses[need.component_id].append((placed.start, need.quantity, index))
    dropped: dict[int, str] = {}
    for component_id, items in uses.items():
        supply = data.supplies.get(component_id)
        consumed = Decimal(0)
        for start, quantity, index in sorted(items):
            available = supply.available_at(start) if supply is not None else 0
            if available is not None and consumed + quantity > available:
                dropped[index] = f"today's data have no {component_id} for it then"
                continue
            consumed += quantity
    return dropped


# ------------------------------------------------------------ the start plan
def repair(data: ProblemData, previous: Solution, solved: Solution) -> Solution | None:
    """The previous plan pushed right just enough to be valid today.

    Every operation keeps its previous machine and goes, in the order of its
    previous start, to the earliest time its release, now, predecessors,
    machine (capacity, downtime) and material allow; operations the previous
    plan did not have (new orders, a machine no longer eligible) are then
    placed around them by the constructive heuristic, and the whole is
    left-shifted. Orders ``solved`` left out stay out. It is the plan that
    changes nothing the new data do not force: the solve's start plan (see
    :func:`reschedule`). ``None`` when it cannot be built.
    """
    from mtosched.checker import check
    from mtosched.compaction import left_shift
    from mtosched.heuristic import construct

    excluded = dict(solved.unschedulable)
    placed = _pushed_right(data, previous, set(excluded))
    try:
        complete = construct(pin(data, placed, data.not_before), excluded=excluded)
    except Exception:  # the fallback is optional: never fail the reschedule
        return None
    plan = left_shift(data, complete)
    if not check(data.instance, plan).ok:
        return None
    return plan


def _pushed_right(
    data: ProblemData, previous: Solution, excluded: set[str]
) -> dict[int, ScheduledOperation]:
    """Previous placements on their machines, moved as late as they must be."""
    by_key = previous.by_key()
    placed: dict[int, ScheduledOperation] = dict(data.pinned)
    machines = {
        machine_id: _Timeline(capacity, data.downtime.get(machine_id, []))
        for machine_id, capacity in data.capacity.items()
    }
    consumed: dict[str, Decimal] = defaultdict(Decimal)
    last_use: dict[str, int] = defaultdict(int)
    for index, kept in data.pinned.items():
        machines[kept.machine_id].add(kept.start, kept.end)
        for need in data.operations[index].needs:
            consumed[need.component_id] += need.quantity
            last_use[need.component_id] = max(last_use[need.component_id], kept.start)
    order = sorted(
        (by_key[(op.work_order_id, op.step)].start, op.index)
        for op in data.operations
        if (op.work_order_id, op.step) in by_key
        and op.index not in data.pinned
        and op.order_id not in excluded
    )
    for _, index in order:
        operation = data.operations[index]
        old = by_key[(operation.work_order_id, operation.step)]
        duration = operation.duration_on(old.machine_id)
        preds = [placed[p].end for p in operation.predecessors if p in placed]
        if duration is None or len(preds) < len(operation.predecessors):
            continue  # left to the heuristic
        start = max(data.orders[operation.order_id].release, data.not_before, 0, *preds)
        for need in operation.needs:
            component = need.component_id
            ready = _ready(data, component, consumed[component] + need.quantity)
            if ready is None:
                break
            start = max(start, ready, last_use[component])
        else:
            start = machines[old.machine_id].fit(start, duration)
            placed[index] = ScheduledOperation(
                old.work_order_id, old.step, old.machine_id, start, start + duration
            )
            machines[old.machine_id].add(start, start + duration)
            for need in operation.needs:
                consumed[need.component_id] += need.quantity
                last_use[need.component_id] = start
    return placed


def _ready(data: ProblemData, component_id: str, cumulative: Decimal) -> int | None:
    """Earliest time by which ``cumulative`` of a component has arrived."""
    supply = data.supplies.get(component_id)
    if supply is None:
        return None
    arrived = Decimal(0)
    for receipt in supply.receipts:
        if receipt.quantity is None:
            return receipt.time
        arrived += receipt.quantity
        if arrived >= cumulative:
            return receipt.time
    return None


class _Timeline:
    """One machine's placed operations (sorted by start) and its downtime."""

    def __init__(self, capacity: int, windows: list[tuple[int, int]]) -> None:
        self.capacity = capacity
        self.windows = windows
        self.spans: list[tuple[int, int]] = []
        self.longest = 0

    def add(self, begin: int, end: int) -> None:
        """Record an operation running over [begin, end)."""
        bisect.insort(self.spans, (begin, end))
        self.longest = max(self.longest, end - begin)

    def fit(self, start: int, duration: int) -> int:
        """Earliest t >= start with [t, t + duration) free of downtime and full load."""
        if duration <= 0:
            return start
        t = start
        while True:
            end = t + duration
            ends = [stop for begin, stop in self.windows if begin < end and stop > t]
            if not ends:
                ends = self._full(t, end)
            if not ends:
                return t
            t = max(t + 1, min(ends))

    def _full(self, t: int, end: int) -> list[int]:
        """Ends of the operations that fill the machine somewhere in [t, end)."""
        low = bisect.bisect_left(self.spans, (t - self.longest, -1))
        high = bisect.bisect_left(self.spans, (end, -1))
        overlapping = [(b, e) for b, e in self.spans[low:high] if e > t]
        for moment in sorted({t} | {b for b, _ in overlapping if b > t}):
            running = [e for b, e in overlapping if b <= moment < e]
            if len(running) >= self.capacity:
                return running
        return []


# ------------------------------------------------------------ what changed
def compare(data: ProblemData, previous: Solution, new: Solution) -> list[Change]:
    """Every operation of either plan, in time order, with what happened to it."""
    names = {(op.work_order_id, op.step): op.name for op in data.operations}
    old, current = previous.by_key(), new.by_key()
    changes = [
        Change(key[0], key[1], names.get(key, ""), old.get(key), current.get(key))
        for key in set(old) | set(current)
    ]
    changes.sort(key=_change_order)
    return changes


def _change_order(change: Change) -> tuple[int, str, int]:
    placed = change.old or change.new
    assert placed is not None
    return (placed.start, change.work_order_id, change.step)


def check_reschedule(
    previous: Solution, new: Solution, now: int, data: ProblemData
) -> list[str]:
    """The pinning rules, checked on the schedules alone (empty when they hold).

    ``data`` is the pinned data the new plan was made from (``data.pinned``:
    the started operations kept). Kept operations must be where they were in
    ``previous``, have started before ``now`` and be unchanged in ``new``
    (unless their whole order is left out); every other operation of ``new``
    must start at or after ``now``.
    """
    problems: list[str] = []
    old, current = previous.by_key(), new.by_key()
    kept_keys = set()
    for index, placed in data.pinned.items():
        operation = data.operations[index]
        key = (operation.work_order_id, operation.step)
        kept_keys.add(key)
        label = f"{key[0]} step {key[1]}"
        if old.get(key) != placed:
            problems.append(f"{label} is kept but not where the previous plan had it")
        if placed.start >= now:
            problems.append(f"{label} is kept but starts at {placed.start} >= now")
        if key not in current:
            if operation.order_id not in new.unschedulable:
                problems.append(f"{label} started but is missing from the new plan")
        elif current[key] != placed:
            problems.append(f"{label} started but moved to {current[key]}")
    for key, placed in current.items():
        if key not in kept_keys and placed.start < now:
            problems.append(
                f"{key[0]} step {key[1]} starts at {placed.start}, before now ({now})"
            )
    return problems


# ------------------------------------------------------------ files
def changes_frame(outcome: RescheduleResult) -> pd.DataFrame:
    """``changes.csv`` as a DataFrame (``_at`` datetimes when the plan has a start)."""
    import pandas as pd

    rows = [
        {
            "work_order_id": change.work_order_id,
            "step": change.step,
            "operation": change.operation,
            "old_machine_id": change.old.machine_id if change.old else None,
            "old_start": change.old.start if change.old else None,
            "new_machine_id": change.new.machine_id if change.new else None,
            "new_start": change.new.start if change.new else None,
            "shift": change.shift,
            "status": change.status.value,
        }
        for change in outcome.changes
    ]
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS).astype(
        {"step": "int64", "old_start": "Int64", "new_start": "Int64", "shift": "Int64"}
    )
    settings = outcome.result.data.instance.settings
    if settings.start is not None:
        start, unit = settings.start, settings.time_unit
        for column in ("old_start", "new_start"):
            frame[f"{column}_at"] = pd.Series(
                [
                    None if pd.isna(v) else to_datetime(int(v), start, unit)
                    for v in frame[column]
                ],
                index=frame.index,
                dtype="datetime64[ns]",
            )
    return frame


def write_reschedule(
    outcome: RescheduleResult, out_dir: str | Path, report: bool = True
) -> Path:
    """The normal result files plus ``changes.csv``, replaced together."""
    from mtosched.io.writers import write_csv, write_results

    extra = {"changes.csv": lambda path: write_csv(changes_frame(outcome), path)}
    return write_results(outcome.result, out_dir, report=report, extra=extra)
