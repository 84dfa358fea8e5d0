"""Threads sharing one search: a sub-solution built on a schedule that moved
meanwhile is merged only if it still fits; late-order moves free the blockers;
wide moves take turns with the threads' own moves and have every core.

The hand-made plant: one machine M1, orders of one 5-unit step each, every
step using one BOLT (2 on hand, 1 more arriving at 25).
"""

from __future__ import annotations

import time

from builders import make_instance
from mtosched.checker import check
from mtosched.expand import expand
from mtosched.heuristic import best_construction
from mtosched.model.lns import (
    LargeNeighbourhoodSearch,
    SearchSettings,
    _covered,
    _Index,
    _peak,
)
from mtosched.solution import Objective, ScheduledOperation, Solution


def _plant(dues: dict[str, int], bolts: bool = True, **tables):  # type: ignore[no-untyped-def]
    routings = [
        {"product_id": f"P_{o}", "step": 1, "machine_id": "M1", "run_time": 5}
        for o in dues
    ]
    orders = [
        {"order_id": o, "product_id": f"P_{o}", "due": due, "weight": 1}
        for o, due in dues.items()
    ]
    if bolts:
        tables |= {
            "bom": [
                {"product_id": f"P_{o}", "component_id": "BOLT", "quantity": 1}
                for o in dues
            ],
            "components": [{"component_id": "BOLT", "on_hand": 2}],
            "supplies": [{"component_id": "BOLT", "quantity": 1, "arrival": 25}],
        }
    return make_instance(["M1"], routings, orders, **tables)


def _search(data, threads: int = 1) -> LargeNeighbourhoodSearch:  # type: ignore[no-untyped-def]
    return LargeNeighbourhoodSearch(
        data,
        data.schedulable_orders(),
        [Objective.weighted_tardiness],
        SearchSettings(workers=1, threads=threads, seed=0),
        accept=lambda solution: True,
    )


def _at(order: str, start: int) -> ScheduledOperation:
    return ScheduledOperation(order, 1, "M1", start, start + 5)


def _fits(search, index, prepared, changed) -> bool:  # type: ignore[no-untyped-def]
    """The search's second look at a stale move, as it merges one."""
    return search._fits(index, prepared, changed, index.consumption_after(changed))


def _stale_move_on_c():  # type: ignore[no-untyped-def]
    """C's sub-model built on A 0-5, B 25-30, C 30-35; then B moved to 5-10."""
    instance = _plant({"A": 5, "B": 40, "C": 15})
    incumbent = Solution([_at("A", 0), _at("B", 25), _at("C", 30)])
    assert check(instance, incumbent).ok
    data = expand(instance)
    search = _search(data)
    index = _Index(data, incumbent)
    prepared = search._prepare(index, ["C"], 1.0)
    op = {o.order_id: o.index for o in data.operations}
    index.move({op["B"]: _at("B", 5)})  # another thread's move, itself valid
    assert check(instance, Solution([_at("A", 0), _at("B", 5), _at("C", 30)])).ok
    return search, index, prepared, op


def test_a_stale_sub_solution_that_still_fits_is_merged() -> None:
    search, index, prepared, op = _stale_move_on_c()
    assert prepared.version != index.version
    assert _fits(search, index, prepared, {op["C"]: _at("C", 25)})


def test_a_stale_sub_solution_overlapping_the_other_move_is_refused() -> None:
    search, index, prepared, op = _stale_move_on_c()
    assert not _fits(search, index, prepared, {op["C"]: _at("C", 7)})


def test_a_stale_sub_solution_short_of_material_is_refused() -> None:
    """C at 10-15 was fine with B at 25 (two bolts by then); with B at 5 it
    would make three bolts used before the third arrives."""
    search, index, prepared, op = _stale_move_on_c()
    assert search._machines_fit(index, {op["C"]: _at("C", 10)})
    assert not _fits(search, index, prepared, {op["C"]: _at("C", 10)})


def test_a_sub_solution_whose_operations_moved_meanwhile_is_refused() -> None:
    search, index, prepared, op = _stale_move_on_c()
    index.move({op["C"]: _at("C", 40)})
    assert not _fits(search, index, prepared, {op["C"]: _at("C", 45)})


