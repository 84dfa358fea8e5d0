"""HTML pieces of the report: the KPI header and the order tables.

Plain HTML rather than plotly tables: they are what a planner reads first,
they print, and they cost nothing to render at 2,000 orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from mtosched.io.writers import summary
from mtosched.report.common import TimeAxis, escape, quantity
from mtosched.solution import OrderResult, Result


def kpi_header(result: Result) -> str:
    """Status, objective and the plan's figures as a row of cards."""
    figures = summary(result)
    axis = TimeAxis.of(result.data)
    gap = figures["gap"]
    cards = [
        ("status", figures["status"].replace("_", " ")),
        ("objective", figures["objective"].replace("_", " ")),
        ("objective value", _number(figures["objective_value"])),
        ("best bound", _number(figures["best_bound"])),
        ("gap", "—" if gap is None else f"{100 * gap:.1f}%"),
        ("orders", _number(figures["orders"])),
        ("scheduled", _number(figures["scheduled_orders"])),
        ("unschedulable", _number(figures["unschedulable_orders"])),
        ("late orders", _number(figures["late_orders"])),
        ("weighted tardiness", _number(figures["weighted_tardiness"])),
        ("total tardiness", _span(axis, figures["total_tardiness"])),
        ("max lateness", _span(axis, figures["max_lateness"])),
        ("makespan", _makespan(axis, figures["makespan"])),
        ("wall time", f"{figures['wall_time_s']:.1f} s"),
    ]
    alert = {"late orders", "unschedulable"}
    items = "".join(
        _card(label, value, label in alert and value not in ("0", "—"))
        for label, value in cards
    )
    return f'<div class="kpis">{items}</div>'


def _card(label: str, value: str, alert: bool) -> str:
    css = "kpi alert" if alert else "kpi"
    return (
        f'<div class="{css}"><div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(label)}</div></div>'
    )


def _number(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def _span(axis: TimeAxis, value: int | None) -> str:
    return axis.show_span(value)


def _makespan(axis: TimeAxis, value: int | None) -> str:
    if value is None:
        return "—"
    return axis.show(value) if axis.dated else axis.show_span(value)


def late_orders(orders: list[OrderResult]) -> list[OrderResult]:
    """Late orders, worst first: weighted tardiness, then lateness."""
    return sorted(
        (order for order in orders if order.late),
        key=lambda o: (
            -(o.weight * (o.tardiness or 0)),
            -(o.lateness or 0),
            o.order_id,
        ),
    )


def late_orders_table(result: Result) -> str:
    """The late orders as an HTML table (or a line saying there are none)."""
    late = late_orders(result.orders)
    if not late:
        return '<p class="ok">No late orders: every order meets its due date.</p>'
    axis = TimeAxis.of(result.data)
    customers = {o.order_id: o.customer for o in result.data.orders.values()}
    head = (
        "order",
        "customer",
        "product",
        "quantity",
        "due",
        "completion",
        "lateness",
        "weight",
        "weighted tardiness",
    )
    rows = [
        (
            order.order_id,
            customers.get(order.order_id, ""),
            order.product_id,
            quantity(order.quantity),
            axis.show(order.due),
            axis.show(order.completion),
            axis.show_span(order.lateness, signed=True),
            quantity(order.weight),
            quantity(order.weight * Decimal(order.tardiness or 0)),
        )
        for order in late
    ]
    return _table(head, rows, "late")


def unschedulable_table(result: Result) -> str:
    """Orders left out of the plan and why ('' when there are none)."""
    left_out = [o for o in result.orders if o.status == "unschedulable"]
    if not left_out:
        return ""
    rows = [
        (o.order_id, o.product_id, quantity(o.quantity), o.reason) for o in left_out
    ]
    return _table(("order", "product", "quantity", "reason"), rows, "unschedulable")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], css: str) -> str:
    header = "".join(f"<th>{escape(cell)}</th>" for cell in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table class="{css}"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
