"""The material rule: nothing consumes a component before it has arrived.

For each purchased component the cumulative supply is a step function known in
advance (stock at 0, each receipt at its arrival, unlimited from the lead time
on). Cumulative consumption only grows, so the rule holds at every moment iff
it holds just before each supply step: for every step time ``b``, the
operations that start before ``b`` consume at most what arrived before ``b``.

That gives one knapsack-like constraint per (component, supply step) over
literals ``x[i, b] = start_i < b``. It grows with operations × receipts, not
with pairs of operations as a general reservoir constraint does, which keeps
models with thousands of consumers of one component small.
"""

from __future__ import annotations

from bisect import bisect_left
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
        self._starts: dict[str, list[int]] = {}
        self._totals: dict[str, list[Decimal]] = {}
        self._scales: dict[str, int] = {}
        for component_id, entries in by_component.items():
            entries.sort()
            self._starts[component_id] = [start for start, _ in entries]
            self._totals[component_id] = [
                Decimal(0),
                *accumulate(quantity for _, quantity in entries),
            ]
            self._scales[component_id] = integer_scale(q for _, q in entries)
        self._removed: dict[str, list[tuple[int, Decimal]]] = {}

    def without(self, uses: Iterable[tuple[str, int, Decimal]]) -> FrozenConsumption:
        """The same totals minus ``uses`` (the operations a sub-model frees)."""
        removed: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
        for component_id, start, quantity in uses:
            removed[component_id].append((start, quantity))
        copy = object.__new__(FrozenConsumption)
        copy._starts, copy._totals, copy._scales = (
            self._starts,
            self._totals,
            self._scales,
        )
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
    """Cumulative consumption before each supply step <= supply before it.

    ``frozen`` is what the fixed rest of a schedule consumes (in a
    neighbourhood sub-model): known quantities at known times.
    """
    consumers: dict[str, list[tuple[OperationVars, Decimal]]] = defaultdict(list)
    for vars_ in operations.values():
        for need in vars_.operation.needs:
            consumers[need.component_id].append((vars_, need.quantity))
    for component_id, uses in consumers.items():
        supply = data.supplies[component_id]
        demand = sum((q for _, q in uses), Decimal(0))
        if frozen is not None:
            demand += frozen.total(component_id)
        steps = [(b, cap) for b, cap in supply_steps(supply) if cap < demand]
        if not steps:
            continue
        scale = integer_scale(chain((q for _, q in uses), (c for _, c in steps)))
        if frozen is not None:
            scale = max(scale, frozen.scale(component_id))
        previous: dict[int, cp_model.IntVar] = {}
        for b, cap in steps:
            terms = []
            constant = (
                int(frozen.before(component_id, b) * scale) if frozen is not None else 0
            )
            for vars_, quantity in uses:
                amount = int(quantity * scale)
                low, high = domain_bounds(vars_.start)
                if low >= b:
                    continue
                if high < b:
                    constant += amount
                    continue
                before = model.new_bool_var(
                    f"{component_id}_op{vars_.operation.index}_lt{b}"
                )
                model.add(vars_.start >= b).only_enforce_if(~before)
                model.add(vars_.start <= b - 1).only_enforce_if(before)
                earlier = previous.get(vars_.operation.index)
                if earlier is not None:
                    model.add_implication(earlier, before)
                previous[vars_.operation.index] = before
                terms.append(amount * before)
            model.add(sum(terms) + constant <= int(cap * scale))
