"""Sequence search: iterated local search over the order of work on one machine.

Why it exists
-------------
A CP-SAT neighbourhood re-optimises a *contiguous* part of the schedule: a
time window, a run of a machine, a few late orders and what surrounds them.
On a bottleneck machine the better sequence is often a few long jumps away:
on wt40_16 (OR-Library) our neighbourhood search stalled at 72546 while the
optimum 72317 moves one job 21 places later and reshuffles the first 24, a
change no neighbourhood small enough to solve in a move's budget contains.
Moving one operation to another place in its machine's sequence, or swapping
two, is evaluated here in microseconds, so a descent tries thousands of such
moves per second; an iterated local search over them (random swaps as kicks)
reaches the published optima of the hard wt40 instances in well under a
second each.

What a search may change
------------------------
The order, and so the start times, of the movable operations on one machine
of capacity 1; machine choices and everything on other machines stay as they
are. So each operation gets, from the current schedule:

* a *head*, the earliest start: its order's release, "now" when
  rescheduling, the current end of every predecessor, and for material: not
  before ``min(current start, T)`` where ``T`` is when the component's
  receipts cover all of its scheduled consumption. (Starting later never
  breaks a material constraint; starting at or after ``T`` cannot either,
  whatever else moves: ``ProblemData.steady_heads``.)
* a *deadline*, the latest end: the current start of every successor. A
  predecessor on the same machine keeps its current end as the deadline and
  its successor gets that end as a head (both may move, never across it).
* a *cost*, for the final operation of an order: its order's share of the
  first objective at the operation's end (weighted tardiness, late orders,
  flow time: every sum over orders). Other operations cost nothing; they only
  need to meet their deadline.

Downtime and pinned (started) operations are fixed blocks a placement jumps
over. A sequence is turned into a schedule by placing each operation, in
turn, at the earliest time after the previous one that respects its head and
the blocks: the same left-justified decoding the compaction step uses, so the
current sequence decodes to a schedule no later anywhere than the current one.

The result is an ordinary schedule; the caller checks it with the independent
checker before it is used, like every other candidate a solve produces.
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from mtosched.expand import ProblemData, merge_spans
from mtosched.kpi import SUM_OBJECTIVES, order_share
from mtosched.solution import Objective, ScheduledOperation, Solution

#: How far (in positions) an operation may jump in one move on long queues:
#: keeps a descent at O(n · reach²) steps on a machine with thousands of jobs.
REACH = 60

#: Kicks in a row without a better sequence after which a queue is left when
#: there are other queues to visit.
PATIENCE = 40

#: A plant's only queue is left after this many kicks in a row bring nothing
#: (on the wt40 instances our neighbourhood search could not solve, and on 13
#: wt100 ones, no improvement came after more than 17 fruitless kicks).
LONE_PATIENCE = 100


@dataclass
class _Queue:
    """One machine's movable operations, as the search sees them.

    Indices into the lists are *job* numbers 0..n-1; ``operations`` maps them
    back to operation indices.
    """

    machine_id: str
    operations: list[int]
    durations: list[int]
    heads: list[int]
    deadlines: list[float]
    dues: list[float]
    weights: list[float]
    unit: bool  # cost = weight when late (late orders) instead of weight × delay
    block_starts: list[int] = field(default_factory=list)
    block_ends: list[int] = field(default_factory=list)

    def cost(self, job: int, end: int) -> float:
        """The job's share of the objective when it ends at ``end``."""
        late = end - self.dues[job]
        if late <= 0:
            return 0.0
        return self.weights[job] if self.unit else self.weights[job] * late

    def place(self, job: int, ready: int) -> int:
        """The job's end when it starts as early as possible from ``ready``."""
        start = ready if ready > self.heads[job] else self.heads[job]
        duration = self.durations[job]
        ends = self.block_ends
        if ends:
            position = bisect_right(ends, start)
            starts = self.block_starts
            while position < len(ends) and starts[position] < start + duration:
                start = ends[position]
                position += 1
        return start + duration


@dataclass
class _Decoded:
    """A sequence with its end times and running costs (both by position)."""

    sequence: list[int]
    ends: list[int]
    costs: list[float]  # cost of positions 0..k, cumulated

    @property
    def total(self) -> float:
        return self.costs[-1] if self.costs else 0.0


