"""Large-neighbourhood search: free part of the schedule, re-optimise it exactly.

CP-SAT on the whole model stalls on hundreds of orders and is weakest on
tardiness. Here it only ever sees a small sub-model: a few orders are freed
(late orders and their neighbours on the same machines, a time window across
the plant, or a run of one machine's sequence), everything else is frozen in
place and enters the sub-model as constants (fixed intervals on the machines,
known consumption of material). A sub-solution replaces the freed orders'
operations; it is kept only when it is lexicographically no worse and the
caller's acceptance test (the independent checker) passes.

Neighbourhood size adapts: sub-models solved to optimality quickly grow,
those that time out shrink.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ortools.sat.python import cp_model

from mtosched.expand import ComponentSupply, Operation, OrderPlan, ProblemData
from mtosched.kpi import SUM_OBJECTIVES, objective_value, order_results, order_share
from mtosched.model.builder import FixedPart, ScheduleModel
from mtosched.model.material import FrozenConsumption, supply_steps
from mtosched.solution import Objective, ScheduledOperation, Solution

Values = tuple  # lexicographic objective values of a schedule


@dataclass
class SearchSettings:
    """Knobs of the search (the defaults are what the benchmarks use)."""

    workers: int = 1  # CP-SAT workers per sub-model
    #: Threads sharing one working schedule, each solving sub-models of its
    #: own (CP-SAT releases the GIL while it solves; see :meth:`run`).
    threads: int = 1
    seed: int = 0
    sub_time: float = 1.0  # seconds per sub-model, at most
    min_operations: int = 4
    max_operations: int = 400
    start_operations: int = 16
    #: Up to this many operations, half of the moves let every other order
    #: shift (keeping its sequence): freed orders can move anywhere.
    relax_all_operations: int = 600
    global_start_operations: int = 6
    sequenced_factor: int = 8  # sequenced operations per freed one, at most
    deterministic: bool = False
    #: Moves in a row without improvement before the working schedule is kicked.
    patience: int = 40
    kick_operations: int = 8  # operations a kick reshuffles
    #: With more than one thread, the threads now and then pause their own
    #: moves for one wide move (see :meth:`_wide_orders`): about
    #: ``wide_operations`` operations in one sub-model, solved for up to
    #: ``wide_time`` seconds by a CP-SAT worker per thread. The first comes
    #: after ``wide_every`` seconds, later ones as the gains say
    #: (:class:`_WideTurns`). 0 turns them off.
    wide_every: float = 8.0
    wide_time: float = 8.0
    wide_operations: int = 950


@dataclass
class SearchStats:
    """What the search did, for the log."""

    iterations: int = 0
    improvements: int = 0
    rejected_by_check: int = 0
    #: Sub-solutions of threads that no longer fit the working schedule.
    conflicts: int = 0
    sub_optimal: int = 0
    kicks: int = 0
    wide: int = 0  # wide moves made


class _Index:
    """Where everything is in the working schedule, kept up to date move by move.

    ``longest`` is an upper bound of the longest placement per machine (it
    only bounds how far back :meth:`overlapping` looks). ``version`` grows
    with every placement a move changes, so a sub-model built on an older
    state can tell.
    """

    def __init__(self, data: ProblemData, solution: Solution) -> None:
        self.data = data
        self.version = 0
        self.placement = data.placements(solution)
        self.by_machine: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for index, op in self.placement.items():
            self.by_machine[op.machine_id].append((op.start, op.end, index))
        for entries in self.by_machine.values():
            entries.sort()
        self.starts = sorted((op.start, index) for index, op in self.placement.items())
        self.consumption = FrozenConsumption(
            (need.component_id, placed.start, need.quantity)
            for op_index, placed in self.placement.items()
            for need in data.operations[op_index].needs
        )
        self.longest = {
            machine: max((end - start for start, end, _ in entries), default=0)
            for machine, entries in self.by_machine.items()
        }

    def consumption_after(
        self, changed: dict[int, ScheduledOperation]
    ) -> FrozenConsumption:
        """The consumption totals once ``changed`` replaces the placements."""
        before: list[tuple[str, int, Decimal]] = []
        after: list[tuple[str, int, Decimal]] = []
        for index, new in changed.items():
            old = self.placement.get(index)
            if old == new:
                continue
            needs = self.data.operations[index].needs
            if old is not None:
                before += [(n.component_id, old.start, n.quantity) for n in needs]
            after += [(n.component_id, new.start, n.quantity) for n in needs]
        if not (before or after):
            return self.consumption
        return self.consumption.moved(before, after)

    def move(
        self,
        changed: dict[int, ScheduledOperation],
        consumption: FrozenConsumption | None = None,
    ) -> None:
        """Take a move's new placements in, without rebuilding from scratch.

        ``consumption`` is :meth:`consumption_after` of the same move, when the
        caller has it already.
        """
        if consumption is None:
            consumption = self.consumption_after(changed)
        for index, new in changed.items():
            old = self.placement.get(index)
            if old == new:
                continue
            if old is not None:
                _remove(self.by_machine[old.machine_id], (old.start, old.end, index))
                _remove(self.starts, (old.start, index))
            self.placement[index] = new
            bisect.insort(self.by_machine[new.machine_id], (new.start, new.end, index))
            bisect.insort(self.starts, (new.start, index))
            longest = self.longest.get(new.machine_id, 0)
            self.longest[new.machine_id] = max(longest, new.end - new.start)
            self.version += 1
        self.consumption = consumption

    def overlapping(self, machine: str, begin: int, end: int) -> list[int]:
        """Operations on ``machine`` that intersect [begin, end)."""
        entries = self.by_machine.get(machine, [])
        stop = bisect.bisect_left(entries, (end, -1, -1))
        lowest = begin - self.longest.get(machine, 0)
        found = []
        position = stop - 1
        while position >= 0 and entries[position][0] >= lowest:
            start, finish, index = entries[position]
            if finish > begin or (start >= begin and start < end):
                found.append(index)
            position -= 1
        return found


def _remove(entries: list, item: tuple) -> None:  # type: ignore[type-arg]
    """Delete ``item`` from the sorted list ``entries`` (it must be there)."""
    position = bisect.bisect_left(entries, item)
    if position == len(entries) or entries[position] != item:
        raise ValueError(f"{item} is not in the index")
    del entries[position]


def run_in_threads(tasks: Sequence[Callable[[], None]]) -> None:
    """Run each task in a thread of its own and wait for all of them.

    A single task runs in the caller's thread. The first error any task
    raised is raised again here, in the caller's thread.
    """
    if len(tasks) == 1:
        tasks[0]()
        return
    errors: list[BaseException] = []

    def guarded(task: Callable[[], None]) -> None:
        try:
            task()
        except BaseException as error:  # re-raised below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _peak(spans: list[tuple[int, int]]) -> int:
    """The most of ``spans`` (start, end) that overlap at any one time."""
    events = sorted(
        [(start, 1) for start, end in spans if end > start]
        + [(end, -1) for start, end in spans if end > start]
    )  # at equal times an end comes before a start
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def _covered(supply: ComponentSupply, consumption: FrozenConsumption) -> bool:
    """Whether the receipts cover the component's consumption: the material
    rule of the model (:func:`supply_steps`), before every supply step."""
    return all(
        consumption.before(supply.component_id, step) <= arrived
        for step, arrived in supply_steps(supply)
    )


@dataclass
class _Prepared:
    """A sub-model ready to solve, and the state of the schedule it was built on."""

    built: ScheduleModel
    terms: list[cp_model.LinearExprT]  # one expression per objective, in order
    solver: cp_model.CpSolver
    mode: str  # the kind of move, whose size the outcome adapts
    budget: float
    index: _Index
    version: int
    inside: dict[int, ScheduledOperation]  # the sub-model's operations, as found


@dataclass
class _Outcome:
    """What solving a sub-model gave: new placements (None if nothing found)."""

    changed: dict[int, ScheduledOperation] | None
    optimal: bool  # every objective's stage proven optimal
    used: float  # seconds (deterministic time in deterministic mode)
    spent: float  # CP-SAT deterministic time


class _WideTurns:
    """When the next wide move is due: the time goes where the gains are.

    Wide moves and the threads' own moves take turns. Each kind's rate of
    gain (first objective per second, halved towards each new turn's) sets
    the length of the next stretch of own moves: the last wide move's time
    times the own moves' rate over the wide moves' rate, so that each kind
    gets time in proportion to what it gains, between a quarter and four
    times ``every``. On the 2,000-order plant at due tightness 0.7 wide moves
    gained two to four times as fast as own moves; at 0.9, and at 500
    orders, about half as fast.
    """

    def __init__(self, every: float, now: float, values: Values) -> None:
        self.every = every
        self.due = now + every  # own moves first: their early gains are cheap
        self.rates: dict[str, float] = {}
        self.since, self.since_value = now, _first(values)  # the current turn's

    def ended(self, kind: str, now: float, values: Values) -> None:
        """A turn of ``kind`` ("wide" or "own") ended with ``values``."""
        span = max(now - self.since, 1e-3)
        rate = (self.since_value - _first(values)) / span
        earlier = self.rates.get(kind)
        self.rates[kind] = rate if earlier is None else (earlier + rate) / 2
        self.since, self.since_value = now, _first(values)
        if kind == "wide":
            self.due = now + self._own_turn(span)

    def _own_turn(self, wide_span: float) -> float:
        wide, own = self.rates.get("wide"), self.rates.get("own")
        if wide is None or own is None:
            return self.every
        if wide <= 0:
            return 4 * self.every
        return min(4 * self.every, max(self.every / 4, wide_span * own / wide))


def _first(values: Values) -> float:
    return float(values[0])


class _State:
    """The schedules a search works on, shared by its threads (under a lock)."""

    def __init__(self, search: LargeNeighbourhoodSearch, incumbent: Solution) -> None:
        self.data = search.data
        self.best, self.best_values = incumbent, search.values(incumbent)  # passed
        self.reset_to(self.best, self.best_values)
        self.pending = False  # the working schedule beats ``best`` but is untested
        self.check_cost = 0.0
        self.last_check = time.perf_counter()
        self.stale = 0  # moves in a row without improvement
        self.solving = 0  # sub-models being solved outside the lock
        self.wide = False  # a wide move is waiting to start or being solved
        self.wide_solver: cp_model.CpSolver | None = None  # solving it
        self.turns = _WideTurns(
            search.settings.wide_every, time.perf_counter(), self.best_values
        )

    def reset_to(self, working: Solution, values: Values) -> None:
        """Go on from ``working`` (an index built afresh, not moved there)."""
        self.working, self.working_values = working, values
        self.index = _Index(self.data, working)


class LargeNeighbourhoodSearch:
    """Improves a complete schedule by repeatedly re-solving small parts of it."""

    def __init__(
        self,
        data: ProblemData,
        orders: list[OrderPlan],
        objectives: list[Objective],
        settings: SearchSettings,
        accept: Callable[[Solution], bool],
        progress: Callable[[Values], None] | None = None,
    ) -> None:
        self.data = data
        self.orders = {order.order_id: order for order in orders}
        earliest_ends = data.earliest_ends()
        #: Per order, the time from which lateness is up to the schedule.
        self.late_from = {
            order.order_id: max(order.due, earliest_ends[order.final_operation])
            for order in orders
        }
        self.objectives = objectives
        self.settings = settings
        self.accept = accept
        self.progress = progress
        self.rng = random.Random(settings.seed)
        self.sizes = {
            "window": settings.start_operations,
            "global": settings.global_start_operations,
        }
        self.mode = "window"
        #: Typical time of a sub-model solved to optimality; a move gets a few
        #: times this (at most ``sub_time``), so one that is too big gives up
        #: early instead of costing a full ``sub_time``.
        self.typical = settings.sub_time / 20
        total = sum(len(order.operations) for order in orders)
        #: Freeing more than half the schedule is the whole problem again.
        self.largest = max(
            settings.min_operations, min(settings.max_operations, total // 2)
        )
        self.stats = SearchStats()
        self.work = 0.0  # CP-SAT deterministic time spent in sub-models

    def values(self, solution: Solution) -> Values:
        """Lexicographic objective values of a complete schedule."""
        results = order_results(self.data, solution)
        return tuple(objective_value(o, results, solution) for o in self.objectives)

    def _values_after(
        self, index: _Index, values: Values, changed: dict[int, ScheduledOperation]
    ) -> Values | None:
        """The values once ``changed`` replaces the index's placements.

        The sum objectives move by the terms of the orders whose completion
        changed, which costs the size of the move instead of the plant. None
        for a maximum (makespan, maximum lateness): recompute those.
        """
        if not SUM_OBJECTIVES.issuperset(self.objectives):
            return None
        moved: list[tuple[OrderPlan, int, int]] = []
        for op_index, placed in changed.items():
            order = self.orders.get(self.data.operations[op_index].order_id)
            if order is None or order.final_operation != op_index:
                continue
            old = index.placement.get(op_index)
            if old is None:
                return None
            if old.end != placed.end:
                moved.append((order, old.end, placed.end))

        return tuple(
            value
            + sum(
                (
                    order_share(o, order, new) - order_share(o, order, old)
                    for order, old, new in moved
                ),
                Decimal(0),
            )
            for o, value in zip(self.objectives, values, strict=True)
        )

    def run(
        self,
        incumbent: Solution,
        deadline: float,
        stop: threading.Event | None = None,
        work_budget: float | None = None,
    ) -> Solution:
        """Search until ``deadline`` (a ``time.perf_counter()`` value) or ``stop``.

        Only a schedule the acceptance test passed is ever returned. Moves that
        are no worse than the working schedule replace it at once. A working
        schedule better than the best one is tested at most every ``9 ×`` the
        test's own running time (so checking stays under a tenth of the search
        on large plants, and follows every improvement on small ones); a failed
        test rolls back to the best schedule that passed.

        When ``patience`` moves in a row bring nothing, the working schedule is
        a local optimum of every move: it is kicked (see :meth:`kick`) and
        the descent goes on from there — an iterated local search. A kick
        starts from the best schedule whenever the working one fell behind it.

        With ``threads`` above 1, that many threads share the working
        schedule. Each builds its sub-model under a lock, solves it outside
        the lock (CP-SAT releases the GIL, so the solves run side by side) and
        merges under the lock again. A sub-solution built on a schedule that
        moved meanwhile is merged only if it still fits (:meth:`_fits`).
        Large sub-models gain next to nothing from a second CP-SAT worker
        (dumped 2,000-order sub-models: the same times with one as with two),
        so two threads of one worker make about twice the moves.

        Wide sub-models are the exception: CP-SAT's own neighbourhood search
        inside one needs more than one worker (a 950-operation sub-model of
        the 2,000-order plant at due_tightness 0.7 went from 5,497 to 4,589
        in 30 s with two workers, and stayed at 5,497 with one). So the
        threads take turns with wide moves (``wide_every``): one thread waits
        for the others' moves in flight, solves a wide sub-model with a worker
        per thread, and the others wait until it is merged. A waiting thread
        that sees the search end (time, ``stop``, another thread's error)
        stops the wide solve, so a Ctrl-C is not kept waiting for it.
        """
        state = _State(self, incumbent)
        lock = threading.Condition()
        finished = threading.Event()

        def search() -> None:
            try:
                while self._step(state, lock, deadline, stop, work_budget, finished):
                    pass
            finally:  # one thread done (time, stop, nothing to free, an error): all
                finished.set()

        run_in_threads([search] * max(1, self.settings.threads))
        if state.pending:
            state.best, state.best_values = self._verify(
                state.working, state.working_values, state.best, state.best_values
            )
        return state.best

    def _step(
        self,
        state: _State,
        lock: threading.Condition,
        deadline: float,
        stop: threading.Event | None,
        work_budget: float | None,
        finished: threading.Event,
    ) -> bool:
        """One move of one thread (or a kick); False once the search is over."""

        def over() -> bool:
            return (
                finished.is_set()
                or time.perf_counter() >= deadline - 0.05
                or (stop is not None and stop.is_set())
                or (work_budget is not None and self.work >= work_budget)
            )

        with lock:
            if over():
                if state.wide_solver is not None:  # a Ctrl-C need not wait 8 s
                    state.wide_solver.stop_search()
                return False
            if state.wide:  # another thread's wide move: wait
                lock.wait(0.1)
                return True
            budget = min(self.settings.sub_time, max(0.05, 4 * self.typical))
            if work_budget is not None:
                budget = min(budget, work_budget - self.work)
            else:
                budget = min(budget, deadline - time.perf_counter())
            if state.stale >= self.settings.patience:
                self._kick_working(state, budget)
                return True
            prepared = self._prepare_wide(state, lock, deadline, over)
            if prepared is None:
                if over():  # (while it waited for the moves in flight)
                    return False
                self.stats.iterations += 1
                freed = self.choose(state.index, state.working)
                if not freed:
                    finished.set()
                    return False
                prepared = self._prepare(state.index, freed, budget)
            state.solving += 1
        outcome = None
        try:
            outcome = self._solve(prepared)
        finally:  # a failed solve must not leave the other threads waiting
            with lock:
                self._solved(state, lock, prepared, outcome)
        return True

    def _solved(
        self,
        state: _State,
        lock: threading.Condition,
        prepared: _Prepared,
        outcome: _Outcome | None,
    ) -> None:
        """Merge a solved move (under the lock) and wake the waiting threads."""
        state.solving -= 1
        lock.notify_all()
        if outcome is not None:
            self._settle(prepared, outcome)
            if outcome.changed is None:
                state.stale += 1
            else:
                self._take(state, prepared, outcome.changed)
        if prepared.mode == "wide":
            self._end_wide(state)

    def _end_wide(self, state: _State) -> None:
        """The wide move is over (merged, or nothing to free): own moves again."""
        state.wide, state.wide_solver = False, None
        state.turns.ended("wide", time.perf_counter(), state.working_values)

    def _prepare_wide(
        self,
        state: _State,
        lock: threading.Condition,
        deadline: float,
        over: Callable[[], bool],
    ) -> _Prepared | None:
        """A wide move's sub-model, if one is due (called under the lock).

        The caller becomes the thread of the wide move: the other threads
        start no move until it is merged, and it waits for the moves they
        are solving to be merged first, so its sub-model is built on the
        schedule as it is and has every core to itself.
        """
        settings = self.settings
        now = time.perf_counter()
        budget = min(settings.wide_time, deadline - now - 0.05)
        if (
            settings.threads < 2
            or settings.wide_every <= 0
            or now < state.turns.due
            or budget < 1.0
        ):
            return None
        state.wide = True
        lock.wait_for(lambda: state.solving == 0)
        state.turns.ended("own", time.perf_counter(), state.working_values)
        freed = (
            []
            if over()
            else self._wide_orders(state.index, self._late_orders(state.index))
        )
        if not freed:
            self._end_wide(state)
            return None
        self.stats.wide += 1
        self.mode = "window"  # the sub-model's window and sequenced orders
        budget = min(budget, deadline - time.perf_counter() - 0.05)  # after the wait
        prepared = self._prepare(
            state.index,
            freed,
            budget,
            kind="wide",
            workers=settings.workers * settings.threads,
        )
        state.wide_solver = prepared.solver
        return prepared

    def _kick_working(self, state: _State, budget: float) -> None:
        """Kick the working schedule (or the best one, if it fell behind)."""
        if state.pending:
            state.best, state.best_values = self._verify(
                state.working, state.working_values, state.best, state.best_values
            )
            state.pending = False
        if (
            state.best is not state.working
            and state.working_values != state.best_values
        ):
            state.reset_to(state.best, state.best_values)
        state.stale = 0
        kicked = self.kick(state.index, state.working, budget)
        if kicked is not None:
            self.stats.kicks += 1
            state.reset_to(kicked, self.values(kicked))

    def _take(
        self,
        state: _State,
        prepared: _Prepared,
        changed: dict[int, ScheduledOperation],
    ) -> None:
        """Merge a sub-solution into the working schedule if it is no worse."""
        index = state.index
        consumption = None  # computed below only if the move needs a second look
        if prepared.index is not index or prepared.version != index.version:
            consumption = index.consumption_after(changed)
            if not self._fits(index, prepared, changed, consumption):
                self.stats.conflicts += 1
                state.stale += 1
                return
        candidate = self._merge(state.working, changed)
        values = self._values_after(index, state.working_values, changed)
        if values is None:
            values = self.values(candidate)
        if values > state.working_values:
            state.stale += 1
            return
        state.stale = 0 if values < state.working_values else state.stale + 1
        state.working, state.working_values = candidate, values
        index.move(changed, consumption)
        if values >= state.best_values:
            return
        self.stats.improvements += 1
        state.pending = True
        if time.perf_counter() - state.last_check >= 9 * state.check_cost:
            started = time.perf_counter()
            state.best, state.best_values = self._verify(
                state.working, state.working_values, state.best, state.best_values
            )
            state.last_check = time.perf_counter()
            state.check_cost = state.last_check - started
            state.pending = False
            if state.best is not state.working:  # rolled back: go on from the best
                state.reset_to(state.best, state.best_values)

    def _fits(
        self,
        index: _Index,
        prepared: _Prepared,
        changed: dict[int, ScheduledOperation],
        consumption: FrozenConsumption,
    ) -> bool:
        """Whether a sub-solution built on an older working schedule fits this one.

        Another thread's move may have changed the schedule since the sub-model
        was built. What the sub-solution guarantees on its own still holds
        (its orders' precedences, releases, downtime, overlaps among its own
        operations); what it took from the rest of the schedule is checked
        again against the schedule as it is now: its operations are still
        where it found them, no placement overlaps other work beyond the
        machine's capacity, and the receipts still cover every component its
        operations consume (``consumption`` is the one after the move).
        """
        placement = index.placement
        if any(placement.get(i) != placed for i, placed in prepared.inside.items()):
            return False
        components = {
            need.component_id for i in changed for need in self.data.operations[i].needs
        }
        return self._machines_fit(index, changed) and all(
            _covered(self.data.supplies[component_id], consumption)
            for component_id in components
        )

    def _machines_fit(
        self, index: _Index, changed: dict[int, ScheduledOperation]
    ) -> bool:
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for placed in changed.values():
            spans[placed.machine_id].append((placed.start, placed.end))
        for machine, mine in spans.items():
            others = {
                other
                for start, end in mine
                for other in index.overlapping(machine, start, end)
                if other not in changed
            }
            if not others:
                continue
            capacity = self.data.capacity[machine]
            if capacity == 1:
                return False
            theirs = [
                (index.placement[o].start, index.placement[o].end) for o in others
            ]
            if _peak(mine + theirs) > capacity:
                return False
        return True

    def _verify(
        self,
        candidate: Solution,
        values: Values,
        fallback: Solution,
        fallback_values: Values,
    ) -> tuple[Solution, Values]:
        """The candidate if it passes the acceptance test, else the fallback."""
        if not self.accept(candidate):
            self.stats.rejected_by_check += 1
            return fallback, fallback_values
        values = self.values(candidate)  # from scratch, not move by move
        if values < fallback_values and self.progress is not None:
            self.progress(values)
        return candidate, values

    # ----------------------------------------------------------- neighbourhoods
    @property
    def size(self) -> int:
        """Target number of freed operations for the current kind of move."""
        return self.sizes[self.mode]

    def choose(self, index: _Index, incumbent: Solution) -> list[str]:
        """Pick the orders to free; the operator is drawn at random."""
        small = len(index.placement) <= self.settings.relax_all_operations
        self.mode = "global" if small and self.rng.random() < 0.5 else "window"
        late = self._late_orders(index)
        operators = [self._around_late, self._time_window, self._machine_run]
        weights = [3 if late else 0, 2, 2]
        operator = self.rng.choices(operators, weights)[0]
        freed = operator(index, late)
        return freed or self._time_window(index, late)

    def _late_orders(self, index: _Index) -> list[tuple[float, str]]:
        """Orders with tardiness a move could avoid, weighted by how much.

        That is the weighted time past the later of the due date and the
        order's own earliest completion (downtime included): moves around an
        order that is late whatever happens elsewhere cannot gain anything.
        On the generated 2,000-order plant at due_tightness 0.7, three such
        orders carried close to half the tardiness of good schedules.
        """
        late = []
        for order in self.orders.values():
            final = index.placement.get(order.final_operation)
            if final is not None and final.end > self.late_from[order.order_id]:
                excess = final.end - self.late_from[order.order_id]
                late.append((float(order.weight) * excess, order.order_id))
        return late

    def _grow(
        self,
        index: _Index,
        seeds: list[int],
        begin: int,
        end: int,
        first: Sequence[int] = (),
    ) -> list[str]:
        """Free the seeds' orders, then ``first``'s, then their neighbours on
        the same machines."""
        chosen: dict[str, None] = {}
        operations = 0
        for seed_op in [*seeds, *first]:
            order_id = self.data.operations[seed_op].order_id
            if order_id not in chosen and order_id in self.orders:
                chosen[order_id] = None
                operations += len(self.orders[order_id].operations)
            if operations >= self.size:
                break
        machines = {
            index.placement[s].machine_id for s in seeds if s in index.placement
        }
        neighbours = []
        for machine in machines:
            for op_index in index.overlapping(machine, begin, end):
                neighbours.append(
                    (abs(index.placement[op_index].start - begin), op_index)
                )
        neighbours.sort()
        for _, op_index in neighbours:
            if operations >= self.size:
                break
            order_id = self.data.operations[op_index].order_id
            if order_id not in chosen and order_id in self.orders:
                chosen[order_id] = None
                operations += len(self.orders[order_id].operations)
        return list(chosen)

    def _around_late(self, index: _Index, late: list[tuple[float, str]]) -> list[str]:
        if not late:
            return []
        order = self.orders[self._draw_late(late)]
        ops = [i for i in order.operations if i in index.placement]
        begin = min(index.placement[i].start for i in ops)
        end = index.placement[order.final_operation].end
        span = max(1, end - begin)
        begin = max(0, begin - self.rng.randint(0, span))
        return self._grow(index, ops, begin, end, self._blockers(index, order))

    def _blockers(self, index: _Index, order: OrderPlan) -> list[int]:
        """Operations that ran while one of ``order``'s waited for its machine.

        An operation of a late order that starts after its predecessors and
        its release waits for the work on its eligible machines in between;
        that work (nearest to the waiting operation first) has to move for
        the order to finish sooner.
        """
        blockers: list[tuple[int, int]] = []
        for op_index in order.operations:
            placed = index.placement.get(op_index)
            if placed is None:
                continue
            operation = self.data.operations[op_index]
            ready = max(
                [order.release]
                + [
                    index.placement[p].end
                    for p in operation.predecessors
                    if p in index.placement
                ]
            )
            if placed.start <= ready:
                continue
            for mode in operation.modes:
                for other in index.overlapping(mode.machine_id, ready, placed.start):
                    if other not in order.operations:
                        blockers.append(
                            (placed.start - index.placement[other].end, other)
                        )
        blockers.sort()
        return [other for _, other in blockers]

    def _time_window(self, index: _Index, late: list[tuple[float, str]]) -> list[str]:
        if not index.starts:
            return []
        position = self.rng.randrange(len(index.starts))
        return self._orders_of(op for _, op in index.starts[position:])

    def _machine_run(self, index: _Index, late: list[tuple[float, str]]) -> list[str]:
        machines = [m for m, entries in index.by_machine.items() if entries]
        if not machines:
            return []
        entries = index.by_machine[self.rng.choice(machines)]
        position = self.rng.randrange(len(entries))
        return self._orders_of(op for _, _, op in entries[position:])

    def _wide_orders(self, index: _Index, late: list[tuple[float, str]]) -> list[str]:
        """A late order and the orders that start before its completion.

        The late order is drawn as for a late-order move (by avoidable
        tardiness); without late orders, the end is a random start in the
        schedule. Orders are taken latest start first until about
        ``wide_operations`` operations (at most half the plant): everything
        that competes with the late order for machines and material in the
        stretch before its completion, so that CP-SAT can re-sequence the
        whole stretch at once.
        """
        if not index.starts:
            return []
        first: list[int] = []
        if late:
            order = self.orders[self._draw_late(late)]
            first = [order.final_operation]
            end = index.placement[order.final_operation].end
            position = bisect.bisect_left(index.starts, (end, -1))
        else:
            position = self.rng.randrange(len(index.starts)) + 1
        starts = index.starts  # walked back from the position, not copied
        before = (starts[p][1] for p in range(position - 1, -1, -1))
        size = min(self.settings.wide_operations, len(index.placement) // 2)
        return self._orders_of(itertools.chain(first, before), size)

    def _draw_late(self, late: list[tuple[float, str]]) -> str:
        """A late order, drawn with probability in proportion to its weight."""
        return self.rng.choices([o for _, o in late], [w for w, _ in late])[0]

    def _orders_of(
        self, operations: Iterable[int], size: int | None = None
    ) -> list[str]:
        """The orders of ``operations``, in order, until ``size`` operations
        (the current move's size by default)."""
        size = self.size if size is None else size
        chosen: dict[str, None] = {}
        count = 0
        for op_index in operations:
            order_id = self.data.operations[op_index].order_id
            if order_id in chosen or order_id not in self.orders:
                continue
            chosen[order_id] = None
            count += len(self.orders[order_id].operations)
            if count >= size:
                break
        return list(chosen)

    # ---------------------------------------------------------- re-optimising
    def reoptimise(
        self, index: _Index, incumbent: Solution, freed: list[str], budget: float
    ) -> Solution | None:
        """Solve the sub-model of ``freed`` orders; the new complete schedule."""
        move = self._move(index, incumbent, freed, budget)
        return None if move is None else move[0]

    def _move(
        self, index: _Index, incumbent: Solution, freed: list[str], budget: float
    ) -> tuple[Solution, dict[int, ScheduledOperation]] | None:
        """:meth:`reoptimise`, and the new placements of the sub-model's operations."""
        prepared = self._prepare(index, freed, budget)
        outcome = self._solve(prepared)
        self._settle(prepared, outcome)
        if outcome.changed is None:
            return None
        return self._merge(incumbent, outcome.changed), outcome.changed

    def _prepare(
        self,
        index: _Index,
        freed: list[str],
        budget: float,
        kind: str | None = None,
        workers: int | None = None,
    ) -> _Prepared:
        """The sub-model of ``freed`` orders, hinted with where they are now.

        ``kind`` names the move (the current mode by default) and ``workers``
        the CP-SAT workers (the settings' by default).
        """
        orders, fixed = self._sub_problem(index, freed)
        built = ScheduleModel(self.data, orders, fixed)
        terms = [built.term(objective) for objective in self.objectives]
        built.hint_placements(index.placement)
        inside = {
            i: index.placement[i]
            for order in orders
            for i in order.operations
            if i in index.placement
        }
        return _Prepared(
            built,
            [term.expression for term in terms],
            self._solver(budget, workers),
            kind or self.mode,
            budget,
            index,
            index.version,
            inside,
        )

    def _solve(self, prepared: _Prepared) -> _Outcome:
        """Solve a prepared sub-model, objective by objective (no shared state)."""
        built, solver = prepared.built, prepared.solver
        all_optimal = True
        started = time.perf_counter()
        changed = None
        for position, expression in enumerate(prepared.terms):
            built.model.minimize(expression)
            status = solver.solve(built.model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                all_optimal = False
                break
            all_optimal = all_optimal and status == cp_model.OPTIMAL
            changed = built.placements(solver)
            if position + 1 < len(prepared.terms):
                built.model.add(expression <= round(solver.objective_value))
                built.hint_placements(changed)
        spent = solver.response_proto.deterministic_time
        used = spent if self.settings.deterministic else time.perf_counter() - started
        return _Outcome(changed, all_optimal, used, spent)

    def _settle(self, prepared: _Prepared, outcome: _Outcome) -> None:
        """Count a solve's work and adapt the neighbourhood size to it."""
        self.work += outcome.spent + 0.001  # every move costs something
        if prepared.mode != "wide":  # wide moves keep their size
            self._adapt(prepared.mode, outcome.optimal, outcome.used, prepared.budget)

    def _solver(self, budget: float, workers: int | None = None) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        parameters = solver.parameters
        parameters.num_workers = workers or self.settings.workers
        # A sub-model is small and starts from a complete hint; most are solved
        # to optimality in under a second, and there the linear relaxation,
        # probing and symmetry detection cost more than they prune. Without
        # them sub-models solve about a fifth faster; a 60 s solve of the
        # generated 2,000-order plant ends about a seventh lower in weighted
        # tardiness at due_tightness 0.7, and about the same at 0.9.
        parameters.linearization_level = 0
        parameters.cp_model_probing_level = 0
        parameters.symmetry_level = 0
        parameters.random_seed = (
            self.settings.seed + self.stats.iterations + self.stats.kicks
        )
        # Ctrl-C is solve()'s to handle (it stops the search between moves).
        # CP-SAT's own handler is one per process: solves running side by side
        # (the threads of a search, or the portfolio's searches) each set and
        # reset it, and a SIGINT between the two aborted the process
        # (std::bad_function_call) instead of returning the best schedule.
        parameters.catch_sigint_signal = False
        if self.settings.deterministic:
            parameters.max_deterministic_time = max(0.01, budget)
            parameters.max_time_in_seconds = 3600.0  # the work limit decides
        else:
            parameters.max_time_in_seconds = max(0.01, budget)
        return solver

    def _merge(
        self, incumbent: Solution, changed: dict[int, ScheduledOperation]
    ) -> Solution:
        """The incumbent with the sub-model's operations replaced."""
        return incumbent.replaced(changed.values())

    def kick(self, index: _Index, working: Solution, budget: float) -> Solution | None:
        """A different, feasible arrangement of a few orders (usually worse).

        The orders of a random stretch of the schedule are re-solved with the
        same constraints but random weights on their completions, so the
        result is a schedule the model allows that no improving move would
        have produced: the way out of a local optimum.
        """
        mode, size = self.mode, self.sizes["window"]
        self.mode, self.sizes["window"] = "window", self.settings.kick_operations
        try:
            freed = self._time_window(index, [])
            if not freed:
                return None
            orders, fixed = self._sub_problem(index, freed)
        finally:
            self.mode, self.sizes["window"] = mode, size
        built = ScheduleModel(self.data, orders, fixed)
        built.hint_placements(index.placement)
        built.model.minimize(
            sum(self.rng.randint(1, 10) * o.completion for o in built.orders)
        )
        solver = self._solver(budget)
        status = solver.solve(built.model)
        self.work += solver.response_proto.deterministic_time + 0.001
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        changed = built.placements(solver)
        return self._merge(working, changed)

    def _sub_problem(
        self, index: _Index, freed: list[str]
    ) -> tuple[list[OrderPlan], FixedPart]:
        """The orders in the sub-model and the frozen part around them.

        Freed orders may go anywhere in the window, on any eligible machine.
        Orders wholly inside the window keep their machines and sequences but
        may shift (so freed work can be inserted anywhere among them); on small
        schedules that is every other order. The rest is frozen in place.
        """
        data = self.data
        freed_set = set(freed)
        members = {i for o in freed for i in self.orders[o].operations}
        if self.mode == "global":
            window = (0, data.horizon)
        else:
            begin = min(index.placement[i].start for i in members)
            end = max(index.placement[i].end for i in members)
            span = max(1, end - begin)
            window = (max(0, begin - span // 2), end + span)
        sequenced_orders = self._around(index, freed_set, members, window)
        sequenced = {
            i: index.placement[i]
            for order in sequenced_orders
            for i in order.operations
        }
        inside = members | set(sequenced)
        machines = {
            mode.machine_id for i in inside for mode in data.operations[i].modes
        }
        on_machines: list[tuple[Operation, ScheduledOperation]] = []
        for machine in machines:
            for op_index in index.overlapping(machine, *window):
                if op_index not in inside:
                    on_machines.append(
                        (data.operations[op_index], index.placement[op_index])
                    )
        consumption = index.consumption.without(
            (need.component_id, index.placement[i].start, need.quantity)
            for i in inside
            for need in data.operations[i].needs
        )
        in_model = freed_set | {o.order_id for o in sequenced_orders}
        floors = self._floors(index, in_model)
        orders = [self.orders[o] for o in freed] + sequenced_orders
        return orders, FixedPart(on_machines, consumption, window, floors, sequenced)

    def _around(
        self,
        index: _Index,
        freed: set[str],
        members: set[int],
        window: tuple[int, int],
    ) -> list[OrderPlan]:
        """Orders wholly inside the window, nearest to the freed work first.

        Capped so that a sub-model stays a few times the size of what it frees.
        Only orders with an operation starting in the window can be inside, so
        the candidates come from the start index: the cost follows the
        window, not the plant.
        """
        centre = min(index.placement[i].start for i in members)
        low = bisect.bisect_left(index.starts, (window[0], -1))
        high = bisect.bisect_left(index.starts, (window[1] + 1, -1))
        candidates = dict.fromkeys(
            self.data.operations[op].order_id for _, op in index.starts[low:high]
        )
        inside = []
        for order_id in candidates:
            order = self.orders.get(order_id)
            if order is None or order_id in freed:
                continue
            placed = [index.placement.get(i) for i in order.operations]
            if any(
                p is None or p.start < window[0] or p.end > window[1] for p in placed
            ):
                continue
            first = min(p.start for p in placed if p is not None)
            inside.append((abs(first - centre), order_id, order))
        inside.sort(key=lambda item: (item[0], item[1]))
        limit = self.settings.sequenced_factor * self.size + 50
        chosen, operations = [], 0
        for _, _, order in inside:
            if operations + len(order.operations) > limit:
                break
            chosen.append(order)
            operations += len(order.operations)
        return chosen

    def _floors(self, index: _Index, freed: set[str]) -> dict[Objective, int]:
        floors: dict[Objective, int] = {}
        if Objective.makespan in self.objectives:
            floors[Objective.makespan] = max(
                (
                    p.end
                    for i, p in index.placement.items()
                    if self.data.operations[i].order_id not in freed
                ),
                default=0,
            )
        if Objective.max_lateness in self.objectives:
            lateness = [
                index.placement[o.final_operation].end - o.due
                for o in self.orders.values()
                if o.order_id not in freed and o.final_operation in index.placement
            ]
            if lateness:
                floors[Objective.max_lateness] = max(lateness)
        return floors

    def _adapt(self, mode: str, optimal: bool, used: float, budget: float) -> None:
        size = self.sizes[mode]
        if optimal:
            self.stats.sub_optimal += 1
            self.typical = 0.8 * self.typical + 0.2 * used
            if used < budget / 2:
                self.sizes[mode] = min(self.largest, int(size * 1.15) + 1)
        else:
            self.sizes[mode] = max(self.settings.min_operations, int(size * 0.7))
