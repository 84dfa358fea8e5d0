"""The Gantt report: plotly figures built from an instance and a schedule.

Each function takes the expanded data and a solution (or a whole
:class:`~mtosched.solution.Result`) and returns a plotly ``Figure`` or an HTML
fragment; :func:`render_html` assembles them into one offline page.
"""

from mtosched.report.gantt import machine_gantt, order_gantt
from mtosched.report.html import render_html
from mtosched.report.material import component_flows, material_chart
from mtosched.report.tables import kpi_header, late_orders_table, unschedulable_table
from mtosched.report.utilisation import machine_loads, utilisation_chart

__all__ = [
    "component_flows",
    "kpi_header",
    "late_orders_table",
    "machine_gantt",
    "machine_loads",
    "material_chart",
    "order_gantt",
    "render_html",
    "unschedulable_table",
    "utilisation_chart",
]
