"""The critical-path search: machine choices and sequences for makespan.

Optima come from outside the search: Brandimarte mk01's proven optimum (40)
and, for small made-up shops, CP-SAT's proof on the whole model. Every
schedule the search returns goes through the independent checker; the rule
that keeps moves from closing a cycle is checked by counting the moves it had
to undo (none).
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from builders import make_instance, plan, solve_checked
from mtosched import Instance
from mtosched.checker import check
from mtosched.critical_path_search import CriticalPathSearch
from mtosched.expand import ProblemData, expand, pin
from mtosched.generate import generate_instance
from mtosched.heuristic import PriorityRule, construct
from mtosched.io.benchmarks import read_fjs, read_jsplib
from mtosched.model.params import SolverParams
from mtosched.solution import Objective, Solution
from mtosched.solve import Progress, lexicographic_values, solve

COPIES = Path(__file__).resolve().parents[1] / "instances" / "benchmarks"


def _makespan(data: ProblemData, solution: Solution) -> Decimal:
    return lexicographic_values(data, solution, [Objective.makespan])[0]


def _searched(
    data: ProblemData, start: Solution, moves: int, seed: int = 0
) -> tuple[Solution, CriticalPathSearch]:
    """The search's schedule within ``moves`` moves (reproducible)."""
    search = CriticalPathSearch(data, seed=seed)
    return search.run(start, time.perf_counter() + 60, moves), search


def test_mk01_reaches_its_proven_optimum() -> None:
    instance = read_fjs(COPIES / "mk01.txt")
    data = expand(instance)
    start = construct(data, PriorityRule.mwr)
    assert _makespan(data, start) > 40  # there is something to find
    found, search = _searched(data, start, 20_000)
    assert check(instance, found).ok
    assert _makespan(data, found) == 40
    assert search.undone == 0


