"""Gantt charts: by machine (what runs where) and by order (why it is late).

Each chart is a handful of ``go.Bar`` traces holding every bar as arrays
(base = start, x = duration, horizontal), never one trace per order: plotly
stays responsive at 10,000 operations only with few traces. Per-bar colours,
outlines and hover data ride on those arrays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from mtosched import kpi
from mtosched.expand import ProblemData
from mtosched.report.common import (
    DOWNTIME_COLOUR,
    LATE_COLOUR,
    PALETTE,
    MachineRow,
    TimeAxis,
    assign_slots,
    escape,
    has_work_centers,
    machines_by_work_center,
    order_colours,
    quantity,
)
from mtosched.solution import OrderResult, ScheduledOperation, Solution

#: Bars get their order id written inside only below this many operations;
#: past it the text costs more rendering time than it helps.
TEXT_LIMIT = 400
ROW_HEIGHT = 26
BAR_WIDTH = 0.8

_OPERATION_HOVER = (
    "<b>%{customdata[0]}</b> · work order %{customdata[1]}<br>"
    "product %{customdata[2]} · step %{customdata[3]} (%{customdata[4]})<br>"
    "machine %{customdata[5]}<br>"
    "%{customdata[6]} → %{customdata[7]}<br>"
    "due %{customdata[8]} · lateness %{customdata[9]}"
    "<extra></extra>"
)


@dataclass
class _Bars:
    """Column arrays of one bar trace, filled bar by bar."""

    y: list[Any] = field(default_factory=list)
    base: list[Any] = field(default_factory=list)
    x: list[int] = field(default_factory=list)
    colour: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    customdata: list[list[str]] = field(default_factory=list)

    def add(
        self, y: Any, base: Any, length: int, colour: str, text: str, hover: list[str]
    ) -> None:
        """Append one bar."""
        self.y.append(y)
        self.base.append(base)
        self.x.append(length)
        self.colour.append(colour)
        self.text.append(text)
        self.customdata.append(hover)

    def y_values(self, grouped: bool) -> list[Any]:
        """Plain labels, or the [outer, inner] arrays of a multicategory axis."""
        if not grouped:
            return self.y
        return [[y[0] for y in self.y], [y[1] for y in self.y]]


class _OperationHover:
    """Hover fields of an operation bar (everything escaped for plotly)."""

    def __init__(self, data: ProblemData, orders: dict[str, OrderResult]) -> None:
        self.data = data
        self.axis = TimeAxis.of(data)
        self.orders = orders
        self.names = {(op.work_order_id, op.step): op.name for op in data.operations}
        self.machines = {m.machine_id: m.display_name for m in data.instance.machines}

    def fields(self, placed: ScheduledOperation) -> list[str]:
        """The ``customdata`` row of one bar (see ``_OPERATION_HOVER``)."""
        work_order = self.data.work_orders[placed.work_order_id]
        order = self.orders.get(work_order.order_id)
        late = order is not None and bool(order.late)
        lateness = self.axis.show_span(order.lateness if order else None, signed=True)
        return [
            escape(work_order.order_id),
            escape(placed.work_order_id),
            f"{escape(work_order.product_id)} × {quantity(work_order.quantity)}",
            str(placed.step),
            escape(self.names.get((placed.work_order_id, placed.step), "")),
            escape(self.machines.get(placed.machine_id, placed.machine_id)),
            self.axis.show(placed.start),
            self.axis.show(placed.end),
            self.axis.show(order.due if order else None),
            f"<b>{lateness} (late)</b>" if late else lateness,
        ]


def _orders_by_id(
    data: ProblemData, solution: Solution, orders: Sequence[OrderResult] | None
) -> dict[str, OrderResult]:
    results = orders if orders is not None else kpi.order_results(data, solution)
    return {order.order_id: order for order in results}


# ------------------------------------------------------------ by machine
def machine_gantt(
    data: ProblemData,
    solution: Solution,
    orders: Sequence[OrderResult] | None = None,
) -> go.Figure:
    """Operations on their machines, grouped by work centre.

    Bars are coloured by customer order; operations of late orders have a red
    outline (and their own legend entry, so they can be shown alone);
    downtime is shaded grey and hatched. A machine running several
    operations at once gets one row per slot.
    """
    axis = TimeAxis.of(data)
    by_order = _orders_by_id(data, solution, orders)
    rows, row_of = assign_slots(data, solution)
    grouped = has_work_centers(data)
    hover = _OperationHover(data, by_order)
    colours = order_colours(data)
    with_text = len(solution.operations) <= TEXT_LIMIT
    on_time, late = _Bars(), _Bars()
    for placed in sorted(solution.operations, key=lambda op: (op.start, op.machine_id)):
        order_id = data.work_orders[placed.work_order_id].order_id
        order = by_order.get(order_id)
        bars = late if order is not None and order.late else on_time
        bars.add(
            _row_key(row_of[placed], grouped),
            axis.at(placed.start),
            axis.length(placed.end - placed.start),
            colours.get(order_id, PALETTE[0]),
            escape(order_id) if with_text else "",
            hover.fields(placed),
        )
    figure = go.Figure()
    figure.add_trace(_row_anchor(rows, grouped, axis))
    figure.add_trace(_downtime_bars(data, rows, grouped, axis))
    figure.add_trace(_operation_trace(on_time, grouped, "operations", None))
    figure.add_trace(
        _operation_trace(late, grouped, "operations of late orders", LATE_COLOUR)
    )
    _gantt_layout(figure, axis, len(rows), "Machines")
    return figure


def _row_key(row: MachineRow, grouped: bool) -> Any:
    return (row.work_center, row.label) if grouped else row.label


def _row_anchor(rows: list[MachineRow], grouped: bool, axis: TimeAxis) -> go.Scatter:
    """An invisible point per row: fixes the row order and shows idle machines."""
    keys = _Bars()
    for row in rows:
        keys.add(_row_key(row, grouped), axis.at(0), 0, "", "", [])
    return go.Scatter(
        x=keys.base,
        y=keys.y_values(grouped),
        mode="markers",
        marker={"opacity": 0},
        hoverinfo="skip",
        showlegend=False,
        name="rows",
    )


def _downtime_bars(
    data: ProblemData, rows: list[MachineRow], grouped: bool, axis: TimeAxis
) -> go.Bar:
    """One hatched grey bar per downtime window and machine row."""
    bars = _Bars()
    for row in rows:
        for start, end in data.downtime.get(row.machine_id, []):
            bars.add(
                _row_key(row, grouped),
                axis.at(start),
                axis.length(end - start),
                DOWNTIME_COLOUR,
                "",
                [escape(row.machine_id), axis.show(start), axis.show(end)],
            )
    return go.Bar(
        name="downtime",
        orientation="h",
        y=bars.y_values(grouped),
        base=bars.base,
        x=bars.x,
        width=1.0,
        customdata=bars.customdata,
        marker={
            "color": DOWNTIME_COLOUR,
            "line": {"width": 0},
            "pattern": {"shape": "/", "fgcolor": "rgba(60, 60, 60, 0.5)", "size": 6},
        },
        hovertemplate="<b>downtime</b> %{customdata[0]}<br>"
        "%{customdata[1]} → %{customdata[2]}<extra></extra>",
    )


def _operation_trace(
    bars: _Bars, grouped: bool, name: str, outline: str | None
) -> go.Bar:
    """One trace of operation bars; ``outline`` marks late orders."""
    return go.Bar(
        name=name,
        orientation="h",
        y=bars.y_values(grouped),
        base=bars.base,
        x=bars.x,
        width=BAR_WIDTH,
        text=bars.text if any(bars.text) else None,
        textposition="inside",
        insidetextanchor="middle",
        textfont={"size": 10, "color": "#222"},
        customdata=bars.customdata,
        hovertemplate=_OPERATION_HOVER,
        marker={
            "color": bars.colour,
            "line": {
                "color": outline or "rgba(40, 40, 40, 0.55)",
                "width": 2.5 if outline else 0.5,
            },
        },
    )


def _gantt_layout(figure: go.Figure, axis: TimeAxis, rows: int, title: str) -> None:
    """Shared look: overlaid bars, first row on top, a date axis when dated."""
    figure.update_layout(
        title={"text": title, "x": 0.01},
        barmode="overlay",
        height=max(260, min(rows, 60) * ROW_HEIGHT + 150),
        margin={"l": 10, "r": 10, "t": 70, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.3},
        uniformtext={"minsize": 8, "mode": "hide"},
        plot_bgcolor="white",
        hoverlabel={"align": "left"},
        dragmode="pan",
    )
    figure.update_xaxes(
        type="date" if axis.dated else "linear",
        title=axis.title,
        showgrid=True,
        gridcolor="#e5e5e5",
        zeroline=False,
    )
    figure.update_yaxes(
        autorange="reversed", categoryorder="trace", showgrid=False, automargin=True
    )


# -------------------------------------------------------------- by order
def order_gantt(
    data: ProblemData,
    solution: Solution,
    orders: Sequence[OrderResult] | None = None,
    visible_rows: int = 40,
) -> go.Figure:
    """Each order's work orders (one row each) with due date and lateness.

    Late orders come first, worst (weighted tardiness) first, then the others
    by due date. Bars are coloured by work centre, so a planner sees where an
    order waited; a black tick marks the due date, a red line the lateness, a
    grey triangle the release. Only ``visible_rows`` rows show at first; the
    rest are a vertical pan away.
    """
    axis = TimeAxis.of(data)
    by_order = _orders_by_id(data, solution, orders)
    placed_by_work_order: dict[str, list[ScheduledOperation]] = defaultdict(list)
    for placed in solution.operations:
        placed_by_work_order[placed.work_order_id].append(placed)
    shown = _order_sequence(list(by_order.values()))
    rows = [
        (order.order_id, _work_order_label(data, work_order_id))
        for order in shown
        for work_order_id in data.orders[order.order_id].work_orders
    ]
    figure = go.Figure()
    figure.add_trace(_order_rows_anchor(rows, axis))
    for trace in _work_center_traces(data, shown, placed_by_work_order, by_order, axis):
        figure.add_trace(trace)
    for trace in _order_markers(data, shown, axis):
        figure.add_trace(trace)
    _gantt_layout(figure, axis, min(len(rows), visible_rows), "Orders")
    if len(rows) > visible_rows:
        figure.update_yaxes(autorange=False, range=[visible_rows - 0.5, -0.5])
    return figure


def _order_sequence(orders: list[OrderResult]) -> list[OrderResult]:
    """Scheduled orders: late ones worst first, then the rest by due date."""
    scheduled = [o for o in orders if o.completion is not None]
    late = sorted(
        (o for o in scheduled if o.late),
        key=lambda o: (
            -(o.weight * (o.tardiness or 0)),
            -(o.lateness or 0),
            o.order_id,
        ),
    )
    rest = sorted(
        (o for o in scheduled if not o.late), key=lambda o: (o.due, o.order_id)
    )
    return late + rest


def _work_order_label(data: ProblemData, work_order_id: str) -> str:
    """The top work order by its product; a child by its path below the order."""
    work_order = data.work_orders[work_order_id]
    if work_order.parent_id is None:
        return f"{work_order.product_id} × {quantity(work_order.quantity)}"
    depth = work_order_id.count("/")
    return "  " * (depth - 1) + "└ " + work_order_id.split("/", 1)[1]


def _order_rows_anchor(rows: list[tuple[str, str]], axis: TimeAxis) -> go.Scatter:
    return go.Scatter(
        x=[axis.at(0)] * len(rows),
        y=[[r[0] for r in rows], [r[1] for r in rows]],
        mode="markers",
        marker={"opacity": 0},
        hoverinfo="skip",
        showlegend=False,
        name="rows",
    )


def _work_center_traces(
    data: ProblemData,
    shown: list[OrderResult],
    placed_by_work_order: dict[str, list[ScheduledOperation]],
    by_order: dict[str, OrderResult],
    axis: TimeAxis,
) -> list[go.Bar]:
    """One bar trace per work centre (per machine when there are none)."""
    grouped = has_work_centers(data)
    centre_of = {
        m.machine_id: (m.work_center or "—") if grouped else m.machine_id
        for m in data.instance.machines
    }
    groups = list(
        dict.fromkeys(centre_of[m.machine_id] for m in machines_by_work_center(data))
    )
    colour_of = {group: PALETTE[i % len(PALETTE)] for i, group in enumerate(groups)}
    hover = _OperationHover(data, by_order)
    bars: dict[str, _Bars] = {group: _Bars() for group in groups}
    for order in shown:
        for work_order_id in data.orders[order.order_id].work_orders:
            row = (order.order_id, _work_order_label(data, work_order_id))
            for placed in placed_by_work_order.get(work_order_id, []):
                group = centre_of.get(placed.machine_id, placed.machine_id)
                bars.setdefault(group, _Bars()).add(
                    row,
                    axis.at(placed.start),
                    axis.length(placed.end - placed.start),
                    colour_of.get(group, PALETTE[0]),
                    escape(placed.machine_id),
                    hover.fields(placed),
                )
    return [
        _operation_trace(group_bars, True, group, None).update(
            marker={"line": {"color": "rgba(40, 40, 40, 0.55)", "width": 0.5}},
            text=group_bars.text if len(group_bars.x) <= TEXT_LIMIT else None,
        )
        for group, group_bars in bars.items()
        if group_bars.x
    ]


def _order_markers(
    data: ProblemData, shown: list[OrderResult], axis: TimeAxis
) -> list[go.Scatter]:
    """Due ticks, release triangles and red lateness lines on each top row."""
    rows = [(o.order_id, _work_order_label(data, o.order_id)) for o in shown]
    outer = [r[0] for r in rows]
    inner = [r[1] for r in rows]
    due = go.Scatter(
        name="due date",
        x=[axis.at(o.due) for o in shown],
        y=[outer, inner],
        mode="markers",
        marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": "#111"}},
        customdata=[[escape(o.order_id), axis.show(o.due)] for o in shown],
        hovertemplate="<b>%{customdata[0]}</b> due %{customdata[1]}<extra></extra>",
    )
    release = go.Scatter(
        name="release",
        x=[axis.at(o.release) for o in shown],
        y=[outer, inner],
        mode="markers",
        marker={"symbol": "triangle-right", "size": 9, "color": "#888"},
        customdata=[[escape(o.order_id), axis.show(o.release)] for o in shown],
        hovertemplate="<b>%{customdata[0]}</b> released %{customdata[1]}"
        "<extra></extra>",
    )
    late = [(o, row) for o, row in zip(shown, rows, strict=True) if o.late]
    lateness = go.Scatter(
        name="lateness",
        x=[
            v
            for o, _ in late
            for v in (axis.at(o.due), axis.at(o.completion or 0), None)
        ],
        y=[
            [v for _, row in late for v in (row[0], row[0], None)],
            [v for _, row in late for v in (row[1], row[1], None)],
        ],
        mode="lines",
        line={"color": LATE_COLOUR, "width": 4},
        hoverinfo="skip",
    )
    return [lateness, release, due]
