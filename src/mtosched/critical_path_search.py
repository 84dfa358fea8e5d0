"""Critical-path search: a tabu search on machine choices and sequences for makespan.

Why it exists
-------------
On makespan CP-SAT is strong at bounds and at closing small gaps, but on the
larger flexible job shops it stalls well above the best known schedules
(Brandimarte mk10 at 60 s on two cores: 206-211 against 193) and our
neighbourhood moves rarely help, since most of them leave the longest path
untouched. The classic answer in the job-shop literature is a tabu search
over moves that take one operation off the longest (critical) path and put
it back elsewhere, on the same or another eligible machine, each move scored
in constant time from the heads and tails of the current schedule (the
approximate evaluation of Mastrolilli and Gambardella, 2000). In Python it
makes about 1,500 moves a second on mk10 and reaches 200-203 there in 15-18 s;
the whole model then starts from that schedule.

What a search may change
------------------------
Which eligible machine each operation runs on and the order of operations on
every machine; nothing else. It runs only where that is the whole problem:
the first objective is makespan, every eligible machine has capacity 1 and
no downtime, no operation has zero length or is pinned; and only where some
operation has a choice of machine (on a classic job shop CP-SAT alone does
better, see ``applies``). Each operation keeps a *head*, an earliest start
that holds whatever the search does: its order's release, "now" when
rescheduling, and for each component it consumes the
earlier of its current start and the time the receipts cover the
component's whole scheduled consumption (starting later never breaks a
material constraint; starting after that time cannot either; see
``ProblemData.steady_heads``, shared with the sequence search).

A state (machine per operation, sequence per machine) is turned into a
schedule by starting each operation as soon as its head, its predecessors
and the operation before it on its machine allow: longest paths in the
disjunctive graph, computed in one topological pass, with the tails (longest
path from an operation's end to the end of the schedule) in a second.

The moves
---------
For an operation ``v`` on the critical path and a machine ``k`` eligible for
it, every place between two neighbours ``u``, ``w`` of ``k``'s sequence
(``v`` taken out) is a candidate. Its makespan is estimated as the longest
path through ``v`` after the move, from the current heads and tails:

    max(end of v's predecessors, head of v, end of u)
    + duration of v on k
    + max(tail of v's successors, duration of w + tail of w)

A place cannot close a cycle when ``u`` starts before every successor of
``v`` and ``w`` is no predecessor of ``v`` and ends after every predecessor
starts (a path from a successor to ``u`` would make ``u`` start no earlier
than that successor; a path from ``w`` to another operation, one that starts
no earlier than ``w`` ends: durations are positive), so only such places are
scored. The best-scored move that is not tabu is made (a tabu move only when
it would beat the best makespan found); putting the operation back after the
same neighbour on the same machine is tabu for a few iterations. After
``STALL`` moves without a better makespan the search goes back to the best
state with a few random swaps of adjacent operations, and it ends after
``PATIENCE`` such restarts in a row bring nothing, at the given lower bound,
or at its deadline.

The result is an ordinary schedule; the caller checks it with the
independent checker before it is used, like every other candidate.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from mtosched.expand import OrderPlan, ProblemData
from mtosched.solution import ScheduledOperation, Solution

#: Iterations a move stays tabu, plus a random part that grows with the
#: length of the critical path.
TENURE = 8

#: Moves without a better makespan before going back to the best state.
STALL = 3000

#: Random adjacent swaps applied to the best state on going back to it.
KICK_SWAPS = 5

#: Restarts in a row without a better makespan after which the search ends
#: and hands the rest of its time back.
PATIENCE = 8


@dataclass
class _Schedule:
    """A state's longest paths: heads (starts), tails, durations, makespan."""

    makespan: int
    starts: list[int]
    tails: list[int]
    durations: list[int]
    machine_before: list[int]  # -1: first on its machine
    machine_after: list[int]  # -1: last on its machine


