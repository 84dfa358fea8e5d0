"""Per-order results and objective values derived from a schedule.

Used by ``solve`` to report what it found; the checker recomputes the same
figures on its own from the instance, and tests compare the two.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from mtosched.expand import ProblemData
from mtosched.solution import Objective, OrderResult, Solution


def order_results(data: ProblemData, solution: Solution) -> list[OrderResult]:
    """Completion (end of the top-level work order's last operation) per order."""
    placed = solution.by_key()
    results = []
    for order in data.orders.values():
        final = data.operations[order.final_operation]
        scheduled = placed.get((final.work_order_id, final.step))
        reason = solution.unschedulable.get(order.order_id, "")
        status = (
            "scheduled" if scheduled is not None and not reason else "unschedulable"
        )
        results.append(
            OrderResult(
                order_id=order.order_id,
                product_id=order.product_id,
                quantity=order.quantity,
                release=order.release,
                due=order.due,
                weight=order.weight,
                completion=scheduled.end
                if status == "scheduled" and scheduled
                else None,
                status=status,
                reason=reason,
            )
        )
    return results


#: Objectives that add up one share per order (see :func:`order_share`).
SUM_OBJECTIVES = frozenset(
    {Objective.weighted_tardiness, Objective.late_orders, Objective.flow_time}
)


class DatedOrder(Protocol):
    """What an order's share of an objective depends on, besides its completion."""

    @property
    def weight(self) -> Decimal:
        """Priority weight."""

    @property
    def due(self) -> int:
        """Due time."""

    @property
    def release(self) -> int:
        """Release time."""


def order_share(objective: Objective, order: DatedOrder, completion: int) -> Decimal:
    """One order's part of a sum objective, were it to complete at ``completion``."""
    if objective is Objective.weighted_tardiness:
        return order.weight * max(0, completion - order.due)
    if objective is Objective.late_orders:
        return order.weight if completion > order.due else Decimal(0)
    if objective is Objective.flow_time:
        return Decimal(completion - order.release)
    raise ValueError(f"{objective} is not a sum over orders")


def objective_value(
    objective: Objective, orders: list[OrderResult], solution: Solution
) -> Decimal:
    """The value of one objective over the scheduled orders, exactly."""
    if objective in SUM_OBJECTIVES:
        return sum(
            (
                order_share(objective, o, o.completion)
                for o in orders
                if o.completion is not None
            ),
            Decimal(0),
        )
    done = [o for o in orders if o.completion is not None]
    if objective is Objective.max_lateness:
        return Decimal(max((o.lateness or 0 for o in done), default=0))
    if objective is Objective.makespan:
        return Decimal(max((op.end for op in solution.operations), default=0))
    raise ValueError(objective)
