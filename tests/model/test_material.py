"""The material rule and order selection (model/material.py, order_selection.py)."""

from __future__ import annotations

from builders import make_instance, one_step_jobs, solve_checked
from mtosched.checker import check
from mtosched.solution import ScheduledOperation, Solution, SolveStatus


def _with_component(jobs, needs, **tables):
    routings, orders = one_step_jobs(jobs)
    bom = [
        {"product_id": f"P_{job}", "component_id": component, "quantity": quantity}
        for job, (component, quantity) in needs.items()
    ]
    return make_instance(["M1"], routings, orders, bom=bom, **tables)


def test_stock_covers_everything() -> None:
    instance = _with_component(
        {"A": (5, 5, 1), "B": (5, 10, 1)},
        {"A": ("BAT", 1), "B": ("BAT", 1)},
        components=[{"component_id": "BAT", "on_hand": 2}],
    )
    assert solve_checked(instance).objective_value == 0


def test_late_component_reorders_orders() -> None:
    # A (p=10, d=15) needs a MOTOR arriving at 20; B (p=20, d=25) needs nothing.
    # A cannot end before 30 (tardiness >= 15). Running B 0-20 first and A 20-30
    # reaches that bound with B on time: optimum 15, B before A despite EDD.
    instance = _with_component(
        {"A": (10, 15, 1), "B": (20, 25, 1)},
        {"A": ("MOTOR", 1)},
        supplies=[{"component_id": "MOTOR", "quantity": 1, "arrival": 20}],
    )
    result = solve_checked(instance)
    assert result.status is SolveStatus.optimal
    assert result.objective_value == 15
    placed = {op.work_order_id: op for op in result.solution.operations}
    assert placed["B"].start == 0
    assert placed["A"].start == 20


def test_scarce_stock_goes_to_the_heavier_order() -> None:
    # One BAT in stock, one more arriving at 50. B (w=5) takes the stock and is
    # on time; A (w=1) waits for the supply: 50-60, tardiness 50.
    instance = _with_component(
        {"A": (10, 10, 1), "B": (10, 10, 5)},
        {"A": ("BAT", 1), "B": ("BAT", 1)},
        components=[{"component_id": "BAT", "on_hand": 1}],
        supplies=[
            {"supply_id": "PO-1", "component_id": "BAT", "quantity": 1, "arrival": 50}
        ],
    )
    result = solve_checked(instance)
    assert result.objective_value == 50
    pegging = {(a.order_id, a.source) for a in result.allocations}
    assert pegging == {("B", "on_hand"), ("A", "PO-1")}


def test_lead_time_makes_more_available() -> None:
    # No stock; lead time 30: both orders can run from 30 on (30-40, 40-50).
    instance = _with_component(
        {"A": (10, 40, 1), "B": (10, 50, 1)},
        {"A": ("BAT", 1), "B": ("BAT", 1)},
        components=[{"component_id": "BAT", "lead_time": 30}],
    )
    result = solve_checked(instance)
    assert result.objective_value == 0
    assert min(op.start for op in result.solution.operations) >= 30


def test_fractional_quantities_are_exact() -> None:
    # 0.3 kg per job, 0.9 kg in stock: all three fit exactly (binary floats
    # would make 0.3 * 3 > 0.9).
    instance = _with_component(
        {"A": (1, 1, 1), "B": (1, 2, 1), "C": (1, 3, 1)},
        {"A": ("PAINT", "0.3"), "B": ("PAINT", "0.3"), "C": ("PAINT", "0.3")},
        components=[{"component_id": "PAINT", "on_hand": "0.9"}],
    )
    result = solve_checked(instance)
    assert result.objective_value == 0
    assert not result.solution.unschedulable


