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
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import accumulate, chain

from ortools.sat.python import cp_model

from mtosched.expand import ComponentSupply, Operation, ProblemData
from mtosched.model.variables import OperationVars, domain_bounds
from mtosched.solution import ScheduledOperation


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


def add_material_constraints(
    model: cp_model.CpModel,
    data: ProblemData,
    operations: dict[int, OperationVars],
    frozen: Sequence[tuple[Operation, ScheduledOperation]] = (),
) -> None:
    """Cumulative consumption before each supply step <= supply before it.

    ``frozen`` consumers (the fixed rest of a schedule in a neighbourhood
    sub-model) consume known quantities at known times.
    """
    consumers: dict[str, list[tuple[OperationVars, Decimal]]] = defaultdict(list)
    for vars_ in operations.values():
        for need in vars_.operation.needs:
            consumers[need.component_id].append((vars_, need.quantity))
    fixed_use: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for operation, placed in frozen:
        for need in operation.needs:
            if need.component_id in consumers:
                fixed_use[need.component_id].append((placed.start, need.quantity))
    for component_id, uses in consumers.items():
        supply = data.supplies[component_id]
        fixed = fixed_use[component_id]
        demand = sum((q for _, q in uses), Decimal(0)) + sum(
            (q for _, q in fixed), Decimal(0)
        )
        steps = [(b, cap) for b, cap in supply_steps(supply) if cap < demand]
        if not steps:
            continue
        scale = integer_scale(
            chain((q for _, q in uses), (q for _, q in fixed), (c for _, c in steps))
        )
        fixed.sort()
        fixed_starts = [start for start, _ in fixed]
        fixed_prefix = [0, *accumulate(int(q * scale) for _, q in fixed)]
        previous: dict[int, cp_model.IntVar] = {}
        for b, cap in steps:
            terms = []
            constant = fixed_prefix[bisect_left(fixed_starts, b)]
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
