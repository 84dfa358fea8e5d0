"""The deterministic profile: same input, same schedule, however busy the machine.

Its time limit counts CP-SAT's deterministic work, not wall seconds, so the
number of search moves and every sub-solve's outcome are the same on every run.
"""

from __future__ import annotations

from mtosched import SolverParams, solve
from mtosched.checker import check
from mtosched.generate import generate_instance


def test_deterministic_profile_reproduces_the_schedule() -> None:
    instance = generate_instance("ebike", orders=25, seed=2, due_tightness=0.9)
    params = SolverParams.from_profile("deterministic", time_limit=0.05)
    assert params.deterministic and params.workers == 1
    first = solve(instance, params)
    second = solve(instance, params)
    assert first.solution is not None and second.solution is not None
    assert first.solution.operations == second.solution.operations
    assert first.objective_value == second.objective_value
    moves = [
        [line for line in r.log if line.startswith("lns")] for r in (first, second)
    ]
    assert moves[0] == moves[1]  # the same number of search moves
    assert check(instance, first.solution).ok