def test_peak_and_coverage() -> None:
    from decimal import Decimal

    assert _peak([(0, 5), (5, 10), (3, 6)]) == 2  # touching spans do not overlap
    assert _peak([(0, 5), (1, 4), (2, 3), (4, 4)]) == 3  # empty spans take no room
    from mtosched.model.material import FrozenConsumption

    supply = expand(_plant({"A": 5})).supplies["BOLT"]

    def bolts(*starts: int) -> FrozenConsumption:
        return FrozenConsumption(("BOLT", start, Decimal(1)) for start in starts)

    assert _covered(supply, bolts(0, 3, 25))
    assert not _covered(supply, bolts(0, 3, 24))
    assert not _covered(supply, bolts(7, 7, 7))  # same time counts


def test_blockers_are_the_work_that_ran_while_a_late_order_waited() -> None:
    instance = _plant({"A": 20, "B": 20, "C": 5, "D": 20}, bolts=False)
    incumbent = Solution([_at("A", 0), _at("B", 5), _at("C", 10), _at("D", 15)])
    data = expand(instance)
    search = _search(data)
    index = _Index(data, incumbent)
    op = {o.order_id: o.index for o in data.operations}
    blockers = search._blockers(index, search.orders["C"])
    assert blockers == [op["B"], op["A"]]  # nearest first; D came after
    late = search._late_orders(index)
    assert late == [(10.0, "C")]
    assert search._around_late(index, late)[:3] == ["C", "B", "A"]


def test_orders_late_whatever_happens_are_not_aimed_at() -> None:
    """M1 is down over [2, 10): C (due 5) cannot end before 15 on its own."""
    instance = _plant(
        {"C": 5}, bolts=False, downtime=[{"machine_id": "M1", "start": 2, "end": 10}]
    )
    data = expand(instance)
    search = _search(data)
    assert search.late_from == {"C": 15}
    assert search._late_orders(_Index(data, Solution([_at("C", 10)]))) == []
    assert search._late_orders(_Index(data, Solution([_at("C", 12)]))) == [(2.0, "C")]


def _generated_search(orders=80, seed=4, tightness=0.7, **settings):  # type: ignore[no-untyped-def]
    """A two-thread search over a generated plant, checker as acceptance."""
    from mtosched.generate import generate_instance

    instance = generate_instance(
        "ebike", orders=orders, seed=seed, due_tightness=tightness
    )
    data = expand(instance)
    start = best_construction(data, Objective.weighted_tardiness, time_budget=0.5)
    search = LargeNeighbourhoodSearch(
        data,
        data.schedulable_orders(),
        [Objective.weighted_tardiness],
        SearchSettings(
            workers=1, threads=2, seed=1, relax_all_operations=0, **settings
        ),
        accept=lambda solution: check(instance, solution).ok,
    )
    return instance, start, search


def test_threads_sharing_a_search_never_merge_what_the_checker_refuses() -> None:
    """Two threads on a generated plant: every schedule they pass to the check
    is clean (a bad merge would show as a rejection), and the result too."""
    instance, start, search = _generated_search()
    best = search.run(start, time.perf_counter() + 8)
    assert search.stats.iterations > 10
    assert search.stats.rejected_by_check == 0
    assert check(instance, best).ok
    assert search.values(best) <= search.values(start)


def test_run_in_threads_waits_for_all_and_raises_the_first_error() -> None:
    import threading

    import pytest

    from mtosched.model.lns import run_in_threads

    seen: list[str] = []
    run_in_threads([lambda: seen.append(threading.current_thread().name)])
    assert seen == [threading.current_thread().name]  # one task: the caller's

    done = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        done.set()

    def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_in_threads([slow, failing])
    assert done.is_set()  # the other task was waited for


def test_a_wide_move_frees_a_late_order_and_what_starts_before_its_end() -> None:
    instance = _plant({"A": 50, "B": 50, "C": 5, "D": 50, "E": 50}, bolts=False)
    incumbent = Solution(
        [_at("A", 0), _at("B", 5), _at("C", 10), _at("D", 15), _at("E", 20)]
    )
    data = expand(instance)
    search = LargeNeighbourhoodSearch(
        data,
        data.schedulable_orders(),
        [Objective.weighted_tardiness],
        SearchSettings(workers=1, threads=2, seed=0, wide_operations=2),
        accept=lambda solution: True,
    )
    index = _Index(data, incumbent)
    late = search._late_orders(index)
    assert late == [(10.0, "C")]
    assert search._wide_orders(index, late) == ["C", "B"]  # latest start first
    search.settings.wide_operations = 10  # at most half the plant: 2 operations
    assert search._wide_orders(index, late) == ["C", "B"]
    nothing_late = search._wide_orders(index, [])
    assert len(nothing_late) == 2 and set(nothing_late) <= {"A", "B", "C", "D", "E"}


