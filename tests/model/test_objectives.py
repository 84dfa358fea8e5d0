"""Objectives and lexicographic stages (model/objectives.py, solve.py)."""

from __future__ import annotations

import pytest

from builders import make_instance, one_step_jobs, solve_checked
from mtosched.solution import Objective, SolveStatus

# A (p=4, d=4, w=1), B (p=2, d=6, w=1), C (p=3, d=5, w=3), one machine, all at 0.
JOBS = {"A": (4, 4, 1), "B": (2, 6, 1), "C": (3, 5, 3)}


@pytest.mark.parametrize(
    ("objective", "optimum"),
    [
        # every sequence ends at 2 + 3 + 4
        ("makespan", 9),
        # EDD (A, C, B) is optimal for max lateness: A 0-4, C 4-7 (+2), B 7-9 (+3)
        ("max-lateness", 3),
        # C must be on time (w=3); then A cannot be (it would have to run first
        # and end at 4, pushing C to 7). One late order of weight 1.
        ("late-orders", 1),
        # SPT (B, C, A): completions 2, 5, 9
        ("flow-time", 16),
        ("weighted-tardiness", 5),
    ],
)
def test_each_objective_reaches_its_hand_derived_optimum(objective, optimum) -> None:
    routings, orders = one_step_jobs(JOBS)
    result = solve_checked(make_instance(["M1"], routings, orders), objective)
    assert result.status is SolveStatus.optimal
    assert result.objective_value == optimum


def test_lexicographic_stages() -> None:
    # First minimise the weighted count of late orders (1: only A late), then,
    # among those, weighted tardiness: C,B,A or B,C,A give A tardiness 5.
    routings, orders = one_step_jobs(JOBS)
    result = solve_checked(
        make_instance(["M1"], routings, orders), "late-orders,weighted-tardiness"
    )
    assert result.objective == [Objective.late_orders, Objective.weighted_tardiness]
    assert result.stage_values == [1, 5]
    assert result.status is SolveStatus.optimal


def test_decimal_weights() -> None:
    # w = 0.5 and 1.5: the heavier order goes first. A (p=2, d=2, w=0.5),
    # B (p=2, d=2, w=1.5): B 0-2, A 2-4 -> 0.5 * 2 = 1.
    routings, orders = one_step_jobs({"A": (2, 2, "0.5"), "B": (2, 2, "1.5")})
    result = solve_checked(make_instance(["M1"], routings, orders))
    assert str(result.objective_value) in {"1", "1.0"}


@pytest.mark.parametrize("objective", list(Objective))
def test_a_schedule_hints_every_variable_with_the_value_it_gives(objective) -> None:
    # A hint that leaves out the objective's own variables is not a solution
    # CP-SAT can take as it is. C (w=3) runs first, then B, then A (late by 5).
    from ortools.sat.python import cp_model

    from mtosched.expand import expand
    from mtosched.model.builder import ScheduleModel
    from mtosched.solution import ScheduledOperation, Solution

    routings, orders = one_step_jobs(JOBS)
    data = expand(make_instance(["M1"], routings, orders))
    built = ScheduleModel(data, data.schedulable_orders())
    term = built.term(objective)
    built.hint(
        Solution(
            [
                ScheduledOperation("C", 1, "M1", 0, 3),
                ScheduledOperation("B", 1, "M1", 3, 5),
                ScheduledOperation("A", 1, "M1", 5, 9),
            ]
        )
    )
    proto = built.model.proto
    assert sorted(proto.solution_hint.vars) == list(range(len(proto.variables)))
    solver = cp_model.CpSolver()  # the hint alone must be a solution
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    expected = {
        Objective.makespan: 9,
        Objective.max_lateness: 5,  # A: 9 - 4; B ends at its due date 5 < 6
        Objective.late_orders: 1,
        Objective.flow_time: 3 + 5 + 9,
        Objective.weighted_tardiness: 5,
    }
    assert solver.value(term.expression) == expected[objective] * term.scale
