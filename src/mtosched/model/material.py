"""The material rule: nothing consumes a component before it has arrived.

For each purchased component the cumulative supply is a step function known in
advance (stock at 0, each receipt at its arrival, unlimited from the lead time
on). Cumulative consumption only grows, so the rule holds at every moment iff
it holds just before each supply step: for every step time ``b``, the
operations that start before ``b`` consume at most what arrived before ``b``.

That is a cumulative constraint per component: each consumer holds its
quantity from its start on (an interval to the end of the horizon), the
capacity is the whole demand, and fixed blocks in front of each supply step
hold back what has not arrived yet. Its size is linear in consumers + supply
steps. The first encoding, one knapsack per step over literals
``start_i < b``, grew with consumers x steps (both grow with the plant: 20 s
to build at 10,000 orders) and its literals left CP-SAT's hints incomplete;
the scaling tables of 2026-11-30 compare the two.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from itertools import accumulate, chain

from ortools.sat.python import cp_model

from mtosched.expand import ComponentSupply, ProblemData
from mtosched.model.variables import OperationVars, domain_bounds


def integer_scale(values: Iterable[Decimal]) -> int:
    """The power of ten that turns every value into an integer."""
    digits = 0
    for value in set(values):  # few distinct quantities, many consumers
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            digits = max(digits, -exponent)
    return 10**digits


def supply_steps(supply: ComponentSupply) -> list[tuple[int, Decimal]]:
    """(step time b, quantity arrived strictly before b) for each binding step.

    Steps at or after the lead time are dropped: from then on supply is unlimited.
    """
    steps: list[tuple[int, Decimal]] = []
    arrived = Decimal(0)
    for receipt in supply.receipts:
        if receipt.time > 0 and (not steps or steps[-1][0] != receipt.time):
            steps.append((receipt.time, arrived))
        if receipt.quantity is None:
            break
        arrived += receipt.quantity
    return steps


class FrozenConsumption:
    """What frozen operations consume, by component, as running totals in time.

    A neighbourhood sub-model freezes most of the plant. Listing every frozen
    consumer of a common component in each sub-model costs time in the size
    of the plant; here the plant-wide totals are built once per schedule and
    a sub-model only subtracts its own operations' use (:meth:`without`).
    """

    def __init__(self, uses: Iterable[tuple[str, int, Decimal]]) -> None:
        by_component: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
        for component_id, start, quantity in uses:
            by_component[component_id].append((start, quantity))
        self._entries: dict[str, list[tuple[int, Decimal]]] = {}
        self._starts: dict[str, list[int]] = {}
        self._totals: dict[str, list[Decimal]] = {}
        self._scales: dict[str, int] = {}
        for component_id, entries in by_component.items():
            entries.sort()
            self._set(component_id, entries)
            self._scales[component_id] = integer_scale(q for _, q in entries)
        self._removed: dict[str, list[tuple[int, Decimal]]] = {}

    def _set(self, component_id: str, entries: list[tuple[int, Decimal]]) -> None:
        self._entries[component_id] = entries
        self._starts[component_id] = [start for start, _ in entries]
        self._totals[component_id] = [
            Decimal(0),
            *accumulate(quantity for _, quantity in entries),
        ]

    def moved(
        self,
        before: Iterable[tuple[str, int, Decimal]],
        after: Iterable[tuple[str, int, Decimal]],
    ) -> FrozenConsumption:
        """The totals once some uses moved (``before`` -> ``after``).

        Only the components involved are recomputed, so following an
        accepted neighbourhood move costs the size of those components, not
        of the plant. Quantities do not change, so neither do the scales.
        """
        copy = object.__new__(FrozenConsumption)
        copy._entries, copy._starts = dict(self._entries), dict(self._starts)
        copy._totals, copy._scales = dict(self._totals), self._scales
        copy._removed = {}
        changed: dict[str, list[tuple[int, Decimal]]] = {}
        for component_id, start, quantity in before:
            entries = changed.get(component_id)
            if entries is None:
                entries = changed[component_id] = list(self._entries[component_id])
            position = bisect_left(entries, (start, quantity))
            if position == len(entries) or entries[position] != (start, quantity):
                raise ValueError(f"no use of {component_id} at {start} to move")
            del entries[position]
        for component_id, start, quantity in after:
            entries = changed.get(component_id)
            if entries is None:
                entries = list(self._entries.get(component_id, []))
                changed[component_id] = entries
            insort(entries, (start, quantity))
        for component_id, entries in changed.items():
            copy._set(component_id, entries)
        return copy

    def without(self, uses: Iterable[tuple[str, int, Decimal]]) -> FrozenConsumption:
        """The same totals minus ``uses`` (the operations a sub-model frees)."""
        removed: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
        for component_id, start, quantity in uses:
            removed[component_id].append((start, quantity))
        copy = object.__new__(FrozenConsumption)
        copy._entries, copy._starts = self._entries, self._starts
        copy._totals, copy._scales = self._totals, self._scales
        copy._removed = dict(removed)
        return copy

    def before(self, component_id: str, time: int) -> Decimal:
        """Frozen consumption of operations starting strictly before ``time``."""
        starts = self._starts.get(component_id)
        total = (
            self._totals[component_id][bisect_left(starts, time)]
            if starts is not None
            else Decimal(0)
        )
        for start, quantity in self._removed.get(component_id, ()):
            if start < time:
                total -= quantity
        return total

    def total(self, component_id: str) -> Decimal:
        """Everything the frozen operations consume of ``component_id``."""
        totals = self._totals.get(component_id)
        used = totals[-1] if totals is not None else Decimal(0)
        return used - sum(
            (q for _, q in self._removed.get(component_id, ())), Decimal(0)
        )

    def scale(self, component_id: str) -> int:
        """A power of ten that makes every frozen quantity an integer."""
        return self._scales.get(component_id, 1)


def add_material_constraints(
    model: cp_model.CpModel,
    data: ProblemData,
    operations: dict[int, OperationVars],
    frozen: FrozenConsumption | None = None,
) -> None:
    """One cumulative per component: consumption never ahead of supply.

    ``frozen`` is what the fixed rest of a schedule consumes (in a
    neighbourhood sub-model): known quantities at known times, taken off
    what is available before each step.
    """
    consumers: dict[str, list[tuple[OperationVars, Decimal]]] = defaultdict(list)
    for vars_ in operations.values():
        for need in vars_.operation.needs:
            consumers[need.component_id].append((vars_, need.quantity))
    for component_id, uses in consumers.items():
        demand = sum((q for _, q in uses), Decimal(0))
        if frozen is not None:
            demand += frozen.total(component_id)
        supply = data.supplies[component_id]
        steps = [(b, cap) for b, cap in supply_steps(supply) if cap < demand]
        if not steps:
            continue
        scale = integer_scale(chain((q for _, q in uses), (c for _, c in steps)))
        if frozen is not None:
            scale = max(scale, frozen.scale(component_id))
        limits = [
            (b, int((cap - (frozen.before(component_id, b) if frozen else 0)) * scale))
            for b, cap in steps
        ]
        scaled = [(vars_, int(q * scale)) for vars_, q in uses if q > 0]
        if scaled:
            _add_supply_profile(model, component_id, scaled, limits)


def _add_supply_profile(
    model: cp_model.CpModel,
    component_id: str,
    consumers: list[tuple[OperationVars, int]],
    limits: list[tuple[int, int]],
) -> None:
    """Consumers hold their quantity from their start on, under a stepped cap.

    ``limits`` are (step time b, what consumers starting before b may take).
    The cumulative's capacity is everything the consumers need; a fixed
    block in front of each step holds back what is not available before it.
    A consumer's interval runs from its start to one past the latest start
    any consumer can have, so at a time t it counts exactly when it started
    at or before t.
    """
    bounds = [domain_bounds(vars_.start) for vars_, _ in consumers]
    lowest = min(low for low, _ in bounds)
    highest = max(high for _, high in bounds)
    total = sum(amount for _, amount in consumers)
    limits = _binding(limits, lowest, highest, total)
    if not limits:
        return
    end = highest + 1
    intervals = [
        model.new_interval_var(
            vars_.start,
            end - vars_.start,
            end,
            f"{component_id}_use{vars_.operation.index}",
        )
        for vars_, _ in consumers
    ]
    demands = [amount for _, amount in consumers]
    begin = min(0, lowest)
    for b, limit in limits:  # increasing b > 0, each limit < total
        block = model.new_fixed_size_interval_var(
            begin, b - begin, f"{component_id}_not_before{b}"
        )
        intervals.append(block)
        demands.append(total - limit)
        begin = b
    model.add_cumulative(intervals, demands, total)


def _binding(
    limits: list[tuple[int, int]], lowest: int, highest: int, total: int
) -> list[tuple[int, int]]:
    """The steps whose rule depends on where the consumers start.

    ``lowest`` and ``highest`` bound the consumers' starts, ``total`` is all
    they take. A step whose limit covers the total always holds. Before a
    step that no consumer can start ahead of, the rule reads 0 <= limit;
    before one that every consumer must start ahead of, it reads
    total <= limit. Rules known to hold are dropped, known false ones kept
    (they make the model infeasible, as they should). In a neighbourhood
    sub-model many supply steps lie outside the window, and a component with
    none left needs no constraint at all. Dropping a step only widens the
    next block back to the previous kept step, which asks no more than that
    next step's own rule.
    """
    kept = []
    for b, limit in limits:
        if limit >= total:
            continue
        if b <= lowest and limit >= 0:
            continue
        if b > highest and total <= limit:
            continue
        kept.append((b, limit))
    return kept
