"""Why is this order late? The chain of causes that fixes its completion.

A customer asks why an order is late; the planner needs an answer in the
planner's words, not a Gantt chart to stare at. Starting from the order's last
operation, we ask at each step what stopped the operation from starting one
time unit earlier, given the rest of the schedule as it is:

* a component: moving it earlier would consume more than has arrived by then
  (the supply that arrives when it starts is named);
* its order's release, or the rescheduling "now";
* a predecessor still running (the previous routing step, or the last step of
  a child work order): the walk continues from that predecessor;
* its machine: full with other operations (named; the walk continues from the
  blocking operation, which may belong to another order) or down;
* nothing (the plan leaves a gap it need not: ``slack``).

The walk stops at a release, "now", a component arrival, work already in
progress, or t = 0. The causes, in time order, form a chain from that point to
the completion: a critical path through the schedule. When the chain is only
the order's own operations from its release, the cause is its routing length.

This works on any schedule (a solve's, a hand-edited one) and uses only the
expanded data and the placements; no solver.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from mtosched.domain.time import to_datetime
from mtosched.expand import OrderPlan, ProblemData, format_quantity
from mtosched.kpi import order_results
from mtosched.solution import Result, ScheduledOperation, Solution

#: Steps of one walk after which the chain is cut (a safety net: every step
#: moves strictly back in time or to a predecessor, so walks always end).
MAX_STEPS = 1000


class CauseKind(StrEnum):
    """What one link of the chain is (the ``cause`` column)."""

    own_work = "own_work"  # one of the order's own operations running
    machine_busy = "machine_busy"  # another order's operation on the chain
    downtime = "downtime"  # the machine is down
    material = "material"  # waiting for a component to arrive
    release = "release"  # an order's release date
    now = "now"  # rescheduling: nothing new starts before now
    in_progress = "in_progress"  # started before now, kept as planned
    plan_start = "plan_start"  # the chain reaches t = 0
    slack = "slack"  # the plan waits although nothing forces it to
    routing_length = "routing_length"  # only its own work from its release
    truncated = "truncated"  # the walk was cut after MAX_STEPS steps


#: Causes that end a chain (the first link in time order).
STOPS = frozenset(
    {
        CauseKind.release,
        CauseKind.now,
        CauseKind.in_progress,
        CauseKind.plan_start,
        CauseKind.material,
        CauseKind.truncated,
    }
)


@dataclass(frozen=True)
class Cause:
    """One link: a kind, the machine/component/order involved and a time span."""

    kind: CauseKind
    resource: str
    start: int
    end: int
    detail: str


@dataclass(frozen=True)
class Explanation:
    """The causes behind one order's completion, earliest first."""

    order_id: str
    due: int
    completion: int
    causes: tuple[Cause, ...]

    @property
    def lateness(self) -> int:
        """Completion minus due."""
        return self.completion - self.due

    def headline(self, limit: int = 3) -> str:
        """The causes that are not the order's own work, in a short line."""
        seen: list[str] = []
        for cause in self.causes:
            if cause.kind in (CauseKind.own_work, CauseKind.plan_start):
                continue
            text = _short(cause, self.order_id)
            if text and text not in seen:
                seen.append(text)
        if len(seen) > limit:
            seen = [*seen[:limit], f"{len(seen) - limit} more"]
        return "; ".join(seen) if seen else "its own work"


def explain(result: Result) -> list[Explanation]:
    """An explanation for every late order of a result, worst first.

    Worst means highest weighted tardiness, then lateness (the order of the
    report's late-order table). Empty when the result has no schedule. A
    walk over 2,000 orders takes seconds: callers that need the list twice
    (the result writer: ``explanations.csv`` and the report) compute it once
    and pass it on.
    """
    if result.solution is None or not result.status.has_schedule:
        return []
    return _explain(result, result.solution)


def _explain(result: Result, solution: Solution) -> list[Explanation]:
    """The walks behind :func:`explain` (no caching)."""
    orders = result.orders or order_results(result.data, solution)
    late = sorted(
        (o for o in orders if o.late),
        key=lambda o: (-(o.weight * Decimal(o.tardiness or 0)), -(o.lateness or 0)),
    )
    walker = _Walker(result.data, solution)
    return [walker.explain(order.order_id) for order in late]


