"""Gantt charts: by machine (what runs where) and by order (why it is late).

Plotly draws one SVG element per bar: fine for a few thousand bars, sluggish
beyond (zooming 12,000 bars took seconds). So:

- the machine Gantt uses ``go.Bar`` traces (exact bars, text, native hover)
  up to :data:`WEBGL_THRESHOLD` operations, and above it draws every bar as a
  rectangle of a WebGL ``scattergl`` trace (one trace per fill colour, gaps
  between rectangles), with an invisible point at each bar's middle carrying
  the hover text;
- the order Gantt shows one page of orders at a time (a slider turns the
  pages), so it stays small whatever the number of orders.

Either way there are few traces, never one per order. Rows sit on a numeric
y axis (row 0 on top) labelled with tick texts, grouped by shaded bands:
plotly's multi-level category axis orders repeated inner labels (every
order's "└ FRAME") by first appearance, not by row. Hover columns go in as
numpy object arrays, which plotly stores without walking every cell.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import plotly.graph_objects as go

from mtosched import kpi
from mtosched.expand import ProblemData
from mtosched.report.common import (
    DOWNTIME_COLOUR,
    LATE_COLOUR,
    PALETTE,
    Band,
    MachineRow,
    TimeAxis,
    assign_slots,
    escape,
    has_work_centers,
    machines_by_work_center,
    order_colours,
    quantity,
    row_layout,
    text_colour,
    work_center_bands,
)
from mtosched.solution import OrderResult, ScheduledOperation, Solution

#: Above this many operations the machine Gantt is drawn with WebGL.
WEBGL_THRESHOLD = 3000
#: Bars get their order id written inside only up to this many operations.
TEXT_LIMIT = 400
#: Rows of one page of the order Gantt (an order is never split).
PAGE_ROWS = 45
ROW_HEIGHT = 24
BAR_WIDTH = 0.8
OUTLINE = "rgba(40, 40, 40, 0.55)"
#: Late outline width of SVG bars: bold while bars are few and wide, thin
#: when many short ones would turn red all over.
LATE_WIDTH = {True: 2.0, False: 1.0}
#: The machine Gantt's legend: what a bar's colour and outline mean.
LEGEND_TITLE = "bar colour = customer order"
LATE_LEGEND = "red outline = late order"
#: Offset of the lateness line above a row's middle (bars reach 0.4).
EDGE = 0.46
#: Order Gantt row labels: pixels per character (11 px font), indent per level.
_LABEL_CHAR_PX = 7
_INDENT = "\u00a0" * 4

_OPERATION_HOVER = (
    "<b>%{customdata[0]}</b> · work order %{customdata[1]}<br>"
    "product %{customdata[2]} · step %{customdata[3]} (%{customdata[4]})<br>"
    "machine %{customdata[5]}<br>"
    "%{customdata[6]} → %{customdata[7]}<br>"
    "due %{customdata[8]} · lateness %{customdata[9]}"
    "<extra></extra>"
)
_DOWNTIME_HOVER = (
    "<b>downtime</b> %{customdata[0]}<br>%{customdata[1]} → %{customdata[2]}"
    "<extra></extra>"
)


@dataclass(frozen=True)
class GanttBar:
    """One bar: a row (0 on top), a time span, a fill and the hover fields."""

    row: int
    start: int
    end: int
    colour: str
    late: bool
    text: str
    hover: list[str]


class _OperationHover:
    """Hover fields of an operation bar (user text escaped for plotly)."""

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


def _hover_array(bars: list[GanttBar]) -> np.ndarray:
    """Hover rows as a 2-D object array (plotly copies it without walking it)."""
    if not bars:
        return np.empty((0, 0), dtype=object)
    return np.array([bar.hover for bar in bars], dtype=object)


# ------------------------------------------------------------ by machine
def machine_gantt(
    data: ProblemData,
    solution: Solution,
    orders: Sequence[OrderResult] | None = None,
    webgl: bool | None = None,
) -> go.Figure:
    """Operations on their machines, grouped by work centre.

    Bars are coloured by customer order; operations of late orders have a red
    outline (and their own legend entry, so they can be shown alone);
    downtime is shaded grey. A machine running several operations at once
    gets one row per slot. ``webgl`` forces or forbids the WebGL drawing
    (default: above :data:`WEBGL_THRESHOLD` operations).
    """
    axis = TimeAxis.of(data)
    by_order = _orders_by_id(data, solution, orders)
    rows, row_of = assign_slots(data, solution)
    index = {row: i for i, row in enumerate(rows)}
    hover = _OperationHover(data, by_order)
    colours = order_colours(data)
    with_text = len(solution.operations) <= TEXT_LIMIT
    bars = []
    for placed in sorted(solution.operations, key=lambda op: (op.start, op.machine_id)):
        order_id = data.work_orders[placed.work_order_id].order_id
        order = by_order.get(order_id)
        bars.append(
            GanttBar(
                row=index[row_of[placed]],
                start=placed.start,
                end=placed.end,
                colour=colours.get(order_id, PALETTE[0]),
                late=order is not None and bool(order.late),
                text=escape(order_id) if with_text else "",
                hover=hover.fields(placed),
            )
        )
    downtime = _downtime_bars(data, rows)
    use_webgl = len(bars) > WEBGL_THRESHOLD if webgl is None else webgl
    figure = go.Figure()
    if use_webgl:
        _draw_webgl(figure, bars, downtime, axis)
    else:
        figure.add_trace(_bar_trace(downtime, axis, "downtime", downtime=True))
        on_time = [bar for bar in bars if not bar.late]
        late = [bar for bar in bars if bar.late]
        wide = len(bars) <= TEXT_LIMIT
        for name, members in (("operations", on_time), (LATE_GROUP, late)):
            trace = _bar_trace(members, axis, name, late_width=LATE_WIDTH[wide])
            trace.update(showlegend=False, legendgroup=name)
            figure.add_trace(trace)
    figure.add_trace(_late_legend_item(use_webgl))
    bands = (
        work_center_bands([r.work_center for r in rows])
        if has_work_centers(data)
        else []
    )
    _gantt_layout(figure, axis, "Machines")
    figure.update_layout(legend_title={"text": LEGEND_TITLE, "font": {"size": 12}})
    figure.update_layout(row_layout([escape(r.label) for r in rows], bands))
    figure.update_layout(height=_height(len(rows)))
    figure.update_xaxes(range=_time_range(bars, axis))
    return figure


#: The trace (and legend group) of operations of late orders.
LATE_GROUP = "operations of late orders"


def _late_legend_item(webgl: bool) -> dict[str, Any]:
    """A legend-only square with a red outline: clicking it shows or hides
    the operations of late orders (same legend group); the coloured bars
    themselves have no legend entry, as no single swatch stands for them."""
    return {
        "type": "scattergl" if webgl else "scatter",
        "name": LATE_LEGEND,
        "x": [None],
        "y": [None],
        "mode": "markers",
        "marker": {
            "symbol": "square",
            "size": 12,
            "color": "white",
            "line": {"color": LATE_COLOUR, "width": 2},
        },
        "legendgroup": LATE_GROUP,
        "showlegend": True,
        "hoverinfo": "skip",
    }


def _time_range(bars: list[GanttBar], axis: TimeAxis) -> list[str | int]:
    """From t = 0 to the last end, padded a little (WebGL fills get no padding,
    and downtime far past the plan would otherwise stretch the axis)."""
    end = max((bar.end for bar in bars), default=1)
    pad = max(1, math.ceil(end * 0.02))
    return [axis.at(-pad), axis.at(end + pad)]


def _downtime_bars(data: ProblemData, rows: list[MachineRow]) -> list[GanttBar]:
    """One bar per downtime window and machine row."""
    axis = TimeAxis.of(data)
    return [
        GanttBar(
            row=index,
            start=start,
            end=end,
            colour=DOWNTIME_COLOUR,
            late=False,
            text="",
            hover=[escape(row.machine_id), axis.show(start), axis.show(end)],
        )
        for index, row in enumerate(rows)
        for start, end in data.downtime.get(row.machine_id, [])
    ]


def _bar_trace(
    bars: list[GanttBar],
    axis: TimeAxis,
    name: str,
    downtime: bool = False,
    late_width: float = LATE_WIDTH[True],
) -> dict[str, Any]:
    """One trace of horizontal SVG bars (base = start, x = duration), as a dict."""
    late = any(bar.late for bar in bars)
    marker: dict[str, Any] = {
        "color": [bar.colour for bar in bars],
        "line": {
            "color": LATE_COLOUR if late else OUTLINE,
            "width": late_width if late else 0.5,
        },
    }
    if downtime:
        marker["line"] = {"width": 0}
        marker["pattern"] = {
            "shape": "/",
            "fgcolor": "rgba(60, 60, 60, 0.5)",
            "size": 6,
        }
    text = [bar.text for bar in bars]
    return {
        "type": "bar",
        "name": name,
        "orientation": "h",
        "y": [bar.row for bar in bars],
        "base": [axis.at(bar.start) for bar in bars],
        "x": [axis.length(bar.end - bar.start) for bar in bars],
        "width": 1.0 if downtime else BAR_WIDTH,
        "text": text if any(text) else None,
        "textposition": "inside",
        "insidetextanchor": "middle",
        "textfont": {"size": 10, "color": [text_colour(bar.colour) for bar in bars]},
        "customdata": _hover_array(bars),
        "hovertemplate": _DOWNTIME_HOVER if downtime else _OPERATION_HOVER,
        "marker": marker,
    }


# ----------------------------------------------------- the WebGL drawing
def _draw_webgl(
    figure: go.Figure, bars: list[GanttBar], downtime: list[GanttBar], axis: TimeAxis
) -> None:
    """Rectangles in a few ``scattergl`` traces, hover points at bar middles."""
    figure.add_trace(_rectangles(downtime, axis, "downtime", DOWNTIME_COLOUR, None))
    figure.add_trace(_hover_points(downtime, axis, _DOWNTIME_HOVER, "downtime"))
    for late in (False, True):
        name = LATE_GROUP if late else "operations"
        members = [bar for bar in bars if bar.late is late]
        by_colour: dict[str, list[GanttBar]] = defaultdict(list)
        for bar in members:
            by_colour[bar.colour].append(bar)
        for colour, group in by_colour.items():
            trace = _rectangles(group, axis, name, colour, OUTLINE)
            trace.update(legendgroup=name, showlegend=False)
            figure.add_trace(trace)
        if late:
            figure.add_trace(_late_edges(members, axis))
        figure.add_trace(_hover_points(members, axis, _OPERATION_HOVER, name))


def _rectangles(
    bars: list[GanttBar], axis: TimeAxis, name: str, fill: str, outline: str | None
) -> go.Scattergl:
    """Closed rectangles separated by gaps (NaN), filled ``toself``."""
    x = np.full(len(bars) * 6, np.nan)
    y = np.full(len(bars) * 6, np.nan, dtype=np.float32)
    half = 0.5 if outline is None else BAR_WIDTH / 2
    for i, bar in enumerate(bars):
        left, right = _gl_x(axis, bar.start), _gl_x(axis, bar.end)
        low, high = bar.row - half, bar.row + half
        x[6 * i : 6 * i + 5] = (left, right, right, left, left)
        y[6 * i : 6 * i + 5] = (low, low, high, high, low)
    return go.Scattergl(
        name=name,
        legendgroup=name,
        x=x,
        y=y,
        mode="lines",
        fill="toself",
        fillcolor=fill,
        line={"color": outline or fill, "width": 0 if outline is None else 0.3},
        hoverinfo="skip",
    )


def _late_edges(bars: list[GanttBar], axis: TimeAxis) -> go.Scattergl:
    """Red lines along the top and bottom edge of each late bar: many short
    bars stay their order's colour (a full outline would turn them red)."""
    x = np.full(len(bars) * 6, np.nan)
    y = np.full(len(bars) * 6, np.nan, dtype=np.float32)
    half = BAR_WIDTH / 2
    for i, bar in enumerate(bars):
        left, right = _gl_x(axis, bar.start), _gl_x(axis, bar.end)
        x[6 * i : 6 * i + 5] = (left, right, np.nan, left, right)
        low, high = bar.row - half, bar.row + half
        y[6 * i : 6 * i + 5] = (low, low, np.nan, high, high)
    return go.Scattergl(
        name=LATE_GROUP,
        legendgroup=LATE_GROUP,
        showlegend=False,
        x=x,
        y=y,
        mode="lines",
        line={"color": LATE_COLOUR, "width": 2},
        hoverinfo="skip",
    )


