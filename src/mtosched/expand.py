"""Expansion: customer orders become work orders, operations and material needs.

Everything the model, the heuristic and the writers need is computed here once:
durations per eligible machine (exact decimal arithmetic, rounded up), routing
and child-before-parent precedences, integer times, supply profiles, the
pre-solve supply check and a horizon. Model code then only loops over this data.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from mtosched.domain import Instance, Rounding
from mtosched.domain.tables import RoutingRow
from mtosched.solution import ScheduledOperation, Solution


@dataclass(frozen=True)
class Mode:
    """One way to run an operation: on this machine, taking this long."""

    machine_id: str
    duration: int


@dataclass(frozen=True)
class MaterialNeed:
    """Units of a purchased component an operation consumes at its start."""

    component_id: str
    quantity: Decimal


@dataclass
class Operation:
    """One routing step of one work order, to be placed on one machine."""

    index: int
    work_order_id: str
    order_id: str
    step: int
    name: str
    modes: tuple[Mode, ...]
    needs: tuple[MaterialNeed, ...] = ()
    predecessors: tuple[int, ...] = ()

    @property
    def min_duration(self) -> int:
        """The shortest duration over eligible machines."""
        return min(mode.duration for mode in self.modes)

    @property
    def max_duration(self) -> int:
        """The longest duration over eligible machines."""
        return max(mode.duration for mode in self.modes)

    def duration_on(self, machine_id: str) -> int | None:
        """Duration on ``machine_id``; ``None`` when it is not eligible."""
        for mode in self.modes:
            if mode.machine_id == machine_id:
                return mode.duration
        return None


@dataclass
class WorkOrder:
    """A product or subassembly made for one customer order."""

    work_order_id: str
    parent_id: str | None
    order_id: str
    product_id: str
    quantity: Decimal
    operations: list[int] = field(default_factory=list)
    consumer: int | None = None  # the parent's operation that consumes it


@dataclass
class OrderPlan:
    """A customer order with integer times and its place in the expansion."""

    order_id: str
    product_id: str
    quantity: Decimal
    release: int
    due: int
    weight: Decimal
    customer: str
    work_orders: list[str]
    operations: list[int]
    final_operation: int
    shortage: str | None = None  # why it can never be supplied, if so
    #: Total quantity of each purchased component the order consumes.
    needs: dict[str, Decimal] = field(default_factory=dict)

    @property
    def schedulable(self) -> bool:
        """False when the pre-solve supply check rules the order out."""
        return self.shortage is None


@dataclass
class Receipt:
    """Quantity of a component that becomes available at a time."""

    source: str  # "on_hand", a supply_id, or "lead_time"
    time: int
    quantity: Decimal | None  # None: unlimited (a lead-time buy)


@dataclass
class ComponentSupply:
    """Everything that can cover a purchased component, in arrival order."""

    component_id: str
    receipts: list[Receipt]
    lead_time: int | None

    @cached_property
    def finite_total(self) -> Decimal:
        """Stock plus every scheduled receipt (lead-time buys excluded)."""
        return sum(
            (r.quantity for r in self.receipts if r.quantity is not None), Decimal(0)
        )

    def available_at(self, time: int) -> Decimal | None:
        """Cumulative quantity available at ``time``; ``None`` means unlimited."""
        if self.lead_time is not None and time >= self.lead_time:
            return None
        return sum(
            (
                r.quantity
                for r in self.receipts
                if r.quantity is not None and r.time <= time
            ),
            Decimal(0),
        )


@dataclass
class ProblemData:
    """The instance expanded into what the scheduler places."""

    instance: Instance
    orders: dict[str, OrderPlan]
    work_orders: dict[str, WorkOrder]
    operations: list[Operation]
    capacity: dict[str, int]
    downtime: dict[str, list[tuple[int, int]]]
    supplies: dict[str, ComponentSupply]
    horizon: int
    #: Operations that must stay exactly where they are (rescheduling: work
    #: already started keeps its machine and times), by operation index.
    pinned: dict[int, ScheduledOperation] = field(default_factory=dict)
    #: Nothing that is not pinned may start before this time (rescheduling "now").
    not_before: int = 0
    #: Cached (earliest starts, earliest ends): see :meth:`earliest_starts`.
    _earliest: tuple[list[int], list[int]] | None = field(
        default=None, repr=False, compare=False
    )
    _tails: list[int] | None = field(default=None, repr=False, compare=False)

    def order_of(self, operation: Operation) -> OrderPlan:
        """The customer order an operation serves."""
        return self.orders[operation.order_id]

    def schedulable_orders(self) -> list[OrderPlan]:
        """Orders that pass the pre-solve supply check."""
        return [order for order in self.orders.values() if order.schedulable]

    def earliest_starts(self) -> list[int]:
        """A lower bound on each operation's start (release, chains, material,
        downtime).

        Used to tighten variable domains and to aim the neighbourhood search
        at tardiness that can be avoided. An operation cannot straddle its
        machine's downtime, so on each eligible machine it starts no earlier
        than the first gap after its other bounds that holds it; a short
        rush order whose one assembly machine is down when its parts are
        ready is late whatever the rest of the plant does. Computed once and
        cached (the data does not change after expansion).
        """
        return self._earliest_bounds()[0]

    def earliest_ends(self) -> list[int]:
        """A lower bound on each operation's end (see :meth:`earliest_starts`)."""
        return self._earliest_bounds()[1]

    def _earliest_bounds(self) -> tuple[list[int], list[int]]:
        if self._earliest is not None:
            return self._earliest
        earliest = [0] * len(self.operations)
        ends = [0] * len(self.operations)
        for operation in self.operations:  # predecessors come first by construction
            pinned = self.pinned.get(operation.index)
            if pinned is not None:
                earliest[operation.index] = pinned.start
                ends[operation.index] = pinned.end
                continue
            bound = max(self.orders[operation.order_id].release, self.not_before)
            for pred in operation.predecessors:
                bound = max(bound, ends[pred])
            for need in operation.needs:
                bound = max(
                    bound, self.material_ready(need.component_id, need.quantity)
                )
            fitted = [
                (
                    clear_of_downtime(
                        self.downtime.get(mode.machine_id, []), bound, mode.duration
                    ),
                    mode.duration,
                )
                for mode in operation.modes
            ]
            earliest[operation.index] = min(start for start, _ in fitted)
            ends[operation.index] = min(start + duration for start, duration in fitted)
        self._earliest = earliest, ends
        return self._earliest

    def placements(self, solution: Solution) -> dict[int, ScheduledOperation]:
        """The placed operations of ``solution`` by operation index."""
        placed = solution.by_key()
        found = {}
        for operation in self.operations:
            where = placed.get((operation.work_order_id, operation.step))
            if where is not None:
                found[operation.index] = where
        return found

    def successors(self) -> dict[int, list[int]]:
        """Operation index -> the operations that must wait for it."""
        successors: dict[int, list[int]] = defaultdict(list)
        for operation in self.operations:
            for pred in operation.predecessors:
                successors[pred].append(operation.index)
        return successors

    def tails(self) -> list[int]:
        """Minimum time from each operation's start to its order's completion."""
        if self._tails is not None:
            return self._tails
        tail = [0] * len(self.operations)
        successors = self.successors()
        for operation in reversed(self.operations):
            after = max((tail[s] for s in successors[operation.index]), default=0)
            tail[operation.index] = operation.min_duration + after
        self._tails = tail
        return tail

    def steady_heads(self, placement: dict[int, ScheduledOperation]) -> dict[int, int]:
        """For a search that moves the operations of a valid schedule: per
        placed operation, an earliest start that keeps material and releases
        right however the others move.

        It is the order's release, "now" (``not_before``), and for each
        component it consumes the earlier of its current start and the time
        the receipts cover the component's whole scheduled consumption:
        starting later than its current start never starves anyone, starting
        after that time cannot either. (Pinned operations get one too;
        searches leave them where they are.)
        """
        consumed: dict[str, Decimal] = defaultdict(Decimal)
        for index in placement:
            for need in self.operations[index].needs:
                consumed[need.component_id] += need.quantity
        # a valid schedule's consumption is covered: this is the receipt (or
        # lead time) that covers it
        covered = {c: self.material_ready(c, total) for c, total in consumed.items()}
        heads = {}
        for index, where in placement.items():
            operation = self.operations[index]
            head = max(self.orders[operation.order_id].release, self.not_before)
            for need in operation.needs:
                head = max(head, min(where.start, covered[need.component_id]))
            heads[index] = head
        return heads

    def material_ready(self, component_id: str, quantity: Decimal) -> int:
        """Earliest time at which ``quantity`` could be available (alone)."""
        supply = self.supplies.get(component_id)
        if supply is None:
            return 0
        total = Decimal(0)
        for receipt in supply.receipts:
            if receipt.quantity is None:
                return receipt.time
            total += receipt.quantity
            if total >= quantity:
                return receipt.time
        return supply.lead_time if supply.lead_time is not None else 0


