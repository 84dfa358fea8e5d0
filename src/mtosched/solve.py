"""The solve driver: order selection, warm start, staged CP-SAT search.

``solve`` never leaves the caller without a schedule when one can be built:
the constructive heuristic's schedule is the incumbent from the start (a
caller's ``start`` plan competes with it, once the checker accepts it), CP-SAT
starts from it as a complete hint, and any better schedule CP-SAT finds
replaces it. On due-date objectives a sequence search (sequence_search.py)
first reorders the queues of single machines; on makespan a tabu search
(critical_path_search.py) first moves work off the critical path, to other
places and machines. Lexicographic objectives are
solved in stages, each fixing the previous stage's best value; the
large-neighbourhood search then improves the incumbent, which is left-shifted.

With a ``reference`` (a previous plan), a stability stage has the last word:
every objective fixed at the final incumbent's values, CP-SAT minimises the
distance from the reference (:func:`distance`), hinted with the incumbent. Its
schedule is not left-shifted afterwards: compaction would pull operations away
from where the reference has them, undoing what the stage bought.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mtosched.collector import long_lived_frozen
from mtosched.compaction import left_shift
from mtosched.domain import Instance
from mtosched.expand import OrderPlan, ProblemData, expand
from mtosched.kpi import objective_value, order_results
from mtosched.model.params import SolverParams
from mtosched.pegging import allocate
from mtosched.solution import Objective, Result, Solution, SolveStatus

#: Up to this many operations, each worker runs its own neighbourhood search.
PORTFOLIO_OPERATIONS = 600

#: At most this many threads share one search on larger plants: building a
#: sub-model is Python and holds the GIL (about a fifth of a move), so more
#: threads would mostly wait for each other.
SHARED_SEARCH_THREADS = 4

#: Progress stages measured on the first objective's scale.
FIRST_OBJECTIVE_STAGES = ("heuristic", "start", "sequence", "critical_path", "lns")

#: Moves the sequence search evaluates per unit of deterministic time (about
#: what it evaluates per second on the machines we measure on).
SEQUENCE_EVALUATIONS_PER_UNIT = 300_000

#: Default share of the time for the critical-path search on makespan.
CRITICAL_PATH_SHARE = 0.3

#: Moves the critical-path search makes per unit of deterministic time (about
#: what it makes per second on Brandimarte mk10).
CRITICAL_PATH_MOVES_PER_UNIT = 1_000


@dataclass(frozen=True)
class Progress:
    """A snapshot of the search, sent to the progress callback."""

    # heuristic, start, sequence, critical_path, an objective's name, lns,
    # tie_break, stability
    stage: str
    elapsed: float
    objective: Decimal | None
    bound: Decimal | None

    @property
    def gap(self) -> float | None:
        """(objective − bound) / max(|objective|, 1), when both are known."""
        if self.objective is None or self.bound is None:
            return None
        value = float(self.objective)
        return (value - float(self.bound)) / max(abs(value), 1.0)


ProgressCallback = Callable[[Progress], None]


def _objectives(
    objective: Objective | str | Sequence[Objective | str],
) -> list[Objective]:
    if isinstance(objective, Objective):
        return [objective]
    if isinstance(objective, str):
        return Objective.parse_list(objective)
    return [o if isinstance(o, Objective) else Objective.parse(o) for o in objective]


def lexicographic_values(
    data: ProblemData, solution: Solution, objectives: list[Objective]
) -> tuple[Decimal, ...]:
    """The objective values of a schedule, in stage order (for comparisons)."""
    orders = order_results(data, solution)
    return tuple(objective_value(o, orders, solution) for o in objectives)


def distance(reference: Solution, plan: Solution) -> int:
    """Sum of start shifts, plus the old duration per change of machine.

    Over the operations in both plans: how far ``plan`` moved from
    ``reference`` (the measure the stability stage minimises, see
    :func:`~mtosched.model.objectives.stability_term`).
    """
    old = reference.by_key()
    total = 0
    for placed in plan.operations:
        before = old.get((placed.work_order_id, placed.step))
        if before is None:
            continue
        total += abs(placed.start - before.start)
        if placed.machine_id != before.machine_id:
            total += max(1, before.end - before.start)
    return total


class _Interrupt:
    """Turns SIGINT into "stop searching and return the best schedule so far"."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.solver: Any = None  # the CP-SAT solver running now, if any
        self._previous: Any = None

    def __enter__(self) -> _Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: object) -> None:
        self.requested.set()
        if self.solver is not None:
            self.solver.stop_search()


