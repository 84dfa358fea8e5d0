"""The progress callback: objectives only ever improve, bounds never pass them."""

from __future__ import annotations

from mtosched import SolverParams, solve
from mtosched.generate import generate_instance
from mtosched.solve import Progress


def test_reported_objective_never_gets_worse() -> None:
    instance = generate_instance("ebike", orders=60, seed=3, due_tightness=0.9)
    seen: list[Progress] = []
    result = solve(
        instance,
        SolverParams(time_limit=6, workers=2, seed=0, tie_break=False),
        progress=seen.append,
    )
    values = [p.objective for p in seen if p.objective is not None]
    assert values, "the heuristic's schedule is always reported"
    assert values == sorted(values, reverse=True)
    assert result.objective_value is not None and result.objective_value <= values[0]
