"""Constructive list scheduling: the warm start for CP-SAT and the fallback schedule.

A serial schedule generation scheme. Operations become *ready* once every
predecessor is placed; the scheme repeatedly picks a ready operation by a
priority rule and places it, for good, at its earliest feasible start over its
eligible machines (the machine with the earliest end wins; ties: earliest
start, then the machines' order in the instance). Placement may fill gaps left
earlier on a machine, so the start found respects everything already placed:

* the order's release and the end of every predecessor;
* machine capacity (a usage step function per machine, so capacity > 1 works)
  and downtime (a window blocks the whole capacity);
* material: consuming ``q`` of a component at ``t`` must leave, at every later
  moment, consumption within what has arrived by then. Because placements are
  not chronological, an early consumption must not starve a later one already
  placed; only the slack just before each receipt (and at the end) can bind,
  so each component keeps one exact Decimal slack per receipt time.

Which ready operation goes next
-------------------------------
Evaluating a rule like ATC at every ready operation's own earliest start
after every placement costs O(ready set) machine searches per pick: fine for
hundreds of operations, far too slow for 50,000. We use a time window instead:

* a *clock* ``c`` and a window width ``W`` (``window`` × the mean duration);
* ready operations wait in a heap keyed by a lower bound on their start
  (release and predecessors first, their true earliest start once computed);
  those whose bound is at most ``c + W`` are *candidates*;
* the rule picks among candidates: ATC is evaluated at the common time ``c``
  (then its ranking is static except for operations crossing their slack
  boundary, handled with three heaps: O(log n) per pick); EDD and MWR are
  static keys;
* the picked operation's true earliest start is computed; beyond ``c + W`` it
  goes back to the waiting heap under that start (it cannot compete now),
  else it is placed;
* the clock moves to the waiting heap's first bound when no candidate is left,
  and to the earliest start seen after a run of ``_BOUNCES`` candidates that
  all turned out to be blocked (contention: without this each of thousands of
  blocked candidates would be re-examined at every step of the window).

So every placement costs a few machine searches and heap operations: about
O(n log n) for typical data (machine searches skip whole busy blocks).
Measured on generated shops (tests/test_heuristic.py): 10,000 operations in
about 0.35 s of CPU, 50,000 in about 2.5 s. Against an exact O(n²) version
that evaluates ATC for every ready operation at its own earliest start after
every placement, the windowed one was better on 18 of 36 settings (150-order
shops, 3 seeds × 3 look-aheads × 4 windows) and worse on 18: the shortcut
costs no quality we could measure.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from mtosched.expand import ComponentSupply, ProblemData, format_quantity
from mtosched.kpi import objective_value, order_results
from mtosched.solution import Objective, ScheduledOperation, Solution

#: Reason given to orders excluded without one (``excluded`` as a plain collection).
LEFT_OUT = "left out: excluded from this schedule by the caller"

#: Blocked candidates in a row after which the clock jumps ahead (see module doc).
_BOUNCES = 8


class PriorityRule(StrEnum):
    """How the next operation is chosen among the candidates."""

    atc = "atc"  # apparent tardiness cost: weight, duration and slack to the due date
    edd = "edd"  # earliest due date of the order, then earliest start
    mwr = "mwr"  # most work remaining on the order's critical chain (for makespan)


class ConstructionError(RuntimeError):
    """The data admit no schedule for an order the caller asked to schedule."""


# ------------------------------------------------------------------ machines
class _MachineProfile:
    """How many operations run on one machine over time: a step function.

    ``levels[i]`` is the usage on ``[times[i], times[i + 1])``; the last step
    runs forever and is always 0. Downtime is stored as full usage. Equal
    neighbouring steps are merged, so a densely packed capacity-1 machine is a
    few busy blocks and a search skips each block in one step.

    Gaps too short for anything pile up behind the frontier, and an operation
    whose bound is early (released at 0) would scan them all. So the machine
    remembers, per duration d, the earliest start of any free window of length
    d: no operation of that length starts before it. It only moves forward
    (windows only fill up), and only when a reservation overlaps it.
    """

    __slots__ = ("capacity", "first_fit", "levels", "times")

    def __init__(self, capacity: int, downtime: list[tuple[int, int]]) -> None:
        self.capacity = capacity
        self.times: list[int] = [0]
        self.levels: list[int] = [0]
        self.first_fit: dict[int, int] = {}  # duration -> earliest free window
        for start, end in downtime:
            self.reserve(start, end, capacity)

    def earliest_fit(self, earliest: int, duration: int) -> int:
        """Earliest ``t >= earliest`` with spare capacity all over ``[t, t+duration)``.

        A zero-duration operation occupies nothing, so it fits anywhere.
        """
        if duration <= 0:
            return earliest
        first = self.first_fit.get(duration)
        if first is None:
            first = self.first_fit[duration] = self._scan(0, duration)
        return first if earliest <= first else self._scan(earliest, duration)

    def _scan(self, earliest: int, duration: int) -> int:
        """The earliest fit, step by step from ``earliest``."""
        times, levels, capacity = self.times, self.levels, self.capacity
        count = len(times)
        index = bisect_right(times, earliest) - 1
        start = earliest
        while True:
            end = start + duration
            scan = index
            while scan < count and times[scan] < end:
                if levels[scan] >= capacity:
                    break
                scan += 1
            else:
                return start
            start = times[scan + 1]  # the full step ends (the last step is empty)
            index = scan + 1

    def reserve(self, start: int, end: int, amount: int = 1) -> None:
        """Add ``amount`` to the usage over ``[start, end)``."""
        if end <= start:
            return
        first = self._split(start)
        last = self._split(end)
        levels = self.levels
        for index in range(first, last):
            levels[index] += amount
        # Merge at the two boundaries touched (the right one first: indices shift).
        self._merge(last)
        self._merge(first)
        first_fit = self.first_fit
        for duration, fit in first_fit.items():
            if fit < end and start < fit + duration:  # its window may be full now
                first_fit[duration] = self._scan(fit, duration)

    def _split(self, at: int) -> int:
        """Index of the breakpoint at ``at``, inserted if missing (``at >= 0``)."""
        index = bisect_left(self.times, at)
        if index < len(self.times) and self.times[index] == at:
            return index
        self.times.insert(index, at)
        self.levels.insert(index, self.levels[index - 1])
        return index

    def _merge(self, index: int) -> None:
        """Drop the breakpoint at ``index`` when it separates equal levels."""
        if 0 < index < len(self.times) and self.levels[index] == self.levels[index - 1]:
            del self.times[index]
            del self.levels[index]


# ------------------------------------------------------------------ material
class _ComponentStock:
    """Exact slack of one purchased component just before each receipt.

    Cumulative receipts rise only at arrivals and cumulative consumption only
    at starts, so ``available(u) - consumed(u)`` is lowest just before the
    next arrival (or at the end, or just before the lead time, after which
    supply is unlimited). ``slack[k]`` is that value before ``times[k]``:
    a consumption at ``t`` lowers every ``slack[k]`` with ``times[k] > t``,
    and it is allowed iff each of them stays >= 0.
    """

    __slots__ = ("component_id", "lead_time", "slack", "times")

    def __init__(self, supply: ComponentSupply) -> None:
        self.component_id = supply.component_id
        self.lead_time = supply.lead_time
        limit: float = math.inf if supply.lead_time is None else supply.lead_time
        self.times: list[float] = []
        self.slack: list[Decimal] = []
        arrived = Decimal(0)
        for receipt in supply.receipts:
            if receipt.quantity is None or receipt.time >= limit:
                break
            if receipt.time > 0 and (not self.times or self.times[-1] != receipt.time):
                self.times.append(receipt.time)
                self.slack.append(arrived)
            arrived += receipt.quantity
        self.times.append(limit)  # the end, or just before the lead time

        self.slack.append(arrived)

    def earliest(self, quantity: Decimal, earliest: int) -> int | None:
        """Earliest ``t >= earliest`` at which ``quantity`` can be consumed.

        ``None`` when it never can (no lead time, too little ever arrives).
        """
        if self.lead_time is not None and earliest >= self.lead_time:
            return earliest
        times, slack = self.times, self.slack
        first = bisect_right(times, earliest)  # checkpoints after `earliest`
        fits = len(times)  # smallest k >= first whose suffix keeps >= quantity
        for index in range(len(times) - 1, first - 1, -1):
            if slack[index] < quantity:
                break
            fits = index
        if fits == first:
            return earliest
        moment = times[fits - 1]  # from then on only checkpoints >= fits apply
        return None if math.isinf(moment) else int(moment)

    def consume(self, quantity: Decimal, start: int) -> None:
        """Record ``quantity`` consumed at ``start``."""
        if self.lead_time is not None and start >= self.lead_time:
            return
        times, slack = self.times, self.slack
        for index in range(bisect_right(times, start), len(times)):
            slack[index] -= quantity


# ------------------------------------------------------------ candidate sets
class _StaticQueue:
    """Candidates ordered by a key fixed at admission (EDD, MWR)."""

    def __init__(self) -> None:
        self.heap: list[tuple[tuple[float, ...], int]] = []

    def push(self, key: tuple[float, ...], operation: int) -> None:
        """Admit a candidate."""
        heapq.heappush(self.heap, (key, operation))

    def pop(self, clock: int) -> int | None:
        """The best candidate, removed; ``None`` when empty."""
        return heapq.heappop(self.heap)[1] if self.heap else None


class _AtcQueue:
    """Candidates ranked by ATC at a common, non-decreasing time ``clock``.

    ATC(t) = w/p · exp(-max(0, s - t) / K) with s = due - remaining work. For
    candidates already past their slack boundary (s <= t) it is w/p; for the
    others its logarithm is ``log(w/p) - s/K + t/K``, whose ranking does not
    depend on t. Candidates cross from the second group to the first as the
    clock passes s, which a third heap keyed by s releases in order.
    """

    _WAITING, _CRITICAL = 1, 2

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.critical: list[tuple[float, float, int, int]] = []
        self.waiting: list[tuple[float, float, int, int]] = []
        self.by_slack: list[tuple[float, int, int]] = []
        self.state: dict[int, int] = {}  # admission ticket -> group
        self.info: dict[int, tuple[float, float]] = {}  # ticket -> (log w/p, bound)
        self.tickets = 0

    def push(
        self, log_ratio: float, boundary: float, bound: int, operation: int
    ) -> None:
        """Admit a candidate with ``log(w/p)``, its slack boundary s and start bound."""
        self.tickets += 1
        ticket = self.tickets
        self.info[ticket] = (log_ratio, boundary)
        self.state[ticket] = self._WAITING
        heapq.heappush(
            self.waiting,
            (-(log_ratio - boundary / self.scale), bound, operation, ticket),
        )
        heapq.heappush(self.by_slack, (boundary, operation, ticket))

    def pop(self, clock: int) -> int | None:
        """The candidate with the highest ATC at ``clock``, removed."""
        self._release(clock)
        self._drop_stale(self.critical, self._CRITICAL)
        self._drop_stale(self.waiting, self._WAITING)
        if not self.critical and not self.waiting:
            return None
        best: list[tuple[float, float, int, int]]
        if not self.waiting:
            best = self.critical
        elif not self.critical:
            best = self.waiting
        else:
            critical_value = -self.critical[0][0]
            waiting_value = -self.waiting[0][0] + clock / self.scale
            best = self.critical if critical_value >= waiting_value else self.waiting
        _, _, operation, ticket = heapq.heappop(best)
        del self.state[ticket]
        del self.info[ticket]
        return operation

    def _release(self, clock: int) -> None:
        """Move candidates whose slack boundary the clock has reached to critical."""
        while self.by_slack and self.by_slack[0][0] <= clock:
            _, operation, ticket = heapq.heappop(self.by_slack)
            if self.state.get(ticket) != self._WAITING:
                continue
            self.state[ticket] = self._CRITICAL
            log_ratio, boundary = self.info[ticket]
            heapq.heappush(self.critical, (-log_ratio, boundary, operation, ticket))

    def _drop_stale(
        self, heap: list[tuple[float, float, int, int]], group: int
    ) -> None:
        while heap and self.state.get(heap[0][3]) != group:
            heapq.heappop(heap)


# --------------------------------------------------------------- construction
@dataclass(frozen=True)
class _Step:
    """What the scheme needs of one operation, precomputed."""

    modes: tuple[tuple[int, str, int], ...]  # (machine rank, machine id, duration)
    needs: tuple[tuple[_ComponentStock, Decimal], ...]
    work_order_id: str
    step: int
    order_id: str


class _Scheme:
    """One run of the serial schedule generation scheme."""

    def __init__(
        self,
        data: ProblemData,
        included: list[str],
        rule: PriorityRule,
        look_ahead: float,
        window: float,
    ) -> None:
        self.data = data
        self.rule = rule
        ranks = {m.machine_id: r for r, m in enumerate(data.instance.machines)}
        self.machines = {
            machine_id: _MachineProfile(capacity, data.downtime.get(machine_id, []))
            for machine_id, capacity in data.capacity.items()
        }
        self.stocks = {c: _ComponentStock(s) for c, s in data.supplies.items()}
        self.indices = sorted(i for o in included for i in data.orders[o].operations)
        self.steps = {i: self._step(i, ranks) for i in self.indices}
        durations = [data.operations[i].min_duration for i in self.indices]
        mean = sum(durations) / len(durations) if durations else 1.0
        self.mean_duration = mean if mean > 0 else 1.0
        self.width = max(window, 0.0) * self.mean_duration
        self.scale = max(look_ahead, 1e-9) * self.mean_duration
        self.tails = data.tails()
        self.placed: dict[int, ScheduledOperation] = {}

    def _step(self, index: int, ranks: dict[str, int]) -> _Step:
        operation = self.data.operations[index]
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for need in operation.needs:
            totals[need.component_id] += need.quantity
        needs = []
        for component_id, quantity in totals.items():
            stock = self.stocks.get(component_id)
            if stock is None:  # never supplied at all: nothing ever arrives
                stock = _ComponentStock(ComponentSupply(component_id, [], None))
                self.stocks[component_id] = stock
            needs.append((stock, quantity))
        return _Step(
            modes=tuple(
                sorted(
                    (ranks[m.machine_id], m.machine_id, m.duration)
                    for m in operation.modes
                )
            ),
            needs=tuple(needs),
            work_order_id=operation.work_order_id,
            step=operation.step,
            order_id=operation.order_id,
        )

    # ------------------------------------------------------------- placing
    def earliest(self, index: int, bound: int) -> tuple[int, int, str]:
        """(start, end, machine) of the best placement of an operation now."""
        step = self.steps[index]
        start = bound
        for stock, quantity in step.needs:
            ready = stock.earliest(quantity, start)
            if ready is None:
                raise ConstructionError(self._short(step, stock, quantity))
            start = ready
        best: tuple[int, int, int, str] | None = None
        for rank, machine_id, duration in step.modes:
            begin = self.machines[machine_id].earliest_fit(start, duration)
            option = (begin + duration, begin, rank, machine_id)
            if best is None or option < best:
                best = option
        assert best is not None  # every operation has at least one mode
        end, begin, _, machine_id = best
        return begin, end, machine_id

    def _short(self, step: _Step, stock: _ComponentStock, quantity: Decimal) -> str:
        return (
            f"order {step.order_id}: work order {step.work_order_id} step {step.step} "
            f"needs {format_quantity(quantity)} of {stock.component_id}, but stock "
            "and supplies left for it never cover that (the pre-solve supply check "
            "or the order selection should have left the order out)"
        )

    def place(self, index: int, start: int, end: int, machine_id: str) -> None:
        """Commit a placement: machine usage, material consumption, the record."""
        step = self.steps[index]
        self.machines[machine_id].reserve(start, end)
        for stock, quantity in step.needs:
            stock.consume(quantity, start)
        self.placed[index] = ScheduledOperation(
            step.work_order_id, step.step, machine_id, start, end
        )

    # ------------------------------------------------------------- choosing
    def admit(self, queue: _AtcQueue | _StaticQueue, index: int, bound: int) -> None:
        """Make a ready operation a candidate under the rule's priority."""
        operation = self.data.operations[index]
        order = self.data.orders[operation.order_id]
        if isinstance(queue, _AtcQueue):
            ratio = float(order.weight) / max(operation.min_duration, 1)
            queue.push(math.log(ratio), order.due - self.tails[index], bound, index)
        elif self.rule is PriorityRule.edd:
            queue.push((order.due, bound, index), index)
        else:
            queue.push((-self.tails[index], bound, index), index)

    def run(self) -> list[ScheduledOperation]:
        """Place every operation of the included orders (see the module doc).

        Pinned operations (rescheduling: work already started) are placed
        first, exactly where they are, taking their machine time and material;
        every other operation starts at or after ``data.not_before``.
        """
        data = self.data
        operations = data.operations
        pinned = {i: data.pinned[i] for i in self.indices if i in data.pinned}
        waiting_for = {i: len(operations[i].predecessors) for i in self.indices}
        successors: dict[int, list[int]] = defaultdict(list)
        for i in self.indices:
            for pred in operations[i].predecessors:
                if i not in pinned:
                    successors[pred].append(i)
        bound = {
            i: max(data.orders[operations[i].order_id].release, data.not_before)
            for i in self.indices
        }
        queue = (
            _AtcQueue(self.scale) if self.rule is PriorityRule.atc else _StaticQueue()
        )
        ready = _ReadySet(queue, self.width, self.admit)

        def done(index: int, end: int) -> None:
            for successor in successors[index]:
                bound[successor] = max(bound[successor], end)
                waiting_for[successor] -= 1
                if waiting_for[successor] == 0:
                    ready.add(successor, bound[successor])

        for i, kept in pinned.items():
            self.place(i, kept.start, kept.end, kept.machine_id)
        for i in self.indices:
            if waiting_for[i] == 0 and i not in pinned:
                ready.add(i, bound[i])
        for i, kept in pinned.items():
            done(i, kept.end)
        while len(self.placed) < len(self.indices):
            index = ready.pick()
            start, end, machine_id = self.earliest(index, bound[index])
            if not ready.accepts(start):
                bound[index] = start  # starts only get later as placements add up
                ready.block(index, start)
                continue
            self.place(index, start, end, machine_id)
            done(index, end)
        return [self.placed[i] for i in self.indices]