class _Graph:
    """The operations of the search, numbered 0..n-1, with what is fixed."""

    def __init__(
        self,
        data: ProblemData,
        indices: list[int],
        heads: list[int],
    ) -> None:
        self.indices = indices  # search number -> operation index
        number = {index: n for n, index in enumerate(indices)}
        self.machines = sorted(
            {mode.machine_id for i in indices for mode in data.operations[i].modes}
        )
        self.machine_number = machine_number = {
            m: k for k, m in enumerate(self.machines)
        }
        self.modes: list[dict[int, int]] = []
        self.predecessors: list[tuple[int, ...]] = []
        successors: list[list[int]] = [[] for _ in indices]
        for n, index in enumerate(indices):
            operation = data.operations[index]
            self.modes.append(
                {machine_number[m.machine_id]: m.duration for m in operation.modes}
            )
            preds = tuple(number[p] for p in operation.predecessors)
            self.predecessors.append(preds)
            for pred in preds:
                successors[pred].append(n)
        self.successors = [tuple(s) for s in successors]
        self.heads = heads

    def __len__(self) -> int:
        return len(self.indices)

    def evaluate(
        self, machine_of: list[int], sequences: list[list[int]]
    ) -> _Schedule | None:
        """Longest paths of a state; None when it has a cycle."""
        size = len(self.indices)
        before = [-1] * size
        after = [-1] * size
        for sequence in sequences:
            for position in range(1, len(sequence)):
                before[sequence[position]] = sequence[position - 1]
                after[sequence[position - 1]] = sequence[position]
        modes, preds, succs = self.modes, self.predecessors, self.successors
        durations = [modes[v][machine_of[v]] for v in range(size)]
        waiting = [len(preds[v]) + (before[v] >= 0) for v in range(size)]
        order = [v for v in range(size) if waiting[v] == 0]
        starts = self.heads[:]
        position = 0
        while position < len(order):
            v = order[position]
            position += 1
            end = starts[v] + durations[v]
            for w in succs[v]:
                if end > starts[w]:
                    starts[w] = end
                waiting[w] -= 1
                if waiting[w] == 0:
                    order.append(w)
            w = after[v]
            if w >= 0:
                if end > starts[w]:
                    starts[w] = end
                waiting[w] -= 1
                if waiting[w] == 0:
                    order.append(w)
        if len(order) < size:
            return None
        tails = [0] * size
        for v in reversed(order):
            tail = 0
            for w in succs[v]:
                through = durations[w] + tails[w]
                if through > tail:
                    tail = through
            w = after[v]
            if w >= 0 and durations[w] + tails[w] > tail:
                tail = durations[w] + tails[w]
            tails[v] = tail
        makespan = max(starts[v] + durations[v] for v in range(size))
        return _Schedule(makespan, starts, tails, durations, before, after)


@dataclass
class _State:
    """Machine per operation and sequence per machine, with their timing."""

    machine_of: list[int]
    sequences: list[list[int]]
    schedule: _Schedule

    @property
    def makespan(self) -> int:
        return self.schedule.makespan

    def copy(self) -> _State:
        return _State(self.machine_of[:], [s[:] for s in self.sequences], self.schedule)


@dataclass(frozen=True)
class _Move:
    operation: int
    machine: int
    after: int  # the operation it goes right after on that machine; -1: first