def clear_of_downtime(windows: list[tuple[int, int]], start: int, duration: int) -> int:
    """Earliest t >= start with [t, t + duration) free of every window.

    ``windows`` are sorted and disjoint (as :func:`merge_spans` leaves them).
    Zero-length work is left where it is: it occupies nothing.
    """
    if duration <= 0:
        return start
    position = max(bisect.bisect_right(windows, (start, math.inf)) - 1, 0)
    t = start
    for begin, end in windows[position:]:
        if end <= t:
            continue
        if begin >= t + duration:
            break
        t = end
    return t


def operation_duration(row: RoutingRow, quantity: Decimal) -> int:
    """``setup_time + run_time * quantity``, exact, rounded up to a whole unit."""
    return math.ceil(
        Fraction(row.setup_time) + Fraction(row.run_time) * Fraction(quantity)
    )


def format_quantity(quantity: Decimal | Fraction | int) -> str:
    """A quantity as a planner writes it: ``2``, ``0.75``, never ``2.000``."""
    if isinstance(quantity, Fraction):
        if quantity.denominator == 1:
            return str(quantity.numerator)
        quantity = Decimal(quantity.numerator) / Decimal(quantity.denominator)
    value = Decimal(quantity)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


class _Expander:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.routing: dict[str, dict[int, list[RoutingRow]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for row in instance.routings:
            self.routing[row.product_id][row.step].append(row)
        self.bom = defaultdict(list)
        for line in instance.bom:
            self.bom[line.product_id].append(line)
        self.operations: list[Operation] = []
        self.work_orders: dict[str, WorkOrder] = {}
        self.created: list[str] = []  # work order ids of the order being expanded
        self._modes: dict[tuple[str, int, Decimal], tuple[tuple[Mode, ...], str]] = {}

    def step_modes(
        self, product_id: str, step: int, quantity: Decimal
    ) -> tuple[tuple[Mode, ...], str]:
        """Eligible machines with exact durations, and the step's display name.

        Cached: plants repeat the same products in the same quantities a lot.
        """
        key = (product_id, step, quantity)
        if key not in self._modes:
            rows = self.routing[product_id][step]
            modes = tuple(
                Mode(row.machine_id, operation_duration(row, quantity)) for row in rows
            )
            name = next((row.operation for row in rows if row.operation), None)
            self._modes[key] = (modes, name or f"step {step}")
        return self._modes[key]

    def work_order(
        self,
        work_order_id: str,
        product_id: str,
        quantity: Decimal,
        order_id: str,
        parent_id: str | None,
    ) -> WorkOrder:
        """Expand one work order and, depth first, its children.

        Children are created before the parent's operations so that every
        operation's predecessors have smaller indices (a topological order).
        """
        work_order = WorkOrder(work_order_id, parent_id, order_id, product_id, quantity)
        self.work_orders[work_order_id] = work_order
        self.created.append(work_order_id)
        steps = sorted(self.routing[product_id])
        first_step = steps[0]
        child_last_ops: dict[int, list[int]] = defaultdict(list)
        needs: dict[int, list[MaterialNeed]] = defaultdict(list)
        children: list[WorkOrder] = []
        for line in self.bom[product_id]:
            step = line.step if line.step is not None else first_step
            need = quantity * line.quantity
            if line.component_id in self.routing:
                child = self.work_order(
                    f"{work_order_id}/{line.component_id}",
                    line.component_id,
                    need,
                    order_id,
                    work_order_id,
                )
                child_last_ops[step].append(child.operations[-1])
                children.append(child)
            else:
                needs[step].append(MaterialNeed(line.component_id, need))
        previous: int | None = None
        consumer_of_step: dict[int, int] = {}
        for step in steps:
            modes, name = self.step_modes(product_id, step, quantity)
            predecessors = [] if previous is None else [previous]
            predecessors += child_last_ops[step]
            operation = Operation(
                index=len(self.operations),
                work_order_id=work_order_id,
                order_id=order_id,
                step=step,
                name=name,
                modes=modes,
                needs=tuple(needs[step]),
                predecessors=tuple(predecessors),
            )
            self.operations.append(operation)
            work_order.operations.append(operation.index)
            consumer_of_step[step] = operation.index
            previous = operation.index
        for line, child in zip(
            [b for b in self.bom[product_id] if b.component_id in self.routing],
            children,
            strict=True,
        ):
            step = line.step if line.step is not None else first_step
            child.consumer = consumer_of_step[step]
        return work_order


def expand(instance: Instance) -> ProblemData:
    """Expand a validated instance into work orders, operations and supplies."""
    expander = _Expander(instance)
    orders: dict[str, OrderPlan] = {}
    for order in instance.orders:
        first_operation = len(expander.operations)
        expander.created = []
        top = expander.work_order(
            order.order_id, order.product_id, order.quantity, order.order_id, None
        )
        orders[order.order_id] = OrderPlan(
            order_id=order.order_id,
            product_id=order.product_id,
            quantity=order.quantity,
            release=max(0, instance.time(order.release, Rounding.up)),
            due=instance.time(order.due, Rounding.down),
            weight=order.weight,
            customer=order.customer,
            work_orders=expander.created,
            operations=list(range(first_operation, len(expander.operations))),
            final_operation=top.operations[-1],
        )
    supplies = _supplies(instance)
    _check_supply(orders, expander.operations, supplies)
    capacity = {machine.machine_id: machine.capacity for machine in instance.machines}
    downtime = _downtime(instance)
    data = ProblemData(
        instance=instance,
        orders=orders,
        work_orders=expander.work_orders,
        operations=expander.operations,
        capacity=capacity,
        downtime=downtime,
        supplies=supplies,
        horizon=0,
    )
    data.horizon = _horizon(data)
    return data


def _supplies(instance: Instance) -> dict[str, ComponentSupply]:
    """Stock, scheduled receipts and lead-time buys for each purchased component."""
    made = instance.made_items()
    purchased = {c.component_id for c in instance.components}
    purchased |= {b.component_id for b in instance.bom if b.component_id not in made}
    purchased |= {s.component_id for s in instance.supplies}
    result: dict[str, ComponentSupply] = {}
    components = {c.component_id: c for c in instance.components}
    for component_id in sorted(purchased):
        receipts: list[Receipt] = []
        component = components.get(component_id)
        if component is not None and component.on_hand > 0:
            receipts.append(Receipt("on_hand", 0, component.on_hand))
        for supply in instance.supplies:
            if supply.component_id == component_id:
                arrival = max(0, instance.time(supply.arrival, Rounding.up))
                receipts.append(
                    Receipt(str(supply.supply_id), arrival, supply.quantity)
                )
        lead_time = None
        if component is not None and component.lead_time is not None:
            lead_time = instance.time(component.lead_time, Rounding.up)
            receipts.append(Receipt("lead_time", lead_time, None))
        receipts.sort(key=lambda r: (r.time, r.quantity is None))
        result[component_id] = ComponentSupply(component_id, receipts, lead_time)
    return result


def _check_supply(
    orders: dict[str, OrderPlan],
    operations: list[Operation],
    supplies: dict[str, ComponentSupply],
) -> None:
    """Mark orders whose needs exceed everything that will ever arrive."""
    for order in orders.values():
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for index in order.operations:
            for need in operations[index].needs:
                totals[need.component_id] += need.quantity
        order.needs = dict(totals)
        reasons = []
        for component_id, total in sorted(totals.items()):
            supply = supplies[component_id]
            if supply.lead_time is not None:
                continue
            if total > supply.finite_total:
                reasons.append(
                    f"short of {component_id}: needs {format_quantity(total)}, "
                    f"at most {format_quantity(supply.finite_total)} available"
                )
        if reasons:
            order.shortage = "; ".join(reasons)


def _downtime(instance: Instance) -> dict[str, list[tuple[int, int]]]:
    """Downtime windows in whole units, widened, merged and clipped at t = 0."""
    windows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for window in instance.downtime:
        start = max(0, instance.time(window.start, Rounding.down))
        end = instance.time(window.end, Rounding.up)
        if end > start:
            windows[window.machine_id].append((start, end))
    return {machine_id: merge_spans(spans) for machine_id, spans in windows.items()}


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint spans covering the same time (touching ones joined)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def pin(
    data: ProblemData, pinned: dict[int, ScheduledOperation], not_before: int
) -> ProblemData:
    """A copy of ``data`` with operations pinned in place and a "now".

    Used by rescheduling: started work stays, nothing new starts before now.
    """
    from dataclasses import replace

    pinned_data = replace(
        data, pinned=dict(pinned), not_before=not_before, _earliest=None, _tails=None
    )
    pinned_data.horizon = _horizon(pinned_data)
    return pinned_data


def _horizon(data: ProblemData) -> int:
    """An end time that some optimal schedule respects, derived from the data.

    From the moment everything is released and every receipt has arrived, a
    schedule without needless idle time always has an operation running or a
    machine down, so it ends by that moment plus all work and all downtime.
    """
    orders = data.schedulable_orders()
    ready = max((order.release for order in orders), default=0)
    ready = max(ready, data.not_before)
    ready = max([ready, *(p.end for p in data.pinned.values())])
    for supply in data.supplies.values():
        for receipt in supply.receipts:
            ready = max(ready, receipt.time)
    work = sum(
        data.operations[index].max_duration
        for order in orders
        for index in order.operations
    )
    longest: dict[str, int] = defaultdict(int)
    for order in orders:
        for index in order.operations:
            for mode in data.operations[index].modes:
                longest[mode.machine_id] = max(longest[mode.machine_id], mode.duration)
    # A window also forces idle time before it: work that does not fit in the
    # gap waits for the window's end (at most the longest operation there - 1).
    down = sum(
        end - max(start, 0) + max(0, longest[machine] - 1)
        for machine, spans in data.downtime.items()
        for start, end in spans
    )
    return ready + work + down + 1
