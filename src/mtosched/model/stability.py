"""CP-SAT limits for the capable-to-promise solves (``model/promise.py``).

The stay-close stage of rescheduling that lived here is now the solve
driver's stability stage (``solve(reference=...)``), which sets its limits
with the driver's own solver code. Only :func:`set_limits` is left, because
``model/promise.py`` still uses it.
"""

from __future__ import annotations

from ortools.sat.python import cp_model


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