def test_a_wide_move_has_every_core_and_the_other_threads_wait() -> None:
    """No other sub-model is being solved while a wide one is, and the wide
    one gets a CP-SAT worker per thread."""
    import threading

    instance, start, search = _generated_search(wide_every=0.5, wide_time=1.0)
    solves: list[tuple[float, float, str, int]] = []
    lock = threading.Lock()
    solve = search._solve

    def recorded(prepared):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        outcome = solve(prepared)
        with lock:
            workers = prepared.solver.parameters.num_workers
            solves.append((began, time.perf_counter(), prepared.mode, workers))
        return outcome

    search._solve = recorded  # type: ignore[method-assign]
    best = search.run(start, time.perf_counter() + 6)
    wide = [s for s in solves if s[2] == "wide"]
    others = [s for s in solves if s[2] != "wide"]
    assert search.stats.wide == len(wide) >= 2
    assert all(workers == 2 for *_, workers in wide)
    assert all(workers == 1 for *_, workers in others)
    for began, ended, *_ in wide:
        assert not [o for o in others if o[0] < ended and began < o[1]]
    assert search.stats.rejected_by_check == 0
    assert check(instance, best).ok


def test_a_failed_solve_stops_the_search_instead_of_leaving_a_thread_waiting() -> None:
    """A wide move waits for the other threads' solves; one that raised must
    still count as finished, and the error reaches the caller."""
    import threading

    _, start, search = _generated_search(wide_every=0.2, wide_time=1.0)
    solve, calls = search._solve, []

    def failing(prepared):  # type: ignore[no-untyped-def]
        """The first ordinary solve after a wide one fails, late enough that
        the other thread is by then waiting for it to start a wide move."""
        calls.append(prepared.mode)
        if prepared.mode != "wide" and "wide" in calls and "failed" not in calls:
            calls.append("failed")
            time.sleep(1.0)
            raise RuntimeError("solver failed")
        return solve(prepared)

    search._solve = failing  # type: ignore[method-assign]
    raised: list[BaseException] = []

    def run() -> None:
        try:
            search.run(start, time.perf_counter() + 20)
        except RuntimeError as error:
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()  # no thread left waiting for the failed solve
    assert [str(error) for error in raised] == ["solver failed"]


def test_wide_turns_give_each_kind_of_move_time_in_proportion_to_its_gains() -> None:
    from decimal import Decimal

    import pytest

    from mtosched.model.lns import _WideTurns

    turns = _WideTurns(every=8.0, now=0.0, values=(Decimal(1000),))
    assert turns.due == 8.0  # own moves first
    turns.ended("own", 8.0, (Decimal(600),))  # 50 per second
    turns.ended("wide", 10.0, (Decimal(400),))  # 100 per second
    assert turns.rates == {"own": 50.0, "wide": 100.0}
    assert turns.due == 10.0 + 2.0  # 2 s x 50 / 100, raised to a quarter of 8 s
    turns.ended("own", 18.0, (Decimal(0),))  # own: (50 + 50) / 2
    turns.ended("wide", 26.0, (Decimal(-400),))  # wide: (100 + 50) / 2
    assert turns.rates == {"own": 50.0, "wide": 75.0}
    assert turns.due == pytest.approx(26.0 + 8.0 * 50 / 75)
    for moment in range(30, 70, 2):  # wide moves that gain nothing
        turns.ended("own", float(moment), (Decimal(-1000 - moment),))
        turns.ended("wide", moment + 1.0, (Decimal(-1000 - moment),))
    assert turns.due == 69.0 + 32.0  # at most four times ``every``


def test_a_stop_during_a_wide_move_ends_it_instead_of_waiting_for_its_time() -> None:
    """Ctrl-C (``stop``) while a wide move has the cores: a waiting thread
    stops the wide solve, so the search ends in about a second, not 30 s."""
    import threading

    instance, start, search = _generated_search(
        orders=300, seed=2, tightness=0.9, wide_every=0.5, wide_time=30
    )
    stop = threading.Event()
    wide_started: list[float] = []
    solve = search._solve

    def stopped_during_wide_moves(prepared):  # type: ignore[no-untyped-def]
        if prepared.mode == "wide" and not wide_started:
            wide_started.append(time.perf_counter())
            threading.Timer(1.0, stop.set).start()
        return solve(prepared)

    search._solve = stopped_during_wide_moves  # type: ignore[method-assign]
    best = search.run(start, time.perf_counter() + 60, stop)
    assert wide_started
    assert time.perf_counter() - wide_started[0] < 5
    assert check(instance, best).ok