def explain_order(data: ProblemData, solution: Solution, order_id: str) -> Explanation:
    """The chain behind one scheduled order's completion (late or not)."""
    return _Walker(data, solution).explain(order_id)


def when(data: ProblemData, time: int) -> str:
    """A time as the planner reads it: a datetime when the plan has a start."""
    settings = data.instance.settings
    if settings.start is None:
        return f"t={time}"
    moment = to_datetime(time, settings.start, settings.time_unit)
    return moment.strftime("%Y-%m-%d %H:%M")


def _short(cause: Cause, order_id: str) -> str:
    if cause.kind is CauseKind.machine_busy:  # "M busy with SO-2: ..." or routing
        blocker = cause.detail.split(":")[0]
        return blocker if " busy with " in blocker else ""
    if cause.kind is CauseKind.downtime:
        return f"{cause.resource} down"
    if cause.kind is CauseKind.material:
        waiting = cause.detail.split(" ")[0].split("/")[0]  # the work order's order
        who = "" if waiting == order_id else f"{waiting} "
        arrival = cause.detail.split("waits for ")[-1]
        return f"{who}waits for {cause.resource}: {arrival}"
    if cause.kind in (CauseKind.release, CauseKind.routing_length):
        return cause.detail
    return cause.kind.value.replace("_", " ")


