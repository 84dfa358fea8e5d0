"""Benchmark smoke test: small published instances whose optimum is proven fast.

Each instance is read with the benchmark readers from the copies in
``instances/benchmarks`` (provenance there), solved with pinned parameters and
checked by the independent checker. The reference values are the published
optima (OR-Library ``wtopt40.txt``; JSPLIB ``instances.json``; FJSPLIB
``bks.json``), also listed in ``shared/benchmarks/*/reference_values.json``.
CP-SAT proves each of these in a few seconds on 2 workers; the time limit is a
safety net, not a timing assertion.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mtosched import Instance
from mtosched.checker import check
from mtosched.io.benchmarks import read_fjs, read_jsplib, read_orlib_wt
from mtosched.model.params import SolverParams
from mtosched.solution import Objective, SolveStatus
from mtosched.solve import solve

COPIES = Path(__file__).resolve().parents[1] / "instances" / "benchmarks"

PARAMS = SolverParams(time_limit=20, workers=2, seed=0, tie_break=False)


def wt40(index: int) -> Instance:
    return read_orlib_wt(COPIES / "wt40.txt", 40, index)


CASES = [
    # (instance, objective, published optimum)
    pytest.param(lambda: wt40(3), Objective.weighted_tardiness, 537, id="wt40_3"),
    pytest.param(lambda: wt40(27), Objective.weighted_tardiness, 64, id="wt40_27"),
    pytest.param(
        lambda: read_jsplib(COPIES / "ft06.txt"), Objective.makespan, 55, id="ft06"
    ),
    pytest.param(
        lambda: read_jsplib(COPIES / "la01.txt"), Objective.makespan, 666, id="la01"
    ),
    pytest.param(
        lambda: read_fjs(COPIES / "mk01.txt"), Objective.makespan, 40, id="mk01"
    ),
]


@pytest.mark.parametrize(("load", "objective", "optimum"), CASES)
def test_published_optimum_is_reached_and_checker_clean(
    load, objective: Objective, optimum: int
) -> None:
    instance = load()
    result = solve(instance, PARAMS, objective)
    assert result.solution is not None
    report = check(instance, result.solution, {objective: result.objective_value})
    assert report.ok, report.violations
    assert result.objective_value == optimum
    assert report.objective(objective) == optimum
    # A bound above a published optimum would be a wrong model.
    assert result.best_bound is not None
    assert result.best_bound <= optimum
    assert result.status in (SolveStatus.optimal, SolveStatus.feasible)
