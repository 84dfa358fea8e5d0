"""A schedule the checker rejects costs that candidate, never the run.

The model and the checker are written independently; if they ever disagree
(a bug in one of them), the solve must keep the best schedule that passed the
checks instead of pegging material against an invalid one and failing.
These tests make the whole-model CP-SAT stage and the compaction step return
broken schedules on purpose and look at what the solve does with them.
"""

from __future__ import annotations

import importlib

import pytest
from ortools.sat.python import cp_model

from builders import solve_checked, workshop
from mtosched.model.builder import ScheduleModel
from mtosched.solution import ScheduledOperation, Solution


def _overlapping(placements: list[ScheduledOperation]) -> list[ScheduledOperation]:
    """Every operation moved to start at 0: machines overloaded, steps out of order."""
    return [
        ScheduledOperation(p.work_order_id, p.step, p.machine_id, 0, p.end - p.start)
        for p in placements
    ]


def test_a_whole_model_schedule_the_checker_rejects_is_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extract = ScheduleModel.extract

    def broken(
        self: ScheduleModel, solver: cp_model.CpSolver
    ) -> list[ScheduledOperation]:
        return _overlapping(extract(self, solver))

    monkeypatch.setattr(ScheduleModel, "extract", broken)
    result = solve_checked(workshop(), time_limit=2, lns=False)
    rejected = [line for line in result.log if "rejected by the checker" in line]
    assert rejected and rejected[0].startswith("stage weighted_tardiness")
    assert result.solution is not None and result.allocations is not None


def test_a_compaction_the_checker_rejects_is_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    solve_module = importlib.import_module("mtosched.solve")  # not the function

    def broken(data: object, solution: Solution) -> Solution:
        return Solution(_overlapping(solution.operations), solution.unschedulable)

    monkeypatch.setattr(solve_module, "left_shift", broken)
    result = solve_checked(workshop(), time_limit=2, lns=False)
    assert any(line.startswith("heuristic: schedule rejected") for line in result.log)
    assert any(line.startswith("compaction: schedule rejected") for line in result.log)


def test_a_rejected_compaction_still_leaves_the_reference_the_last_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from test_solve_start_reference import LATER, PARAMS, solved

    solve_module = importlib.import_module("mtosched.solve")

    def broken(data: object, solution: Solution) -> Solution:
        return Solution(_overlapping(solution.operations), solution.unschedulable)

    monkeypatch.setattr(solve_module, "left_shift", broken)
    close = solved(workshop(), PARAMS, reference=LATER)
    assert any(line.startswith("compaction: schedule rejected") for line in close.log)
    assert "stage stability: OPTIMAL" in "\n".join(close.log)
    assert close.solution.by_key() == LATER.by_key()