class _Walker:
    """The schedule indexed for the walk: by machine, by component, by key."""

    def __init__(self, data: ProblemData, solution: Solution) -> None:
        self.data = data
        by_key = solution.by_key()
        self.placed: dict[int, ScheduledOperation] = {}
        for operation in data.operations:
            found = by_key.get((operation.work_order_id, operation.step))
            if found is not None:
                self.placed[operation.index] = found
        self.by_machine: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for index, placed in self.placed.items():
            if placed.end > placed.start:
                self.by_machine[placed.machine_id].append(
                    (placed.start, placed.end, index)
                )
        for entries in self.by_machine.values():
            entries.sort()
        self.longest = {
            machine: max(end - start for start, end, _ in entries)
            for machine, entries in self.by_machine.items()
        }
        self.consumption = self._consumption()

    def _consumption(self) -> dict[str, tuple[list[int], list[Decimal]]]:
        """Per component: sorted start times and cumulative quantity consumed."""
        uses: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
        for index, placed in self.placed.items():
            for need in self.data.operations[index].needs:
                uses[need.component_id].append((placed.start, need.quantity))
        result = {}
        for component_id, items in uses.items():
            items.sort()
            total = Decimal(0)
            cumulative = []
            for _, quantity in items:
                total += quantity
                cumulative.append(total)
            result[component_id] = ([start for start, _ in items], cumulative)
        return result

    def consumed_by(self, component_id: str, time: int) -> Decimal:
        """Quantity consumed by operations starting at or before ``time``."""
        starts, cumulative = self.consumption.get(component_id, ([], []))
        position = bisect.bisect_right(starts, time)
        return cumulative[position - 1] if position else Decimal(0)

    # ---------------------------------------------------------------- walk
    def explain(self, order_id: str) -> Explanation:
        order = self.data.orders[order_id]
        final = order.final_operation
        if final not in self.placed:
            raise ValueError(f"order {order_id} is not scheduled")
        completion = self.placed[final].end
        causes = [self.operation_cause(final, order_id, "")]
        current, pointer = final, self.placed[final].start
        for _ in range(MAX_STEPS):
            found, following = self.why(current, pointer, order_id)
            causes += found
            if following is None:
                break
            current, pointer = following
        else:
            causes.append(
                Cause(CauseKind.truncated, "", 0, pointer, "the chain goes on")
            )
        causes.reverse()
        return Explanation(order_id, order.due, completion, _summarise(causes, order))

    def why(
        self, index: int, time: int, order_id: str
    ) -> tuple[list[Cause], tuple[int, int] | None]:
        """Why operation ``index`` could not start at ``time - 1``.

        Returns the causes found (latest first) and where the walk goes on:
        an operation and the time before which it could not start.
        """
        data = self.data
        placed = self.placed[index]
        operation = data.operations[index]
        before = time - 1
        if index in data.pinned and time == placed.start:
            detail = f"{_label(data, index)} started before now and runs as planned"
            return [
                _moment(CauseKind.in_progress, placed.machine_id, time, detail)
            ], None
        if before < 0:
            return [_moment(CauseKind.plan_start, "", 0, "the plan starts")], None
        material = self.material(index, before)
        if material:
            return material, None
        owner = data.orders[operation.order_id]
        if owner.release >= time:
            text = f"{owner.order_id} released at {when(data, owner.release)}"
            return [
                _moment(CauseKind.release, owner.order_id, owner.release, text)
            ], None
        if index not in data.pinned and data.not_before >= time:
            now = data.not_before
            text = f"rescheduled at {when(data, now)}: nothing new starts earlier"
            return [_moment(CauseKind.now, "", now, text)], None
        predecessor = self.latest_predecessor(index, time)
        if predecessor is not None:
            cause = self.operation_cause(predecessor, order_id, "before its next step")
            return [cause], (predecessor, self.placed[predecessor].start)
        return self.machine(index, before, order_id)

    def latest_predecessor(self, index: int, time: int) -> int | None:
        """The predecessor that ends last, if it ends at or after ``time``."""
        ends = [
            (self.placed[p].end, p)
            for p in self.data.operations[index].predecessors
            if p in self.placed and self.placed[p].end >= time
        ]
        return max(ends)[1] if ends else None

    def material(self, index: int, before: int) -> list[Cause]:
        """Components that had not arrived in time for a start at ``before``."""
        data = self.data
        placed = self.placed[index]
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for need in data.operations[index].needs:
            totals[need.component_id] += need.quantity
        causes = []
        for component_id, quantity in sorted(totals.items()):
            supply = data.supplies.get(component_id)
            if supply is None:
                continue
            available = supply.available_at(before)
            if available is None:
                continue
            free = available - self.consumed_by(component_id, before)
            if free >= quantity:
                continue
            arrivals = [
                r
                for r in supply.receipts
                if before < r.time <= placed.start
                and (r.quantity is None or r.quantity > 0)
            ] or [r for r in supply.receipts if r.time > before][:1]
            names = ", ".join(
                "a lead-time buy available from " + when(data, r.time)
                if r.quantity is None
                else f"{r.source} ({format_quantity(r.quantity)}) arriving "
                f"{when(data, r.time)}"
                for r in arrivals
            )
            detail = (
                f"{_label(data, index)} needs {format_quantity(quantity)} "
                f"{component_id}, "
                f"{format_quantity(max(free, Decimal(0)))} free before "
                f"{when(data, before + 1)}; waits for {names or 'a receipt'}"
            )
            ready = min(self.ready(index), before + 1)
            causes.append(
                Cause(CauseKind.material, component_id, ready, before + 1, detail)
            )
        return causes

    def ready(self, index: int) -> int:
        """When the operation's release, "now" and predecessors allow it to start."""
        data = self.data
        operation = data.operations[index]
        floor = data.orders[operation.order_id].release
        if index not in data.pinned:
            floor = max(floor, data.not_before)
        ends = [self.placed[p].end for p in operation.predecessors if p in self.placed]
        return max([floor, 0, *ends])

    def machine(
        self, index: int, before: int, order_id: str
    ) -> tuple[list[Cause], tuple[int, int] | None]:
        """The machine's downtime or operations that keep ``index`` from ``before``."""
        data = self.data
        placed = self.placed[index]
        duration = placed.end - placed.start
        machine_id = placed.machine_id
        window = None
        blocker = None
        if duration > 0:
            window = self.downtime_within(machine_id, before, before + duration)
            blocker = self.blocker(machine_id, before, before + duration, index)
        if window is not None and (blocker is None or window[1] >= blocker[1]):
            start, end = window
            cause = Cause(
                CauseKind.downtime,
                machine_id,
                start,
                end,
                f"{machine_id} down from {when(data, start)} to {when(data, end)}",
            )
            return [cause], (index, start - duration + 1)
        if blocker is not None:
            blocking = blocker[2]
            cause = self.operation_cause(blocking, order_id, f"ahead on {machine_id}")
            return [cause], (blocking, self.placed[blocking].start)
        ready = min(self.ready(index), before)
        cause = Cause(
            CauseKind.slack,
            machine_id,
            ready,
            before + 1,
            f"{_label(data, index)} could start at {when(data, ready)}",
        )
        return [cause], (index, ready)

    def downtime_within(
        self, machine_id: str, begin: int, end: int
    ) -> tuple[int, int] | None:
        """The latest downtime window of the machine that meets [begin, end)."""
        found = None
        for start, stop in self.data.downtime.get(machine_id, []):
            if start < end and stop > begin:
                found = (start, stop)
        return found

    def blocker(
        self, machine_id: str, begin: int, end: int, index: int
    ) -> tuple[int, int, int] | None:
        """The latest-ending operation holding the machine full within [begin, end)."""
        entries = self.by_machine.get(machine_id, [])
        stop = bisect.bisect_left(entries, (end, -1, -1))
        lowest = begin - self.longest.get(machine_id, 0)
        overlapping = []
        position = stop - 1
        while position >= 0 and entries[position][0] >= lowest:
            entry = entries[position]
            if entry[1] > begin and entry[2] != index:
                overlapping.append(entry)
            position -= 1
        capacity = self.data.capacity.get(machine_id, 1)
        full = [
            entry
            for entry in overlapping
            if _full_somewhere(overlapping, entry, begin, end, capacity)
        ]
        return max(full, key=lambda e: (e[1], e[0])) if full else None

    def operation_cause(self, index: int, order_id: str, role: str) -> Cause:
        """A link for an operation on the chain: own work or another order's."""
        data = self.data
        placed = self.placed[index]
        owner = data.operations[index].order_id
        label = _label(data, index)
        if owner == order_id:
            return Cause(
                CauseKind.own_work,
                placed.machine_id,
                placed.start,
                placed.end,
                f"{label} on {placed.machine_id}",
            )
        detail = f"{placed.machine_id} busy with {owner}: {label}"
        if role and not role.startswith("ahead"):
            detail = f"{label} on {placed.machine_id}, {role}"
        return Cause(
            CauseKind.machine_busy, placed.machine_id, placed.start, placed.end, detail
        )


