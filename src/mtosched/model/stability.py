"""Stay close to a previous plan at no cost in the objective (rescheduling).

After a reschedule's search, the plan found is optimal or good for the
objective but may move operations nothing forced to move. This stage keeps
every objective at the value found and minimises the distance from the
previous plan (:func:`~mtosched.model.objectives.stability_term`: start shifts,
plus the duration for a change of machine), starting from the plan found.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ortools.sat.python import cp_model

from mtosched.expand import OrderPlan, ProblemData
from mtosched.model.builder import ScheduleModel
from mtosched.solution import Objective, Solution


def stay_close(
    data: ProblemData,
    orders: list[OrderPlan],
    objectives: Sequence[Objective],
    values: Sequence[Decimal],
    previous: Solution,
    start: Solution,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    deterministic: bool = False,
) -> Solution | None:
    """The plan closest to ``previous`` with every objective <= its value.

    ``start`` (a complete plan meeting the values) is the hint. Returns the
    best plan found, or ``None`` when CP-SAT found none in ``time_limit``
    (CP-SAT's deterministic work units when ``deterministic``).
    """
    built = ScheduleModel(data, orders)
    for objective, value in zip(objectives, values, strict=True):
        term = built.term(objective)
        built.model.add(term.expression <= int(value * term.scale))
    built.model.minimize(built.stability(previous))
    built.hint(start)
    solver = cp_model.CpSolver()
    set_limits(solver, time_limit, workers, seed, deterministic)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return Solution(built.extract(solver), dict(start.unschedulable))


def set_limits(
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
