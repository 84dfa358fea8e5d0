"""``mtosched solve``, ``check`` and ``report`` through typer's runner."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtosched.checker import check
from mtosched.cli import app
from mtosched.io.loaders import load_instance
from mtosched.io.results_reader import read_solution

ROOT = Path(__file__).resolve().parents[1]
EBIKE = ROOT / "instances" / "ebike"
FAST = ["--time-limit", "8", "--workers", "2", "--seed", "0"]

runner = CliRunner()


@pytest.fixture(scope="module")
def ebike_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("plan") / "ebike-plan"
    result = runner.invoke(app, ["solve", str(EBIKE), "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_solve_writes_all_five_files(ebike_plan: tuple[Path, str]) -> None:
    out, output = ebike_plan
    names = {p.name for p in out.iterdir()}
    assert names >= {
        "schedule.csv",
        "orders.csv",
        "allocations.csv",
        "explanations.csv",
        "summary.json",
        "report.html",
    }
    for kpi in ("status", "objective value", "late orders", "weighted tardiness"):
        assert kpi in output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] in {"optimal", "feasible"}
    assert summary["orders"] == 30


def test_written_schedule_is_checker_clean(ebike_plan: tuple[Path, str]) -> None:
    out, _ = ebike_plan
    instance = load_instance(EBIKE)
    solution, summary = read_solution(out)
    report = check(instance, solution)
    assert report.ok, [str(v) for v in report.violations]
    assert report.weighted_tardiness == summary["weighted_tardiness"]
    assert report.makespan == summary["makespan"]
    result = runner.invoke(app, ["check", str(EBIKE), str(out)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_check_names_a_hand_made_overlap(
    ebike_plan: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = ebike_plan
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for file in out.iterdir():
        (damaged / file.name).write_bytes(file.read_bytes())
    with (out / "schedule.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    by_machine: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_machine.setdefault(row["machine_id"], []).append(row)
    machine, ops = next(
        (m, sorted(r, key=lambda x: int(x["start"])))
        for m, r in by_machine.items()
        if len(r) >= 2 and m.startswith(("WELD", "ASM", "CUT", "TEST", "PACK"))
    )
    first, second = ops[0], ops[1]
    length = int(second["end"]) - int(second["start"])
    second["start"] = first["start"]
    second["end"] = str(int(first["start"]) + length)
    with (damaged / "schedule.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(app, ["check", str(EBIKE), str(damaged)])
    assert result.exit_code == 1
    assert "[capacity]" in result.output
    assert machine in result.output


def test_report_command_renders_from_files(
    ebike_plan: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = ebike_plan
    target = tmp_path / "again.html"
    result = runner.invoke(app, ["report", str(EBIKE), str(out), "--out", str(target)])
    assert result.exit_code == 0, result.output
    html = target.read_text()
    assert "plotly" in html.lower()
    assert '<script src="http' not in html  # plotly.js is embedded, no CDN


def test_unknown_objective_is_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["solve", str(EBIKE), "--objective", "speed", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "unknown objective 'speed'" in result.output
    assert not (tmp_path / "x").exists()


def test_invalid_instance_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "machines.csv").write_text("machine_id,capacity\nM1,zero\n")
    (broken / "routings.csv").write_text(
        "product_id,step,machine_id,run_time\nP,1,M1,5\n"
    )
    (broken / "orders.csv").write_text("order_id,product_id,due\nSO1,P,10\n")
    out = tmp_path / "plan"
    result = runner.invoke(app, ["solve", str(broken), "--out", str(out), *FAST])
    assert result.exit_code == 2
    assert "machines.csv" in result.output and "capacity" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_lexicographic_objective_from_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = runner.invoke(
        app,
        [
            "solve",
            str(EBIKE),
            "--out",
            str(out),
            "--objective",
            "late-orders,weighted-tardiness",
            "--no-report",
            *FAST,
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective"] == "late_orders,weighted_tardiness"
    assert not (out / "report.html").exists()
    solution, _ = read_solution(out)
    assert check(load_instance(EBIKE), solution).ok


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_writes_the_best_schedule_so_far(tmp_path: Path) -> None:
    """Ctrl-C during the search still leaves a complete, valid result folder.

    The plant is large enough (over 600 operations) for the neighbourhood
    search's threads to share one schedule, and tight enough that the search
    reports progress: the signal lands while sub-models are solved side by
    side (CP-SAT's own SIGINT handler aborted the process there).
    """
    from mtosched.generate import generate_instance
    from mtosched.io.instance_writer import write_instance

    instance_dir = tmp_path / "big"
    write_instance(
        generate_instance("ebike", orders=500, seed=3, due_tightness=0.9),
        instance_dir,
    )
    out = tmp_path / "plan"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mtosched",
            "solve",
            str(instance_dir),
            "--out",
            str(out),
            "--time-limit",
            "120",
            "--workers",
            "2",
            "--no-report",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    seen = ""
    while time.monotonic() < deadline:  # wait until the search is under way
        line = process.stdout.readline()
        seen += line
        if " lns " in line:
            break
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    seen += output
    assert process.returncode == 0, seen
    solution, summary = read_solution(out)
    assert summary["status"] in {"optimal", "feasible"}
    assert summary["wall_time_s"] < 100
    report = check(load_instance(instance_dir), solution)
    assert report.ok, [str(v) for v in report.violations]