def solve(
    instance: Instance | ProblemData,
    params: SolverParams | None = None,
    objective: Objective
    | str
    | Sequence[Objective | str] = Objective.weighted_tardiness,
    progress: ProgressCallback | None = None,
    reference: Solution | None = None,
    start: Solution | None = None,
) -> Result:
    """Schedule every order that can be supplied, minimising ``objective``.

    ``objective`` may be a lexicographic list (``"late-orders,weighted-tardiness"``).

    ``start`` is a complete plan for the instance (e.g. a previous plan
    repaired for today's data). Once the checker accepts it (and, on pinned
    data, it keeps started work in place and starts nothing else before now),
    it competes with the constructive heuristic's schedule for the incumbent:
    the lexicographically better wins, the start plan on a tie. Orders the
    order selection leaves out are dropped from it; a start plan that leaves
    out an order the solve schedules is rejected (the objectives count
    scheduled orders only). A rejected start plan is only logged.

    With a ``reference`` (a previous plan), ties between equally good
    schedules go to the one closer to it, the compactness tie-break is
    skipped, and a stability stage runs last with ``params.stability_share``
    of the time: every objective fixed at the final incumbent's values, the
    distance from the reference minimised (see the module doc). So the result
    is never worse, by objective values and then by distance, than a valid
    ``start`` plan. Returns a :class:`Result`; it never raises for a valid
    instance.
    """
    started = time.perf_counter()
    params = params or SolverParams()
    objectives = _objectives(objective)
    data = instance if isinstance(instance, ProblemData) else expand(instance)
    with _Interrupt() as interrupt, long_lived_frozen() as freeze:
        driver = _Driver(data, params, objectives, progress, started, interrupt)
        driver.reference = reference
        driver.start = start
        driver.freeze_long_lived = freeze
        return driver.run()