def test_shared_shortage_leaves_out_the_lighter_order() -> None:
    # Two BAT-500 in stock, none coming. A needs 2 (w=1); B and C need 1 each
    # (w=3 and w=1). Keeping B and C (weight 4) beats keeping A (weight 1).
    instance = _with_component(
        {"A": (5, 50, 1), "B": (5, 50, 3), "C": (5, 50, 1)},
        {"A": ("BAT-500", 2), "B": ("BAT-500", 1), "C": ("BAT-500", 1)},
        components=[{"component_id": "BAT-500", "on_hand": 2}],
    )
    result = solve_checked(instance)
    assert set(result.solution.unschedulable) == {"A"}
    assert "BAT-500" in result.solution.unschedulable["A"]
    statuses = {o.order_id: o.status for o in result.orders}
    assert statuses == {"A": "unschedulable", "B": "scheduled", "C": "scheduled"}


def test_never_supplied_order_is_reported_and_rest_scheduled() -> None:
    instance = _with_component(
        {"A": (5, 50, 1), "B": (5, 50, 1)},
        {"A": ("BAT-500", 2)},
        components=[{"component_id": "BAT-500", "on_hand": 1}],
    )
    result = solve_checked(instance)
    assert result.solution.unschedulable == {
        "A": "short of BAT-500: needs 2, at most 1 available"
    }
    assert result.status is SolveStatus.optimal


def test_checker_catches_consumption_before_arrival() -> None:
    instance = _with_component(
        {"A": (10, 15, 1)},
        {"A": ("MOTOR", 1)},
        supplies=[{"component_id": "MOTOR", "quantity": 1, "arrival": 20}],
    )
    bad = Solution([ScheduledOperation("A", 1, "M1", 0, 10)])
    assert "material" in {v.kind for v in check(instance, bad).violations}


def test_frozen_consumption_totals_and_what_a_sub_model_frees() -> None:
    from decimal import Decimal

    from mtosched.model.material import FrozenConsumption

    plant = FrozenConsumption(
        [
            ("SHEET", 30, Decimal("0.25")),
            ("SHEET", 10, Decimal("1.5")),
            ("SHEET", 10, Decimal("2")),
            ("BOLT", 5, Decimal("4")),
        ]
    )
    assert plant.before("SHEET", 10) == 0  # strictly before
    assert plant.before("SHEET", 11) == Decimal("3.5")
    assert plant.before("SHEET", 31) == Decimal("3.75")
    assert plant.before("GLUE", 100) == 0
    assert plant.total("SHEET") == Decimal("3.75")
    assert plant.scale("SHEET") == 100
    freed = plant.without([("SHEET", 10, Decimal("1.5"))])
    assert freed.before("SHEET", 11) == Decimal("2")
    assert freed.total("SHEET") == Decimal("2.25")
    assert freed.before("BOLT", 6) == 4
    assert plant.before("SHEET", 11) == Decimal("3.5")  # the plant is unchanged


def test_each_supply_step_releases_what_arrives_then() -> None:
    # One unit in stock, two arriving at 10, one at 20, any quantity from the
    # lead time 30 on; five one-minute jobs need one each. The earliest
    # starts are 0, 10, 11, 20 and 30: total completion 1 + 11 + 12 + 21 + 31.
    jobs = {name: (1, 100, 1) for name in "ABCDE"}
    instance = _with_component(
        jobs,
        {name: ("CELL", 1) for name in jobs},
        components=[{"component_id": "CELL", "on_hand": 1, "lead_time": 30}],
        supplies=[
            {"supply_id": "PO-1", "component_id": "CELL", "quantity": 2, "arrival": 10},
            {"supply_id": "PO-2", "component_id": "CELL", "quantity": 1, "arrival": 20},
        ],
    )
    result = solve_checked(instance, "flow_time")
    assert result.status is SolveStatus.optimal
    assert result.objective_value == 76
    starts = sorted(op.start for op in result.solution.operations)
    assert starts == [0, 10, 11, 20, 30]