class CriticalPathSearch:
    """Tabu search on the critical path of a makespan schedule.

    ``improved`` is told each better makespan; ``floor``, a lower bound, ends
    the search when it is reached.
    """

    def __init__(
        self,
        data: ProblemData,
        seed: int = 0,
        improved: Callable[[int], None] | None = None,
        floor: int = 0,
    ) -> None:
        self.data = data
        self.rng = random.Random(seed)
        self.improved = improved
        self.floor = floor
        self.iterations = 0
        self.undone = 0  # moves that closed a cycle and were taken back
        self.tabu: dict[_Move, int] = {}  # move -> last iteration it is tabu

    @staticmethod
    def applies(data: ProblemData, included: list[OrderPlan]) -> bool:
        """Whether machine choices and sequences are the whole problem, and
        some operation has a choice of machine.

        Without any choice (a classic job shop) every move stays on its
        machine, where the scores of moves are least accurate: on ft10 the
        search stalls at 1017 (optimum 930) while CP-SAT alone proves 930 in
        28 s, so there it stays out.
        """
        if data.pinned:
            return False
        flexible = False
        for order in included:
            for index in order.operations:
                modes = data.operations[index].modes
                flexible = flexible or len(modes) > 1
                for mode in modes:
                    if (
                        mode.duration <= 0
                        or data.capacity.get(mode.machine_id) != 1
                        or data.downtime.get(mode.machine_id)
                    ):
                        return False
        return flexible

    def run(
        self, solution: Solution, deadline: float, iterations: int | None = None
    ) -> Solution:
        """A schedule no longer than ``solution``, searched until ``deadline``
        (``time.perf_counter()``) or, if given, that many moves."""
        placement = self.data.placements(solution)
        indices = sorted(placement)
        steady = self.data.steady_heads(placement)
        graph = _Graph(self.data, indices, [steady[i] for i in indices])
        machine_of = [graph.machine_number[placement[i].machine_id] for i in indices]
        sequences: list[list[int]] = [[] for _ in graph.machines]
        for v in sorted(range(len(indices)), key=lambda v: placement[indices[v]].start):
            sequences[machine_of[v]].append(v)
        schedule = graph.evaluate(machine_of, sequences)
        if schedule is None:  # the schedule breaks its own sequences: leave it
            return solution
        best = self._search(
            graph, _State(machine_of, sequences, schedule), deadline, iterations
        )
        if best is None:
            return solution
        moved = []
        for v, index in enumerate(indices):
            operation = self.data.operations[index]
            start = best.schedule.starts[v]
            moved.append(
                ScheduledOperation(
                    operation.work_order_id,
                    operation.step,
                    graph.machines[best.machine_of[v]],
                    start,
                    start + best.schedule.durations[v],
                )
            )
        return solution.replaced(moved)

    def _search(
        self, graph: _Graph, state: _State, deadline: float, iterations: int | None
    ) -> _State | None:
        """The tabu search proper: the best state found, None if none is better."""
        best, found = state.copy(), False
        iteration = last_better = restarts = 0
        while state.schedule.makespan > self.floor and restarts < PATIENCE:
            if iterations is None:
                if iteration % 16 == 0 and time.perf_counter() >= deadline:
                    break
            elif iteration >= iterations:
                break
            iteration += 1
            schedule = state.schedule
            critical = [
                v
                for v in range(len(graph))
                if schedule.starts[v] + schedule.durations[v] + schedule.tails[v]
                == schedule.makespan
            ]
            move = self._choose(graph, state, critical, iteration, best.makespan)
            if move is None:
                break
            if not self._make(graph, state, move, iteration, len(critical)):
                continue
            if state.makespan < best.makespan:
                best, found = state.copy(), True
                last_better, restarts = iteration, 0
                if self.improved is not None:
                    self.improved(best.makespan)
            elif iteration - last_better > STALL:
                state = self._kicked(graph, best)
                last_better = iteration
                restarts += 1
        self.iterations += iteration
        return best if found else None

    def _make(
        self, graph: _Graph, state: _State, move: _Move, iteration: int, critical: int
    ) -> bool:
        """Make the move and make its inverse tabu; False (and nothing
        changed) if it closed a cycle, which the rule in _choose prevents."""
        v = move.operation
        old_machine = state.machine_of[v]
        old_before = state.schedule.machine_before[v]
        old_position = state.sequences[old_machine].index(v)
        state.sequences[old_machine].remove(v)
        target = state.sequences[move.machine]
        target.insert(target.index(move.after) + 1 if move.after >= 0 else 0, v)
        state.machine_of[v] = move.machine
        evaluated = graph.evaluate(state.machine_of, state.sequences)
        if evaluated is None:
            target.remove(v)
            state.sequences[old_machine].insert(old_position, v)
            state.machine_of[v] = old_machine
            self.tabu[move] = iteration + STALL
            self.undone += 1
            return False
        state.schedule = evaluated
        tenure = TENURE + self.rng.randint(0, critical // 2 + 2)
        self.tabu[_Move(v, old_machine, old_before)] = iteration + tenure
        return True

    def _choose(
        self,
        graph: _Graph,
        state: _State,
        critical: list[int],
        iteration: int,
        best_makespan: int,
    ) -> _Move | None:
        """The best-scored allowed move (module doc), ties broken at random."""
        schedule = state.schedule
        starts, tails, durations = schedule.starts, schedule.tails, schedule.durations
        chosen: _Move | None = None
        chosen_key: tuple[int, float] | None = None
        for v in critical:
            head = graph.heads[v]
            latest_pred_start = -1
            predecessors = graph.predecessors[v]
            for a in predecessors:
                if starts[a] + durations[a] > head:
                    head = starts[a] + durations[a]
                if starts[a] > latest_pred_start:
                    latest_pred_start = starts[a]
            tail = 0
            first_succ_start = None
            for s in graph.successors[v]:
                if durations[s] + tails[s] > tail:
                    tail = durations[s] + tails[s]
                if first_succ_start is None or starts[s] < first_succ_start:
                    first_succ_start = starts[s]
            current = state.machine_of[v]
            for machine, duration in graph.modes[v].items():
                sequence = [x for x in state.sequences[machine] if x != v]
                for place in range(len(sequence) + 1):
                    u = sequence[place - 1] if place else -1
                    w = sequence[place] if place < len(sequence) else -1
                    if (
                        u >= 0
                        and first_succ_start is not None
                        and starts[u] >= first_succ_start
                    ):
                        break
                    if w >= 0 and (
                        starts[w] + durations[w] <= latest_pred_start
                        or w in predecessors
                    ):
                        continue
                    if (
                        machine == current
                        and u == schedule.machine_before[v]
                        and w == schedule.machine_after[v]
                    ):
                        continue
                    ready = head if u < 0 else max(head, starts[u] + durations[u])
                    rest = tail if w < 0 else max(tail, durations[w] + tails[w])
                    estimate = ready + duration + rest
                    if chosen_key is not None and estimate > chosen_key[0]:
                        continue
                    move = _Move(v, machine, u)
                    if self.tabu.get(move, 0) > iteration and estimate >= best_makespan:
                        continue
                    key = (estimate, self.rng.random())
                    if chosen_key is None or key < chosen_key:
                        chosen, chosen_key = move, key
        return chosen

    def _kicked(self, graph: _Graph, best: _State) -> _State:
        """The best state after a few random swaps of adjacent operations
        (each kept only if it closes no cycle)."""
        state = best.copy()
        for _ in range(KICK_SWAPS):
            sequence = state.sequences[self.rng.randrange(len(state.sequences))]
            if len(sequence) < 2:
                continue
            position = self.rng.randrange(len(sequence) - 1)
            first, second = sequence[position], sequence[position + 1]
            sequence[position], sequence[position + 1] = second, first
            evaluated = graph.evaluate(state.machine_of, state.sequences)
            if evaluated is None:
                sequence[position], sequence[position + 1] = first, second
            else:
                state.schedule = evaluated
        return state
