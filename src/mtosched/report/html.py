"""One self-contained HTML page: KPI header, charts and tables, offline.

plotly.js is embedded once in the page head (no CDN: the report must open on
a shop-floor PC without internet); each figure is a ``div`` and a short
script that draws it with the embedded library.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from mtosched import __version__
from mtosched.report.common import escape
from mtosched.report.explanations import why_late_section
from mtosched.report.gantt import machine_gantt, order_gantt
from mtosched.report.material import material_chart
from mtosched.report.tables import kpi_header, late_orders_table, unschedulable_table
from mtosched.report.utilisation import utilisation_chart
from mtosched.solution import Result
from mtosched.workflows.explain import Explanation

#: Plotly options for every chart: wheel zoom, no plotly logo, PNG export.
PLOT_CONFIG = {
    "displaylogo": False,
    "scrollZoom": True,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

#: ``overflow-y: scroll`` keeps the vertical scrollbar's room from the start:
#: plotly sizes a chart to its section when it draws it, and a scrollbar
#: appearing later (as the page grows) would leave the first charts 15 px
#: wider than their sections, and the page with a horizontal scrollbar.
#: Sections clip anything still too wide rather than widen the page.
_STYLE = """
html { overflow-y: scroll; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0; color: #222; background: #f6f7f9; }
header { background: #1F3A5F; color: white; padding: 14px 24px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header p { margin: 4px 0 0; opacity: 0.85; font-size: 13px; }
main { padding: 12px 24px 32px; }
section { background: white; border-radius: 6px; margin: 14px 0; padding: 10px 14px;
          box-shadow: 0 1px 3px rgba(0,0,0,0.08); overflow-x: hidden; }
h2 { font-size: 17px; margin: 4px 0 8px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; }
.kpi { background: white; border-radius: 6px; padding: 10px 14px; min-width: 110px;
       box-shadow: 0 1px 3px rgba(0,0,0,0.08); }
.kpi .value { font-size: 20px; font-weight: 600; }
.kpi .label { font-size: 12px; color: #666; text-transform: uppercase; }
.kpi.alert .value { color: #C0392B; }
.table-wrap { max-height: 420px; overflow: auto; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th { position: sticky; top: 0; background: #eef1f5; text-align: left; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e3e6ea; white-space: nowrap; }
table.late td:nth-child(7) { color: #C0392B; font-weight: 600; }
table.unschedulable td:last-child { white-space: normal; }
p.ok { color: #1E8449; }
p.hint { color: #666; font-size: 13px; margin: 0 0 6px; }
footer { color: #888; font-size: 12px; padding: 0 24px 16px; }
"""


def render_html(result: Result, explanations: list[Explanation] | None = None) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    name = escape(result.data.instance.name)
    sections = [f"<section><h2>Plan</h2>{kpi_header(result)}</section>"]
    if result.solution is not None and result.status.has_schedule:
        sections += _schedule_sections(result, explanations)
    else:
        sections.append(
            f"<section><p>No schedule: the solve ended "
            f"<b>{escape(result.status.value.replace('_', ' '))}</b>.</p></section>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{name} · mtosched plan</title>\n<style>{_STYLE}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        "</head>\n<body>\n"
        f"<header><h1>{name}</h1><p>Production plan by mtosched {__version__}</p>"
        "</header>\n<main>\n" + "\n".join(sections) + "\n</main>\n"
        "<footer>Hover a bar for details; drag or scroll to zoom, double-click "
        "to reset.</footer>\n</body>\n</html>\n"
    )


def _schedule_sections(
    result: Result, explanations: list[Explanation] | None
) -> list[str]:
    """Charts and tables of a result that has a schedule."""
    data, solution = result.data, result.solution
    assert solution is not None
    orders = result.orders
    sections = [
        _figure_section(
            "Machines",
            machine_gantt(data, solution, orders),
            "Bars are coloured by customer order; a red outline marks an order "
            "that finishes late; grey is downtime. Drag to zoom in time, "
            "double-click to zoom out.",
        ),
        _figure_section(
            "Orders",
            order_gantt(data, solution, orders),
            "One row per work order, late orders first. Black tick: due date; "
            "red line: lateness; grey triangle: release. With many orders, the "
            "slider below the chart turns the pages.",
        ),
        f"<section><h2>Late orders</h2>{late_orders_table(result)}</section>",
    ]
    why_late = why_late_section(result, explanations)  # each late order's causes
    if why_late:
        sections.append(why_late)
    left_out = unschedulable_table(result)
    if left_out:
        sections.append(f"<section><h2>Unschedulable orders</h2>{left_out}</section>")
    material = material_chart(data, solution)
    if material is not None:
        sections.append(
            _figure_section(
                "Material",
                material,
                "Cumulative quantity available (stock and supplies) against "
                "cumulative consumption; pick a component in the menu.",
            )
        )
    sections.append(
        _figure_section("Utilisation", utilisation_chart(data, solution), "")
    )
    return sections


def _figure_section(title: str, figure: go.Figure, hint: str) -> str:
    """A titled section holding one figure drawn by the embedded plotly.js.

    The figure's div gets a stable id (``machines-chart``, ``orders-chart``,
    ...) so that browser tests and planners' scripts can find it.
    """
    div = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        config=PLOT_CONFIG,
        div_id=f"{title.lower()}-chart",
    )
    note = f'<p class="hint">{escape(hint)}</p>' if hint else ""
    return f"<section><h2>{escape(title)}</h2>{note}{div}</section>"