def _hover_points(
    bars: list[GanttBar], axis: TimeAxis, template: str, group: str
) -> go.Scattergl:
    """Invisible points at the middle of each bar that carry its hover text."""
    return go.Scattergl(
        x=np.array([(_gl_x(axis, b.start) + _gl_x(axis, b.end)) / 2 for b in bars]),
        y=np.array([b.row for b in bars], dtype=np.float32),
        mode="markers",
        marker={"size": 8, "color": "rgba(0, 0, 0, 0)"},
        customdata=_hover_array(bars),
        hovertemplate=template,
        legendgroup=group,
        showlegend=False,
        name=group,
    )


def _gl_x(axis: TimeAxis, time: int) -> float:
    """A numeric x: milliseconds since 1970 on a date axis, else units."""
    if axis.start is None:
        return float(time)
    epoch_ms = (axis.start - datetime(1970, 1, 1)).total_seconds() * 1000
    return epoch_ms + axis.length(time)


# ----------------------------------------------------------------- layout
def _height(rows: int, paged: bool = False) -> int:
    """Figure height for ``rows`` rows (a page slider needs room below)."""
    return max(280, rows * ROW_HEIGHT + (220 if paged else 170))


def _gantt_layout(figure: go.Figure, axis: TimeAxis, title: str) -> None:
    """Shared look: overlaid bars, rows fixed, time zoomable, dates when dated."""
    figure.update_layout(
        # the title pinned to the top of the figure, the legend just above
        # the plot: a legend of one or two rows never reaches the title
        title={
            "text": title,
            "x": 0.01,
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 12},
        },
        barmode="overlay",
        margin={"l": 10, "r": 10, "t": 90, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
        uniformtext={"minsize": 8, "mode": "hide"},
        plot_bgcolor="white",
        hoverlabel={"align": "left"},
        hovermode="closest",
        dragmode="zoom",
    )
    figure.update_xaxes(
        type="date" if axis.dated else "linear",
        title=axis.title,
        showgrid=True,
        gridcolor="#e5e5e5",
        zeroline=False,
    )
    figure.update_yaxes(
        showgrid=False, zeroline=False, automargin=True, fixedrange=True
    )


