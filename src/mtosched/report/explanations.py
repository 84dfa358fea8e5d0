"""The report's "Why late" section: each late order's chain of causes.

The same chains as ``explanations.csv`` (see :mod:`mtosched.workflows.explain`),
one small table per order, worst order first. Long plans show the worst
:data:`SHOWN` orders; the CSV always has them all.
"""

from __future__ import annotations

from mtosched.report.common import TimeAxis, escape
from mtosched.solution import Result
from mtosched.workflows.explain import CauseKind, Explanation, explain

#: Late orders whose chains the report shows (the worst first).
SHOWN = 40

_CAUSE_NAMES = {
    CauseKind.own_work: "own work",
    CauseKind.machine_busy: "machine busy",
    CauseKind.downtime: "downtime",
    CauseKind.material: "waiting for material",
    CauseKind.release: "release",
    CauseKind.now: "rescheduled now",
    CauseKind.in_progress: "in progress",
    CauseKind.plan_start: "plan start",
    CauseKind.slack: "idle (not forced)",
    CauseKind.routing_length: "own routing length",
    CauseKind.truncated: "…",
}


def why_late_section(
    result: Result, explanations: list[Explanation] | None = None
) -> str:
    """The section as HTML ('' when no order is late).

    ``explanations`` are :func:`explain`'s (computed here when not given).
    """
    if explanations is None:
        explanations = explain(result)
    if not explanations:
        return ""
    axis = TimeAxis.of(result.data)
    parts = [
        "<section><h2>Why late</h2>",
        '<p class="hint">For each late order, the chain of causes that fixes its '
        "completion, earliest first: waiting for a component, a machine busy "
        "with other orders or down, a release, or the order's own work.</p>",
    ]
    for explanation in explanations[:SHOWN]:
        parts.append(_chain(explanation, axis))
    if len(explanations) > SHOWN:
        parts.append(
            f'<p class="hint">{len(explanations) - SHOWN} more late orders: '
            "see explanations.csv.</p>"
        )
    parts.append("</section>")
    return "".join(parts)


def _chain(explanation: Explanation, axis: TimeAxis) -> str:
    """One order: a heading line and a table of its causes."""
    head = (
        f"<h3>{escape(explanation.order_id)} · late by "
        f"{escape(axis.show_span(explanation.lateness))} · "
        f"{escape(explanation.headline())}</h3>"
    )
    rows = "".join(
        "<tr>"
        f"<td>{escape(_CAUSE_NAMES.get(cause.kind, cause.kind.value))}</td>"
        f"<td>{escape(cause.resource)}</td>"
        f"<td>{escape(axis.show(cause.start))}</td>"
        f"<td>{escape(axis.show(cause.end))}</td>"
        f'<td style="white-space: normal">{escape(cause.detail)}</td>'
        "</tr>"
        for cause in explanation.causes
    )
    return (
        f'{head}<div class="table-wrap"><table class="why"><thead><tr>'
        "<th>cause</th><th>resource</th><th>from</th><th>to</th><th>detail</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )
