"""Scale: generated plants far larger than the shipped ones still get a
complete, checker-clean schedule within the time limit.

No timings are asserted: the time limit only bounds how long the tests run
(the solver stops at it and returns the best schedule found). At 2,000 orders
(about 10,000 operations) CP-SAT gets sub-models through the LNS; with 3 s for
300 orders the CP-SAT stage ends without a solution of its own and the
constructive heuristic's schedule is what comes back.
"""

from __future__ import annotations

from decimal import Decimal

from mtosched import SolverParams, solve
from mtosched.checker import CheckReport, check
from mtosched.domain import Instance
from mtosched.generate import generate_instance
from mtosched.solution import Objective, Result, SolveStatus


def _solve_and_check(instance: Instance, time_limit: float) -> CheckReport:
    """Solve with pinned workers and seed; the checker must accept the result
    and recompute the objective the solver reported."""
    result = solve(instance, SolverParams(time_limit=time_limit, workers=2, seed=0))
    assert result.status in (SolveStatus.optimal, SolveStatus.feasible), result.log
    assert result.solution is not None
    report = check(instance, result.solution, _reported(result))
    assert report.ok, [str(v) for v in report.violations[:10]]
    assert result.objective_value is not None
    assert report.objective(result.objective[0]) == result.objective_value
    return report


def _reported(result: Result) -> dict[Objective, Decimal | None]:
    return dict(zip(result.objective, result.stage_values, strict=False))


def test_two_thousand_orders_get_a_checker_clean_schedule() -> None:
    """2,000 e-bike orders, supply covering the demand (no shortage): every
    order is scheduled (the checker reports any operation missing)."""
    instance = generate_instance("ebike", orders=2000, seed=1)
    report = _solve_and_check(instance, time_limit=20)
    assert report.orders == report.scheduled_orders == 2000
    assert report.unschedulable_orders == 0


def test_short_time_limit_still_returns_the_heuristic_schedule() -> None:
    """300 orders and 3 s: too little for CP-SAT on the whole model, enough
    for the construction; the plan is complete and valid all the same."""
    instance = generate_instance("ebike", orders=300, seed=1)
    report = _solve_and_check(instance, time_limit=3)
    assert report.orders == report.scheduled_orders == 300
    assert report.unschedulable_orders == 0


def test_a_tight_plant_gets_wide_moves_and_a_checker_clean_schedule() -> None:
    """500 orders (about 2,500 operations) with tight due dates: the search's
    threads share one schedule and take turns with wide moves (the first
    after 8 s of their own moves); what comes back passes the checker."""
    import re

    instance = generate_instance("ebike", orders=500, seed=3, due_tightness=0.9)
    result = solve(instance, SolverParams(time_limit=15, workers=2, seed=0))
    assert result.solution is not None
    report = check(instance, result.solution, _reported(result))
    assert report.ok, [str(v) for v in report.violations[:10]]
    assert report.objective(result.objective[0]) == result.objective_value
    wide = [int(m) for line in result.log for m in re.findall(r"(\d+) wide", line)]
    assert wide and wide[0] >= 1, result.log