# -------------------------------------------------------------- by order
def order_gantt(
    data: ProblemData,
    solution: Solution,
    orders: Sequence[OrderResult] | None = None,
    page_rows: int = PAGE_ROWS,
) -> go.Figure:
    """Each order's work orders (one row each) with due date and lateness.

    Late orders come first, worst (weighted tardiness) first, then the others
    by due date. Bars are coloured by work centre, so a planner sees where an
    order waited; a black tick marks the due date, a red line the lateness, a
    grey triangle the release. Orders are shown a page at a time (at most
    ``page_rows`` rows, an order never split); a slider turns the pages.
    """
    by_order = _orders_by_id(data, solution, orders)
    pages = _pages(data, _order_sequence(list(by_order.values())), page_rows)
    drawing = _OrderDrawing(data, solution, by_order, pages)
    figure = go.Figure(drawing.traces(pages[0]))
    paged = len(pages) > 1
    _gantt_layout(figure, drawing.axis, _page_title(pages, 0) if paged else "Orders")
    # one legend item per work centre and marker: a column right of the plot
    # (a row above it wraps and would run into the title)
    figure.update_layout(
        legend={
            "orientation": "v",
            "x": 1.01,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
        },
        margin={"t": 50, "l": drawing.label_margin},
    )
    figure.update_layout(drawing.row_layout(pages[0], paged))
    if paged:
        figure.update_layout(sliders=[_page_slider(drawing, pages)], margin={"b": 90})
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