def test_a_neighbourhood_counts_what_the_frozen_schedule_consumes() -> None:
    # Two BOLTs in stock and one more at 25. A (at 0) and C (at 5) stay
    # frozen on M1, outside the window the move gives B (20 to 70 around its
    # 30-50), and take both in stock. B, freed on its own machine, would
    # start at the window's edge, 20 (it is due at 0), but a unit is free
    # only from 25 on.
    from mtosched.expand import expand
    from mtosched.model.lns import LargeNeighbourhoodSearch, SearchSettings, _Index
    from mtosched.solution import Objective

    routings = [
        {"product_id": "P_A", "step": 1, "machine_id": "M1", "run_time": 5},
        {"product_id": "P_C", "step": 1, "machine_id": "M1", "run_time": 5},
        {"product_id": "P_B", "step": 1, "machine_id": "M2", "run_time": 20},
    ]
    orders = [
        {"order_id": job, "product_id": f"P_{job}", "due": due, "weight": 1}
        for job, due in (("A", 5), ("C", 10), ("B", 0))
    ]
    instance = make_instance(
        ["M1", "M2"],
        routings,
        orders,
        bom=[
            {"product_id": f"P_{job}", "component_id": "BOLT", "quantity": 1}
            for job in "ABC"
        ],
        components=[{"component_id": "BOLT", "on_hand": 2}],
        supplies=[{"component_id": "BOLT", "quantity": 1, "arrival": 25}],
    )
    incumbent = Solution(
        [
            ScheduledOperation("A", 1, "M1", 0, 5),
            ScheduledOperation("C", 1, "M1", 5, 10),
            ScheduledOperation("B", 1, "M2", 30, 50),
        ]
    )
    assert check(instance, incumbent).ok
    data = expand(instance)
    search = LargeNeighbourhoodSearch(
        data,
        data.schedulable_orders(),
        [Objective.weighted_tardiness],
        SearchSettings(workers=1, seed=0),
        accept=lambda solution: True,
    )
    better = search.reoptimise(_Index(data, incumbent), incumbent, ["B"], 5.0)
    assert better is not None
    assert check(instance, better).ok
    placed = {op.work_order_id: (op.start, op.end) for op in better.operations}
    assert placed == {"A": (0, 5), "C": (5, 10), "B": (25, 45)}


# ------------------------------------------------- steps known before solving
def test_steps_decided_by_the_domains_alone_are_dropped_only_when_true() -> None:
    from mtosched.model.material import _binding

    lowest, highest = 10, 30  # two consumers' starts: in [10, 20] and [12, 30]
    total = 5
    limits = [(5, 0), (15, 2), (40, 5)]
    # b=5: no consumer can start before it (0 <= 0, true); b=40: every consumer
    # starts before it (5 <= 5, true); b=15 depends on the starts.
    assert _binding(limits, lowest, highest, total) == [(15, 2)]
    # The same steps with false known rules are kept: they must fail the model.
    assert _binding([(5, -1), (15, 2), (40, 4)], lowest, highest, total) == [
        (5, -1),
        (15, 2),
        (40, 4),
    ]


def test_a_known_shortage_outside_the_domains_still_makes_the_model_infeasible() -> (
    None
):
    from ortools.sat.python import cp_model

    from mtosched.model.material import _add_supply_profile
    from mtosched.model.variables import OperationVars

    model = cp_model.CpModel()
    consumers = []
    for index in range(2):
        start = model.new_int_var(0, 10, f"s{index}")
        vars_ = OperationVars(operation=_Op(index), start=start, end=start)  # type: ignore[arg-type]
        consumers.append((vars_, 3))
    # Both must start by 10; only 5 of the 6 arrive before 20.
    _add_supply_profile(model, "C", consumers, [(20, 5)])
    assert cp_model.CpSolver().solve(model) == cp_model.INFEASIBLE
    # With 6 before 20 the rule is known true and nothing is added.
    model = cp_model.CpModel()
    start = model.new_int_var(0, 10, "s")
    vars_ = OperationVars(operation=_Op(0), start=start, end=start)  # type: ignore[arg-type]
    _add_supply_profile(model, "C", [(vars_, 6)], [(20, 6)])
    assert len(model.proto.constraints) == 0


class _Op:
    """Just enough of an operation to name an interval."""

    def __init__(self, index: int) -> None:
        self.index = index