def _moment(kind: CauseKind, resource: str, time: int, detail: str) -> Cause:
    """A link that is a point in time (where a chain starts)."""
    return Cause(kind, resource, time, time, detail)


def _full_somewhere(
    entries: list[tuple[int, int, int]],
    entry: tuple[int, int, int],
    begin: int,
    end: int,
    capacity: int,
) -> bool:
    """Whether the machine is at capacity at some moment ``entry`` covers in range."""
    low, high = max(begin, entry[0]), min(end, entry[1])
    moments = {low} | {e[0] for e in entries if low < e[0] < high}
    return any(
        sum(1 for e in entries if e[0] <= moment < e[1]) >= capacity
        for moment in moments
    )


def _label(data: ProblemData, index: int) -> str:
    operation = data.operations[index]
    return f"{operation.work_order_id} step {operation.step} ({operation.name})"


def _summarise(causes: list[Cause], order: OrderPlan) -> tuple[Cause, ...]:
    """One ``routing_length`` link when the chain is only the order's own work."""
    kinds = {cause.kind for cause in causes}
    own = [c for c in causes if c.kind is CauseKind.own_work]
    if not own or not kinds <= {
        CauseKind.own_work,
        CauseKind.release,
        CauseKind.plan_start,
    }:
        return tuple(causes)
    start = causes[0].start
    end = own[-1].end
    detail = (
        f"its own {len(own)} operation{'s' if len(own) != 1 else ''} back to back "
        f"from {'its release' if causes[0].kind is CauseKind.release else 't=0'} "
        f"take {end - start}"
    )
    return (Cause(CauseKind.routing_length, order.order_id, start, end, detail),)