def _pages(
    data: ProblemData, orders: list[OrderResult], page_rows: int
) -> list[list[OrderResult]]:
    """Consecutive orders packed into pages of at most ``page_rows`` rows."""
    pages: list[list[OrderResult]] = [[]]
    rows = 0
    for order in orders:
        size = len(data.orders[order.order_id].work_orders)
        if pages[-1] and rows + size > page_rows:
            pages.append([])
            rows = 0
        pages[-1].append(order)
        rows += size
    return pages


def _page_title(pages: list[list[OrderResult]], page: int) -> str:
    first = sum(len(p) for p in pages[:page]) + 1
    last = first + len(pages[page]) - 1
    total = sum(len(p) for p in pages)
    return f"Orders {first}–{last} of {total} (late first, worst first)"


#: Trace attributes a page replaces (``None`` unsets one on restyle).
_PAGE_KEYS = ("x", "y", "base", "customdata", "text", "marker.color")


def _page_slider(
    drawing: _OrderDrawing, pages: list[list[OrderResult]]
) -> dict[str, Any]:
    """A slider whose steps replace every trace's data by one page's."""
    steps = []
    for number, page in enumerate(pages):
        traces = drawing.traces(page)
        update = {
            key: [_trace_value(trace, key) for trace in traces] for key in _PAGE_KEYS
        }
        layout = {
            f"yaxis.{key}": value
            for key, value in drawing.row_layout(page, True)["yaxis"].items()
        }
        layout |= {
            "title.text": _page_title(pages, number),
            "height": _height(drawing.row_count(page), paged=True),
            "shapes": drawing.row_layout(page, True)["shapes"],
            "annotations": drawing.row_layout(page, True)["annotations"],
        }
        steps.append(
            {"label": str(number + 1), "method": "update", "args": [update, layout]}
        )
    return {
        "active": 0,
        "steps": steps,
        "currentvalue": {"prefix": "page "},
        "pad": {"t": 40},
        "len": 1.0,
    }


