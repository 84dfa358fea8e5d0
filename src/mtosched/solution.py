"""What a solve produces: the schedule and the figures derived from it.

Pure data (no solver imports). ``Solution`` is the schedule itself, the only
thing the independent checker trusts; ``Result`` wraps it with the solver's
status, objective, bound and timing, and the per-order figures and pegging
computed from it, each convertible to a pandas DataFrame.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mtosched.expand import ProblemData


class SolveStatus(StrEnum):
    """How a solve ended."""

    optimal = "optimal"
    feasible = "feasible"
    no_solution = "no_solution"  # the time limit ended without a schedule
    infeasible = "infeasible"  # proven: no schedule exists
    invalid = "invalid"  # the model or parameters were rejected

    @property
    def has_schedule(self) -> bool:
        """True for optimal and feasible."""
        return self in (SolveStatus.optimal, SolveStatus.feasible)


class Objective(StrEnum):
    """What the solver minimises (the CLI also accepts hyphens)."""

    weighted_tardiness = "weighted_tardiness"
    late_orders = "late_orders"  # weighted count of late orders
    max_lateness = "max_lateness"
    makespan = "makespan"
    flow_time = "flow_time"  # sum of completion - release over orders

    @classmethod
    def parse(cls, text: str) -> Objective:
        """Read ``weighted-tardiness`` or ``weighted_tardiness``."""
        return cls(text.strip().replace("-", "_"))

    @classmethod
    def parse_list(cls, text: str) -> list[Objective]:
        """Read a lexicographic list such as ``late-orders,weighted-tardiness``."""
        return [cls.parse(part) for part in text.split(",") if part.strip()]


@dataclass(frozen=True)
class ScheduledOperation:
    """One operation placed on a machine, ``[start, end)`` in whole time units."""

    work_order_id: str
    step: int
    machine_id: str
    start: int
    end: int


@dataclass
class Solution:
    """A schedule: the placed operations and the orders left out (with why)."""

    operations: list[ScheduledOperation]
    unschedulable: dict[str, str] = field(default_factory=dict)

    def by_key(self) -> dict[tuple[str, int], ScheduledOperation]:
        """Placed operations keyed by (work order, step)."""
        return {(op.work_order_id, op.step): op for op in self.operations}

    def replaced(self, placed: Iterable[ScheduledOperation]) -> Solution:
        """This schedule with the given operations placed anew (in the same
        order of operations, with the same orders left out)."""
        new = {(op.work_order_id, op.step): op for op in placed}
        return Solution(
            [new.get((op.work_order_id, op.step), op) for op in self.operations],
            dict(self.unschedulable),
        )


@dataclass(frozen=True)
class OrderResult:
    """Per-order figures (empty for unschedulable orders)."""

    order_id: str
    product_id: str
    quantity: Decimal
    release: int
    due: int
    weight: Decimal
    completion: int | None
    status: str  # "scheduled" or "unschedulable"
    reason: str = ""

    @property
    def lateness(self) -> int | None:
        """Completion minus due (negative when early)."""
        return None if self.completion is None else self.completion - self.due

    @property
    def tardiness(self) -> int | None:
        """Lateness, but never below zero."""
        return None if self.lateness is None else max(0, self.lateness)

    @property
    def late(self) -> bool | None:
        """Completion after due."""
        return None if self.completion is None else self.completion > self.due


@dataclass(frozen=True)
class Allocation:
    """Pegging: which stock, supply or lead-time buy covers a work order's need."""

    order_id: str
    work_order_id: str
    component_id: str
    quantity: Decimal
    source: str  # "on_hand", a supply_id, or "lead_time"
    available: int


@dataclass
class Result:
    """The outcome of :func:`mtosched.solve`."""

    status: SolveStatus
    objective: list[Objective]
    objective_value: Decimal | None
    best_bound: Decimal | None
    wall_time: float
    data: ProblemData
    solution: Solution | None = None
    orders: list[OrderResult] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    stage_values: list[Decimal | None] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """(objective − bound) / max(|objective|, 1)."""
        if self.objective_value is None or self.best_bound is None:
            return None
        value = float(self.objective_value)
        return (value - float(self.best_bound)) / max(abs(value), 1.0)

    def schedule_frame(self) -> pd.DataFrame:
        """One row per scheduled operation (the ``schedule.csv`` columns)."""
        from mtosched.io.writers import schedule_frame

        return schedule_frame(self)

    def orders_frame(self) -> pd.DataFrame:
        """One row per order (the ``orders.csv`` columns)."""
        from mtosched.io.writers import orders_frame

        return orders_frame(self)

    def allocations_frame(self) -> pd.DataFrame:
        """Material pegging (the ``allocations.csv`` columns)."""
        from mtosched.io.writers import allocations_frame

        return allocations_frame(self)

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` content."""
        from mtosched.io.writers import summary

        return summary(self)