def decode(queue: _Queue, sequence: list[int]) -> _Decoded | None:
    """Place the jobs in this order; None when a deadline is missed."""
    ends: list[int] = []
    costs: list[float] = []
    time_now, total = 0, 0.0
    for job in sequence:
        time_now = queue.place(job, time_now)
        if time_now > queue.deadlines[job]:
            return None
        total += queue.cost(job, time_now)
        ends.append(time_now)
        costs.append(total)
    return _Decoded(sequence, ends, costs)


class _Budget:
    """Wall clock, or a count of evaluated moves in deterministic mode."""

    def __init__(self, deadline: float, evaluations: int | None) -> None:
        self.deadline = deadline
        self.evaluations = evaluations
        self.used = 0

    def spent(self) -> bool:
        if self.evaluations is not None:
            return self.used >= self.evaluations
        return time.perf_counter() >= self.deadline


class _Search:
    """Descent and iterated local search on one queue."""

    def __init__(
        self,
        queue: _Queue,
        rng: random.Random,
        budget: _Budget,
        on_better: Callable[[float], None] | None = None,
        floor: float = 0.0,
    ) -> None:
        self.queue = queue
        self.rng = rng
        self.budget = budget
        self.on_better = on_better  # told each better total of this queue
        self.floor = floor  # no sequence costs less: stop on reaching it

    def with_block(self, current: _Decoded, low: int, block: list[int]) -> float:
        """Total cost when positions ``low``.. hold ``block`` (the same jobs).

        Past the block, decoding stops as soon as a position ends when it did
        before: from there on nothing changes. ``inf`` when a deadline fails.
        """
        queue = self.queue
        self.budget.used += 1
        ends, costs, sequence = current.ends, current.costs, current.sequence
        now = ends[low - 1] if low else 0
        total = costs[low - 1] if low else 0.0
        for job in block:
            now = queue.place(job, now)
            if now > queue.deadlines[job]:
                return math.inf
            total += queue.cost(job, now)
        position = low + len(block)
        while position < len(sequence):
            if now == ends[position - 1]:
                return total + costs[-1] - costs[position - 1]
            job = sequence[position]
            now = queue.place(job, now)
            if now > queue.deadlines[job]:
                return math.inf
            total += queue.cost(job, now)
            position += 1
        return total

    def best_insertion(self, current: _Decoded, origin: int) -> tuple[float, int]:
        """The cheapest new position for the job at ``origin`` (cost, position)."""
        sequence = current.sequence
        job = sequence[origin]
        best, where = current.total, origin
        last = min(len(sequence) - 1, origin + REACH)
        for target in range(origin + 1, last + 1):  # later: the ones between move up
            block = [*sequence[origin + 1 : target + 1], job]
            total = self.with_block(current, origin, block)
            if total < best:
                best, where = total, target
        for target in range(origin - 1, max(-1, origin - REACH - 1), -1):  # earlier
            block = [job, *sequence[target:origin]]
            total = self.with_block(current, target, block)
            if total < best:
                best, where = total, target
        return best, where

    def descent(self, current: _Decoded) -> _Decoded:
        """Move single jobs, then swap pairs, until neither improves."""
        queue = self.queue
        size = len(current.sequence)
        improved = True
        while improved and not self.budget.spent():
            improved = False
            for origin in self.rng.sample(range(size), size):
                total, target = self.best_insertion(current, origin)
                if target != origin and total < current.total:
                    sequence = current.sequence[:]
                    sequence.insert(target, sequence.pop(origin))
                    current = decode(queue, sequence) or current
                    improved = True
                if self.budget.spent():
                    return current
            if not improved:
                swapped = self.improving_swap(current)
                if swapped is not None:
                    current, improved = swapped, True
        return current

    def improving_swap(self, current: _Decoded) -> _Decoded | None:
        """The first swap of two jobs that lowers the cost, applied."""
        sequence = current.sequence
        size = len(sequence)
        for first in range(size - 1):
            for second in range(first + 1, min(size, first + REACH + 1)):
                block = sequence[first : second + 1]
                block[0], block[-1] = block[-1], block[0]
                if self.with_block(current, first, block) < current.total:
                    swapped = sequence[:first] + block + sequence[second + 1 :]
                    decoded = decode(self.queue, swapped)
                    if decoded is not None:
                        return decoded
            if self.budget.spent():
                return None
        return None

    def kick(self, current: _Decoded) -> _Decoded | None:
        """Two to four random swaps of nearby jobs (None if none decodes)."""
        size = len(current.sequence)
        for _ in range(20):
            sequence = current.sequence[:]
            for _ in range(self.rng.choice((2, 3, 4))):
                first = self.rng.randrange(size)
                low, high = max(0, first - REACH), min(size - 1, first + REACH)
                second = self.rng.randint(low, high)
                sequence[first], sequence[second] = sequence[second], sequence[first]
            decoded = decode(self.queue, sequence)
            if decoded is not None:
                return decoded
        return None

    def run(self, start: _Decoded, patience: float) -> _Decoded:
        """Descend, then kick the best sequence and descend again, until the
        budget is spent or ``patience`` kicks in a row bring nothing better."""
        best = self.descent(start)
        if self.on_better is not None and best.total < start.total:
            self.on_better(best.total)
        stale = 0
        while stale < patience and best.total > self.floor and not self.budget.spent():
            kicked = self.kick(best)
            if kicked is None:
                break
            found = self.descent(kicked)
            if found.total < best.total:
                best, stale = found, 0
                if self.on_better is not None:
                    self.on_better(best.total)
            else:
                stale += 1
                if found.total == best.total:
                    best = found  # drift across a plateau
        return best


