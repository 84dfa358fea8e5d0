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
from mtosched.solution import Objective, Result, ScheduledOperation, Solution
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


def plan(rows: list[tuple[str, int, str, int, int]]) -> Solution:
    """A schedule from (work order, step, machine, start, end) rows."""
    return Solution([ScheduledOperation(*row) for row in rows])


# The hand-worked workshop of tests/test_reschedule.py (also used by
# tests/test_solve_start_reference.py): four orders O1..O4 of product F, each
# cut on CUT (3), welded on WELD-1 or WELD-2 (4 either way) and packed on PACK
# (1, two at a time), all due at 40, and the plan they had before a change.
PREVIOUS = plan(
    [
        ("O1", 10, "CUT", 0, 3),
        ("O1", 20, "WELD-1", 3, 7),
        ("O1", 30, "PACK", 7, 8),
        ("O2", 10, "CUT", 3, 6),
        ("O2", 20, "WELD-2", 6, 10),
        ("O2", 30, "PACK", 10, 11),
        ("O3", 10, "CUT", 6, 9),
        ("O3", 20, "WELD-1", 9, 13),
        ("O3", 30, "PACK", 13, 14),
        ("O4", 10, "CUT", 9, 12),
        ("O4", 20, "WELD-2", 12, 16),
        ("O4", 30, "PACK", 16, 17),
    ]
)


def workshop(
    orders: tuple[str, ...] = ("O1", "O2", "O3", "O4"),
    *,
    weights: dict[str, int] | None = None,
    weld_1: int = 4,
    **tables: Any,
) -> Instance:
    """The workshop with the given orders (weight 1 unless ``weights`` says),
    WELD-1 taking ``weld_1``, and any extra tables."""
    weights = weights or {}
    return make_instance(
        ["CUT", "WELD-1", "WELD-2", {"machine_id": "PACK", "capacity": 2}],
        [
            {"product_id": "F", "step": 10, "machine_id": "CUT", "run_time": 3},
            {"product_id": "F", "step": 20, "machine_id": "WELD-1", "run_time": weld_1},
            {"product_id": "F", "step": 20, "machine_id": "WELD-2", "run_time": 4},
            {"product_id": "F", "step": 30, "machine_id": "PACK", "run_time": 1},
        ],
        [
            {"order_id": o, "product_id": "F", "due": 40, "weight": weights.get(o, 1)}
            for o in orders
        ],
        **tables,
    )
