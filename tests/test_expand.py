"""Expansion of orders into work orders, operations and material needs.

The instances are small enough to expand by hand; each expected value below is
worked out in a comment.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from mtosched import instance_from_dict
from mtosched.expand import (
    MaterialNeed,
    Mode,
    ProblemData,
    Receipt,
    expand,
    format_quantity,
)


def three_level(**tables: Any) -> dict[str, Any]:
    """BIKE <- FRAME <- TUBE (made) <- STEEL (bought); WHEEL, BAT-500 bought.

    BIKE   10 assemble on ASSY (2/unit)     consumes FRAME (1) and WHEEL (2)
           20 paint on PAINT (3 + 0.5/unit) or PAINT2 (0.3/unit), consumes BAT-500
    FRAME  10 weld on WELD (1.5/unit)       consumes TUBE (3 per frame)
           20 grind on GRIND (0.25/unit)
    TUBE   10 cut on SAW (0.1/unit)         consumes STEEL (0.4 kg per tube)
    """
    data: dict[str, Any] = {
        "machines": [
            {"machine_id": m} for m in ("ASSY", "PAINT", "PAINT2", "WELD", "GRIND")
        ]
        + [{"machine_id": "SAW"}],
        "routings": [
            {"product_id": "BIKE", "step": 10, "machine_id": "ASSY", "run_time": 2},
            {
                "product_id": "BIKE",
                "step": 20,
                "machine_id": "PAINT",
                "run_time": "0.5",
                "setup_time": 3,
                "operation": "paint",
            },
            {
                "product_id": "BIKE",
                "step": 20,
                "machine_id": "PAINT2",
                "run_time": "0.3",
            },
            {"product_id": "FRAME", "step": 10, "machine_id": "WELD", "run_time": 1.5},
            {
                "product_id": "FRAME",
                "step": 20,
                "machine_id": "GRIND",
                "run_time": 0.25,
            },
            {"product_id": "TUBE", "step": 10, "machine_id": "SAW", "run_time": 0.1},
        ],
        "bom": [
            {"product_id": "BIKE", "component_id": "FRAME", "quantity": 1, "step": 10},
            {"product_id": "BIKE", "component_id": "WHEEL", "quantity": 2},
            {
                "product_id": "BIKE",
                "component_id": "BAT-500",
                "quantity": 1,
                "step": 20,
            },
            {"product_id": "FRAME", "component_id": "TUBE", "quantity": 3},
            {"product_id": "TUBE", "component_id": "STEEL", "quantity": "0.4"},
        ],
        "components": [
            {"component_id": "WHEEL", "on_hand": 100},
            {"component_id": "BAT-500", "on_hand": 100},
            {"component_id": "STEEL", "on_hand": 1000},
        ],
        "orders": [
            {"order_id": "SO-1", "product_id": "BIKE", "quantity": 10, "due": 500}
        ],
    }
    data.update(tables)
    return data


@pytest.fixture
def bikes() -> ProblemData:
    return expand(instance_from_dict(three_level()))


def test_work_order_ids_and_quantities(bikes: ProblemData) -> None:
    # 10 bikes -> 10 frames -> 30 tubes.
    found = {
        wo.work_order_id: (wo.parent_id, wo.order_id, wo.product_id, wo.quantity)
        for wo in bikes.work_orders.values()
    }
    assert found == {
        "SO-1": (None, "SO-1", "BIKE", 10),
        "SO-1/FRAME": ("SO-1", "SO-1", "FRAME", 10),
        "SO-1/FRAME/TUBE": ("SO-1/FRAME", "SO-1", "TUBE", 30),
    }
    assert bikes.orders["SO-1"].work_orders == [
        "SO-1",
        "SO-1/FRAME",
        "SO-1/FRAME/TUBE",
    ]


def test_operations_are_children_first(bikes: ProblemData) -> None:
    found = [(op.work_order_id, op.step) for op in bikes.operations]
    assert found == [
        ("SO-1/FRAME/TUBE", 10),
        ("SO-1/FRAME", 10),
        ("SO-1/FRAME", 20),
        ("SO-1", 10),
        ("SO-1", 20),
    ]
    assert [op.index for op in bikes.operations] == [0, 1, 2, 3, 4]
    assert bikes.orders["SO-1"].final_operation == 4
    assert bikes.orders["SO-1"].operations == [0, 1, 2, 3, 4]


def test_exact_durations(bikes: ProblemData) -> None:
    ops = bikes.operations
    # 30 tubes * 0.1 = 3 exactly.
    assert ops[0].modes == (Mode("SAW", 3),)
    # 10 frames * 1.5 = 15; 10 * 0.25 = 2.5 -> 3.
    assert ops[1].modes == (Mode("WELD", 15),)
    assert ops[2].modes == (Mode("GRIND", 3),)
    # Alternatives: PAINT 3 + 0.5 * 10 = 8; PAINT2 0.3 * 10 = 3.
    assert ops[4].modes == (Mode("PAINT", 8), Mode("PAINT2", 3))
    assert (ops[4].min_duration, ops[4].max_duration) == (3, 8)
    assert ops[4].duration_on("PAINT2") == 3
    assert ops[4].duration_on("ASSY") is None


def test_fractional_quantities_multiply_down() -> None:
    # 3 bikes -> 3 frames -> 9 tubes; STEEL 9 * 0.4 = 3.6 kg;
    # FRAME weld 1.5 * 3 = 4.5 -> 5; TUBE cut 0.1 * 9 = 0.9 -> 1.
    # With 1.5 tubes per frame: 4.5 tubes, cut 0.45 -> 1, STEEL 1.8 kg.
    bom = three_level()["bom"]
    bom[3] = {"product_id": "FRAME", "component_id": "TUBE", "quantity": "1.5"}
    orders = [{"order_id": "SO-7", "product_id": "BIKE", "quantity": 3, "due": 99}]
    data = expand(instance_from_dict(three_level(bom=bom, orders=orders)))
    tube = data.work_orders["SO-7/FRAME/TUBE"]
    assert tube.quantity == Decimal("4.5")
    cut = data.operations[tube.operations[0]]
    assert cut.needs == (MaterialNeed("STEEL", Decimal("1.8")),)
    assert cut.modes == (Mode("SAW", 1),)
    assert data.operations[1].modes == (Mode("WELD", 5),)


def test_run_time_times_quantity_rounds_up() -> None:
    # 0.7 * 3 = 2.1 -> 3; 0.1 * 30 + setup 0 = 3; 0.1 + setup 0.2 = 0.3 -> 1;
    # 0.07 * 100 = 7 exactly, where binary floats give 7.000000000000001 -> 8.
    cases = {"A": ("0.7", 0, 3), "B": ("0.1", 0, 30), "C": ("0.1", "0.2", 1)}
    cases["D"] = ("0.07", 0, 100)
    data = instance_from_dict(
        {
            "machines": [{"machine_id": "M"}],
            "routings": [
                {
                    "product_id": product,
                    "step": 1,
                    "machine_id": "M",
                    "run_time": float(run),  # as a spreadsheet hands it over
                    "setup_time": float(setup),
                }
                for product, (run, setup, _) in cases.items()
            ],
            "orders": [
                {"order_id": product, "product_id": product, "quantity": q, "due": 9}
                for product, (_, _, q) in cases.items()
            ],
        }
    )
    assert [op.min_duration for op in expand(data).operations] == [3, 3, 1, 7]
    assert math.ceil(0.07 * 100) == 8  # the trap that exact arithmetic avoids


def test_material_needs_at_the_consuming_step(bikes: ProblemData) -> None:
    ops = bikes.operations
    # STEEL at the tube cut: 30 * 0.4 = 12; WHEEL at BIKE's first step (no step
    # given): 10 * 2 = 20; BAT-500 at step 20 as given: 10.
    assert ops[0].needs == (MaterialNeed("STEEL", Decimal(12)),)
    assert ops[1].needs == ()  # TUBE is made, not a material need
    assert ops[2].needs == ()
    assert ops[3].needs == (MaterialNeed("WHEEL", Decimal(20)),)
    assert ops[4].needs == (MaterialNeed("BAT-500", Decimal(10)),)


def test_predecessors(bikes: ProblemData) -> None:
    # FRAME weld waits for the tube cut (consumed at FRAME's first step), grind
    # follows weld, BIKE assembly waits for FRAME's last operation (grind),
    # paint follows assembly.
    assert [op.predecessors for op in bikes.operations] == [(), (0,), (1,), (2,), (3,)]
    assert bikes.work_orders["SO-1/FRAME"].consumer == 3
    assert bikes.work_orders["SO-1/FRAME/TUBE"].consumer == 1
    assert bikes.work_orders["SO-1"].consumer is None


def test_child_consumed_at_a_later_step() -> None:
    # FRAME consumed at BIKE step 20: step 20 waits for step 10 and for FRAME.
    bom = three_level()["bom"]
    bom[0] = {"product_id": "BIKE", "component_id": "FRAME", "quantity": 1, "step": 20}
    data = expand(instance_from_dict(three_level(bom=bom)))
    assert [(op.work_order_id, op.predecessors) for op in data.operations] == [
        ("SO-1/FRAME/TUBE", ()),
        ("SO-1/FRAME", (0,)),
        ("SO-1/FRAME", (1,)),
        ("SO-1", ()),
        ("SO-1", (3, 2)),
    ]
    assert data.work_orders["SO-1/FRAME"].consumer == 4


def test_two_orders_get_their_own_work_orders(bikes: ProblemData) -> None:
    orders = [
        {"order_id": "SO-1", "product_id": "BIKE", "quantity": 1, "due": 50},
        {"order_id": "SO-2", "product_id": "FRAME", "quantity": 2, "due": 50},
    ]
    data = expand(instance_from_dict(three_level(orders=orders)))
    assert list(data.work_orders) == [
        "SO-1",
        "SO-1/FRAME",
        "SO-1/FRAME/TUBE",
        "SO-2",
        "SO-2/TUBE",
    ]
    assert data.orders["SO-2"].operations == [5, 6, 7]
    assert data.operations[6].predecessors == (5,)
    assert data.work_orders["SO-2/TUBE"].quantity == 6


# ------------------------------------------------------------ pre-solve supply
def shortage_instance(**component: Any) -> dict[str, Any]:
    """One order of 2 packs, 1 BAT-500 per pack; BAT-500 stock per ``component``."""
    return {
        "machines": [{"machine_id": "PACK"}],
        "routings": [
            {"product_id": "KIT", "step": 1, "machine_id": "PACK", "run_time": 1}
        ],
        "bom": [{"product_id": "KIT", "component_id": "BAT-500", "quantity": 1}],
        "components": [{"component_id": "BAT-500", **component}],
        "orders": [
            {"order_id": "SO-1", "product_id": "KIT", "quantity": 2, "due": 10},
            {"order_id": "SO-2", "product_id": "KIT", "quantity": 1, "due": 10},
        ],
    }


def test_shortage_reason() -> None:
    data = expand(instance_from_dict(shortage_instance(on_hand=1)))
    assert data.orders["SO-1"].shortage == (
        "short of BAT-500: needs 2, at most 1 available"
    )
    assert not data.orders["SO-1"].schedulable
    # SO-2 alone can be supplied (competition between orders is the solver's).
    assert data.orders["SO-2"].schedulable
    assert [o.order_id for o in data.schedulable_orders()] == ["SO-2"]


def test_supplies_count_towards_the_total() -> None:
    instance = shortage_instance(on_hand="0.5")
    instance["supplies"] = [
        {"component_id": "BAT-500", "quantity": "0.75", "arrival": 5},
    ]
    data = expand(instance_from_dict(instance))
    assert data.orders["SO-1"].shortage == (
        "short of BAT-500: needs 2, at most 1.25 available"
    )
    instance["supplies"].append(
        {"component_id": "BAT-500", "quantity": 1, "arrival": 9}
    )
    assert expand(instance_from_dict(instance)).orders["SO-1"].schedulable


def test_lead_time_disables_the_shortage() -> None:
    data = expand(instance_from_dict(shortage_instance(on_hand=0, lead_time=20)))
    assert all(order.schedulable for order in data.orders.values())
    supply = data.supplies["BAT-500"]
    assert supply.receipts == [Receipt("lead_time", 20, None)]
    assert supply.available_at(19) == 0
    assert supply.available_at(20) is None  # unlimited from the lead time on


def test_component_without_a_components_row_has_no_stock() -> None:
    instance = shortage_instance()
    del instance["components"]
    data = expand(instance_from_dict(instance))
    assert data.orders["SO-2"].shortage == (
        "short of BAT-500: needs 1, at most 0 available"
    )


def test_every_short_component_is_named() -> None:
    # 10 bikes need 20 wheels and 10 batteries; 5 and 3 are in stock.
    components = [
        {"component_id": "WHEEL", "on_hand": 5},
        {"component_id": "BAT-500", "on_hand": 3},
        {"component_id": "STEEL", "on_hand": 1000},
    ]
    data = expand(instance_from_dict(three_level(components=components)))
    assert data.orders["SO-1"].shortage == (
        "short of BAT-500: needs 10, at most 3 available; "
        "short of WHEEL: needs 20, at most 5 available"
    )


def test_receipts_in_arrival_order_with_ids() -> None:
    instance = shortage_instance(on_hand=1, lead_time="7.5")
    instance["supplies"] = [
        {"supply_id": "PO-9", "component_id": "BAT-500", "quantity": 2, "arrival": 6},
        {"component_id": "BAT-500", "quantity": 1, "arrival": "2.5"},
    ]
    supply = expand(instance_from_dict(instance)).supplies["BAT-500"]
    # Arrival 2.5 rounds up to 3, lead time 7.5 up to 8; S2 is the default id.
    assert supply.receipts == [
        Receipt("on_hand", 0, Decimal(1)),
        Receipt("S2", 3, Decimal(1)),
        Receipt("PO-9", 6, Decimal(2)),
        Receipt("lead_time", 8, None),
    ]
    assert supply.finite_total == 4
    assert supply.available_at(2) == 1
    assert supply.available_at(3) == 2


@pytest.mark.parametrize(
    ("quantity", "text"),
    [(Decimal("2.000"), "2"), (Decimal("0.750"), "0.75"), (Decimal("1E+1"), "10")],
)
def test_format_quantity(quantity: Decimal, text: str) -> None:
    assert format_quantity(quantity) == text


# ------------------------------------------------------------- times, horizon
def test_downtime_is_widened_merged_and_clipped() -> None:
    instance = three_level(
        downtime=[
            {"machine_id": "SAW", "start": "1.5", "end": "2.2"},  # -> [1, 3)
            {"machine_id": "SAW", "start": 3, "end": 5},  # touches: merged
            {"machine_id": "SAW", "start": 10, "end": 12},
            {"machine_id": "WELD", "start": -5, "end": 2},  # clipped at 0
        ]
    )
    data = expand(instance_from_dict(instance))
    assert data.downtime == {"SAW": [(1, 5), (10, 12)], "WELD": [(0, 2)]}


def test_horizon_covers_all_work() -> None:
    # Single machine, three orders of 3, 2 and 4 units at 1 per unit, released
    # at 0, no receipts: horizon = 0 + 9 + 0 + 1.
    data = expand(
        instance_from_dict(
            {
                "machines": [{"machine_id": "M1"}],
                "routings": [
                    {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": 1}
                ],
                "orders": [
                    {"order_id": o, "product_id": "P", "quantity": q, "due": 5}
                    for o, q in (("A", 3), ("B", 2), ("C", 4))
                ],
            }
        )
    )
    assert data.horizon == 10
    assert data.capacity == {"M1": 1}
    assert data.tails() == [3, 2, 4]
    assert data.earliest_starts() == [0, 0, 0]


def test_earliest_starts_follow_chains_and_material() -> None:
    instance = three_level(
        components=[
            {"component_id": "WHEEL", "on_hand": 100},
            {"component_id": "BAT-500", "on_hand": 0},
            {"component_id": "STEEL", "on_hand": 1000},
        ],
        supplies=[{"component_id": "BAT-500", "quantity": 10, "arrival": 40}],
        orders=[
            {"order_id": "SO-1", "product_id": "BIKE", "quantity": 10, "due": 99},
        ],
    )
    data = expand(instance_from_dict(instance))
    # cut 3 -> weld 15 -> grind 3 -> assemble 20 (2 * 10): paint no earlier
    # than 41, and its batteries arrive at 40.
    assert data.earliest_starts() == [0, 3, 18, 21, 41]
    instance["orders"][0]["release"] = 30
    data = expand(instance_from_dict(instance))
    assert data.earliest_starts() == [30, 33, 48, 51, 71]


def test_horizon_leaves_room_for_idle_time_before_downtime() -> None:
    """One 4-unit operation, machine down over [2, 10): it can only run 10-14."""
    from mtosched import Instance
    from mtosched.expand import expand

    instance = Instance.model_validate(
        {
            "machines": [{"machine_id": "M1"}],
            "routings": [
                {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": 4}
            ],
            "orders": [{"order_id": "SO1", "product_id": "P", "due": 20}],
            "downtime": [{"machine_id": "M1", "start": 2, "end": 10}],
        }
    )
    assert expand(instance).horizon >= 14


def test_earliest_starts_wait_for_a_gap_in_downtime_that_holds_the_work() -> None:
    """Work cannot straddle downtime: each machine's first gap that holds it.

    M1 is down over [10, 20). A 15-unit step ready at 0 cannot run 0-15, so on
    M1 it starts at 20; its alternative M2 (18 units, never down) ends first.
    The 5-unit step after it is ready at 18, inside the downtime: it starts
    at 20. A 5-unit job ready at 0 fits before the downtime, 0-5.
    """
    from mtosched import Instance
    from mtosched.expand import expand

    instance = Instance.model_validate(
        {
            "machines": [{"machine_id": "M1"}, {"machine_id": "M2"}],
            "routings": [
                {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": 15},
                {"product_id": "P", "step": 1, "machine_id": "M2", "run_time": 18},
                {"product_id": "P", "step": 2, "machine_id": "M1", "run_time": 5},
                {"product_id": "Q", "step": 1, "machine_id": "M1", "run_time": 5},
            ],
            "orders": [
                {"order_id": "SO1", "product_id": "P", "due": 50},
                {"order_id": "SO2", "product_id": "Q", "due": 50},
            ],
            "downtime": [{"machine_id": "M1", "start": 10, "end": 20}],
        }
    )
    data = expand(instance)
    assert data.earliest_starts() == [0, 20, 0]
    assert data.earliest_ends() == [18, 25, 5]


def test_pinning_recomputes_earliest_starts_and_ends_together() -> None:
    """Both bounds are one cached pair: a pinned copy ("now" = 30) gets both
    new, even when the original had them computed already."""
    from mtosched.expand import pin

    data = expand(instance_from_dict(three_level()))
    assert data.earliest_starts()[0] == 0 and data.earliest_ends()[0] > 0
    later = pin(data, {}, not_before=30)
    assert min(later.earliest_ends()) > 30  # asked first: nothing left over
    assert min(later.earliest_starts()) >= 30
