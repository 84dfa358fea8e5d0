"""solve(start=...) and solve(reference=...): a caller's plan as a warm start,
a previous plan to stay close to. Every result goes through the checker.

The single-machine instance (worked by hand), weighted tardiness:

    job  duration  due  weight
    J1      3       19     4
    J2      8       13     4
    J3      5       12     4
    J4      7        7     1

All work takes 23, so some job ends at 23: J4 then costs (23 − 7) · 1 = 16,
J1 (23 − 19) · 4 = 16, J2 40, J3 44. So 16 is a lower bound, and J3 0-5,
J2 5-13, J1 13-16, J4 16-23 reaches it (only J4 late): the optimum is 16. The
constructive heuristics alone do worse (28).
"""

from __future__ import annotations

from typing import Any

from builders import PREVIOUS, make_instance, one_step_jobs, plan, workshop
from mtosched import Instance
from mtosched.checker import check
from mtosched.model.params import SolverParams
from mtosched.solution import Result, ScheduledOperation, Solution
from mtosched.solve import distance, solve

JOBS = {"J1": (3, 19, 4), "J2": (8, 13, 4), "J3": (5, 12, 4), "J4": (7, 7, 1)}

OPTIMAL = Solution(
    [
        ScheduledOperation(job, 1, "M1", start, end)
        for job, start, end in [
            ("J3", 0, 5),
            ("J2", 5, 13),
            ("J1", 13, 16),
            ("J4", 16, 23),
        ]
    ]
)

#: Only the heuristic and the start plan: no CP-SAT, no search.
NO_SEARCH = SolverParams(
    time_limit=0.5,
    workers=1,
    seed=1,
    lns=False,
    full_model_operations=0,
    sequence_share=0,
)


def single_machine() -> Instance:
    routings, orders = one_step_jobs(JOBS)
    return make_instance(["M1"], routings, orders)


def solved(
    instance: Instance,
    params: SolverParams,
    objective: str = "weighted-tardiness",
    **options: Any,
) -> Result:
    """solve(), then the checker: no violations, reported values recomputed."""
    result = solve(instance, params, objective, **options)
    assert result.solution is not None, result.log
    report = check(
        instance,
        result.solution,
        reported=dict(zip(result.objective, result.stage_values, strict=False)),
    )
    assert report.ok, [str(v) for v in report.violations]
    assert report.objective(result.objective[0]) == result.objective_value
    return result


def test_heuristic_alone_misses_the_optimum() -> None:
    assert solved(single_machine(), NO_SEARCH).objective_value == 28


def test_a_better_start_plan_beats_the_heuristic() -> None:
    result = solved(single_machine(), NO_SEARCH, start=OPTIMAL)
    assert result.objective_value == 16
    assert result.solution.by_key() == OPTIMAL.by_key()
    assert any(line.startswith("start plan: ") for line in result.log)


def test_an_invalid_start_plan_is_never_used() -> None:
    # J1 and J4 overlap on M1 (13-16 and 13-20): only J4 late, by 13. It would
    # win on the objective (13 < 16); the checker rejects it, so the
    # heuristic's schedule stays.
    overlapping = Solution(
        [
            ScheduledOperation(job, 1, "M1", start, end)
            for job, start, end in [
                ("J3", 0, 5), ("J2", 5, 13), ("J1", 13, 16), ("J4", 13, 20)
            ]
        ]
    )  # fmt: skip
    assert not check(single_machine(), overlapping).ok
    result = solved(single_machine(), NO_SEARCH, start=overlapping)
    assert result.objective_value == 28
    assert any(line.startswith("start plan rejected: ") for line in result.log)


def test_a_start_plan_leaving_out_a_scheduled_order_is_rejected() -> None:
    partial = Solution(
        [p for p in OPTIMAL.operations if p.work_order_id != "J4"], {"J4": "dropped"}
    )
    result = solved(single_machine(), NO_SEARCH, start=partial)
    assert result.objective_value == 28
    assert "start plan rejected: it leaves out J4, which this solve schedules" in (
        result.log
    )


# The workshop of test_reschedule (every order due at 40, so every valid plan
# has weighted tardiness 0). The reference is its previous plan started 5
# later: still valid, so the closest plan at objective 0 is the reference
# itself (distance 0), while a plain solve compacts it back to time 0.
LATER = Solution(
    [
        ScheduledOperation(
            p.work_order_id, p.step, p.machine_id, p.start + 5, p.end + 5
        )
        for p in PREVIOUS.operations
    ]
)
PARAMS = SolverParams(time_limit=5, workers=2, seed=1)