def _trace_value(trace: dict[str, Any], key: str) -> Any:
    if key == "marker.color":
        return trace.get("marker", {}).get("color")
    value = trace.get(key)
    return value.tolist() if isinstance(value, np.ndarray) else value


def _plain(label: str) -> str:
    """A label as shown: without tags and entities (to measure its width)."""
    return html.unescape(re.sub(r"<[^>]+>", "", label))


class _OrderDrawing:
    """The traces of one page of the order Gantt (always the same traces)."""

    def __init__(
        self,
        data: ProblemData,
        solution: Solution,
        by_order: dict[str, OrderResult],
        pages: list[list[OrderResult]],
    ) -> None:
        self.data = data
        self.axis = TimeAxis.of(data)
        self.hover = _OperationHover(data, by_order)
        self.placed: dict[str, list[ScheduledOperation]] = defaultdict(list)
        for placed in solution.operations:
            self.placed[placed.work_order_id].append(placed)
        grouped = has_work_centers(data)
        self.group_of = {
            m.machine_id: (m.work_center or "—") if grouped else m.machine_id
            for m in data.instance.machines
        }
        machines = machines_by_work_center(data)
        self.groups = list(dict.fromkeys(self.group_of[m.machine_id] for m in machines))
        self.colour_of = {
            g: PALETTE[i % len(PALETTE)] for i, g in enumerate(self.groups)
        }
        # room for the longest row label of any page, so that the plot does
        # not shift while the pages turn
        labels = [self.label(wo) for page in pages for wo in self.work_orders(page)]
        widest = max((len(_plain(label)) for label in labels), default=10)
        self.label_margin = 16 + _LABEL_CHAR_PX * widest

    def work_orders(self, page: list[OrderResult]) -> list[str]:
        """The work orders of a page, one per row, each order's top one first."""
        return [wo for o in page for wo in self.data.orders[o.order_id].work_orders]

    def row_count(self, page: list[OrderResult]) -> int:
        """Rows of a page."""
        return len(self.work_orders(page))

    def label(self, work_order_id: str) -> str:
        """The top work order by order and product; a child by the last
        segment of its id, indented by its depth (a tree read from the left)."""
        work_order = self.data.work_orders[work_order_id]
        if work_order.parent_id is None:
            product = f"{work_order.product_id} × {quantity(work_order.quantity)}"
            return f"<b>{escape(work_order.order_id)}</b> {escape(product)}"
        depth = work_order_id.count("/")
        name = work_order_id.rsplit("/", 1)[-1]
        return _INDENT * depth + escape(f"└ {name}")

    def row_hover(self, work_order_id: str) -> str:
        """A row label's hover: the full work-order id and its product."""
        work_order = self.data.work_orders[work_order_id]
        product = f"{work_order.product_id} × {quantity(work_order.quantity)}"
        return escape(f"{work_order_id} · {product}")

    def row_layout(self, page: list[OrderResult], paged: bool) -> dict[str, Any]:
        """Row labels and one band per order (every other one shaded).

        The labels are left-aligned annotations in the left margin rather
        than tick labels (which plotly right-aligns): children indented under
        their order read as a tree; hovering one shows the full id.
        """
        work_orders = self.work_orders(page)
        bands, first = [], 0
        for order in page:
            size = len(self.data.orders[order.order_id].work_orders)
            bands.append(Band(first, first + size, ""))
            first += size
        layout = row_layout([""] * len(work_orders), bands)
        layout["yaxis"]["showticklabels"] = False
        layout["annotations"] = [
            {
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "xshift": 8 - self.label_margin,
                "yref": "y",
                "y": row,
                "text": self.label(work_order_id),
                "hovertext": self.row_hover(work_order_id),
                "showarrow": False,
                "align": "left",
                "font": {"size": 11, "color": "#2a3f5f"},
            }
            for row, work_order_id in enumerate(work_orders)
        ]
        layout["height"] = _height(len(work_orders), paged)
        return layout

    def traces(self, page: list[OrderResult]) -> list[dict[str, Any]]:
        """One bar trace per work centre, then the order markers."""
        return [*self.work_center_traces(page), *self.markers(page)]

    def work_center_traces(self, page: list[OrderResult]) -> list[dict[str, Any]]:
        """Operations coloured by work centre (per machine when there are none)."""
        bars: dict[str, list[GanttBar]] = {group: [] for group in self.groups}
        for row, work_order_id in enumerate(self.work_orders(page)):
            for placed in self.placed.get(work_order_id, []):
                group = self.group_of.get(placed.machine_id, placed.machine_id)
                bars.setdefault(group, []).append(
                    GanttBar(
                        row=row,
                        start=placed.start,
                        end=placed.end,
                        colour=self.colour_of.get(group, PALETTE[0]),
                        late=False,
                        text=escape(placed.machine_id),
                        hover=self.hover.fields(placed),
                    )
                )
        return [
            _bar_trace(members, self.axis, group) for group, members in bars.items()
        ]

    def markers(self, page: list[OrderResult]) -> list[dict[str, Any]]:
        """Lateness lines, release triangles and due ticks on each top row."""
        axis = self.axis
        tops, row = [], 0
        for order in page:
            tops.append(row)
            row += len(self.data.orders[order.order_id].work_orders)
        late = [(o, top) for o, top in zip(page, tops, strict=True) if o.late]
        lateness = {
            "type": "scatter",
            "name": "lateness",
            "x": [
                v
                for o, _ in late
                for v in (axis.at(o.due), axis.at(o.completion or 0), None)
            ],
            # along the top edge of the order's row, between the rows: the
            # order's bars and their labels stay uncovered
            "y": [v for _, top in late for v in (top - EDGE, top - EDGE, None)],
            "mode": "lines",
            "line": {"color": LATE_COLOUR, "width": 2.5},
            "hoverinfo": "skip",
        }
        release = {
            "type": "scatter",
            "name": "release",
            "x": [axis.at(o.release) for o in page],
            "y": tops,
            "mode": "markers",
            "marker": {"symbol": "triangle-right", "size": 9, "color": "#888"},
            "customdata": [[escape(o.order_id), axis.show(o.release)] for o in page],
            "hovertemplate": "<b>%{customdata[0]}</b> released %{customdata[1]}"
            "<extra></extra>",
        }
        due = {
            "type": "scatter",
            "name": "due date",
            "x": [axis.at(o.due) for o in page],
            "y": tops,
            "mode": "markers",
            "marker": {
                "symbol": "line-ns",
                "size": 18,
                "line": {"width": 3, "color": "#111"},
            },
            "customdata": [[escape(o.order_id), axis.show(o.due)] for o in page],
            "hovertemplate": "<b>%{customdata[0]}</b> due %{customdata[1]}"
            "<extra></extra>",
        }
        return [lateness, release, due]
