"""Objective expressions over order completions.

Every objective is regular (it never improves when an order finishes later),
which is what lets the heuristic's left-shifted schedules and the compaction
pass stay optimal-preserving. Decimal weights are scaled to integers; each
expression comes with the divisor that turns its value back into real units.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from mtosched.model.material import integer_scale
from mtosched.model.variables import OperationVars, OrderVars, domain_bounds
from mtosched.solution import Objective, ScheduledOperation


@dataclass
class ObjectiveTerm:
    """A linear expression to minimise and the divisor back to real units."""

    objective: Objective
    expression: cp_model.LinearExprT
    scale: int


def tardiness_var(model: cp_model.CpModel, vars_: OrderVars) -> cp_model.IntVar:
    """max(0, completion - due), created once per order."""
    if vars_.tardiness is None:
        low, high = domain_bounds(vars_.completion)
        due = vars_.order.due
        vars_.tardiness = model.new_int_var(
            max(0, low - due), max(0, high - due), f"tardy_{vars_.order.order_id}"
        )
        model.add(vars_.tardiness >= vars_.completion - due)
    return vars_.tardiness


def late_literal(model: cp_model.CpModel, vars_: OrderVars) -> cp_model.IntVar:
    """True when completion > due, created once per order."""
    if vars_.late is None:
        vars_.late = model.new_bool_var(f"late_{vars_.order.order_id}")
        model.add(vars_.completion <= vars_.order.due).only_enforce_if(~vars_.late)
        if domain_bounds(vars_.completion)[0] > vars_.order.due:
            model.add(vars_.late == 1)
    return vars_.late


def objective_term(
    model: cp_model.CpModel,
    objective: Objective,
    orders: list[OrderVars],
    operations: dict[int, OperationVars],
    floor: int | None = None,
) -> ObjectiveTerm:
    """Build the variables of ``objective`` and its expression.

    ``floor`` is a value the expression can never go below because of orders
    outside the model (frozen in a neighbourhood sub-model): max-type
    objectives start from it.
    """
    if objective in (Objective.weighted_tardiness, Objective.late_orders):
        scale = integer_scale([o.order.weight for o in orders])
        weights = [int(o.order.weight * scale) for o in orders]
        if objective is Objective.weighted_tardiness:
            terms = [
                w * tardiness_var(model, o)
                for w, o in zip(weights, orders, strict=True)
            ]
        else:
            terms = [
                w * late_literal(model, o) for w, o in zip(weights, orders, strict=True)
            ]
        return ObjectiveTerm(objective, sum(terms), scale)
    if objective is Objective.max_lateness:
        lows = [domain_bounds(o.completion)[0] - o.order.due for o in orders]
        highs = [domain_bounds(o.completion)[1] - o.order.due for o in orders]
        low = max(lows, default=0)
        high = max(highs, default=0)
        if floor is not None:
            low, high = max(low, floor), max(high, floor)
        worst = model.new_int_var(low, high, "max_lateness")
        for o in orders:
            model.add(worst >= o.completion - o.order.due)
        return ObjectiveTerm(objective, worst, 1)
    if objective is Objective.makespan:
        ends = [v.end for v in operations.values()]
        low = max((domain_bounds(e)[0] for e in ends), default=0)
        high = max((domain_bounds(e)[1] for e in ends), default=0)
        if floor is not None:
            low, high = max(low, floor), max(high, floor)
        makespan = model.new_int_var(low, high, "makespan")
        for o in orders:  # every operation precedes its order's final operation
            model.add(makespan >= o.completion)
        return ObjectiveTerm(objective, makespan, 1)
    if objective is Objective.flow_time:
        return ObjectiveTerm(
            objective, sum(o.completion - o.order.release for o in orders), 1
        )
    raise ValueError(f"unknown objective {objective}")


@dataclass
class StabilityTerm:
    """The distance expression and its shift variables (to hint them)."""

    expression: cp_model.LinearExprT
    #: (|start - previous start| variable, its operation, the previous start)
    shifts: list[tuple[cp_model.IntVar, OperationVars, int]]


def stability_term(
    model: cp_model.CpModel,
    operations: dict[int, OperationVars],
    reference: dict[tuple[str, int], ScheduledOperation],
) -> StabilityTerm:
    """How far a schedule moved from a previous plan (rescheduling).

    Each operation that was in the previous plan costs the absolute shift of
    its start, plus its duration in the previous plan when it changes machine
    (moving work to another machine disturbs the shop floor at least as much
    as moving it by its own length). The same measure as
    :func:`mtosched.solve.distance`, which compares finished plans: the old
    duration, not today's, so that both agree when run times changed.
    """
    terms: list[cp_model.LinearExprT] = []
    shifts: list[tuple[cp_model.IntVar, OperationVars, int]] = []
    for vars_ in operations.values():
        op = vars_.operation
        previous = reference.get((op.work_order_id, op.step))
        if previous is None:
            continue
        low, high = domain_bounds(vars_.start)
        if low == high == previous.start and len(vars_.modes) == 1:
            continue  # pinned or forced: nothing to measure
        shift = model.new_int_var(
            0, max(abs(high - previous.start), abs(low - previous.start)), ""
        )
        model.add(shift >= vars_.start - previous.start)
        model.add(shift >= previous.start - vars_.start)
        terms.append(shift)
        shifts.append((shift, vars_, previous.start))
        moved = max(1, previous.end - previous.start)
        for mode in vars_.modes:
            if mode.machine_id == previous.machine_id and not isinstance(
                mode.present, int
            ):
                terms.append(moved * (1 - mode.present))
    return StabilityTerm(sum(terms), shifts)
