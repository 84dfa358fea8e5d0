"""Pegging (``allocations.csv``): hand-computed allocations on small plans."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from conftest import shipped
from mtosched import Instance, expand
from mtosched.expand import ProblemData
from mtosched.heuristic import construct
from mtosched.pegging import allocate
from mtosched.solution import Allocation, ScheduledOperation, Solution


def _data(
    orders: list[dict[str, Any]],
    components: list[dict[str, Any]],
    supplies: list[dict[str, Any]] = (),  # type: ignore[assignment]
    bom_quantity: str = "1",
) -> ProblemData:
    """Product BIKE: one step on a machine that runs 10 at once; uses TUBE."""
    return expand(
        Instance.model_validate(
            {
                "machines": [{"machine_id": "M", "capacity": 10}],
                "routings": [
                    {"product_id": "BIKE", "step": 1, "machine_id": "M", "run_time": 1}
                ],
                "bom": [
                    {
                        "product_id": "BIKE",
                        "component_id": "TUBE",
                        "quantity": bom_quantity,
                    }
                ],
                "components": components,
                "supplies": list(supplies),
                "orders": orders,
            }
        )
    )


def _order(order_id: str, quantity: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "product_id": "BIKE",
        "quantity": quantity,
        "due": 100,
    }


def _supply(supply_id: str, quantity: str, arrival: int) -> dict[str, Any]:
    return {
        "supply_id": supply_id,
        "component_id": "TUBE",
        "quantity": quantity,
        "arrival": arrival,
    }


def _at(*starts: tuple[str, int]) -> Solution:
    return Solution(
        [ScheduledOperation(wo, 1, "M", start, start + 5) for wo, start in starts]
    )


def _rows(allocations: list[Allocation]) -> list[tuple[str, str, str, int]]:
    return [
        (a.work_order_id, str(a.quantity), a.source, a.available) for a in allocations
    ]


def test_split_across_stock_two_supplies_and_a_lead_time_buy() -> None:
    # TUBE: 3 on hand, PO-A 2 at t=5, PO-B 4 at t=10, unlimited from t=20.
    # O1 (2) at 0: stock 2 (1 left).
    # O2 (4) at 10: stock 1, PO-A 2, PO-B 1 (3 left of PO-B).
    # O3 (5) at 25: PO-B 3; the 2 still missing are bought (available 20).
    data = _data(
        [_order("O1", "2"), _order("O2", "4"), _order("O3", "5")],
        [{"component_id": "TUBE", "on_hand": 3, "lead_time": 20}],
        [
            _supply("PO-A", "2", 5),
            _supply("PO-B", "4", 10),
        ],
    )
    # Listed out of time order on purpose: pegging sorts by consumption time.
    allocations = allocate(data, _at(("O3", 25), ("O1", 0), ("O2", 10)))
    assert _rows(allocations) == [
        ("O1", "2", "on_hand", 0),
        ("O2", "1", "on_hand", 0),
        ("O2", "2", "PO-A", 5),
        ("O2", "1", "PO-B", 10),
        ("O3", "3", "PO-B", 10),
        ("O3", "2", "lead_time", 20),
    ]
    assert all(a.component_id == "TUBE" for a in allocations)
    assert [a.order_id for a in allocations] == ["O1", "O2", "O2", "O2", "O3", "O3"]


def test_supply_arriving_at_t_can_be_consumed_at_t() -> None:
    data = _data(
        [_order("O1", "2")],
        [{"component_id": "TUBE", "on_hand": 0}],
        [_supply("PO-A", "2", 7)],
    )
    assert _rows(allocate(data, _at(("O1", 7)))) == [("O1", "2", "PO-A", 7)]


def test_starting_before_the_supply_arrives_breaks_the_material_rule() -> None:
    data = _data(
        [_order("O1", "2")],
        [{"component_id": "TUBE", "on_hand": 1}],
        [_supply("PO-A", "2", 7)],
    )
    with pytest.raises(ValueError, match=r"O1 step 1 starts at 6 .* 1 of it"):
        allocate(data, _at(("O1", 6)))


def test_starting_before_the_lead_time_breaks_the_material_rule() -> None:
    data = _data([_order("O1", "2")], [{"component_id": "TUBE", "lead_time": 30}])
    with pytest.raises(ValueError, match="material rule"):
        allocate(data, _at(("O1", 29)))
    assert _rows(allocate(data, _at(("O1", 30)))) == [("O1", "2", "lead_time", 30)]


def test_a_supply_arriving_after_the_lead_time_is_used_before_buying() -> None:
    # Lead time 20; PO-C (1) arrives at 22, before the need at 25: it is
    # "arrived by then", so only the remaining 2 are bought.
    data = _data(
        [_order("O1", "3")],
        [{"component_id": "TUBE", "lead_time": 20}],
        [_supply("PO-C", "1", 22)],
    )
    assert _rows(allocate(data, _at(("O1", 25)))) == [
        ("O1", "1", "PO-C", 22),
        ("O1", "2", "lead_time", 20),
    ]


def test_ties_in_time_are_served_by_work_order_id() -> None:
    # Both start at 0; stock 3: B-2 is served after A-1 although listed first.
    data = _data(
        [_order("B-2", "2"), _order("A-1", "2")],
        [{"component_id": "TUBE", "on_hand": 3}],
        [_supply("PO-A", "1", 0)],
    )
    assert _rows(allocate(data, _at(("B-2", 0), ("A-1", 0)))) == [
        ("A-1", "2", "on_hand", 0),
        ("B-2", "1", "on_hand", 0),
        ("B-2", "1", "PO-A", 0),
    ]


def test_fractional_quantities_stay_exact() -> None:
    # 0.1 m of tube per unit: 3 units need exactly 0.3 (binary floats would not).
    data = _data(
        [_order("O1", "3"), _order("O2", "1")],
        [{"component_id": "TUBE", "on_hand": "0.35"}],
        [_supply("PO-A", "0.05", 1)],
        bom_quantity="0.1",
    )
    allocations = allocate(data, _at(("O1", 0), ("O2", 1)))
    assert _rows(allocations) == [
        ("O1", "0.3", "on_hand", 0),
        ("O2", "0.05", "on_hand", 0),
        ("O2", "0.05", "PO-A", 1),
    ]
    assert sum(a.quantity for a in allocations) == Decimal("0.4")


def test_child_work_order_needs_are_pegged_to_the_customer_order() -> None:
    instance = Instance.model_validate(
        {
            "machines": [{"machine_id": "M"}],
            "routings": [
                {"product_id": "BIKE", "step": 1, "machine_id": "M", "run_time": 1},
                {"product_id": "FRAME", "step": 1, "machine_id": "M", "run_time": 1},
            ],
            "bom": [
                {"product_id": "BIKE", "component_id": "FRAME", "quantity": 1},
                {"product_id": "FRAME", "component_id": "TUBE", "quantity": 2},
            ],
            "components": [{"component_id": "TUBE", "on_hand": 4}],
            "orders": [{"order_id": "SO-1", "product_id": "BIKE", "due": 10}],
        }
    )
    solution = Solution(
        [
            ScheduledOperation("SO-1/FRAME", 1, "M", 0, 1),
            ScheduledOperation("SO-1", 1, "M", 1, 2),
        ]
    )
    [allocation] = allocate(expand(instance), solution)
    assert allocation == Allocation(
        "SO-1", "SO-1/FRAME", "TUBE", Decimal(2), "on_hand", 0
    )


def test_no_needs_no_allocations() -> None:
    data = _data([_order("O1", "1")], [{"component_id": "TUBE", "on_hand": 1}])
    assert allocate(data, Solution([])) == []


def test_an_operation_unknown_to_the_instance_is_reported() -> None:
    data = _data([_order("O1", "1")], [{"component_id": "TUBE", "on_hand": 1}])
    with pytest.raises(ValueError, match="'NOPE', step 1"):
        allocate(data, _at(("NOPE", 0)))


def test_pegging_a_heuristic_plan_of_the_ebike_plant_covers_every_need_in_time() -> (
    None
):
    data = expand(shipped("ebike"))
    solution = construct(data)
    allocations = allocate(data, solution)
    starts = {(op.work_order_id, op.step): op.start for op in solution.operations}
    needed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    consumed_at: dict[tuple[str, str], int] = {}
    for operation in data.operations:
        if (operation.work_order_id, operation.step) in starts:
            for need in operation.needs:
                key = (operation.work_order_id, need.component_id)
                needed[key] += need.quantity
                consumed_at[key] = starts[(operation.work_order_id, operation.step)]
    covered: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    per_source: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for allocation in allocations:
        key = (allocation.work_order_id, allocation.component_id)
        covered[key] += allocation.quantity
        per_source[(allocation.component_id, allocation.source)] += allocation.quantity
        assert allocation.available <= consumed_at[key]
    assert covered == needed and needed
    receipts = {
        (component_id, receipt.source): receipt.quantity
        for component_id, supply in data.supplies.items()
        for receipt in supply.receipts
    }
    for (component_id, source), quantity in per_source.items():
        limit = receipts[(component_id, source)]
        assert limit is None or quantity <= limit  # None: a lead-time buy
