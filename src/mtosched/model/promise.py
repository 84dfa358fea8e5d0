"""Capable-to-promise on CP-SAT: the earliest completion of one new order.

The model is the ordinary schedule model over the plan's orders plus the new
one, with one extra constraint family: every existing order may finish no
later than its cap (its completion in the current plan, or its due date if
that is later), so no existing order becomes later than promised today. A
stated extra tardiness budget relaxes the caps: the total excess over the
caps stays within it. The objective is the new order's completion; a second
stage keeps the plan at that completion as close as possible to the current
plan (the same stability measure as rescheduling).
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from mtosched.expand import OrderPlan, ProblemData
from mtosched.model.builder import ScheduleModel
from mtosched.model.variables import OrderVars, domain_bounds
from mtosched.solution import ScheduledOperation, Solution


@dataclass(frozen=True)
class PromiseSettings:
    """Time and search settings of one quote."""

    time_limit: float = 10.0
    workers: int = 1
    seed: int = 0
    stability_share: float = 0.3  # of the time, for the stay-close stage
    deterministic: bool = False  # time in CP-SAT deterministic work units


@dataclass
class PromiseSolve:
    """What CP-SAT found: a schedule with the new order, or nothing."""

    placements: list[ScheduledOperation] | None
    completion: int | None
    proven: bool  # the completion is the earliest possible under the caps
    status: str


def add_completion_caps(
    model: cp_model.CpModel,
    orders: list[OrderVars],
    caps: dict[str, int],
    extra: int = 0,
) -> None:
    """completion <= cap per order; with ``extra``, the total excess <= extra."""
    if extra <= 0:
        for vars_ in orders:
            model.add(vars_.completion <= caps[vars_.order.order_id])
        return
    excess = []
    for vars_ in orders:
        cap = caps[vars_.order.order_id]
        high = domain_bounds(vars_.completion)[1]
        over = model.new_int_var(0, max(0, high - cap), f"over_{vars_.order.order_id}")
        model.add(over >= vars_.completion - cap)
        excess.append(over)
    model.add(sum(excess) <= extra)


def earliest_completion(
    data: ProblemData,
    orders: list[OrderPlan],
    new_order_id: str,
    caps: dict[str, int],
    extra: int,
    hint: Solution | None,
    reference: Solution,
    settings: PromiseSettings,
) -> PromiseSolve:
    """Minimise the new order's completion under the caps, then stay close.

    ``orders`` are the orders in the plan (the new one included); ``caps``
    holds one entry per existing order; ``hint`` is a complete schedule
    meeting the caps (the current plan with the new order appended), when one
    could be built; ``reference`` is the current plan.
    """
    built = ScheduleModel(data, orders)
    by_id = {vars_.order.order_id: vars_ for vars_ in built.orders}
    target = by_id[new_order_id].completion
    add_completion_caps(built.model, [by_id[o] for o in caps], caps, extra)
    built.model.minimize(target)
    if hint is not None:
        built.hint(hint)
    first = settings.time_limit * (1 - settings.stability_share)
    solver = _solver(settings, first)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PromiseSolve(None, None, False, solver.status_name(status))
    completion = solver.value(target)
    placements = built.extract(solver)
    proven = status == cp_model.OPTIMAL
    built.model.add(target <= completion)
    built.model.minimize(built.stability(reference))
    built.hint(Solution(placements))
    left = settings.time_limit - solver.wall_time
    solver = _solver(
        settings, min(left, settings.time_limit * settings.stability_share)
    )
    if solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placements = built.extract(solver)
    return PromiseSolve(placements, completion, proven, solver.status_name(status))


def _solver(settings: PromiseSettings, budget: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    _set_limits(solver, budget, settings.workers, settings.seed, settings.deterministic)
    return solver


def _set_limits(
    solver: cp_model.CpSolver,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
) -> None:
    """Time, workers and seed; deterministic work units when asked.

    Deterministic runs still stop after a generous wall-time safety limit, as
    the solve driver's do.
    """
    parameters = solver.parameters
    parameters.num_workers = workers
    parameters.random_seed = seed
    if deterministic:
        parameters.max_deterministic_time = max(0.01, time_limit)
        parameters.max_time_in_seconds = 100 * time_limit + 60
    else:
        parameters.max_time_in_seconds = max(0.1, time_limit)
