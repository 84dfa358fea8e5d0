"""report.html in a real browser: headless Chromium loads the page, takes a
screenshot, and a probe script injected into a copy of the page reports
JavaScript errors and what plotly drew.

Driving: Chromium's own ``--dump-dom`` and ``--screenshot`` after a virtual
time budget, no WebDriver and no new dependency. The probe (first script of
the head) records uncaught errors, failed resources, unhandled promise
rejections and ``console.error`` calls; a second probe (last in the body)
waits until every ``.js-plotly-plot`` div is drawn, counts the bars plotly
drew per trace (each SVG bar is a ``g.point``), and writes all of it as JSON
into a ``<pre id="mtosched-probe">`` that ``--dump-dom`` prints.

Skips only when no Chromium binary is found (``.ci/run`` installs Debian's
``chromium`` when missing). ``python tests/test_report_browser.py`` solves
the e-bike plant and writes the README's picture, docs/images/report-ebike.png.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mtosched import expand, kpi, load_instance, pegging
from mtosched.expand import ProblemData
from mtosched.heuristic import construct
from mtosched.report import render_html
from mtosched.solution import Objective, Result, SolveStatus

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
README_IMAGE = ROOT / "docs" / "images" / "report-ebike.png"

#: Binaries tried in this order (``MTOSCHED_CHROMIUM`` overrides).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: Headless, as root, on a closed network: without the background-networking
#: flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
WINDOW = (1400, 2000)
#: Virtual milliseconds the page may run after loading before the DOM is
#: dumped; the probe polls with timers, which consume it.
TIME_BUDGET_MS = 10_000

_ERROR_PROBE = """<script>
window.__probe = {errors: [], started: performance.now()};
window.addEventListener('error', function (event) {
  var source = event.target && (event.target.src || event.target.href);
  window.__probe.errors.push('error: ' + (event.message || 'failed to load ' + source));
}, true);
window.addEventListener('unhandledrejection', function (event) {
  window.__probe.errors.push('unhandled rejection: ' + String(event.reason));
});
(function () {
  var original = console.error;
  console.error = function () {
    var text = Array.prototype.map.call(arguments, String).join(' ');
    window.__probe.errors.push('console.error: ' + text);
    return original.apply(console, arguments);
  };
})();
</script>"""

_DRAWN_PROBE = """<script>
(function () {
  function stage(text) { document.documentElement.setAttribute('data-probe', text); }
  function drawn(gd) { return !!(gd._fullLayout && gd.querySelector('.main-svg')); }
  function bars(gd) {
    var counts = {};
    gd.querySelectorAll('.barlayer .trace').forEach(function (group) {
      var name = group.__data__[0].trace.name;
      counts[name] = (counts[name] || 0) + group.querySelectorAll('g.point').length;
    });
    return counts;
  }
  function report() {
    var charts = {};
    document.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
      charts[gd.id] = {drawn: drawn(gd), traces: gd.data.length, bars: bars(gd)};
    });
    var out = document.createElement('pre');
    out.id = 'mtosched-probe';
    out.hidden = true;
    out.textContent = JSON.stringify({
      errors: window.__probe.errors, charts: charts, drawn_ms: performance.now()
    });
    document.body.appendChild(out);
    stage('reported');
  }
  function wait() {
    var plots = document.querySelectorAll('.js-plotly-plot');
    var done = Array.prototype.filter.call(plots, drawn).length;
    stage('waiting: ' + done + ' of ' + plots.length + ' charts drawn');
    if (plots.length && done === plots.length) {
      report();
    } else {
      setTimeout(wait, 20);
    }
  }
  if (document.readyState === 'complete') { wait(); }
  else { window.addEventListener('load', wait); }
})();
</script>"""


def find_chromium() -> str | None:
    """The Chromium binary to drive, or None when there is none."""
    chosen = os.environ.get("MTOSCHED_CHROMIUM")
    if chosen:
        return shutil.which(chosen)
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        tried = os.environ.get("MTOSCHED_CHROMIUM") or ", ".join(CHROMIUM_NAMES)
        pytest.skip(
            f"no Chromium binary found (tried {tried}); "
            "install Debian's chromium package"
        )
    return binary


@dataclass(frozen=True)
class PageRun:
    """What the probe reported and where the screenshot is."""

    probe: dict[str, Any]
    screenshot: Path

    @property
    def errors(self) -> list[str]:
        """JavaScript errors, failed resources and console errors, in order."""
        return list(self.probe["errors"])

    def chart(self, chart_id: str) -> dict[str, Any]:
        """One chart's report: drawn, trace count, bars drawn per trace name."""
        return dict(self.probe["charts"][chart_id])


