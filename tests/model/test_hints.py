"""Hints set in bulk mean what per-variable hints mean."""

from __future__ import annotations

from ortools.sat.python import cp_model

from mtosched.model.variables import add_hints


def test_bulk_hints_fix_variables_and_flip_negated_literals() -> None:
    model = cp_model.CpModel()
    x = model.new_int_var(0, 9, "x")
    late = model.new_bool_var("late")
    add_hints(model, [(x, 4), (~late, 1)])  # "not late" hinted true: late = 0
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    assert solver.solve(model) == cp_model.OPTIMAL
    assert solver.value(x) == 4
    assert solver.value(late) == 0


def test_bulk_hints_replace_nothing_and_append_in_order() -> None:
    model = cp_model.CpModel()
    a, b = model.new_int_var(0, 5, "a"), model.new_int_var(0, 5, "b")
    model.add_hint(a, 1)
    add_hints(model, [(b, 2)])
    hint = model.proto.solution_hint
    assert list(hint.vars) == [a.index, b.index]
    assert list(hint.values) == [1, 2]