class _ReadySet:
    """Ready operations: waiting under a start bound, or candidates in the window.

    See the module docstring for the clock, the window and why a run of
    blocked candidates moves the clock.
    """

    def __init__(
        self,
        queue: _AtcQueue | _StaticQueue,
        width: float,
        admit: Callable[[_AtcQueue | _StaticQueue, int, int], None],
    ) -> None:
        self.queue = queue
        self.width = width
        self.admit = admit
        self.pending: list[tuple[int, int]] = []  # (start bound, operation)
        self.clock = 0
        self.blocked = 0
        self.blocked_at = math.inf

    def add(self, index: int, bound: int) -> None:
        """A newly ready operation that cannot start before ``bound``."""
        heapq.heappush(self.pending, (bound, index))

    def pick(self) -> int:
        """The rule's choice among the candidates; the clock advances as needed."""
        while True:
            while self.pending and self.pending[0][0] <= self.clock + self.width:
                bound, index = heapq.heappop(self.pending)
                self.admit(self.queue, index, bound)
            chosen = self.queue.pop(self.clock)
            if chosen is not None:
                return chosen
            if not self.pending:  # cannot happen: predecessors stay in their order
                raise ConstructionError("operations wait for ones never scheduled")
            self.clock = max(self.clock, self.pending[0][0])

    def accepts(self, start: int) -> bool:
        """Whether a candidate starting at ``start`` is placed now (in the window).

        Accepting one ends any run of blocked candidates.
        """
        if start > self.clock + self.width:
            return False
        self.blocked, self.blocked_at = 0, math.inf
        return True

    def block(self, index: int, start: int) -> None:
        """A candidate that cannot start within the window waits until ``start``."""
        heapq.heappush(self.pending, (start, index))
        self.blocked += 1
        self.blocked_at = min(self.blocked_at, start)
        if self.blocked >= _BOUNCES:  # never backwards: see ``_AtcQueue``
            self.clock = max(self.clock, int(self.blocked_at))
            self.blocked, self.blocked_at = 0, math.inf


