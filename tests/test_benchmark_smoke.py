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


# ------------------------------------------------- the runner, end to end
def _runner():
    """The ``benchmarks`` package of this checkout (it is not installed)."""
    import sys

    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks import report, run

    return run, report


def test_runner_writes_checked_tables_for_a_subset(tmp_path: Path) -> None:
    # A data folder holding only ft06 and its published optimum (55).
    folder = tmp_path / "data" / "jssp_classic"
    (folder / "instances").mkdir(parents=True)
    (folder / "instances" / "ft06.txt").write_text(
        (COPIES / "ft06.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "reference_values.json").write_text(
        '{"instances": {"ft06": {"optimal_makespan": 55, "status": "optimal"}}}',
        encoding="utf-8",
    )
    run, _ = _runner()
    out = tmp_path / "results"
    arguments = ["--set", "jssp", "--instances", "ft06", "--time-limit", "10"]
    arguments += ["--data", str(tmp_path / "data"), "--output", str(out)]
    assert run.main([*arguments, "--tag", "test"]) == 0
    (table,) = out.glob("*-jssp-test.csv")
    import csv

    (row,) = csv.DictReader(table.open(encoding="utf-8"))
    assert (row["instance"], row["solver"], row["check"]) == ("ft06", "mtosched", "ok")
    assert (row["objective"], row["reference"], row["rpd"]) == ("55", "55", "0.0")
    assert row["at_reference"] == "true"
    assert float(row["peak_memory_mib"]) > 0
    text = table.with_suffix(".md").read_text(encoding="utf-8")
    assert "--instances ft06" in text
    assert "| at reference | 1 / 1 |" in text


def test_failed_checks_are_shown_but_not_counted() -> None:
    from decimal import Decimal

    from benchmarks.sets import Reference
    from benchmarks.worker import Outcome

    _, report = _runner()
    reference = Reference(100, "optimal")
    clean = report.Row.from_outcome(
        "s", "a", "mtosched", "makespan",
        Outcome("feasible", Decimal(110), Decimal(90), 1.0, 50.0, "ok"),
        reference,
    )  # fmt: skip
    broken = report.Row.from_outcome(
        "s", "b", "mtosched", "makespan",
        Outcome("optimal", Decimal(50), Decimal(50), 3.0, 70.0, "failed: capacity"),
        reference,
    )  # fmt: skip
    assert clean.rpd == pytest.approx(10.0)
    assert (clean.at_reference, clean.proven_optimal) == (False, False)
    assert (broken.rpd, broken.at_reference, broken.proven_optimal) == (
        None,
        None,
        None,
    )
    summary = report.Summary.of([clean, broken])
    assert (summary.runs, summary.counted, summary.failed_checks) == (2, 1, 1)
    assert summary.mean_rpd == pytest.approx(10.0)
    assert summary.proven_optimal == 0
    assert summary.mean_wall_time == pytest.approx(1.0)
    assert summary.peak_memory_mib == pytest.approx(70.0)  # memory: every run


def test_rpd_uses_one_for_a_zero_reference() -> None:
    from decimal import Decimal

    from benchmarks.sets import Reference
    from benchmarks.worker import Outcome

    _, report = _runner()
    row = report.Row.from_outcome(
        "s", "z", "mtosched", "weighted_tardiness",
        Outcome("feasible", Decimal(3), Decimal(0), 1.0, 1.0, "ok"),
        Reference(0, "optimal"),
    )  # fmt: skip
    assert row.rpd == pytest.approx(300.0)
