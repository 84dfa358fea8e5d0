"""Helpers for tests that build small instances in code and solve them.

Every solve in the test suite goes through :func:`solve_checked`, which runs the
independent checker on the result: no violations, and the reported objective
values equal the ones it recomputes from the schedule alone.
"""

from __future__ import annotations

from typing import Any

from mtosched import Instance
from mtosched.checker import check
from mtosched.model.params import SolverParams
from mtosched.solution import Objective, Result
from mtosched.solve import solve


def make_instance(
    machines: list[dict[str, Any]] | list[str],
    routings: list[dict[str, Any]],
    orders: list[dict[str, Any]],
    **tables: Any,
) -> Instance:
    """An instance from lists of row dicts (machine ids may be plain strings)."""
    machine_rows = [{"machine_id": m} if isinstance(m, str) else m for m in machines]
    return Instance.model_validate(
        {"machines": machine_rows, "routings": routings, "orders": orders, **tables}
    )


def one_step_jobs(
    jobs: dict[str, tuple[int, int, int]], machine: str = "M1"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Routings and orders for single-operation jobs: id -> (duration, due, weight)."""
    routings = [
        {"product_id": f"P_{job}", "step": 1, "machine_id": machine, "run_time": p}
        for job, (p, _, _) in jobs.items()
    ]
    orders = [
        {"order_id": job, "product_id": f"P_{job}", "due": d, "weight": w}
        for job, (_, d, w) in jobs.items()
    ]
    return routings, orders


def solve_checked(
    instance: Instance,
    objective: str | Objective | list[Objective] = Objective.weighted_tardiness,
    time_limit: float = 10.0,
    **params: Any,
) -> Result:
    """Solve with pinned parameters and assert the checker accepts the result."""
    settings = SolverParams(time_limit=time_limit, workers=2, seed=1, **params)
    result = solve(instance, settings, objective)
    assert result.solution is not None, result.log
    report = check(
        instance,
        result.solution,
        reported=dict(zip(result.objective, result.stage_values, strict=False)),
    )
    assert report.ok, [str(v) for v in report.violations]
    if result.objective_value is not None:
        assert report.objective(result.objective[0]) == result.objective_value
    if result.best_bound is not None and result.objective_value is not None:
        assert result.best_bound <= result.objective_value
    return result