def _reasons(
    data: ProblemData, excluded: Collection[str] | Mapping[str, str]
) -> dict[str, str]:
    """Orders not to schedule, with why: the caller's reason, else the shortage."""
    given = (
        dict(excluded)
        if isinstance(excluded, Mapping)
        else dict.fromkeys(excluded, LEFT_OUT)
    )
    unknown = sorted(set(given) - set(data.orders))
    if unknown:
        raise ValueError(f"excluded orders not in the instance: {', '.join(unknown)}")
    reasons: dict[str, str] = {}
    for order in data.orders.values():
        if order.order_id in given:
            reasons[order.order_id] = (
                given[order.order_id] or order.shortage or LEFT_OUT
            )
        elif order.shortage is not None:
            reasons[order.order_id] = order.shortage
    return reasons


def construct(
    data: ProblemData,
    rule: PriorityRule = PriorityRule.atc,
    excluded: Collection[str] | Mapping[str, str] = (),
    look_ahead: float = 2.0,
    *,
    window: float = 1.0,
) -> Solution:
    """One schedule by the serial generation scheme with a priority rule.

    Parameters
    ----------
    data
        The expanded instance.
    rule
        Which candidate goes next: ATC, EDD or MWR.
    excluded
        Orders to leave out: a mapping order id -> reason, or a collection of
        ids (given a generic reason). Orders failing the pre-solve supply check
        are left out with their shortage as the reason in any case.
    look_ahead
        ATC's k: slack is measured in units of k × the mean operation duration
        (small k: only nearly late orders get priority).
    window
        Width of the candidate window in mean operation durations. 0 gives a
        non-delay-like schedule; larger values let priority outweigh an earlier
        possible start.

    Raises
    ------
    ConstructionError
        If an included order's material can never be covered (the pre-solve
        check or the order selection should have left it out).
    """
    unschedulable = _reasons(data, excluded)
    included = [o for o in data.orders if o not in unschedulable]
    scheme = _Scheme(data, included, rule, look_ahead, window)
    return Solution(scheme.run(), unschedulable)


