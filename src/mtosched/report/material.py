"""Material: cumulative supply against cumulative consumption per component.

The material rule says consumption may never run ahead of what has arrived;
drawing both as step lines shows the margin (and the supply arrivals that
gate the schedule) at a glance. One component is shown at a time, picked
from a menu, tightest margin first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go

from mtosched.expand import ComponentSupply, ProblemData
from mtosched.report.common import LATE_COLOUR, TimeAxis, escape, quantity
from mtosched.solution import Solution


@dataclass(frozen=True)
class ComponentFlow:
    """When a component arrives and when the schedule consumes it."""

    component_id: str
    supply: ComponentSupply
    consumption: list[tuple[int, Decimal]]  # (start of the consuming operation, qty)

    def margin(self) -> Decimal | None:
        """Least (available − consumed) at any consumption; ``None``: unlimited."""
        consumed = Decimal(0)
        least: Decimal | None = None
        for time, amount in self.consumption:
            consumed += amount
            available = self.supply.available_at(time)
            if available is not None:
                slack = available - consumed
                least = slack if least is None else min(least, slack)
        return least


def component_flows(data: ProblemData, solution: Solution) -> list[ComponentFlow]:
    """Components the schedule consumes, tightest margin first."""
    needs = {(op.work_order_id, op.step): op.needs for op in data.operations}
    used: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for placed in solution.operations:
        for need in needs.get((placed.work_order_id, placed.step), ()):
            used[need.component_id].append((placed.start, need.quantity))
    flows = [
        ComponentFlow(component_id, data.supplies[component_id], sorted(consumption))
        for component_id, consumption in used.items()
        if component_id in data.supplies
    ]

    def tightness(flow: ComponentFlow) -> tuple[bool, Decimal, str]:
        margin = flow.margin()
        return margin is None, margin or Decimal(0), flow.component_id

    return sorted(flows, key=tightness)


def material_chart(data: ProblemData, solution: Solution) -> go.Figure | None:
    """Supply and consumption step lines, one component at a time.

    Returns ``None`` when the schedule consumes no purchased component.
    """
    flows = component_flows(data, solution)
    if not flows:
        return None
    axis = TimeAxis.of(data)
    end = max((op.end for op in solution.operations), default=0)
    figure = go.Figure()
    spans: list[tuple[int, int]] = []
    for index, flow in enumerate(flows):
        first = len(figure.data)
        for trace in _component_traces(flow, axis, end):
            trace.visible = index == 0
            figure.add_trace(trace)
        spans.append((first, len(figure.data)))
    _layout(figure, flows, spans, axis)
    return figure


def _component_traces(
    flow: ComponentFlow, axis: TimeAxis, end: int
) -> list[go.Scatter]:
    """Supply line, arrival markers, lead-time line and consumption line."""
    finite = [r for r in flow.supply.receipts if r.quantity is not None]
    horizon = max([end, *(r.time for r in finite)])
    arrived = Decimal(0)
    times, levels, hover = [0], [0.0], []
    for receipt in finite:
        arrived += receipt.quantity or 0
        times.append(receipt.time)
        levels.append(float(arrived))
        hover.append(
            [
                escape(receipt.source),
                quantity(receipt.quantity),
                axis.show(receipt.time),
            ]
        )
    consumed = Decimal(0)
    use_times, use_levels = [0], [0.0]
    for time, amount in flow.consumption:
        consumed += amount
        use_times.append(time)
        use_levels.append(float(consumed))
    top = max(levels[-1], use_levels[-1]) or 1.0
    traces = [
        go.Scatter(
            name="available (stock + supplies)",
            x=[axis.at(t) for t in [*times, horizon]],
            y=[*levels, levels[-1]],
            mode="lines",
            line={"shape": "hv", "color": "#2E86C1", "width": 2.5},
            hovertemplate="available: %{y}<extra></extra>",
        ),
        go.Scatter(
            name="arrivals",
            x=[axis.at(t) for t in times[1:]],
            y=levels[1:],
            mode="markers",
            marker={"symbol": "triangle-up", "size": 11, "color": "#2E86C1"},
            customdata=hover,
            hovertemplate="<b>%{customdata[0]}</b>: +%{customdata[1]}<br>"
            "arrives %{customdata[2]}<extra></extra>",
        ),
        go.Scatter(
            name="consumed by started operations",
            x=[axis.at(t) for t in [*use_times, horizon]],
            y=[*use_levels, use_levels[-1]],
            mode="lines",
            line={"shape": "hv", "color": LATE_COLOUR, "width": 2},
            hovertemplate="consumed: %{y}<extra></extra>",
        ),
    ]
    if flow.supply.lead_time is not None:
        traces.append(
            go.Scatter(
                name="lead time: unlimited from here",
                x=[axis.at(flow.supply.lead_time)] * 2,
                y=[0, top * 1.05],
                mode="lines",
                line={"dash": "dash", "color": "#555", "width": 1.5},
                hovertemplate=f"lead time {axis.show(flow.supply.lead_time)}"
                "<extra></extra>",
            )
        )
    return traces


def _layout(
    figure: go.Figure,
    flows: list[ComponentFlow],
    spans: list[tuple[int, int]],
    axis: TimeAxis,
) -> None:
    """A menu to pick the component; each entry shows only its traces."""
    total = len(figure.data)
    buttons = []
    for flow, (first, last) in zip(flows, spans, strict=True):
        visible = [first <= i < last for i in range(total)]
        buttons.append(
            {
                "label": escape(flow.component_id),
                "method": "update",
                "args": [{"visible": visible}, {"title.text": _title(flow)}],
            }
        )
    figure.update_layout(
        title={"text": _title(flows[0]), "x": 0.01},
        height=380,
        margin={"l": 10, "r": 10, "t": 80, "b": 40},
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.35},
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.25,
                "yanchor": "top",
                "showactive": True,
            }
        ],
    )
    figure.update_xaxes(
        type="date" if axis.dated else "linear", title=axis.title, gridcolor="#e5e5e5"
    )
    figure.update_yaxes(title="quantity", gridcolor="#e5e5e5", rangemode="tozero")


def _title(flow: ComponentFlow) -> str:
    margin = flow.margin()
    shown = "unlimited (lead time)" if margin is None else quantity(margin)
    return f"Material: {escape(flow.component_id)} · least margin {shown}"
