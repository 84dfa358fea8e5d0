"""Capable-to-promise: when can we deliver a new order without hurting others?

Sales asks "when can we deliver 3 of these?". The answer is the earliest
completion of the new order over all schedules in which no existing order is
later than in the current plan (its tardiness does not grow; with a stated
extra tardiness budget, the existing orders' total extra tardiness stays
within it). The quote comes with the schedule that achieves it and with the
material the new order would use (stock, which supply, a lead-time buy).

The quote is achievable by construction: that schedule has the new order
finish at the quoted time and every existing order within its cap, and it
passes the independent checker before it is returned. So adding the order
with the quoted due date leaves a plan at least as good as the current one:
solving that instance with the quote's plan as the reference gives the same
objective value or better (the new order on time, no order later).

Orders left out of the current plan stay out. Each inquiry of a batch is
quoted on its own against the same current plan (quotes do not reserve
capacity for each other).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtosched.checker import check
from mtosched.compaction import left_shift
from mtosched.domain import Instance, Order
from mtosched.domain.time import to_datetime
from mtosched.expand import OrderPlan, ProblemData, expand, format_quantity, pin
from mtosched.heuristic import ConstructionError, PriorityRule, construct
from mtosched.model.params import SolverParams
from mtosched.pegging import allocate
from mtosched.solution import Allocation, Result, Solution
from mtosched.solve import solve
from mtosched.workflows.times import time_from_text

if TYPE_CHECKING:
    import pandas as pd

QUOTE_COLUMNS = [
    "quote_id",
    "product_id",
    "quantity",
    "release",
    "weight",
    "status",
    "completion",
    "earliest",
    "extra_tardiness",
    "material",
    "reason",
]


@dataclass(frozen=True)
class Inquiry:
    """A sales inquiry: a product, a quantity, when it could start, a weight."""

    product_id: str
    quantity: Decimal = Decimal(1)
    release: int = 0
    weight: Decimal = Decimal(1)
    quote_id: str = "QUOTE"


@dataclass
class Quote:
    """The answer to one inquiry."""

    inquiry: Inquiry
    completion: int | None  # None: cannot be promised without hurting others
    earliest: bool  # proven the earliest possible under the caps
    extra_tardiness: Decimal
    material: list[Allocation] = field(default_factory=list)
    plan: Solution | None = None  # the schedule that achieves the quote
    data: ProblemData | None = None  # the instance with the new order, expanded
    reason: str = ""

    @property
    def promised(self) -> bool:
        """True when a completion time could be quoted."""
        return self.completion is not None

    def completion_at(self, instance: Instance) -> datetime | None:
        """The quoted completion as a datetime (when the plan has a start)."""
        settings = instance.settings
        if self.completion is None or settings.start is None:
            return None
        return to_datetime(self.completion, settings.start, settings.time_unit)

    def material_text(self) -> str:
        """The pegging of the new order, in one line."""
        from mtosched.workflows.explain import when

        def moment(time: int) -> str:
            return when(self.data, time) if self.data is not None else str(time)

        return "; ".join(
            f"{format_quantity(a.quantity)} {a.component_id} from {a.source} "
            f"(available {moment(a.available)})"
            for a in self.material
        )


def promise(
    instance: Instance,
    product: str,
    quantity: Decimal | int | str = 1,
    release: int | str | Decimal | datetime = 0,
    weight: Decimal | int | str = 1,
    base: Result | None = None,
    extra_tardiness: Decimal | int = 0,
    params: SolverParams | None = None,
) -> Quote:
    """Quote the earliest completion of a new order (see the module doc).

    ``base`` is the current plan of ``instance``; without it, ``instance`` is
    solved first (with ``params``). ``release`` is a number or an ISO
    datetime (rounded up). ``extra_tardiness`` is the total extra tardiness, in
    time units, the existing orders may take.
    """
    params = params or SolverParams()
    if base is None:
        base = solve(instance, params)
    inquiry = Inquiry(
        product_id=product,
        quantity=Decimal(str(quantity)),
        release=time_from_text(instance, release),
        weight=Decimal(str(weight)),
        quote_id=free_order_id(instance),
    )
    return quote(instance, inquiry, base, Decimal(extra_tardiness), params)


def promise_batch(
    instance: Instance,
    inquiries: Sequence[Inquiry],
    base: Result | None = None,
    extra_tardiness: Decimal | int = 0,
    params: SolverParams | None = None,
) -> list[Quote]:
    """Quote each inquiry on its own against the same current plan."""
    params = params or SolverParams()
    if base is None:
        base = solve(instance, params)
    return [
        quote(instance, i, base, Decimal(extra_tardiness), params) for i in inquiries
    ]


def quote(
    instance: Instance,
    inquiry: Inquiry,
    base: Result,
    extra_tardiness: Decimal,
    params: SolverParams,
) -> Quote:
    """One quote against the plan ``base`` of ``instance``."""
    from mtosched.model.promise import PromiseSettings, earliest_completion

    def refused(reason: str) -> Quote:
        return Quote(inquiry, None, False, extra_tardiness, reason=reason)

    if base.solution is None or not base.status.has_schedule:
        return refused(f"the current plan has no schedule ({base.status.value})")
    if inquiry.product_id not in instance.made_items():
        return refused(f"unknown product {inquiry.product_id!r} (no routing)")
    if inquiry.quantity <= 0 or inquiry.weight <= 0:
        return refused("quantity and weight must be positive")
    data = expand(with_order(instance, inquiry))
    new = data.orders[inquiry.quote_id]
    if not new.schedulable:
        return refused(str(new.shortage))
    current = base.solution
    left_out = dict(current.unschedulable)
    completions = {o.order_id: o.completion for o in base.orders}
    existing = [
        o
        for o in data.orders.values()
        if o.order_id != new.order_id and completions.get(o.order_id) is not None
    ]
    caps = {o.order_id: max(o.due, completions[o.order_id] or 0) for o in existing}
    short = _short_in_total(data, [*existing, new], new.order_id)
    if short:
        return refused(short)
    hint = _appended(data, current, left_out)
    found = earliest_completion(
        data,
        [*existing, new],
        new.order_id,
        caps,
        int(extra_tardiness),
        hint,
        current,
        PromiseSettings(
            params.time_limit,
            params.workers,
            params.seed,
            deterministic=params.deterministic,
        ),
    )
    if found.placements is None:
        return refused(_why_not(data, new.order_id, hint, found.status))
    plan = left_shift(data, Solution(found.placements, left_out))
    report = check(data.instance, plan)
    if not report.ok:  # a bug, not a quote: say so rather than promise it
        return refused("internal error: " + "; ".join(map(str, report.violations)))
    completion = report.completion[new.order_id]
    material = [a for a in allocate(data, plan) if a.order_id == new.order_id]
    return Quote(
        inquiry,
        completion,
        found.proven and completion == found.completion,
        extra_tardiness,
        material,
        plan,
        data,
    )


def with_order(instance: Instance, inquiry: Inquiry) -> Instance:
    """The instance with the inquiry as an order due as soon as released."""
    order = Order(
        order_id=inquiry.quote_id,
        product_id=inquiry.product_id,
        quantity=inquiry.quantity,
        due=Decimal(inquiry.release),
        release=Decimal(inquiry.release),
        weight=inquiry.weight,
    )
    return instance.model_copy(update={"orders": [*instance.orders, order]})


def free_order_id(instance: Instance, stem: str = "QUOTE") -> str:
    """``stem``, or ``stem-2``, ``stem-3``...: the first that is no order id."""
    taken = {o.order_id for o in instance.orders}
    candidate, number = stem, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


def _appended(
    data: ProblemData, current: Solution, left_out: dict[str, str]
) -> Solution | None:
    """The current plan with the new order placed around it (a valid hint)."""
    kept = data.placements(current)
    try:
        return construct(pin(data, kept, 0), PriorityRule.edd, excluded=left_out)
    except ConstructionError:
        return None


def _short_in_total(data: ProblemData, orders: list[OrderPlan], new_id: str) -> str:
    """Components whose stock and supplies cannot cover the plan and the new order.

    (The model assumes the orders it gets can be supplied in total, as the
    order selection guarantees for a solve.)
    """
    totals: dict[str, Decimal] = defaultdict(Decimal)
    mine: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        for index in order.operations:
            for need in data.operations[index].needs:
                totals[need.component_id] += need.quantity
                if order.order_id == new_id:
                    mine[need.component_id] += need.quantity
    reasons = []
    for component_id, wanted in sorted(mine.items()):
        supply = data.supplies[component_id]
        if supply.lead_time is None and totals[component_id] > supply.finite_total:
            left = supply.finite_total - (totals[component_id] - wanted)
            reasons.append(
                f"short of {component_id}: needs {format_quantity(wanted)}, "
                f"{format_quantity(max(left, Decimal(0)))} left after the orders "
                "in the plan"
            )
    return "; ".join(reasons)


def _why_not(
    data: ProblemData, order_id: str, hint: Solution | None, status: str
) -> str:
    if hint is None:
        needs = sorted(
            {
                need.component_id
                for index in data.orders[order_id].operations
                for need in data.operations[index].needs
            }
        )
        return (
            "its material is committed to the orders in the plan "
            f"(components: {', '.join(needs)})"
        )
    return f"no schedule found in the time limit ({status})"


# ------------------------------------------------------------------ files
def read_inquiries(instance: Instance, path: str | Path) -> list[Inquiry]:
    """Inquiries from a CSV file: product_id, quantity, release, weight.

    ``quote_id`` is optional (default ``Q<n>``, n = the 1-based data row).
    Raises ``ValueError`` naming the line and column of every bad cell.
    """
    problems: list[str] = []
    inquiries: list[Inquiry] = []
    taken = {o.order_id for o in instance.orders}
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if "product_id" not in (reader.fieldnames or []):
            raise ValueError(f"{path}: a product_id column is required")
        for number, row in enumerate(reader, start=1):
            line = reader.line_num
            try:
                inquiries.append(_inquiry(instance, row, number, taken))
            except ValueError as error:
                problems.append(f"{Path(path).name} line {line}: {error}")
    if problems:
        raise ValueError("\n".join(problems))
    return inquiries


def _inquiry(
    instance: Instance, row: dict[str, Any], number: int, taken: set[str]
) -> Inquiry:
    def cell(name: str, default: str) -> str:
        return (row.get(name) or "").strip() or default

    product = cell("product_id", "")
    if product not in instance.made_items():
        raise ValueError(f"product_id {product!r} has no routing")
    quote_id = cell("quote_id", f"Q{number}")
    if quote_id in taken:
        raise ValueError(f"quote_id {quote_id!r} is already an order id")
    values = {}
    for name, default in (("quantity", "1"), ("weight", "1")):
        try:
            values[name] = Decimal(cell(name, default))
        except ArithmeticError:
            raise ValueError(
                f"{name} {cell(name, default)!r} is not a number"
            ) from None
        if not values[name] > 0:
            raise ValueError(f"{name} must be positive")
    try:
        release = time_from_text(instance, cell("release", "0"))
    except ValueError as error:
        raise ValueError(f"release: {error}") from None
    return Inquiry(product, values["quantity"], release, values["weight"], quote_id)


def quotes_frame(instance: Instance, quotes: Sequence[Quote]) -> pd.DataFrame:
    """One row per quote (``_at`` datetimes when the plan has a start)."""
    import pandas as pd

    rows = [
        {
            "quote_id": q.inquiry.quote_id,
            "product_id": q.inquiry.product_id,
            "quantity": q.inquiry.quantity,
            "release": q.inquiry.release,
            "weight": q.inquiry.weight,
            "status": "quoted" if q.promised else "not_possible",
            "completion": q.completion,
            "earliest": q.earliest if q.promised else None,
            "extra_tardiness": q.extra_tardiness,
            "material": q.material_text(),
            "reason": q.reason,
        }
        for q in quotes
    ]
    frame = pd.DataFrame(rows, columns=QUOTE_COLUMNS).astype(
        {"release": "int64", "completion": "Int64", "earliest": "boolean"}
    )
    settings = instance.settings
    if settings.start is not None:
        for column in ("release", "completion"):
            frame[f"{column}_at"] = pd.Series(
                [
                    None
                    if pd.isna(v)
                    else to_datetime(int(v), settings.start, settings.time_unit)
                    for v in frame[column]
                ],
                index=frame.index,
                dtype="datetime64[ns]",
            )
    return frame


def write_quotes(instance: Instance, quotes: Sequence[Quote], path: str | Path) -> Path:
    """The quotes as CSV (the planner's formatting: ``2``, ``true``, ISO times)."""
    from mtosched.io.writers import write_csv

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(quotes_frame(instance, quotes), target)
    return target