#: (rule, look-ahead k, window) in the order they are tried, per objective,
#: most useful first (a tight budget runs only the first few). On generated
#: instances a narrow window wins when the plant is overloaded and a wider one
#: when it is not; a very wide window (close to placing orders one by one in
#: priority order) lets urgent late-released orders claim scarce material
#: first (the e-bike example: 5,215 against 20,380 for narrow windows); a
#: large k makes ATC weighted-shortest-first.
_DUE_DATE_TRIALS = [
    (PriorityRule.atc, 2.0, 1.0),
    (PriorityRule.atc, 2.0, 0.0),
    (PriorityRule.atc, 0.5, 10.0),
    (PriorityRule.edd, 2.0, 1.0),
    (PriorityRule.atc, 8.0, 0.0),
    (PriorityRule.atc, 2.0, 100.0),
    (PriorityRule.atc, 0.5, 0.5),
    (PriorityRule.edd, 2.0, 10.0),
    (PriorityRule.atc, 8.0, 1.0),
    (PriorityRule.edd, 2.0, 0.0),
    (PriorityRule.atc, 50.0, 0.0),
    (PriorityRule.mwr, 2.0, 1.0),
    (PriorityRule.atc, 0.5, 2.0),
]
_MAKESPAN_TRIALS = [
    (PriorityRule.mwr, 2.0, 1.0),
    (PriorityRule.mwr, 2.0, 0.0),
    (PriorityRule.mwr, 2.0, 10.0),
    (PriorityRule.atc, 2.0, 0.0),
    (PriorityRule.mwr, 2.0, 0.5),
    (PriorityRule.edd, 2.0, 1.0),
    (PriorityRule.atc, 2.0, 1.0),
    (PriorityRule.atc, 2.0, 100.0),
]