class _Driver:
    """One solve: holds the clock, the incumbent and the log."""

    def __init__(
        self,
        data: ProblemData,
        params: SolverParams,
        objectives: list[Objective],
        progress: ProgressCallback | None,
        started: float,
        interrupt: _Interrupt,
    ) -> None:
        self.data = data
        self.params = params
        self.objectives = objectives
        self.progress = progress
        self.started = started
        self.interrupt = interrupt
        self.log: list[str] = []
        self.reference: Solution | None = None
        self.start: Solution | None = None
        #: Freezes what exists now out of collections (see collector.py).
        self.freeze_long_lived: Callable[[], None] = lambda: None
        self.limit = params.time_limit  # the time the current phase may use up to
        self.checker: Any = None  # built on first use
        self.work = 0.0  # CP-SAT deterministic time used (deterministic mode)
        self.best_reported: dict[str, Decimal] = {}

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def used(self) -> float:
        """Time spent so far: wall seconds, or CP-SAT work in deterministic mode."""
        return self.work if self.params.deterministic else self.elapsed()

    def remaining(self) -> float:
        return max(0.0, self.limit - self.used())

    def stopped(self) -> bool:
        if self.params.deterministic and self.elapsed() > self.safety_limit():
            return True
        return self.interrupt.requested.is_set() or self.remaining() <= 0.05

    def safety_limit(self) -> float:
        """Wall seconds after which even a deterministic solve stops."""
        return 100 * self.params.time_limit + 60

    def report(self, stage: str, value: Decimal | None, bound: Decimal | None) -> None:
        """Tell the caller; an objective only when it beats the best so far.

        (CP-SAT may find schedules worse than the warm start before it
        improves on it; the incumbent never gets worse, so neither does what
        the user sees.) Stages of a lexicographic list are told apart by name;
        the heuristic, the first stage and the search share one scale.
        """
        if self.progress is None:
            return
        key = self.objectives[0].value if stage in FIRST_OBJECTIVE_STAGES else stage
        best = self.best_reported.get(key)
        if value is not None and best is not None and value >= best:
            value = None
        if value is not None:
            self.best_reported[key] = value
        self.progress(Progress(stage, self.elapsed(), value, bound))

    def values(self, solution: Solution) -> tuple[Decimal, ...]:
        return lexicographic_values(self.data, solution, self.objectives)

    def run(self) -> Result:
        from mtosched.model.order_selection import select_orders

        data = self.data
        unschedulable = {
            o.order_id: str(o.shortage)
            for o in data.orders.values()
            if not o.schedulable
        }
        left_out = select_orders(
            data, time_limit=max(1.0, self.remaining() / 4), seed=self.params.seed
        )
        unschedulable.update(left_out)
        included = [o for o in data.orders.values() if o.order_id not in unschedulable]
        self.log.append(
            f"{len(included)} orders to schedule, {len(unschedulable)} left out"
        )
        if not included:
            empty = Solution([], unschedulable)
            zero = [Decimal(0)] * len(self.objectives)
            return self.result(SolveStatus.optimal, empty, zero, Decimal(0))
        incumbent = self.construct(unschedulable)
        if self.start is not None:
            incumbent = self.adopt_start(incumbent, self.start, unschedulable)
        operations = sum(len(o.operations) for o in included)
        if (
            self.reference is not None
            and operations <= self.params.full_model_operations
        ):  # the search leaves the stability stage its share of the time
            self.limit = self.params.time_limit * (1 - self.params.stability_share)
        bound = self.simple_bound(included)
        if incumbent is not None:
            incumbent = self.sequence_search(incumbent, bound)
            incumbent = self.critical_path_search(included, incumbent, bound)
        proven = False
        if incumbent is None or operations <= self.params.full_model_operations:
            outcome = self.full_model(included, unschedulable, incumbent)
            if outcome is None:
                return self.result(SolveStatus.infeasible, None, [], None)
            incumbent, proven, model_bound = outcome
            if model_bound is not None:
                bound = model_bound if bound is None else max(bound, model_bound)
        if incumbent is None:
            return self.result(SolveStatus.no_solution, None, [], bound)
        if not proven and self.params.lns and not self.stopped():
            searched = self.large_neighbourhood_search(included, incumbent, bound)
            incumbent = self.better(incumbent, searched)
        shifted = left_shift(data, incumbent)
        if self.checked(shifted, "compaction"):
            # compaction may move work away from a reference: keep the closer
            incumbent = (
                shifted if self.reference is None else self.better(incumbent, shifted)
            )
        if self.reference is not None:
            incumbent = self.stability_stage(included, incumbent)
        values = list(self.values(incumbent))
        if bound is not None and bound >= values[0]:
            bound = values[0]
            proven = proven or len(self.objectives) == 1
        status = SolveStatus.optimal if proven else SolveStatus.feasible
        return self.result(status, incumbent, values, bound)

    def construct(self, unschedulable: dict[str, str]) -> Solution | None:
        """The constructive warm start (None if it fails: the search may still)."""
        try:
            from mtosched.heuristic import best_construction

            schedule = best_construction(
                self.data,
                self.objectives[0],
                excluded=unschedulable,
                time_budget=(
                    float("inf")  # every trial, whatever the machine's speed
                    if self.params.deterministic
                    else min(self.params.heuristic_time, self.remaining() / 3)
                ),
            )
        except Exception as error:  # a bug here must not cost the user a plan
            self.log.append(f"heuristic failed: {error}")
            return None
        schedule = left_shift(self.data, schedule)
        if not self.checked(schedule, "heuristic"):
            return None
        value = self.values(schedule)[0]
        self.report("heuristic", value, None)
        self.log.append(
            f"heuristic: {self.objectives[0].value} = {value} at {self.elapsed():.2f}s"
        )
        return schedule

    def sequence_search(self, incumbent: Solution, bound: Decimal | None) -> Solution:
        """Reorder single machines' queues first (see sequence_search.py).

        By default only where one machine's queue decides the objective (a
        single machine, or one machine all orders end on): there it finds in
        a fraction of a second what CP-SAT's neighbourhoods miss (the wt40
        instances our search had stalled on: 23 of 23 at the published
        optimum). On generated multi-stage plants the queues are hemmed in by
        the work before and after them: 30 s of it took a 500-order plant's
        weighted tardiness from 28653 to 28105 only, where the neighbourhood
        search reaches 13173 in 60 s; there it is off unless asked for.
        It gets ``sequence_share`` of the time at most and gives the rest
        back once ``LONE_PATIENCE`` kicks in a row bring nothing.
        """
        from mtosched.sequence_search import SequenceSearch

        objective = self.objectives[0]
        share = self.params.sequence_share
        if share == 0 or not SequenceSearch.applies(self.data, objective):
            return incumbent

        def improved(value: float) -> None:  # whole units shown as such
            exact = int(value) if value.is_integer() else round(value, 6)
            self.report("sequence", Decimal(str(exact)), None)

        search = SequenceSearch(
            self.data, objective, self.params.seed, improved, float(bound or 0)
        )
        if share is None:
            share = 0.5 if search.queue_count(incumbent) == 1 else 0.0
        if share == 0:
            return incumbent

        def run(deadline: float, evaluations: int | None) -> tuple[Solution, int]:
            found = search.run(incumbent, deadline, evaluations)
            return found, search.evaluations

        return self.local_search(
            incumbent, share, SEQUENCE_EVALUATIONS_PER_UNIT, run, "sequence search"
        )

    def critical_path_search(
        self, included: list[OrderPlan], incumbent: Solution, bound: Decimal | None
    ) -> Solution:
        """On makespan, a tabu search on the critical path first (see
        critical_path_search.py), where machine choices and sequences are the
        whole problem. It gets ``critical_path_share`` of the time at most.
        """
        from mtosched.critical_path_search import CriticalPathSearch

        share = self.params.critical_path_share
        if share is None:
            share = CRITICAL_PATH_SHARE
        if (
            share == 0
            or self.objectives[0] is not Objective.makespan
            or not CriticalPathSearch.applies(self.data, included)
        ):
            return incumbent
        search = CriticalPathSearch(
            self.data,
            self.params.seed,
            lambda value: self.report("critical_path", Decimal(value), bound),
            int(bound or 0),
        )

        def run(deadline: float, moves: int | None) -> tuple[Solution, int]:
            return search.run(incumbent, deadline, moves), search.iterations

        return self.local_search(
            incumbent, share, CRITICAL_PATH_MOVES_PER_UNIT, run, "critical-path search"
        )

    def local_search(
        self,
        incumbent: Solution,
        share: float,
        per_unit: int,
        run: Callable[[float, int | None], tuple[Solution, int]],
        source: str,
    ) -> Solution:
        """Run a local search for ``share`` of the remaining time at most
        (deterministic mode: ``per_unit`` moves per unit of work), keep its
        schedule when the checker accepts it and it is no worse, log it.

        ``run(deadline, moves)`` searches until the ``time.perf_counter()``
        deadline or, if given, that many moves, and returns its schedule and
        the moves it made.
        """
        before = self.values(incumbent)[0]
        budget = self.remaining() * share
        moves = int(budget * per_unit) if self.params.deterministic else None
        started = self.elapsed()
        candidate, made = run(time.perf_counter() + budget, moves)
        if self.params.deterministic:
            self.work += made / per_unit
        if not self.checked(candidate, source):
            return incumbent
        best = self.better(incumbent, candidate)
        self.log.append(
            f"{source}: {self.objectives[0].value} {before} -> "
            f"{self.values(best)[0]} in {self.elapsed() - started:.2f}s "
            f"({made} moves)"
        )
        return best

    def adopt_start(
        self,
        incumbent: Solution | None,
        start: Solution,
        unschedulable: dict[str, str],
    ) -> Solution | None:
        """The caller's start plan, if valid, against the heuristic's schedule.

        Orders the selection left out are dropped from the start plan (taking
        whole orders out keeps a schedule valid); a plan that leaves out an
        order this solve schedules cannot compete on the same objective and is
        rejected. Ties go to the start plan.
        """
        order_of = {
            (op.work_order_id, op.step): op.order_id for op in self.data.operations
        }
        missing = sorted(set(start.unschedulable) - set(unschedulable))
        if missing:
            self.log.append(
                "start plan rejected: it leaves out " + ", ".join(missing)
                + ", which this solve schedules"
            )  # fmt: skip
            return incumbent
        plan = Solution(
            [
                placed
                for placed in start.operations
                if order_of.get((placed.work_order_id, placed.step))
                not in unschedulable
            ],
            dict(unschedulable),
        )
        problems = self.problems(plan)
        if problems:
            self.log.append(
                f"start plan rejected: {len(problems)} problems, first: {problems[0]}"
            )
            return incumbent
        value = self.values(plan)[0]
        self.report("start", value, None)
        best = self.better(incumbent, plan)
        self.log.append(
            f"start plan: {self.objectives[0].value} = {value}, "
            + ("kept" if best is plan else "the heuristic's schedule is better")
        )
        return best

    def problems(self, plan: Solution) -> list[str]:
        """Why ``plan`` is not a valid schedule of this solve (empty if it is).

        The independent checker, plus what only the pinned data know: started
        work exactly where it started, nothing else before ``not_before``.
        """
        problems = [str(v) for v in self.independent_checker().check(plan).violations]
        placed = plan.by_key()
        started = set()
        for index, kept in self.data.pinned.items():
            operation = self.data.operations[index]
            key = (operation.work_order_id, operation.step)
            started.add(key)
            if operation.order_id not in plan.unschedulable and placed.get(key) != kept:
                problems.append(f"started work {key[0]} step {key[1]} was moved")
        for key, where in placed.items():
            if key not in started and where.start < self.data.not_before:
                problems.append(
                    f"{key[0]} step {key[1]} starts at {where.start}, before "
                    f"{self.data.not_before}"
                )
        return problems

    def independent_checker(self) -> Any:
        """The checker of this solve's instance, built once (it costs about
        as much as one check: 1.8 s at 10,000 orders)."""
        from mtosched.checker import Checker

        if self.checker is None:
            self.checker = Checker(self.data.instance)
        return self.checker

    def checked(self, candidate: Solution, source: str) -> bool:
        """Whether ``candidate`` passes the checks; a rejection is logged.

        Every schedule the solve may return goes through here or through the
        LNS's own check, so a disagreement between the model and the checker
        costs a candidate, never the run (pegging would raise on it).
        """
        problems = self.problems(candidate)
        if problems:
            self.log.append(
                f"{source}: schedule rejected by the checker, {len(problems)} "
                f"problems, first: {problems[0]}"
            )
        return not problems

    def simple_bound(self, included: list[OrderPlan]) -> Decimal | None:
        """A bound from each order alone (its chain, release and material).

        Cheap and valid whatever the search does; the full model's bound
        replaces it when it is better.
        """
        data = self.data
        earliest_ends = data.earliest_ends()
        completion = {o.order_id: earliest_ends[o.final_operation] for o in included}
        objective = self.objectives[0]
        if objective is Objective.weighted_tardiness:
            return sum(
                (o.weight * max(0, completion[o.order_id] - o.due) for o in included),
                Decimal(0),
            )
        if objective is Objective.late_orders:
            return sum(
                (o.weight for o in included if completion[o.order_id] > o.due),
                Decimal(0),
            )
        if objective is Objective.max_lateness:
            return Decimal(max(completion[o.order_id] - o.due for o in included))
        if objective is Objective.makespan:
            return Decimal(max(max(completion.values()), self.machine_bound(included)))
        if objective is Objective.flow_time:
            return Decimal(sum(completion[o.order_id] - o.release for o in included))
        return None

    def machine_bound(self, included: list[OrderPlan]) -> int:
        """A makespan bound from each capacity-1 machine alone.

        The operations that can run nowhere else must all pass through it,
        one at a time: none starts before the earliest of their heads, and
        after the last of them ends its order needs at least the shortest of
        their tails. (On the classic job shops la01-la15 this is the optimum
        on 11 of 15; the critical-path search stops when it gets there.)
        """
        data = self.data
        earliest, tails = data.earliest_starts(), data.tails()
        bound = 0
        by_machine: dict[str, list[int]] = {}
        for order in included:
            for index in order.operations:
                modes = data.operations[index].modes
                if len(modes) == 1 and data.capacity.get(modes[0].machine_id) == 1:
                    by_machine.setdefault(modes[0].machine_id, []).append(index)
        for indices in by_machine.values():
            operations = [data.operations[i] for i in indices]
            load = sum(o.min_duration for o in operations)
            head = min(earliest[i] for i in indices)
            tail = min(tails[o.index] - o.min_duration for o in operations)
            bound = max(bound, head + load + tail)
        return bound

    def full_model_share(self, operations: int) -> float:
        """The whole model's share of the time when a search follows it.

        Makespan is where CP-SAT's own search is strong (tight bounds from the
        machine loads, its internal neighbourhoods) and our moves weak (most
        moves leave the makespan unchanged): there the whole model gets most
        of the time (Brandimarte mk01-mk10 at 60 s: mean RPD 1.433 % at 0.2,
        1.083 % at 0.8, benchmarks/results/2026-11-30-fjsp-mk*.md). Due-date
        objectives are the other way round, and more so on plants too large
        for the portfolio search: on a generated 500-order plant (2,475
        operations, due_tightness 0.9) 60 s of the whole model took weighted
        tardiness from 28653 to 24603 and the next 65 s of LNS to 17614; at
        60 s in all, 0.2 of it for the whole model ended at 20365, 0.05 at
        16768 (another seed: 36779 and 36765).
        """
        if self.params.full_model_share is not None:
            return self.params.full_model_share
        if self.objectives[0] == Objective.makespan:
            return 0.8
        return 0.2 if operations <= PORTFOLIO_OPERATIONS else 0.05

    def full_model(
        self,
        included: list[OrderPlan],
        unschedulable: dict[str, str],
        incumbent: Solution | None,
    ) -> tuple[Solution | None, bool, Decimal | None] | None:
        """Staged CP-SAT on the whole model; None when proven infeasible.

        With a warm start and the LNS enabled, it gets ``full_model_share`` of
        the time: enough to prove small instances optimal and to give a bound,
        leaving the rest to the neighbourhood search.
        """
        from ortools.sat.python import cp_model

        from mtosched.model.builder import ScheduleModel

        built = ScheduleModel(self.data, included)
        self.log.append(
            f"model: {len(built.operations)} operations, built at {self.elapsed():.2f}s"
        )
        share = (
            self.full_model_share(len(built.operations))
            if (incumbent and self.params.lns)
            else 1
        )
        deadline = self.used() + self.remaining() * share
        statuses: list[bool] = []
        bound: Decimal | None = None
        stages: list[Objective | None] = list(self.objectives)
        if self.params.tie_break and self.reference is None:
            stages.append(None)  # with a reference, the stability stage comes last
        for position, objective in enumerate(stages):
            tie_break = objective is None
            if self.stopped() or (tie_break and not all(statuses)):
                break
            left = max(0.0, deadline - self.used())
            if objective is None:  # the compactness tie-break
                expression = built.total_completion()
                scale, budget = 1, min(self.remaining(), max(1.0, left))
            else:
                term = built.term(objective)
                expression, scale = term.expression, term.scale
                budget = left / (len(self.objectives) - position)
            if budget <= 0.05:
                break
            built.model.minimize(expression)
            if incumbent is not None:
                built.hint(incumbent)
            solver = self.solver(budget)
            stage = "tie_break" if objective is None else objective.value
            self.interrupt.solver = solver
            status = _solve_in_thread(
                solver, built.model, _Callback(self, stage, scale)
            )
            self.work += solver.response_proto.deterministic_time
            self.interrupt.solver = None
            outcome = solver.status_name(status)
            self.log.append(f"stage {stage}: {outcome} in {solver.wall_time:.2f}s")
            if status == cp_model.INFEASIBLE and incumbent is None:
                return None
            if status == cp_model.MODEL_INVALID:
                self.log.append("CP-SAT rejected the model: " + solver.response_stats())
                break
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                candidate = Solution(built.extract(solver), dict(unschedulable))
                if self.checked(candidate, f"stage {stage}"):
                    incumbent = self.better(incumbent, candidate)
                elif incumbent is None:
                    break
            if tie_break:
                break
            stage_bound = _to_units(solver.best_objective_bound, scale)
            if position == 0 and stage_bound is not None:
                bound = stage_bound
            statuses.append(status == cp_model.OPTIMAL)
            if incumbent is None:
                break
            value = self.values(incumbent)[position]
            built.model.add(expression <= int(value * scale))
        proven = len(statuses) == len(self.objectives) and all(statuses)
        return incumbent, proven, bound

    def stability_stage(
        self, included: list[OrderPlan], incumbent: Solution
    ) -> Solution:
        """The plan closest to the reference at the incumbent's objective values.

        Runs after everything else, in the time the search left plus
        ``stability_share``: a fresh whole model (the staged model's bounds
        belong to an older incumbent) with every objective <= the incumbent's
        value, minimising the distance from the reference, hinted with the
        incumbent. CP-SAT's schedule replaces the incumbent only when the
        checks accept it and it is no worse by values, then by distance.
        Skipped (with a log line) above ``full_model_operations``.
        """
        from ortools.sat.python import cp_model

        from mtosched.model.builder import ScheduleModel

        assert self.reference is not None
        self.limit = self.params.time_limit
        operations = sum(len(o.operations) for o in included)
        if operations > self.params.full_model_operations:
            self.log.append(
                f"stability: skipped, {operations} operations is more than "
                f"full_model_operations ({self.params.full_model_operations})"
            )
            return incumbent
        if self.stopped():
            self.log.append("stability: skipped, no time left")
            return incumbent
        built = ScheduleModel(self.data, included)
        for objective, value in zip(
            self.objectives, self.values(incumbent), strict=True
        ):
            term = built.term(objective)
            built.model.add(term.expression <= int(value * term.scale))
        built.model.minimize(built.stability(self.reference))
        built.hint(incumbent)
        solver = self.solver(self.remaining())
        self.interrupt.solver = solver
        status = _solve_in_thread(solver, built.model, _Callback(self, "stability", 1))
        self.work += solver.response_proto.deterministic_time
        self.interrupt.solver = None
        before = distance(self.reference, incumbent)
        self.log.append(
            f"stage stability: {solver.status_name(status)} in {solver.wall_time:.2f}s"
        )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return incumbent
        candidate = Solution(built.extract(solver), dict(incumbent.unschedulable))
        if not self.checked(candidate, "stability"):
            return incumbent
        best = self.better(incumbent, candidate)
        self.log.append(
            f"stability: distance {before} -> {distance(self.reference, best)}"
        )
        return best

    def large_neighbourhood_search(
        self, included: list[OrderPlan], incumbent: Solution, bound: Decimal | None
    ) -> Solution:
        """Improve the incumbent until the time is up (see model/lns.py).

        On small plants a sub-model takes milliseconds and CP-SAT's own worker
        threads hardly help; there, each worker runs a search of its own from
        the same schedule (own seed, one CP-SAT worker each) and the best
        result wins: twice the moves on two cores, and two different paths
        out of local optima. On larger plants the searches would drift apart
        for nothing; there one search runs a thread per worker (at most
        ``SHARED_SEARCH_THREADS``) on a shared working schedule, each thread
        solving its own sub-models with one CP-SAT worker.
        """
        from mtosched.model.lns import (
            LargeNeighbourhoodSearch,
            SearchSettings,
            run_in_threads,
        )

        self.independent_checker()  # built before the searches' threads share it
        # What exists now (the checker's plan, the incumbent) lives to the end;
        # the search allocates fast, and full collections over it took a fifth
        # of a 60 s solve at 10,000 orders (see collector.py).
        self.freeze_long_lived()
        lock = threading.Lock()

        def accept(candidate: Solution) -> bool:
            return not self.problems(candidate)

        def improved(values: tuple[Decimal, ...]) -> None:
            with lock:
                self.report("lns", values[0], bound)

        operations = sum(len(o.operations) for o in included)
        parallel = (
            not self.params.deterministic
            and self.params.workers > 1
            and operations <= PORTFOLIO_OPERATIONS
        )
        count = self.params.workers if parallel else 1
        # Larger plants: one search, its threads sharing the working schedule,
        # one CP-SAT worker each (see LargeNeighbourhoodSearch.run).
        shared = 1 if parallel or self.params.deterministic else self.params.workers
        shared = min(shared, SHARED_SEARCH_THREADS)
        searches = [
            LargeNeighbourhoodSearch(
                self.data,
                included,
                self.objectives,
                SearchSettings(
                    workers=1 if parallel else max(1, self.params.workers // shared),
                    threads=shared,
                    seed=self.params.seed + number,
                    sub_time=self.params.lns_sub_time,
                    deterministic=self.params.deterministic,
                ),
                accept,
                improved,
            )
            for number in range(count)
        ]
        if self.params.deterministic:
            deadline = time.perf_counter() + self.safety_limit() - self.elapsed()
            work = self.remaining()
        else:
            deadline, work = time.perf_counter() + self.remaining(), None
        stop = self.interrupt.requested
        results: list[Solution] = [incumbent] * count

        def run(number: int) -> None:
            results[number] = searches[number].run(incumbent, deadline, stop, work)

        run_in_threads([functools.partial(run, n) for n in range(count)])
        best = min(range(count), key=lambda n: (self.values(results[n]), n))
        for search in searches:
            self.work += search.work
            stats = search.stats
            self.log.append(
                f"lns: {stats.iterations} moves, {stats.improvements} improvements, "
                f"{stats.kicks} kicks, {stats.wide} wide, "
                f"{stats.rejected_by_check} rejected by the "
                f"check, {stats.conflicts} overtaken by another thread's move"
            )
        return results[best]

    def better(self, incumbent: Solution | None, candidate: Solution) -> Solution:
        """Keep the lexicographically better schedule (ties: the newer one).

        With a reference, equal objective values compare by distance from it.
        """
        if incumbent is None:
            return candidate
        return candidate if self.rank(candidate) <= self.rank(incumbent) else incumbent

    def rank(self, plan: Solution) -> tuple[tuple[Decimal, ...], int]:
        """Objective values, then distance from the reference (0 without one)."""
        near = 0 if self.reference is None else distance(self.reference, plan)
        return self.values(plan), near

    def solver(self, budget: float):
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        parameters = solver.parameters
        if self.params.deterministic:
            parameters.max_deterministic_time = max(0.05, budget)
            parameters.max_time_in_seconds = max(
                1.0, self.safety_limit() - self.elapsed()
            )
        else:
            parameters.max_time_in_seconds = max(0.05, budget)
        parameters.num_workers = self.params.workers
        parameters.random_seed = self.params.seed
        parameters.log_search_progress = self.params.log
        parameters.catch_sigint_signal = False
        for key, value in self.params.cp_sat_overrides().items():
            setattr(parameters, key, value)
        return solver

    def result(
        self,
        status: SolveStatus,
        solution: Solution | None,
        values: list[Decimal],
        bound: Decimal | None,
    ) -> Result:
        data = self.data
        orders = order_results(data, solution) if solution is not None else []
        allocations = allocate(data, solution) if solution is not None else []
        return Result(
            status=status,
            objective=self.objectives,
            objective_value=values[0] if values else None,
            best_bound=bound,
            wall_time=self.elapsed(),
            data=data,
            solution=solution,
            orders=orders,
            allocations=allocations,
            log=self.log,
            stage_values=list(values),
        )


class _Callback:
    """Forwards improving solutions and bounds to the progress callback."""

    def __init__(self, driver: _Driver, stage: str, scale: int) -> None:
        self.driver = driver
        self.stage = stage
        self.scale = scale
        self.bound: Decimal | None = None

    def on_bound(self, bound: float) -> None:
        self.bound = _to_units(bound, self.scale)
        self.driver.report(self.stage, None, self.bound)

    def on_solution(self, value: float, bound: float) -> None:
        self.bound = _to_units(bound, self.scale)
        self.driver.report(self.stage, _to_units(value, self.scale), self.bound)


def _to_units(value: float, scale: int) -> Decimal | None:
    """A scaled CP-SAT objective value back in real units (None if unbounded)."""
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return Decimal(round(value)) / scale


def _solve_in_thread(solver, model, callback: _Callback) -> int:
    """Run CP-SAT in a worker thread so the main thread can take SIGINT."""
    from ortools.sat.python import cp_model

    class SolutionCallback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            callback.on_solution(self.objective_value, self.best_objective_bound)

    solver.best_bound_callback = callback.on_bound
    outcome: dict[str, Any] = {}

    def target() -> None:
        outcome["status"] = solver.solve(model, SolutionCallback())

    worker = threading.Thread(target=target, name="cp-sat", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(timeout=0.1)
    return outcome.get("status", cp_model.UNKNOWN)