def _shop(seed: int) -> Instance:
    """A generated plant made into a flexible job shop the search applies to:
    every machine of capacity 1 and never down; subassemblies, releases and
    materials stay."""
    generated = generate_instance("ebike", orders=12, seed=seed)
    data = generated.model_dump()
    for machine in data["machines"]:
        machine["capacity"] = 1
    data["downtime"] = []
    return Instance.model_validate(data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shops_with_subassemblies_and_materials_stay_valid_and_improve(
    seed: int,
) -> None:
    instance = _shop(seed)
    data = expand(instance)
    included = data.schedulable_orders()
    assert CriticalPathSearch.applies(data, included)
    assert any(
        len(data.operations[o].predecessors) > 1 for o in range(len(data.operations))
    )
    start = construct(data, PriorityRule.mwr)
    found, search = _searched(data, start, 3_000, seed)
    report = check(instance, found)
    assert report.ok, [str(v) for v in report.violations]
    assert _makespan(data, found) <= _makespan(data, start)
    assert search.undone == 0


def test_on_shops_it_finds_shorter_schedules() -> None:
    """Not a promise per shop (the heuristic may already be optimal), but
    over a handful of them the search must shorten something."""
    gained = Decimal(0)
    for seed in (1, 2, 3):
        instance = _shop(seed)
        data = expand(instance)
        start = construct(data, PriorityRule.mwr)
        found, _ = _searched(data, start, 3_000, seed)
        gained += _makespan(data, start) - _makespan(data, found)
    assert gained > 0


def _flexible() -> Instance:
    """Three two-step jobs on two machines, either machine for every step,
    at different speeds."""
    routings = []
    for product, (fast, slow) in {"A": (2, 5), "B": (3, 4), "C": (4, 6)}.items():
        for step in (1, 2):
            routings += [
                {
                    "product_id": product,
                    "step": step,
                    "machine_id": "M1",
                    "run_time": fast,
                },
                {
                    "product_id": product,
                    "step": step,
                    "machine_id": "M2",
                    "run_time": slow,
                },
            ]
    orders = [{"order_id": p, "product_id": p, "due": 100} for p in "ABC"]
    return make_instance(["M1", "M2"], routings, orders)


def test_a_small_flexible_shop_reaches_the_proven_optimum() -> None:
    instance = _flexible()
    proven = solve_checked(
        instance, Objective.makespan, lns=False, critical_path_share=0
    )
    assert proven.status == "optimal"
    data = expand(instance)
    start = construct(data, PriorityRule.mwr)
    found, search = _searched(data, start, 5_000)
    assert check(instance, found).ok
    assert _makespan(data, found) == proven.objective_value
    assert search.undone == 0


def test_a_component_not_yet_arrived_holds_its_consumer_back() -> None:
    """By hand: A (3 on M1) needs a MOTOR arriving at 10, B (4 on M1) nothing.
    From A 10-13, B 13-17 the best is B 0-4, A 10-13: makespan 13. A may not
    move before 10 although the machine is free."""
    instance = make_instance(
        ["M1"],
        [
            {"product_id": "PA", "step": 1, "machine_id": "M1", "run_time": 3},
            {"product_id": "PB", "step": 1, "machine_id": "M1", "run_time": 4},
        ],
        [
            {"order_id": "A", "product_id": "PA", "due": 50},
            {"order_id": "B", "product_id": "PB", "due": 50},
        ],
        bom=[{"product_id": "PA", "component_id": "MOTOR", "quantity": 1}],
        supplies=[{"component_id": "MOTOR", "quantity": 1, "arrival": 10}],
    )
    data = expand(instance)
    start = plan([("A", 1, "M1", 10, 13), ("B", 1, "M1", 13, 17)])
    found, _ = _searched(data, start, 1_000)
    assert check(instance, found).ok
    assert {(p.work_order_id, p.start) for p in found.operations} == {
        ("B", 0),
        ("A", 10),
    }


def test_a_release_holds_its_order_back() -> None:
    """By hand: A (3 on M1) is released at 6, B (4 on M1) at 0. From A 6-9,
    B 9-13, the best is B 0-4, A 6-9 (not A at 4): makespan 9."""
    instance = make_instance(
        ["M1"],
        [
            {"product_id": "PA", "step": 1, "machine_id": "M1", "run_time": 3},
            {"product_id": "PB", "step": 1, "machine_id": "M1", "run_time": 4},
        ],
        [
            {"order_id": "A", "product_id": "PA", "due": 50, "release": 6},
            {"order_id": "B", "product_id": "PB", "due": 50},
        ],
    )
    data = expand(instance)
    start = plan([("A", 1, "M1", 6, 9), ("B", 1, "M1", 9, 13)])
    found, _ = _searched(data, start, 1_000)
    assert check(instance, found).ok
    assert _makespan(data, found) == 9
    assert {(p.work_order_id, p.start) for p in found.operations} == {
        ("B", 0),
        ("A", 6),
    }


def test_it_stays_out_where_machines_are_not_the_whole_problem() -> None:
    """Capacity above 1, downtime, started work, or no choice of machine at
    all (a classic job shop): not for this search."""
    base = _flexible()
    data = expand(base)
    included = data.schedulable_orders()
    assert CriticalPathSearch.applies(data, included)
    wide = base.model_dump()
    wide["machines"][0]["capacity"] = 2
    assert not CriticalPathSearch.applies(
        expand(Instance.model_validate(wide)), included
    )
    down = base.model_dump()
    down["downtime"] = [{"machine_id": "M1", "start": 5, "end": 8}]
    assert not CriticalPathSearch.applies(
        expand(Instance.model_validate(down)), included
    )
    started = plan([("A", 1, "M1", 0, 2)]).operations[0]
    assert not CriticalPathSearch.applies(pin(data, {0: started}, 1), included)
    job_shop = expand(read_jsplib(COPIES / "la01.txt"))  # no choice of machine
    assert not CriticalPathSearch.applies(job_shop, job_shop.schedulable_orders())


def test_solve_runs_it_on_makespan_and_reports_progress() -> None:
    instance = read_fjs(COPIES / "mk06.txt")
    seen: list[Progress] = []
    result = solve_checked(instance, Objective.makespan, time_limit=4)
    assert any(line.startswith("critical-path search: makespan") for line in result.log)
    params = SolverParams(time_limit=3, workers=2, seed=1)
    solve(instance, params, Objective.makespan, progress=seen.append)
    stages = [p for p in seen if p.stage == "critical_path"]
    assert stages and all(p.objective is not None for p in stages)
    values = [p.objective for p in stages]
    assert values == sorted(values, reverse=True)


def test_solve_leaves_it_out_when_asked_or_on_due_dates() -> None:
    instance = read_fjs(COPIES / "mk01.txt")
    off = solve_checked(
        instance, Objective.makespan, time_limit=2, critical_path_share=0
    )
    assert not any("critical-path" in line for line in off.log)
    due = solve_checked(instance, Objective.weighted_tardiness, time_limit=2)
    assert not any("critical-path" in line for line in due.log)


def test_deterministic_solves_repeat_with_the_search() -> None:
    instance = read_fjs(COPIES / "mk01.txt")
    params = SolverParams.from_profile("deterministic", time_limit=0.5)
    first = solve(instance, params, Objective.makespan)
    second = solve(instance, params, Objective.makespan)
    assert any(line.startswith("critical-path search") for line in first.log)
    assert first.solution is not None and second.solution is not None
    assert first.solution.operations == second.solution.operations
    assert check(instance, first.solution).ok


def test_the_makespan_bound_counts_each_machine_alone() -> None:
    """la01's optimum (666) is one machine's load (its operations can run
    nowhere else) plus the shortest head and tail around it; the longest job
    alone gives only 413. Recomputed here from the file's rows."""
    rows = [
        line.split()
        for line in (COPIES / "la01.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ][1:]
    jobs = [[(int(r[k]), int(r[k + 1])) for k in range(0, len(r), 2)] for r in rows]
    expected = 0
    for machine in {m for job in jobs for m, _ in job}:
        load, heads, tails = 0, [], []
        for job in jobs:
            for position, (m, duration) in enumerate(job):
                if m == machine:
                    load += duration
                    heads.append(sum(d for _, d in job[:position]))
                    tails.append(sum(d for _, d in job[position + 1 :]))
        expected = max(expected, min(heads) + load + min(tails))
    assert expected == 666
    instance = read_jsplib(COPIES / "la01.txt")
    params = SolverParams(time_limit=5, workers=2, full_model_operations=0, lns=False)
    result = solve(instance, params, Objective.makespan)
    assert result.solution is not None and check(instance, result.solution).ok
    assert result.best_bound == expected


def test_the_search_ends_at_the_bound_it_is_given() -> None:
    instance = read_fjs(COPIES / "mk01.txt")
    data = expand(instance)
    start = construct(data, PriorityRule.mwr)
    search = CriticalPathSearch(data, floor=40)  # mk01's optimum
    found = search.run(start, time.perf_counter() + 60, 20_000)
    assert _makespan(data, found) == 40
    assert search.iterations < 1_000  # without the bound it uses all 20,000