def _trials(objective: Objective) -> list[tuple[PriorityRule, float, float]]:
    return _MAKESPAN_TRIALS if objective is Objective.makespan else _DUE_DATE_TRIALS


def best_construction(
    data: ProblemData,
    objective: Objective,
    excluded: Collection[str] | Mapping[str, str] = (),
    time_budget: float = 2.0,
) -> Solution:
    """The best of several constructions for ``objective`` within ``time_budget``.

    Tries the rules with a few ATC look-ahead values and window widths, most
    promising first for the objective, and stops when the next run would not
    fit in the budget (the first always runs). Ties on the objective go to the
    lower weighted tardiness, then the shorter makespan, then the earlier trial.
    """
    started = time.perf_counter()
    best: tuple[tuple[Decimal, ...], Solution] | None = None
    slowest = 0.0
    for rule, look_ahead, window in _trials(objective):
        elapsed = time.perf_counter() - started
        if best is not None and elapsed + slowest > time_budget:
            break
        run_started = time.perf_counter()
        solution = construct(data, rule, excluded, look_ahead, window=window)
        slowest = max(slowest, time.perf_counter() - run_started)
        score = _score(data, solution, objective)
        if best is None or score < best[0]:
            best = (score, solution)
    assert best is not None
    return best[1]


def _score(
    data: ProblemData, solution: Solution, objective: Objective
) -> tuple[Decimal, ...]:
    orders = order_results(data, solution)
    return tuple(
        objective_value(o, orders, solution)
        for o in (objective, Objective.weighted_tardiness, Objective.makespan)
    )
