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
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from ortools.sat.python import cp_model

from mtosched.expand import Operation, OrderPlan, ProblemData
from mtosched.kpi import SUM_OBJECTIVES, objective_value, order_results, order_share
from mtosched.model.builder import FixedPart, ScheduleModel
from mtosched.model.material import FrozenConsumption
from mtosched.solution import Objective, ScheduledOperation, Solution

Values = tuple  # lexicographic objective values of a schedule


@dataclass
class SearchSettings:
    """Knobs of the search (the defaults are what the benchmarks use)."""

    workers: int = 1
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


@dataclass
class SearchStats:
    """What the search did, for the log."""

    iterations: int = 0
    improvements: int = 0
    rejected_by_check: int = 0
    sub_optimal: int = 0
    kicks: int = 0


class _Index:
    """Where everything is in the working schedule, kept up to date move by move.

    ``longest`` is an upper bound of the longest placement per machine (it
    only bounds how far back :meth:`overlapping` looks).
    """

    def __init__(self, data: ProblemData, solution: Solution) -> None:
        self.data = data
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

    def move(self, changed: dict[int, ScheduledOperation]) -> None:
        """Take a move's new placements in, without rebuilding from scratch."""
        before: list[tuple[str, int, Decimal]] = []
        after: list[tuple[str, int, Decimal]] = []
        for index, new in changed.items():
            old = self.placement.get(index)
            if old == new:
                continue
            needs = self.data.operations[index].needs
            if old is not None:
                _remove(self.by_machine[old.machine_id], (old.start, old.end, index))
                _remove(self.starts, (old.start, index))
                before += [(n.component_id, old.start, n.quantity) for n in needs]
            self.placement[index] = new
            bisect.insort(self.by_machine[new.machine_id], (new.start, new.end, index))
            bisect.insort(self.starts, (new.start, index))
            longest = self.longest.get(new.machine_id, 0)
            self.longest[new.machine_id] = max(longest, new.end - new.start)
            after += [(n.component_id, new.start, n.quantity) for n in needs]
        if before or after:
            self.consumption = self.consumption.moved(before, after)

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
        """
        best, best_values = incumbent, self.values(incumbent)  # passed the test
        working, working_values = best, best_values
        index = _Index(self.data, working)
        pending = False  # the working schedule beats ``best`` but is untested
        check_cost = 0.0
        last_check = time.perf_counter()
        stale = 0
        while time.perf_counter() < deadline - 0.05:
            if stop is not None and stop.is_set():
                break
            if work_budget is not None and self.work >= work_budget:
                break
            budget = min(self.settings.sub_time, max(0.05, 4 * self.typical))
            if work_budget is not None:
                budget = min(budget, work_budget - self.work)
            else:
                budget = min(budget, deadline - time.perf_counter())
            if stale >= self.settings.patience:
                if pending:
                    best, best_values = self._verify(
                        working, working_values, best, best_values
                    )
                    pending = False
                if best is not working and working_values != best_values:
                    working, working_values = best, best_values  # behind or failed
                    index = _Index(self.data, working)
                stale = 0
                kicked = self.kick(index, working, budget)
                if kicked is not None:
                    self.stats.kicks += 1
                    working, working_values = kicked, self.values(kicked)
                    index = _Index(self.data, working)
                continue
            self.stats.iterations += 1
            freed = self.choose(index, working)
            if not freed:
                break
            move = self._move(index, working, freed, budget)
            if move is None:
                stale += 1
                continue
            candidate, changed = move
            values = self._values_after(index, working_values, changed)
            if values is None:
                values = self.values(candidate)
            if values > working_values:
                stale += 1
                continue
            stale = 0 if values < working_values else stale + 1
            working, working_values = candidate, values
            index.move(changed)
            if values >= best_values:
                continue
            self.stats.improvements += 1
            pending = True
            if time.perf_counter() - last_check >= 9 * check_cost:
                started = time.perf_counter()
                best, best_values = self._verify(
                    working, working_values, best, best_values
                )
                last_check = time.perf_counter()
                check_cost = last_check - started
                pending = False
                if best is not working:  # rolled back: go on from the best
                    working, working_values = best, best_values
                    index = _Index(self.data, working)
        if pending:
            best, best_values = self._verify(working, working_values, best, best_values)
        return best

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
        late = []
        for order in self.orders.values():
            final = index.placement.get(order.final_operation)
            if final is not None and final.end > order.due:
                late.append(
                    (float(order.weight) * (final.end - order.due), order.order_id)
                )
        return late

    def _grow(self, index: _Index, seeds: list[int], begin: int, end: int) -> list[str]:
        """Free the seeds' orders, then their neighbours on the same machines."""
        chosen: dict[str, None] = {}
        operations = 0
        for seed_op in seeds:
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
        weights = [weight for weight, _ in late]
        order_id = self.rng.choices([o for _, o in late], weights)[0]
        order = self.orders[order_id]
        ops = [i for i in order.operations if i in index.placement]
        begin = min(index.placement[i].start for i in ops)
        end = index.placement[order.final_operation].end
        span = max(1, end - begin)
        begin = max(0, begin - self.rng.randint(0, span))
        return self._grow(index, ops, begin, end)

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

    def _orders_of(self, operations: Iterable[int]) -> list[str]:
        """The orders of ``operations``, in order, until the size is reached."""
        chosen: dict[str, None] = {}
        count = 0
        for op_index in operations:
            order_id = self.data.operations[op_index].order_id
            if order_id in chosen or order_id not in self.orders:
                continue
            chosen[order_id] = None
            count += len(self.orders[order_id].operations)
            if count >= self.size:
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
        orders, fixed = self._sub_problem(index, freed)
        built = ScheduleModel(self.data, orders, fixed)
        terms = [built.term(objective) for objective in self.objectives]
        built.hint_placements(index.placement)
        solver = self._solver(budget)
        all_optimal = True
        started = time.perf_counter()
        found = False
        for position, term in enumerate(terms):
            built.model.minimize(term.expression)
            status = solver.solve(built.model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                all_optimal = False
                break
            found = True
            all_optimal = all_optimal and status == cp_model.OPTIMAL
            if position + 1 < len(self.objectives):
                value = round(solver.objective_value)
                built.model.add(term.expression <= value)
                built.hint_placements(built.placements(solver))
        spent = solver.response_proto.deterministic_time
        self.work += spent + 0.001  # every move costs something, even a trivial one
        used = spent if self.settings.deterministic else time.perf_counter() - started
        self._adapt(all_optimal, used, budget)
        if not found:
            return None
        changed = built.placements(solver)
        return self._merge(incumbent, changed), changed

    def _solver(self, budget: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        parameters = solver.parameters
        parameters.num_workers = self.settings.workers
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

    def _adapt(self, optimal: bool, used: float, budget: float) -> None:
        settings = self.settings
        if optimal:
            self.stats.sub_optimal += 1
            self.typical = 0.8 * self.typical + 0.2 * used
            if used < budget / 2:
                grown = min(self.largest, int(self.size * 1.15) + 1)
                self.sizes[self.mode] = grown
        else:
            self.sizes[self.mode] = max(settings.min_operations, int(self.size * 0.7))