def with_probes(page: str) -> str:
    """A copy of ``page`` with the error probe first and the drawn probe last."""
    assert page.count("<head>") == 1 and page.count("</body>") == 1
    return page.replace("<head>", "<head>\n" + _ERROR_PROBE, 1).replace(
        "</body>", _DRAWN_PROBE + "\n</body>", 1
    )


def load_page(
    binary: str, page: str, folder: Path, window: tuple[int, int] = WINDOW
) -> PageRun:
    """Load ``page`` (HTML text) in headless Chromium; probe it, screenshot it."""
    folder.mkdir(parents=True, exist_ok=True)
    probed = folder / "probed.html"
    probed.write_text(with_probes(page), encoding="utf-8")
    screenshot = folder / "screenshot.png"
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [
                binary,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={window[0]},{window[1]}",
                f"--virtual-time-budget={TIME_BUDGET_MS}",
                f"--screenshot={screenshot}",
                "--dump-dom",
                probed.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    found = re.search(r'<pre id="mtosched-probe"[^>]*>(.*?)</pre>', run.stdout, re.S)
    stage = re.search(r'<html[^>]*data-probe="([^"]*)"', run.stdout)
    assert found, (
        f"the probe never reported (exit {run.returncode}; last stage: "
        f"{stage.group(1) if stage else 'page not loaded'}); "
        f"Chromium said:\n{run.stderr[-3000:]}"
    )
    return PageRun(json.loads(html.unescape(found.group(1))), screenshot)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (fails on anything not a PNG)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", head
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def heuristic_result(data: ProblemData) -> Result:
    """A feasible result from the constructive heuristic (fast, deterministic)."""
    solution = construct(data)
    orders = kpi.order_results(data, solution)
    objective = Objective.weighted_tardiness
    return Result(
        status=SolveStatus.feasible,
        objective=[objective],
        objective_value=kpi.objective_value(objective, orders, solution),
        best_bound=Decimal(0),
        wall_time=0.1,
        data=data,
        solution=solution,
        orders=orders,
        allocations=pegging.allocate(data, solution),
    )


def late_operations(result: Result) -> int:
    """Operations of orders that finish late (drawn with a red outline)."""
    assert result.solution is not None
    late = {o.order_id for o in result.orders if o.late}
    work_orders = result.data.work_orders
    return sum(
        work_orders[op.work_order_id].order_id in late
        for op in result.solution.operations
    )


# ------------------------------------------------------------- the probe
def test_probe_reports_script_errors(chromium: str, tmp_path: Path) -> None:
    """The probe is not blind: a thrown error, a console.error and a missing
    script all reach it (so 'no errors' below means something)."""
    page = (
        "<!DOCTYPE html><html><head><title>t</title></head><body>"
        '<div class="js-plotly-plot" id="fake"></div>'
        "<script>console.error('broken data');</script>"
        "<script>undefinedFunction();</script>"
        '<script src="missing-library.js"></script>'
        "<script>document.getElementById('fake')._fullLayout = {};"
        "document.getElementById('fake').data = [];"
        "document.getElementById('fake').innerHTML = "
        "'<svg class=\"main-svg\"></svg>';</script>"
        "</body></html>"
    )
    run = load_page(chromium, page, tmp_path, window=(400, 300))
    assert len(run.errors) == 3, run.errors
    assert run.errors[0] == "console.error: broken data"
    assert "undefinedFunction" in run.errors[1]
    assert "missing-library.js" in run.errors[2]


# ------------------------------------------------ the e-bike plan (heuristic)
@pytest.fixture(scope="module")
def ebike(
    chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Result, PageRun]:
    result = heuristic_result(expand(load_instance(ROOT / "instances" / "ebike")))
    folder = tmp_path_factory.mktemp("ebike-report")
    page = render_html(result)
    (folder / "report.html").write_text(page, encoding="utf-8")
    return result, load_page(chromium, page, folder)


def test_ebike_report_has_no_javascript_errors(ebike: tuple[Result, PageRun]) -> None:
    _, run = ebike
    assert run.errors == []


def test_ebike_report_draws_every_chart(ebike: tuple[Result, PageRun]) -> None:
    _, run = ebike
    charts = ("machines-chart", "orders-chart", "material-chart", "utilisation-chart")
    assert set(run.probe["charts"]) == set(charts)
    assert all(run.chart(chart)["drawn"] for chart in charts)


def test_ebike_machine_gantt_draws_one_bar_per_operation(
    ebike: tuple[Result, PageRun],
) -> None:
    """265 operations (30 orders, frames as child work orders), those of late
    orders in their own outlined trace; each downtime window is shaded on
    every row of its machine (the 4-slot oven: once per slot used)."""
    result, run = ebike
    assert result.solution is not None
    bars = run.chart("machines-chart")["bars"]
    operations = len(result.solution.operations)
    late = late_operations(result)
    assert operations == 265
    assert 0 < late < operations
    assert bars["operations"] == operations - late
    assert bars["operations of late orders"] == late
    windows = sum(len(spans) for spans in result.data.downtime.values())
    capacity = {m.machine_id: m.capacity for m in result.data.instance.machines}
    most = sum(
        len(spans) * capacity[machine]
        for machine, spans in result.data.downtime.items()
    )
    assert windows <= bars["downtime"] <= most


def test_ebike_order_gantt_draws_the_first_page(
    ebike: tuple[Result, PageRun],
) -> None:
    """30 orders do not fit one page of 45 rows: the first page shows some of
    them, each work order's operations as bars coloured by work centre."""
    result, run = ebike
    assert result.solution is not None
    chart = run.chart("orders-chart")
    drawn = sum(chart["bars"].values())
    assert 0 < drawn < len(result.solution.operations)
    centres = {m.work_center for m in result.data.instance.machines}
    assert set(chart["bars"]) <= centres


def test_ebike_utilisation_has_one_bar_per_machine(
    ebike: tuple[Result, PageRun],
) -> None:
    result, run = ebike
    bars = run.chart("utilisation-chart")["bars"]
    assert sum(bars.values()) == len(result.data.instance.machines) == 12


def test_ebike_screenshot_is_the_page(ebike: tuple[Result, PageRun]) -> None:
    """A PNG of the window; a blank page compresses to a few kB, the charts
    to far more."""
    _, run = ebike
    assert png_size(run.screenshot) == WINDOW
    assert run.screenshot.stat().st_size > 60_000


# ------------------------------------------- a hand-checkable single machine
def test_single_machine_report_draws_three_bars(chromium: str, tmp_path: Path) -> None:
    """Three orders of one one-step product on one lathe (no work centres, no
    downtime, plain time units): three bars in each Gantt, one utilisation
    bar, and the whole lathe busy from 0 to 3 + 2 + 4 = 9."""
    result = heuristic_result(
        expand(load_instance(ROOT / "instances" / "tiny" / "single_machine"))
    )
    assert result.solution is not None
    assert max(op.end for op in result.solution.operations) == 9
    run = load_page(chromium, render_html(result), tmp_path, window=(1000, 1400))
    assert run.errors == []
    machines = run.chart("machines-chart")["bars"]
    late = late_operations(result)
    assert machines.get("downtime", 0) == 0
    assert machines.get("operations", 0) == 3 - late
    assert machines.get("operations of late orders", 0) == late
    assert sum(run.chart("orders-chart")["bars"].values()) == 3
    assert sum(run.chart("utilisation-chart")["bars"].values()) == 1


# ------------------------------------------------------ the README picture
def write_readme_image(time_limit: float = 30.0) -> Path:
    """Solve the e-bike plant as the quick start does and screenshot the top
    of its report into :data:`README_IMAGE`."""
    from mtosched import SolverParams, solve

    binary = find_chromium()
    if binary is None:
        raise SystemExit("no Chromium binary found")
    result = solve(
        load_instance(ROOT / "instances" / "ebike"),
        SolverParams(time_limit=time_limit, workers=2, seed=0),
    )
    with tempfile.TemporaryDirectory() as folder:
        run = load_page(binary, render_html(result), Path(folder), window=(1400, 1250))
        assert run.errors == [], run.errors
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run.screenshot, README_IMAGE)
    return README_IMAGE


if __name__ == "__main__":
    image = write_readme_image(*(float(arg) for arg in sys.argv[1:2]))
    print(f"{image}: {image.stat().st_size / 1000:.0f} kB")