def test_reference_stage_has_the_last_word() -> None:
    plain = solved(workshop(), PARAMS)
    close = solved(workshop(), PARAMS, reference=LATER)
    assert close.stage_values == plain.stage_values == [0]
    assert distance(LATER, close.solution) <= distance(LATER, plain.solution)
    assert distance(LATER, plain.solution) > 0  # compacted towards time 0
    # the stability stage's plan is not left-shifted afterwards
    assert close.solution.by_key() == LATER.by_key()
    assert "stage stability: OPTIMAL" in "\n".join(close.log)


def test_reference_stage_keeps_the_objective_of_a_start_plan() -> None:
    # Lexicographic: late orders, then weighted tardiness. The optimum of the
    # single machine, given as both start and reference, comes back unchanged.
    result = solved(
        single_machine(),
        SolverParams(time_limit=3, workers=2, seed=1),
        "late-orders,weighted-tardiness",
        reference=OPTIMAL,
        start=OPTIMAL,
    )
    assert result.stage_values == [1, 16]
    assert distance(OPTIMAL, result.solution) == 0


def test_reference_stage_skipped_above_full_model_operations() -> None:
    params = PARAMS.model_copy(update={"full_model_operations": 0})
    result = solved(workshop(), params, reference=LATER)
    assert result.objective_value == 0
    assert any(
        line.startswith("stability: skipped, 12 operations") for line in result.log
    )


def test_reference_stage_is_deterministic() -> None:
    params = SolverParams(
        time_limit=2, workers=1, seed=1, deterministic=True, lns=False
    )
    first = solved(workshop(), params, reference=LATER, start=PREVIOUS)
    second = solved(workshop(), params, reference=LATER, start=PREVIOUS)
    assert first.solution == second.solution
    assert distance(LATER, first.solution) == 0


# The workshop after WELD-1 slowed from 4 to 6, and a plan for it that moves
# O1 and O3 off WELD-1 and O4 onto it. Measured from PREVIOUS: start shifts
# 0 + 2 + 4 + 2 = 8 (O2's weld and pack 1 + 1, O3's 2 + 2, O4's pack 2),
# plus 4 for each of the three machine changes (the previous plan's weld
# takes 4): 20. Today's WELD-1 duration (6) for O1 and O3 would make it 24.
SLOWER_WELD_1 = workshop(weld_1=6)
MOVED = plan(
    [
        ("O1", 10, "CUT", 0, 3),
        ("O1", 20, "WELD-2", 3, 7),
        ("O1", 30, "PACK", 7, 8),
        ("O2", 10, "CUT", 3, 6),
        ("O2", 20, "WELD-2", 7, 11),
        ("O2", 30, "PACK", 11, 12),
        ("O3", 10, "CUT", 6, 9),
        ("O3", 20, "WELD-2", 11, 15),
        ("O3", 30, "PACK", 15, 16),
        ("O4", 10, "CUT", 9, 12),
        ("O4", 20, "WELD-1", 12, 18),
        ("O4", 30, "PACK", 18, 19),
    ]
)


def test_model_stability_term_is_the_distance_even_when_run_times_changed() -> None:
    """The stability stage minimises exactly what distance() reports."""
    from ortools.sat.python import cp_model

    from mtosched.expand import expand
    from mtosched.model.builder import ScheduleModel

    assert check(SLOWER_WELD_1, MOVED).ok
    assert distance(PREVIOUS, MOVED) == 20
    data = expand(SLOWER_WELD_1)
    built = ScheduleModel(data, list(data.orders.values()))
    placed = MOVED.by_key()
    for vars_ in built.operations.values():
        target = placed[(vars_.operation.work_order_id, vars_.operation.step)]
        built.model.add(vars_.start == target.start)
        for mode in vars_.modes:
            if not isinstance(mode.present, int):
                built.model.add(mode.present == (mode.machine_id == target.machine_id))
    built.model.minimize(built.stability(PREVIOUS))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert Solution(built.extract(solver)).by_key() == placed
    assert round(solver.objective_value) == 20


def test_a_plan_hints_the_stability_stage_completely() -> None:
    """The shift variables are hinted too: the hint alone is a solution."""
    from ortools.sat.python import cp_model

    from mtosched.expand import expand
    from mtosched.model.builder import ScheduleModel

    data = expand(SLOWER_WELD_1)
    built = ScheduleModel(data, list(data.orders.values()))
    built.model.minimize(built.stability(PREVIOUS))
    built.hint(MOVED)
    proto = built.model.proto
    assert sorted(proto.solution_hint.vars) == list(range(len(proto.variables)))
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert round(solver.objective_value) == 20  # distance(PREVIOUS, MOVED)
