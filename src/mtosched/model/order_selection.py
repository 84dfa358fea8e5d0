"""Which orders to leave out when stock and supplies cannot cover them all.

Leaving an order out costs more than any lateness, so this is decided first
and on its own: with every receipt eventually arrived, any set of orders whose
total needs fit the total supply can be scheduled (later, if need be). The
choice is a multi-dimensional knapsack: keep the orders of most total weight,
ties broken towards leaving fewer orders out.
"""

from __future__ import annotations

from decimal import Decimal

from ortools.sat.python import cp_model

from mtosched.expand import ProblemData, format_quantity
from mtosched.model.material import integer_scale


def select_orders(
    data: ProblemData, time_limit: float = 10.0, seed: int = 0
) -> dict[str, str]:
    """Orders to leave out (order_id -> reason) so that the rest can be supplied."""
    candidates = [o.order_id for o in data.schedulable_orders()]
    needs = {order_id: data.orders[order_id].needs for order_id in candidates}
    short: dict[str, Decimal] = {}
    for component_id, supply in data.supplies.items():
        if supply.lead_time is not None:
            continue
        demand = sum(
            (n.get(component_id, Decimal(0)) for n in needs.values()), Decimal(0)
        )
        if demand > supply.finite_total:
            short[component_id] = supply.finite_total
    if not short:
        return {}
    involved = [o for o in candidates if any(c in needs[o] for c in short)]
    started = {data.operations[i].order_id for i in data.pinned} & set(involved)
    kept = _solve_knapsack(data, involved, needs, short, started, time_limit, seed)
    taken = {
        c: sum((needs[k].get(c, Decimal(0)) for k in kept), Decimal(0)) for c in short
    }
    ahead = {
        c: "orders already started and orders of more total weight"
        if any(c in needs[s] for s in started)
        else "orders of more total weight"
        for c in short
    }
    left_out = {}
    for order_id in (o for o in involved if o not in kept):
        reasons = [
            f"short of {c}: needs {format_quantity(need)}, "
            f"{format_quantity(total - taken[c])} left after {ahead[c]} "
            f"(of {format_quantity(total)} available)"
            for c, total in short.items()
            if (need := needs[order_id].get(c)) is not None and taken[c] + need > total
        ]
        left_out[order_id] = "; ".join(reasons)
    return left_out


def _solve_knapsack(
    data: ProblemData,
    involved: list[str],
    needs: dict[str, dict[str, Decimal]],
    short: dict[str, Decimal],
    started: set[str],
    time_limit: float,
    seed: int,
) -> set[str]:
    """The orders to keep, ``started`` ones always.

    Even if the started orders alone need more than the supply (the data then
    contradicts the shop floor), they stay: the checker will say so, rather
    than work that is running silently vanishing from the plan.
    """
    model = cp_model.CpModel()
    keep = {order_id: model.new_bool_var(f"keep_{order_id}") for order_id in involved}
    for order_id in started:
        model.add(keep[order_id] == 1)
    for component_id, total in short.items():
        users = [o for o in involved if component_id in needs[o]]
        scale = integer_scale([needs[o][component_id] for o in users] + [total])
        model.add(
            sum(int(needs[o][component_id] * scale) * keep[o] for o in users)
            <= int(total * scale)
        )
    weights = [data.orders[o].weight for o in involved]
    scale = integer_scale(weights)
    tie = len(involved) + 1  # any weight difference beats any count difference
    model.minimize(
        sum(
            (int(data.orders[o].weight * scale) * tie + 1) * (1 - keep[o])
            for o in involved
        )
    )
    for order_id in involved:
        model.add_hint(keep[order_id], order_id in started)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return set(started)
    return {o for o in involved if solver.boolean_value(keep[o])}