class SequenceSearch:
    """Iterated local search on the sequence of each capacity-1 machine in turn.

    ``improved`` is told the first objective's new value (a float estimate)
    whenever a machine's sequence gets better; ``floor``, a lower bound of the
    objective, ends the search when it is reached.
    """

    def __init__(
        self,
        data: ProblemData,
        objective: Objective,
        seed: int = 0,
        improved: Callable[[float], None] | None = None,
        floor: float = 0.0,
    ) -> None:
        if objective not in SUM_OBJECTIVES:
            raise ValueError(f"{objective} is not a sum over orders")
        self.data = data
        self.objective = objective
        self.rng = random.Random(seed)
        self.improved = improved
        self.floor = floor  # a lower bound of the objective (0 if none known)
        self.evaluations = 0
        self.successors = data.successors()
        self.final = {o.final_operation: o.order_id for o in data.orders.values()}

    @staticmethod
    def applies(data: ProblemData, objective: Objective) -> bool:
        """Whether there is anything to search: a sum objective and a
        machine of capacity 1."""
        return objective in SUM_OBJECTIVES and any(
            capacity == 1 for capacity in data.capacity.values()
        )

    def run(
        self, solution: Solution, deadline: float, evaluations: int | None = None
    ) -> Solution:
        """The schedule with better sequences, searched until ``deadline``
        (``time.perf_counter()``) or, if given, that many evaluated moves.

        Machines are visited by the cost of the orders ending on them, highest
        first, round after round, until a round improves nothing (a lone
        machine: until ``LONE_PATIENCE`` kicks in a row bring nothing).
        """
        budget = _Budget(deadline, evaluations)
        placement = self.data.placements(solution)
        while not budget.spent():
            heads = self.data.steady_heads(placement)
            queues = [
                self._queue(machine_id, indices, placement, heads)
                for machine_id, indices in self._machines(placement).items()
            ]
            queues.sort(key=lambda q: (-self._queue_cost(q, placement), q.machine_id))
            lone = len(queues) == 1
            better = False
            for queue in queues:
                if budget.spent():
                    break
                start = decode(queue, list(range(len(queue.operations))))
                if start is None:  # the schedule breaks a deadline: leave it
                    continue
                others = self._estimate(placement) - self._queue_cost(queue, placement)
                search = _Search(
                    queue,
                    self.rng,
                    budget,
                    partial(self._report, others),
                    max(0.0, self.floor - others),
                )
                found = search.run(start, LONE_PATIENCE if lone else PATIENCE)
                if found.total < start.total:
                    self._apply(queue, found, placement)
                    better = True
            if not better or lone:
                break
        self.evaluations += budget.used
        return solution.replaced(placement.values())

    def queue_count(self, solution: Solution) -> int:
        """How many machines' queues the search would visit in ``solution``."""
        return len(self._machines(self.data.placements(solution)))

    def _report(self, others: float, total: float) -> None:
        """A queue's better total, as the whole objective."""
        if self.improved is not None:
            self.improved(others + total)

    # ------------------------------------------------------------ preparation
    def _machines(
        self, placement: dict[int, ScheduledOperation]
    ) -> dict[str, list[int]]:
        """Capacity-1 machines worth searching, with the operations on them:
        at least two movable ones, one of them an order's last, none of zero
        length (not worth the special cases)."""
        by_machine: dict[str, list[int]] = defaultdict(list)
        for index, where in placement.items():
            if self.data.capacity.get(where.machine_id) == 1:
                by_machine[where.machine_id].append(index)
        worth = {}
        for machine_id, indices in by_machine.items():
            movable = [i for i in indices if i not in self.data.pinned]
            if (
                len(movable) >= 2
                and any(i in self.final for i in movable)
                and all(placement[i].end > placement[i].start for i in indices)
            ):
                worth[machine_id] = indices
        return worth

    def _queue(
        self,
        machine_id: str,
        indices: list[int],
        placement: dict[int, ScheduledOperation],
        steady_heads: dict[int, int],
    ) -> _Queue:
        """Heads, deadlines and costs of a machine's movable operations."""
        data = self.data
        movable = sorted(
            (i for i in indices if i not in data.pinned),
            key=lambda i: (placement[i].start, i),
        )
        here = set(movable)
        heads, deadlines, dues, weights = [], [], [], []
        for index in movable:
            operation = data.operations[index]
            where = placement[index]
            head = steady_heads[index]
            for predecessor in operation.predecessors:
                head = max(head, placement[predecessor].end)
            deadline: float = math.inf
            for successor in self.successors.get(index, ()):
                if successor in here:
                    deadline = min(deadline, where.end)
                elif successor in placement:
                    deadline = min(deadline, placement[successor].start)
            heads.append(int(head))
            deadlines.append(deadline)
            due, weight = self._cost_terms(index)
            dues.append(due)
            weights.append(weight)
        merged = merge_spans(
            [*data.downtime.get(machine_id, [])]
            + [
                (placement[i].start, placement[i].end)
                for i in indices
                if i in data.pinned
            ]
        )
        return _Queue(
            machine_id=machine_id,
            operations=movable,
            durations=[placement[i].end - placement[i].start for i in movable],
            heads=heads,
            deadlines=deadlines,
            dues=dues,
            weights=weights,
            unit=self.objective is Objective.late_orders,
            block_starts=[start for start, _ in merged],
            block_ends=[end for _, end in merged],
        )

    def _cost_terms(self, index: int) -> tuple[float, float]:
        """(due, weight) so that the cost is weight × max(0, end - due)
        (or weight when late): flow time is tardiness against the release."""
        order_id = self.final.get(index)
        if order_id is None:
            return math.inf, 0.0
        order = self.data.orders[order_id]
        if self.objective is Objective.flow_time:
            return order.release, 1.0
        return order.due, float(order.weight)

    def _queue_cost(
        self, queue: _Queue, placement: dict[int, ScheduledOperation]
    ) -> float:
        return sum(
            queue.cost(job, placement[index].end)
            for job, index in enumerate(queue.operations)
        )

    def _apply(
        self,
        queue: _Queue,
        found: _Decoded,
        placement: dict[int, ScheduledOperation],
    ) -> None:
        for job, end in zip(found.sequence, found.ends, strict=True):
            index = queue.operations[job]
            old = placement[index]
            placement[index] = ScheduledOperation(
                old.work_order_id,
                old.step,
                old.machine_id,
                end - queue.durations[job],
                end,
            )

    def _estimate(self, placement: dict[int, ScheduledOperation]) -> float:
        """The objective of the placed orders (see :func:`kpi.order_share`)."""
        return float(
            sum(
                (
                    order_share(self.objective, self.data.orders[order_id], where.end)
                    for index, order_id in self.final.items()
                    if (where := placement.get(index)) is not None
                ),
                Decimal(0),
            )
        )
