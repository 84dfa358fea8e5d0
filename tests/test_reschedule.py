"""Rescheduling: started work stays, nothing new starts before now, the rest
stays close to the previous plan. Every new plan goes through the checker and
through check_reschedule.

The workshop (worked by hand): four orders O1..O4 of product F, each cut on
CUT (3), welded on WELD-1 or WELD-2 (4 either way) and packed on PACK (1,
two at a time), all due at 40. The previous plan:

    O1: CUT 0-3,  WELD-1 3-7,   PACK 7-8
    O2: CUT 3-6,  WELD-2 6-10,  PACK 10-11
    O3: CUT 6-9,  WELD-1 9-13,  PACK 13-14
    O4: CUT 9-12, WELD-2 12-16, PACK 16-17
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from builders import PREVIOUS, workshop
from conftest import INSTANCES, run_cli
from mtosched import Instance, load_instance
from mtosched.checker import check
from mtosched.domain import Downtime
from mtosched.expand import expand, pin
from mtosched.io.instance_writer import write_instance
from mtosched.io.writers import write_results
from mtosched.kpi import order_results
from mtosched.model.params import SolverParams
from mtosched.pegging import allocate
from mtosched.solution import (
    Objective,
    Result,
    ScheduledOperation,
    Solution,
    SolveStatus,
)
from mtosched.solve import lexicographic_values, solve
from mtosched.workflows.reschedule import (
    ChangeStatus,
    RescheduleResult,
    check_reschedule,
    distance,
    repair,
    reschedule,
    started_operations,
)

PARAMS = SolverParams(time_limit=10, workers=2, seed=1)


def breakdown(machine: str, start: int, end: int) -> list[dict[str, Any]]:
    return [{"machine_id": machine, "start": start, "end": end}]


def checked(instance: Instance, outcome: RescheduleResult) -> Solution:
    """The new plan, after asserting the checker and the pinning rules hold."""
    solution = outcome.result.solution
    assert solution is not None, outcome.result.log
    report = check(instance, solution)
    assert report.ok, [str(v) for v in report.violations]
    pinned = outcome.result.data
    assert check_reschedule(outcome.previous, solution, outcome.now, pinned) == []
    return solution


def test_the_previous_plan_is_valid() -> None:
    assert check(workshop(), PREVIOUS).ok


def test_breakdown_keeps_started_work_and_moves_only_what_it_must() -> None:
    # WELD-1 breaks down at now = 7 until 30. Started before 7: O1's cut and
    # weld (3-7 ends as the breakdown starts), O2's cut and weld (6-10, in
    # progress on WELD-2), O3's cut (6-9, in progress). O3's weld must leave
    # WELD-1: on WELD-2 at 10-14 (after O2), pushing O4's weld to 14-18. That
    # is the closest plan: shifts 1 + 1 + 2 + 2 plus 4 for the machine change;
    # O3 after O4 (16-20) would cost 7 + 7 + 4.
    instance = workshop(downtime=breakdown("WELD-1", 7, 30))
    outcome = reschedule(instance, PREVIOUS, now=7, params=PARAMS)
    new = checked(instance, outcome).by_key()
    assert outcome.warnings == []
    assert len(outcome.kept_started) == 5
    for key in [("O1", 10), ("O1", 20), ("O2", 10), ("O2", 20), ("O3", 10)]:
        assert new[key] == PREVIOUS.by_key()[key]  # started: exactly as planned
    assert new[("O3", 20)] == ScheduledOperation("O3", 20, "WELD-2", 10, 14)
    assert new[("O4", 20)] == ScheduledOperation("O4", 20, "WELD-2", 14, 18)
    # untouched orders keep machines and times
    for order in ("O1", "O2"):
        for step in (10, 20, 30):
            assert new[(order, step)] == PREVIOUS.by_key()[(order, step)]
    moved = {(c.work_order_id, c.step): c.shift for c in outcome.moved}
    assert moved == {("O3", 20): 1, ("O3", 30): 1, ("O4", 20): 2, ("O4", 30): 2}
    assert outcome.summary() == {
        "now": 7,
        "kept_started": 5,
        "kept": 8,
        "moved": 4,
        "total_shift": 6,
        "max_shift": 2,
        "machine_changes": 1,
        "new": 0,
        "cancelled": 0,
    }


def test_short_breakdown_keeps_machines_where_compaction_would_swap() -> None:
    # WELD-1 is down over [7, 12): O3's weld (9-13) waits for WELD-1 and runs
    # 12-16, its packing 16-17: distance 3 + 3, and O4 is untouched. Moving O3
    # to WELD-2 (10-14) and O4 to WELD-1 (12-16) would finish both earlier
    # (total completion 62 instead of 66) but change two machines: distance 10.
    instance = workshop(downtime=breakdown("WELD-1", 7, 12))
    outcome = reschedule(instance, PREVIOUS, now=7, params=PARAMS)
    new = checked(instance, outcome).by_key()
    assert new[("O3", 20)] == ScheduledOperation("O3", 20, "WELD-1", 12, 16)
    assert new[("O3", 30)] == ScheduledOperation("O3", 30, "PACK", 16, 17)
    for step in (10, 20, 30):
        assert new[("O4", step)] == PREVIOUS.by_key()[("O4", step)]
    assert (outcome.total_shift, outcome.machine_changes) == (6, 0)


def test_breakdown_that_interrupts_running_work_restarts_it_after() -> None:
    # WELD-2 is down over [8, 12): O2's weld (6-10) cannot finish as planned.
    # It is planned again from now (7) with a warning; everything else that
    # started stays.
    instance = workshop(downtime=breakdown("WELD-2", 8, 12))
    outcome = reschedule(instance, PREVIOUS, now=7, params=PARAMS)
    new = checked(instance, outcome).by_key()
    assert len(outcome.warnings) == 1
    assert "O2 step 20" in outcome.warnings[0]
    assert "WELD-2 is down from 8 to 12" in outcome.warnings[0]
    assert new[("O2", 20)].start >= 7
    assert len(outcome.kept_started) == 4


def test_cancelled_and_new_orders() -> None:
    # O4 is cancelled and O5 arrives; nothing broke, so O1..O3 stay exactly
    # and O5 is simply added.
    instance = workshop(orders=("O1", "O2", "O3", "O5"))
    outcome = reschedule(instance, PREVIOUS, now=7, params=PARAMS)
    new = checked(instance, outcome).by_key()
    status = {(c.work_order_id, c.step): c.status for c in outcome.changes}
    assert {k for k, s in status.items() if s is ChangeStatus.cancelled} == {
        ("O4", 10),
        ("O4", 20),
        ("O4", 30),
    }
    assert {k for k, s in status.items() if s is ChangeStatus.new} == {
        ("O5", 10),
        ("O5", 20),
        ("O5", 30),
    }
    assert outcome.moved == []
    assert all(new[("O5", step)].start >= 7 for step in (10, 20, 30))


def test_check_reschedule_catches_broken_pinning() -> None:
    instance = workshop(downtime=breakdown("WELD-1", 7, 30))
    outcome = reschedule(instance, PREVIOUS, now=7, params=PARAMS)
    solution = checked(instance, outcome)
    data = outcome.result.data
    early = [
        ScheduledOperation(p.work_order_id, p.step, p.machine_id, 5, 9)
        if (p.work_order_id, p.step) == ("O4", 10)
        else p
        for p in solution.operations
    ]
    moved_started = [
        ScheduledOperation("O3", 10, "CUT", 7, 10)
        if (p.work_order_id, p.step) == ("O3", 10)
        else p
        for p in solution.operations
    ]
    problems = check_reschedule(PREVIOUS, Solution(early), 7, data)
    assert problems == ["O4 step 10 starts at 5, before now (7)"]
    problems = check_reschedule(PREVIOUS, Solution(moved_started), 7, data)
    assert len(problems) == 1 and problems[0].startswith("O3 step 10 started but")


def test_ebike_breakdown_replan() -> None:
    # The e-bike plant: ASM-1 breaks down at t = 3000 for 8 hours. Work that
    # started stays (except what ran on ASM-1 into the breakdown), and the new
    # plan is at least as good as the previous plan pushed right just enough
    # (same objective or better; if the same, no farther from the old plan).
    instance = load_instance(INSTANCES / "ebike")
    previous = solve(instance, PARAMS).solution
    assert previous is not None
    downtime = [*instance.downtime, Downtime(machine_id="ASM-1", start=3000, end=3480)]
    today = instance.model_copy(update={"downtime": downtime})
    outcome = reschedule(today, previous, now=3000, params=PARAMS)
    solution = checked(today, outcome)
    new = solution.by_key()
    for placed in previous.operations:
        key = (placed.work_order_id, placed.step)
        interrupted = placed.machine_id == "ASM-1" and placed.end > 3000
        if placed.start < 3000 and not interrupted:
            assert new[key] == placed
    assert [w.split(" started")[0] for w in outcome.warnings] == [
        f"{p.work_order_id} step {p.step}"
        for p in sorted(previous.operations, key=lambda p: (p.start, p.end))
        if p.machine_id == "ASM-1" and p.start < 3000 < p.end
    ]
    data = outcome.result.data
    repaired = repair(data, previous, solution)
    assert repaired is not None and check(today, repaired).ok
    objectives = outcome.result.objective
    found = lexicographic_values(data, solution, objectives)
    fallback = lexicographic_values(data, repaired, objectives)
    assert found <= fallback
    if found == fallback:
        assert distance(previous, solution) <= distance(previous, repaired)


def test_repair_pushes_the_previous_plan_right() -> None:
    # The workshop with WELD-1 down over [7, 30): repairing keeps every
    # machine; O3's weld waits for WELD-1 until 30 (30-34, packed 34-35),
    # everything else stays.
    instance = workshop(downtime=breakdown("WELD-1", 7, 30))
    data = expand(instance)
    kept, _ = started_operations(data, PREVIOUS, 7)
    repaired = repair(pin(data, kept, 7), PREVIOUS, PREVIOUS)
    assert repaired is not None
    moved = {
        (p.work_order_id, p.step): (p.machine_id, p.start, p.end)
        for p in repaired.operations
        if p != PREVIOUS.by_key()[(p.work_order_id, p.step)]
    }
    assert moved == {("O3", 20): ("WELD-1", 30, 34), ("O3", 30): ("PACK", 34, 35)}
    assert distance(PREVIOUS, repaired) == 21 + 21


def plan_folder(instance: Instance, solution: Solution, path: Path) -> Path:
    """Result files of a given schedule (as if a solve had written them)."""
    data = expand(instance)
    result = Result(
        status=SolveStatus.feasible,
        objective=[Objective.weighted_tardiness],
        objective_value=None,
        best_bound=None,
        wall_time=0.0,
        data=data,
        solution=solution,
        orders=order_results(data, solution),
        allocations=allocate(data, solution),
    )
    return write_results(result, path, report=False)


def test_cli_reschedule_writes_changes_csv(tmp_path: Path) -> None:
    previous = plan_folder(workshop(), PREVIOUS, tmp_path / "plan")
    today = tmp_path / "today"
    write_instance(workshop(downtime=breakdown("WELD-1", 7, 30)), today)
    out = tmp_path / "replan"
    replanned = run_cli(
        "reschedule", today, "--previous", previous, "--now", "7", "-o", out,
        "-t", "5", "-w", "2", "--seed", "1",
    )  # fmt: skip
    assert replanned.exit_code == 0, replanned.output
    assert "Rescheduled at t=7: 5 started operations kept" in replanned.output
    assert "4 moved (total shift 6, largest 2, 1 on another machine)" in (
        replanned.output
    )
    with (out / "changes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "work_order_id",
        "step",
        "operation",
        "old_machine_id",
        "old_start",
        "new_machine_id",
        "new_start",
        "shift",
        "status",
    ]
    assert len(rows) == 12
    moved = {(r["work_order_id"], r["step"]): r for r in rows if r["status"] == "moved"}
    assert set(moved) == {("O3", "20"), ("O3", "30"), ("O4", "20"), ("O4", "30")}
    assert moved[("O3", "20")]["old_machine_id"] == "WELD-1"
    assert moved[("O3", "20")]["new_machine_id"] == "WELD-2"
    assert moved[("O3", "20")]["shift"] == "1"
    assert {r["status"] for r in rows} == {"kept", "moved"}
    checked_run = run_cli("check", today, out)
    assert checked_run.exit_code == 0, checked_run.output


def test_cli_now_as_datetime_rounds_up(tmp_path: Path) -> None:
    dated = workshop(settings={"start": "2026-03-02T06:00:00"})
    folder = tmp_path / "workshop"
    write_instance(dated, folder)
    previous = write_results(solve(dated, PARAMS), tmp_path / "plan")
    out = tmp_path / "replan"
    replanned = run_cli(
        "reschedule", folder, "--previous", previous, "--now",
        "2026-03-02T06:06:30", "-o", out, "-t", "5", "-w", "2",
    )  # fmt: skip
    assert replanned.exit_code == 0, replanned.output
    assert "Rescheduled at 2026-03-02 06:07" in replanned.output  # 6.5 -> 7
    with (out / "changes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert "new_start_at" in rows[0]


@pytest.mark.parametrize(
    ("now", "message"),
    [
        ("soon", "--now: expected a number or an ISO-8601 datetime"),
        ("2026-03-02T06:00:00", "has no settings.start"),
    ],
)
def test_cli_bad_now(tmp_path: Path, now: str, message: str) -> None:
    folder = tmp_path / "workshop"
    write_instance(workshop(), folder)
    previous = write_results(solve(workshop(), PARAMS), tmp_path / "plan")
    bad = run_cli("reschedule", folder, "--previous", previous, "--now", now)
    assert bad.exit_code == 2
    assert message in bad.output


def test_without_cp_sat_the_repaired_plan_still_bounds_the_result() -> None:
    # No whole model (so no stability stage either) and no search: the
    # repaired previous plan is the solve's start plan and competes with the
    # heuristic's schedule by objective, then by distance; the result is never
    # worse than it on either.
    instance = workshop(downtime=breakdown("WELD-1", 7, 30))
    params = PARAMS.model_copy(update={"full_model_operations": 0, "lns": False})
    outcome = reschedule(instance, PREVIOUS, now=7, params=params)
    solution = checked(instance, outcome)
    data = outcome.result.data
    repaired = repair(data, PREVIOUS, solution)
    assert repaired is not None
    objectives = outcome.result.objective
    found = lexicographic_values(data, solution, objectives)
    assert (found, distance(PREVIOUS, solution)) <= (
        lexicographic_values(data, repaired, objectives),
        distance(PREVIOUS, repaired),
    )
    log = "\n".join(outcome.result.log)
    assert "start plan: weighted_tardiness = 0" in log
    assert "stability: skipped" in log


def test_order_selection_never_leaves_out_started_work() -> None:
    # Every order uses one KIT at its cut and there are 4 KITs for 5 orders.
    # At now = 7, O1, O2 and O3 have started (their KITs are gone), O4 has
    # not, and O5 (weight 10) is new. By weight alone (O4 has 2) one of the
    # started orders of weight 1 would be left out; started work must stay,
    # so O4 is the one left out.
    instance = workshop(
        ("O1", "O2", "O3", "O4", "O5"),
        weights={"O4": 2, "O5": 10},
        bom=[{"product_id": "F", "component_id": "KIT", "quantity": 1, "step": 10}],
        components=[{"component_id": "KIT", "on_hand": 4}],
    )
    outcome = reschedule(instance, PREVIOUS, now=7, params=PARAMS)
    new = checked(instance, outcome).by_key()
    assert set(outcome.result.solution.unschedulable) == {"O4"}
    reason = outcome.result.solution.unschedulable["O4"]
    assert "orders already started" in reason
    for order in ("O1", "O2", "O3"):
        assert new[(order, 10)] == PREVIOUS.by_key()[(order, 10)]
    assert ("O5", 30) in new
