"""The plotly report: traces and HTML inspected, not pixels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from plotly.offline import get_plotlyjs

from mtosched import Instance, expand, kpi, pegging
from mtosched.expand import ProblemData
from mtosched.report import (
    component_flows,
    gantt,
    machine_gantt,
    machine_loads,
    material_chart,
    order_gantt,
    render_html,
    utilisation_chart,
)
from mtosched.report.common import (
    LATE_COLOUR,
    PALETTE,
    TimeAxis,
    order_colours,
    text_colour,
)
from mtosched.solution import Objective, Result, Solution, SolveStatus
from mtosched.solution import ScheduledOperation as Op


def _data(start: bool = True, with_bolts: bool = True) -> ProblemData:
    """PART: cut on M1 (10 min, one bolt), then bake in a 2-slot OVEN (30 min).
    A, B and C each make one part; B is due at 45 and finishes at 50."""
    bolts = with_bolts and {
        "bom": [{"product_id": "PART", "component_id": "BOLT", "quantity": 1}],
        "components": [{"component_id": "BOLT", "on_hand": 2}],
        "supplies": [
            {"supply_id": "PO-1", "component_id": "BOLT", "quantity": 1, "arrival": 20}
        ],
    }
    return expand(
        Instance.model_validate(
            {
                "settings": {"start": "2024-03-04T06:00:00"} if start else {},
                "machines": [
                    {"machine_id": "M1", "work_center": "CUT"},
                    {"machine_id": "OVEN", "work_center": "HEAT", "capacity": 2},
                ],
                "routings": [
                    {
                        "product_id": "PART",
                        "step": 1,
                        "machine_id": "M1",
                        "run_time": 10,
                    },
                    {
                        "product_id": "PART",
                        "step": 2,
                        "machine_id": "OVEN",
                        "run_time": 30,
                        "operation": "bake",
                    },
                ],
                "orders": [
                    {"order_id": "A", "product_id": "PART", "due": 100},
                    {"order_id": "B", "product_id": "PART", "due": 45, "weight": 3},
                    {"order_id": "C", "product_id": "PART", "due": 200},
                ],
                "downtime": [{"machine_id": "M1", "start": 60, "end": 80}],
                **(bolts or {}),
            }
        )
    )


# B bakes while A is still in the oven: the second slot.
SOLUTION = Solution(
    [
        Op("A", 1, "M1", 0, 10),
        Op("A", 2, "OVEN", 10, 40),
        Op("B", 1, "M1", 10, 20),
        Op("B", 2, "OVEN", 20, 50),
        Op("C", 1, "M1", 20, 30),
        Op("C", 2, "OVEN", 40, 70),
    ]
)


def _result(data: ProblemData, status: SolveStatus = SolveStatus.optimal) -> Result:
    scheduled = status.has_schedule
    return Result(
        status=status,
        objective=[Objective.weighted_tardiness],
        objective_value=Decimal(15) if scheduled else None,
        best_bound=Decimal(15) if scheduled else None,
        wall_time=0.5,
        data=data,
        solution=SOLUTION if scheduled else None,
        orders=kpi.order_results(data, SOLUTION) if scheduled else [],
        allocations=pegging.allocate(data, SOLUTION) if scheduled else [],
    )


def _trace(figure: Any, name: str) -> Any:
    [trace] = [t for t in figure.data if t.name == name]
    return trace


def _hover_rows(trace: Any) -> list[list[str]]:
    return [list(row) for row in np.asarray(trace.customdata).tolist()]


# ---------------------------------------------------------- machine Gantt
def test_machine_gantt_has_one_bar_per_operation_late_ones_outlined_red() -> None:
    figure = machine_gantt(_data(), SOLUTION)
    on_time = _trace(figure, "operations")
    late = _trace(figure, "operations of late orders")
    assert len(on_time.x) + len(late.x) == len(SOLUTION.operations)
    assert {row[0] for row in _hover_rows(late)} == {"B"}  # B: 50 > 45
    assert len(late.x) == 2
    assert late.marker.line.color == LATE_COLOUR
    assert on_time.marker.line.color != LATE_COLOUR


def test_a_two_slot_machine_gets_a_row_per_slot_grouped_by_work_center() -> None:
    figure = machine_gantt(_data(), SOLUTION)
    assert list(figure.layout.yaxis.ticktext) == ["M1", "OVEN #1", "OVEN #2"]
    late = _trace(figure, "operations of late orders")
    rows = dict(zip([row[5] for row in _hover_rows(late)], late.y, strict=True))
    assert rows == {"M1": 0, "OVEN": 2}  # B's bake overlaps A's: second slot
    assert [a.text for a in figure.layout.annotations] == ["CUT", "HEAT"]
    # work centres sit right of the plot (paper x > 1), never over a bar
    assert {(a.xref, a.x, a.xanchor) for a in figure.layout.annotations} == {
        ("paper", 1, "left")
    }
    assert figure.layout.margin.r >= 6 * len("HEAT")
    assert figure.layout.yaxis.range == (2.5, -0.5)  # first row on top


def test_machine_legend_says_what_colour_and_outline_mean() -> None:
    """No swatch for the coloured bars (one colour could not stand for all
    orders): the legend title says colour = order, a red-outlined square
    stands for late orders and toggles their bars (same legend group)."""
    figure = machine_gantt(_data(), SOLUTION)
    shown = [t.name for t in figure.data if t.showlegend is not False]
    assert shown == ["downtime", gantt.LATE_LEGEND]
    assert "customer order" in figure.layout.legend.title.text
    item = _trace(figure, gantt.LATE_LEGEND)
    assert item.marker.line.color == LATE_COLOUR
    assert item.legendgroup == _trace(figure, "operations of late orders").legendgroup


def test_late_outline_is_thinner_when_bars_are_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wide = _trace(machine_gantt(_data(), SOLUTION), "operations of late orders")
    monkeypatch.setattr(gantt, "TEXT_LIMIT", 5)  # 6 operations: "many"
    many = _trace(machine_gantt(_data(), SOLUTION), "operations of late orders")
    assert (wide.marker.line.width, many.marker.line.width) == (2.0, 1.0)
    assert many.marker.line.color == LATE_COLOUR


def test_an_operation_on_a_machine_the_instance_lacks_still_gets_a_row() -> None:
    edited = Solution([*SOLUTION.operations[:-1], Op("C", 2, "KILN", 40, 70)])
    figure = machine_gantt(_data(), edited)
    assert list(figure.layout.yaxis.ticktext) == ["M1", "OVEN #1", "OVEN #2", "KILN"]
    bars = [t for t in figure.data if t.type == "bar" and t.name != "downtime"]
    assert sum(len(t.x) for t in bars) == 6


def test_downtime_is_shaded_on_its_machine() -> None:
    figure = machine_gantt(_data(), SOLUTION)
    downtime = _trace(figure, "downtime")
    assert list(downtime.y) == [0]
    assert list(downtime.base) == ["2024-03-04T07:00:00"]
    assert list(downtime.x) == [20 * 60_000]  # 20 minutes, in ms on a date axis
    assert downtime.marker.pattern.shape == "/"


def test_hover_shows_datetimes_due_and_lateness_when_the_plan_has_a_start() -> None:
    figure = machine_gantt(_data(), SOLUTION)
    [bake] = [r for r in _hover_rows(_trace(figure, "operations of late orders"))
              if r[3] == "2"]  # fmt: skip
    assert bake == [
        "B", "B", "PART × 1", "2", "bake", "OVEN",
        "Mon 2024-03-04 06:20", "Mon 2024-03-04 06:50",
        "Mon 2024-03-04 06:45", "<b>+5 min (late)</b>",
    ]  # fmt: skip
    assert figure.layout.xaxis.type == "date"
    assert "%{customdata[6]}" in _trace(figure, "operations").hovertemplate


def test_without_a_start_times_are_plain_numbers() -> None:
    figure = machine_gantt(_data(start=False), SOLUTION)
    late = _trace(figure, "operations of late orders")
    assert list(late.base) == [10, 20]
    assert _hover_rows(late)[0][6:8] == ["t=10", "t=20"]
    assert figure.layout.xaxis.type == "linear"
    assert figure.layout.xaxis.title.text.startswith("time (minutes")


def test_user_text_is_escaped_in_hover_labels() -> None:
    data = _data()
    data.work_orders["A"].product_id = "<b>PART</b>"  # as if the id were odd
    figure = machine_gantt(data, SOLUTION)
    products = {row[2] for row in _hover_rows(_trace(figure, "operations"))}
    assert "&lt;b&gt;PART&lt;/b&gt; × 1" in products


def _rectangles(trace: Any) -> int:
    """Rectangles in a WebGL fill trace: 5 corners, then a gap."""
    y = np.asarray(trace.y, dtype=float)
    return int(np.count_nonzero(np.isnan(y)))


def test_webgl_drawing_has_one_rectangle_and_one_hover_point_per_operation() -> None:
    figure = machine_gantt(_data(), SOLUTION, webgl=True)
    assert {t.type for t in figure.data} == {"scattergl"}
    fills = [t for t in figure.data if t.fill == "toself"]
    operations = [t for t in fills if t.name.startswith("operations")]
    assert sum(_rectangles(t) for t in operations) == len(SOLUTION.operations)
    late = [t for t in operations if t.name == "operations of late orders"]
    assert sum(_rectangles(t) for t in late) == 2
    # late bars keep their fill; red lines run along their top and bottom
    # edges (two segments per bar, each followed by a gap)
    [edges] = [t for t in figure.data if t.name == gantt.LATE_GROUP and not t.fill
               and t.mode == "lines"]  # fmt: skip
    assert _rectangles(edges) == 2 * 2
    assert edges.line.color == LATE_COLOUR
    assert [_rectangles(t) for t in fills if t.name == "downtime"] == [1]
    points = [t for t in figure.data if t.mode == "markers"]
    hover = [t for t in points if t.name not in ("downtime", gantt.LATE_LEGEND)]
    assert sum(len(t.x) for t in hover) == 6
    assert len(figure.data) < 12  # traces per colour, never per order


def test_webgl_is_chosen_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gantt, "WEBGL_THRESHOLD", 5)
    assert {t.type for t in machine_gantt(_data(), SOLUTION).data} == {"scattergl"}
    monkeypatch.setattr(gantt, "WEBGL_THRESHOLD", 6)
    assert "bar" in {t.type for t in machine_gantt(_data(), SOLUTION).data}


# ------------------------------------------------------------ order Gantt
def test_order_gantt_shows_late_orders_first_with_due_ticks_and_lateness() -> None:
    figure = order_gantt(_data(), SOLUTION)
    assert [a.text.split("</b>")[0] for a in figure.layout.annotations] == [
        "<b>B",
        "<b>A",
        "<b>C",
    ]  # B late first, then by due date: A (100), C (200)
    bars = [t for t in figure.data if t.type == "bar"]
    assert sum(len(t.x) for t in bars) == len(SOLUTION.operations)
    assert {t.name for t in bars} == {"CUT", "HEAT"}  # coloured by work centre
    due = _trace(figure, "due date")
    assert list(due.x) == [
        "2024-03-04T06:45:00",
        "2024-03-04T07:40:00",
        "2024-03-04T09:20:00",
    ]
    lateness = _trace(figure, "lateness")
    assert list(lateness.x) == ["2024-03-04T06:45:00", "2024-03-04T06:50:00", None]
    # on the top edge of B's row (row 0), between rows: B's bars uncovered
    assert list(lateness.y) == [-gantt.EDGE, -gantt.EDGE, None]
    assert 0.4 < gantt.EDGE < 0.5  # bars span row ± 0.4
    # the legend is a column right of the plot: it cannot wrap into the title
    assert (figure.layout.legend.orientation, figure.layout.legend.x) == ("v", 1.01)
    assert figure.layout.sliders == ()


def test_many_orders_are_paged_with_a_slider() -> None:
    figure = order_gantt(_data(), SOLUTION, page_rows=1)
    [slider] = figure.layout.sliders
    assert [step.label for step in slider.steps] == ["1", "2", "3"]
    update, layout = slider.steps[1].args
    assert len(update["x"]) == len(figure.data)  # every trace gets its page
    assert layout["title.text"] == "Orders 2–2 of 3 (late first, worst first)"
    assert [a["text"] for a in layout["annotations"]] == ["<b>A</b> PART × 1"]
    assert [a["hovertext"] for a in layout["annotations"]] == ["A · PART × 1"]
    assert sum(len(x or []) for x in update["base"]) == 2  # A's two operations
    assert figure.layout.title.text == "Orders 1–1 of 3 (late first, worst first)"


# --------------------------------------------------- material, utilisation
def test_material_chart_steps_supply_against_consumption() -> None:
    [flow] = component_flows(_data(), SOLUTION)
    assert flow.consumption == [(0, 1), (10, 1), (20, 1)]
    assert flow.margin() == 0  # the third bolt arrives just in time, at 20
    figure = material_chart(_data(start=False), SOLUTION)
    assert figure is not None
    available = _trace(figure, "available (stock + supplies)")
    assert list(available.x) == [0, 0, 20, 70]
    assert list(available.y) == [0, 2, 3, 3]
    consumed = _trace(figure, "consumed by started operations")
    assert list(consumed.x) == [0, 0, 10, 20, 70]
    assert list(consumed.y) == [0, 1, 2, 3, 3]
    assert [row[0] for row in _trace(figure, "arrivals").customdata] == [
        "on_hand",
        "PO-1",
    ]


def test_no_purchased_component_no_material_chart() -> None:
    assert material_chart(_data(with_bolts=False), SOLUTION) is None


def test_utilisation_counts_slots_and_leaves_out_downtime() -> None:
    # Makespan 70. M1: busy 30 of 70 - 10 (downtime 60-70 inside the plan).
    # OVEN: busy 90 of 2 slots x 70.
    loads = {load.machine_id: load for load in machine_loads(_data(), SOLUTION)}
    assert (loads["M1"].busy, loads["M1"].available, loads["M1"].downtime) == (
        30,
        60,
        10,
    )
    assert loads["M1"].utilisation == 0.5
    assert (loads["OVEN"].busy, loads["OVEN"].available) == (90, 140)
    figure = utilisation_chart(_data(), SOLUTION)
    assert list(figure.data[0].x) == [50.0, 64.3]
    assert list(figure.layout.yaxis.ticktext) == ["M1", "OVEN"]
    assert [a.text for a in figure.layout.annotations] == ["CUT", "HEAT"]


def test_child_work_orders_read_as_a_tree() -> None:
    """E-bike: a cargo bike's frame is a child work order, its tube set a
    grandchild. Labels are left-aligned annotations: the last segment of the
    id, indented one step per level; the hover has the full id."""
    from pathlib import Path

    from mtosched import load_instance
    from mtosched.heuristic import construct

    root = Path(__file__).resolve().parents[1]
    data = expand(load_instance(root / "instances" / "ebike"))
    figure = order_gantt(data, construct(data))
    labels = {a.hovertext.split(" · ")[0]: a for a in figure.layout.annotations}
    grandchild = next(wo for wo in labels if wo.count("/") == 2)
    child = grandchild.rsplit("/", 1)[0]
    indent = "\u00a0" * 4
    assert labels[child].text == indent + "└ " + child.rsplit("/", 1)[1]
    assert labels[grandchild].text == 2 * indent + "└ " + grandchild.split("/")[2]
    assert {a.xanchor for a in labels.values()} == {"left"}
    assert not figure.layout.yaxis.showticklabels


def test_orders_get_many_distinct_colours_with_readable_text() -> None:
    """64 fills: neighbouring orders rarely share one; none grey (downtime)
    or red (late outline); text white on dark fills, dark on light ones."""
    assert len(set(PALETTE)) == len(PALETTE) >= 60
    data = _data()
    assert len(set(order_colours(data).values())) == len(data.orders)
    assert (text_colour("#FFFFB3"), text_colour("#1616A7")) == ("#222", "white")
    assert LATE_COLOUR not in PALETTE


def test_spans_get_thousands_separators() -> None:
    axis = TimeAxis.of(_data())
    assert axis.show_span(1_234_567, signed=True) == "+1,234,567 min"
    assert axis.show_span(-5, signed=True) == "-5 min"


# -------------------------------------------------------------------- HTML
def test_html_is_self_contained_with_plotly_js_embedded_once() -> None:
    html = render_html(_result(_data()))
    assert html.count(get_plotlyjs()) == 1
    # the scrollbar's room is kept from the start: charts drawn before the
    # page grows are not left wider than their sections
    assert "html { overflow-y: scroll; }" in html
    assert "<script src=" not in html and 'src="http' not in html
    for chart in ("machines", "orders", "material", "utilisation"):
        assert html.count(f'id="{chart}-chart" class="plotly-graph-div"') == 1
    assert "<h2>Late orders</h2>" in html
    assert "<td>B</td>" in html
    assert "weighted tardiness" in html


def test_html_without_a_schedule_says_so() -> None:
    html = render_html(_result(_data(), SolveStatus.infeasible))
    assert "No schedule" in html
    assert "plotly-graph-div" not in html
