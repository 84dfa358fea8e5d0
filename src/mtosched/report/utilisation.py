"""Machine utilisation: busy time over the time the machine could work.

The window is the plan itself, from t = 0 to the makespan; downtime inside it
is not time the machine could work, and a machine with several slots offers
each slot's time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import plotly.graph_objects as go

from mtosched.expand import ProblemData
from mtosched.report.common import (
    TimeAxis,
    escape,
    has_work_centers,
    machines_by_work_center,
    row_layout,
    work_center_bands,
)
from mtosched.solution import Solution


@dataclass(frozen=True)
class MachineLoad:
    """Busy and available time of one machine over ``[0, makespan)``."""

    machine_id: str
    name: str
    work_center: str
    busy: int
    available: int
    downtime: int

    @property
    def utilisation(self) -> float:
        """Busy / available (0 when the machine could not work at all)."""
        return self.busy / self.available if self.available > 0 else 0.0


def machine_loads(data: ProblemData, solution: Solution) -> list[MachineLoad]:
    """Load of every machine, grouped by work centre."""
    makespan = max((op.end for op in solution.operations), default=0)
    busy: dict[str, int] = defaultdict(int)
    for placed in solution.operations:
        busy[placed.machine_id] += placed.end - placed.start
    loads = []
    for machine in machines_by_work_center(data):
        down = sum(
            max(0, min(end, makespan) - max(start, 0))
            for start, end in data.downtime.get(machine.machine_id, [])
        )
        loads.append(
            MachineLoad(
                machine_id=machine.machine_id,
                name=machine.display_name,
                work_center=machine.work_center or "—",
                busy=busy[machine.machine_id],
                available=machine.capacity * (makespan - down),
                downtime=down,
            )
        )
    return loads


def utilisation_chart(data: ProblemData, solution: Solution) -> go.Figure:
    """Horizontal bars of utilisation per machine (percent of available time)."""
    axis = TimeAxis.of(data)
    loads = machine_loads(data, solution)
    figure = go.Figure(
        go.Bar(
            orientation="h",
            y=list(range(len(loads))),
            x=[round(100 * load.utilisation, 1) for load in loads],
            text=[f"{100 * load.utilisation:.0f}%" for load in loads],
            textposition="outside",
            marker={"color": [_shade(load.utilisation) for load in loads]},
            customdata=[
                [
                    escape(load.machine_id),
                    axis.show_span(load.busy),
                    axis.show_span(load.available),
                    axis.show_span(load.downtime),
                ]
                for load in loads
            ],
            hovertemplate="<b>%{customdata[0]}</b>: %{x}%<br>busy %{customdata[1]} "
            "of %{customdata[2]}<br>downtime %{customdata[3]}<extra></extra>",
            name="utilisation",
        )
    )
    figure.update_layout(
        title={"text": "Machine utilisation (t = 0 to makespan)", "x": 0.01},
        height=max(220, 24 * len(loads) + 120),
        margin={"l": 10, "r": 70, "t": 50, "b": 40},
        plot_bgcolor="white",
        showlegend=False,
    )
    figure.update_xaxes(
        title="% of available time", range=[0, 110], gridcolor="#e5e5e5"
    )
    bands = work_center_bands([load.work_center for load in loads])
    labels = [escape(load.name) for load in loads]
    figure.update_layout(row_layout(labels, bands if has_work_centers(data) else []))
    figure.update_yaxes(automargin=True, fixedrange=True, showgrid=False)
    return figure


def _shade(utilisation: float) -> str:
    """Darker for busier machines: the bottleneck stands out."""
    if utilisation >= 0.85:
        return "#1F618D"
    if utilisation >= 0.5:
        return "#5DADE2"
    return "#AED6F1"
