"""Material pegging: which stock, supply or lead-time buy covers each need.

A planner reading a schedule asks "which purchase order is this frame waiting
for?". The answer is fixed by the spec's ``allocations.csv`` rule, applied to
the schedule alone (no solver): needs are served in order of consumption time
(ties: work order id, then step); each takes the earliest-arrived quantity
still free (stock counts as arrived at 0, supplies at their arrival), and a
lead-time buy covers only what has not arrived by the time of consumption.
Quantities stay exact (``Decimal``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mtosched.expand import ComponentSupply, MaterialNeed, ProblemData, format_quantity
from mtosched.solution import Allocation, Solution


@dataclass
class _Lot:
    """What is left of one finite receipt (stock or a supply)."""

    source: str
    arrival: int
    free: Decimal


@dataclass(frozen=True)
class _Need:
    """One material need of one placed operation, with its consumption time."""

    time: int
    work_order_id: str
    step: int
    order_id: str
    need: MaterialNeed


def allocate(data: ProblemData, solution: Solution) -> list[Allocation]:
    """Peg every material need of the schedule to its sources.

    Returns one :class:`Allocation` per (need, source) piece, in the order the
    needs are served. Raises ``ValueError`` when the schedule names an
    operation the instance does not have, or when a need cannot be covered by
    what has arrived at its start: such a schedule breaks the material rule.
    """
    lots = {
        component_id: [
            _Lot(r.source, r.time, r.quantity)
            for r in supply.receipts
            if r.quantity is not None
        ]
        for component_id, supply in data.supplies.items()
    }
    allocations: list[Allocation] = []
    for need in _needs(data, solution):
        supply = data.supplies.get(need.need.component_id)
        allocations += _serve(need, lots.get(need.need.component_id, []), supply)
    return allocations


def _needs(data: ProblemData, solution: Solution) -> list[_Need]:
    """Every need of every placed operation, in the order they are served."""
    index = {(op.work_order_id, op.step): op for op in data.operations}
    needs: list[_Need] = []
    for placed in solution.operations:
        operation = index.get((placed.work_order_id, placed.step))
        if operation is None:
            raise ValueError(
                f"the schedule has an operation the instance does not: work order "
                f"{placed.work_order_id!r}, step {placed.step}"
            )
        needs += [
            _Need(
                placed.start, placed.work_order_id, placed.step, operation.order_id, n
            )
            for n in operation.needs
        ]
    needs.sort(key=lambda n: (n.time, n.work_order_id, n.step))
    return needs


def _serve(
    need: _Need, lots: list[_Lot], supply: ComponentSupply | None
) -> list[Allocation]:
    """Cover one need from the earliest lots arrived by its start, then a buy."""
    left = need.need.quantity
    pieces: list[tuple[str, int, Decimal]] = []
    for lot in lots:  # receipts are in arrival order (expand sorts them)
        if left == 0 or lot.arrival > need.time:
            break
        if lot.free == 0:
            continue
        taken = min(lot.free, left)
        lot.free -= taken
        left -= taken
        pieces.append((lot.source, lot.arrival, taken))
    if left > 0:
        lead_time = supply.lead_time if supply is not None else None
        if lead_time is None or lead_time > need.time:
            raise ValueError(_shortage_message(need, left))
        pieces.append(("lead_time", lead_time, left))
    return [
        Allocation(
            order_id=need.order_id,
            work_order_id=need.work_order_id,
            component_id=need.need.component_id,
            quantity=quantity,
            source=source,
            available=available,
        )
        for source, available, quantity in pieces
    ]


def _shortage_message(need: _Need, missing: Decimal) -> str:
    """Say which need the schedule starts before its material has arrived."""
    return (
        f"the schedule breaks the material rule: work order {need.work_order_id} "
        f"step {need.step} starts at {need.time} needing "
        f"{format_quantity(need.need.quantity)} of {need.need.component_id}, "
        f"but {format_quantity(missing)} of it has not arrived by then"
    )
