"""``mtosched validate`` on valid instances, ``--help``, and ``python -m mtosched``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import BASE_TABLES, INSTANCES, run_cli, shipped
from mtosched import expand


def summary(output: str) -> dict[str, str]:
    """The rows of the summary table: ``{"orders": "3 (0 unschedulable)", ...}``."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│") if cell.strip()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def valid(path: Path) -> str:
    result = run_cli("validate", path)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("form", ["ebike", "ebike.json", "ebike.xlsx"])
def test_ebike_is_valid_in_every_form(form: str) -> None:
    output = valid(INSTANCES / form)
    data = expand(shipped("ebike"))
    instance = data.instance
    rows = summary(output)
    assert rows["instance"] == instance.name
    assert rows["start"] == "2026-03-02 06:00"
    assert rows["time unit"] == "minute"
    assert rows["orders"] == f"{len(instance.orders)} (0 unschedulable)"
    assert rows["work orders"] == str(len(data.work_orders))
    assert rows["operations"] == str(len(data.operations))
    assert rows["machines"] == str(len(instance.machines))
    assert rows["supplies"] == str(len(instance.supplies))
    assert rows["downtime windows"] == str(len(instance.downtime))
    assert rows["horizon"].startswith(f"{data.horizon} minutes (until 2026-")
    assert output.rstrip().endswith(f"{instance.name}: valid")


def test_ebike_sizes() -> None:
    # The shipped example as instances/README.md describes it.
    rows = summary(valid(INSTANCES / "ebike"))
    assert rows["orders"] == "30 (0 unschedulable)"
    assert rows["machines"] == "12"


def test_tiny_bom_two_level_by_hand() -> None:
    # 2 orders x (BIKE + FRAME) = 4 work orders, 2 steps each = 8 operations.
    # Horizon: last receipt at 30; work SO-1 (2 bikes) 9 + 6 + 8 + 2 = 25 and
    # SO-2 (1 bike) 7 + 3 + 4 + 1 = 15; 30 + 40 + 1 = 71.
    rows = summary(valid(INSTANCES / "tiny" / "bom_two_level"))
    assert rows == {
        "instance": "bom_two_level",
        "start": "none (times are plain numbers)",
        "time unit": "minute",
        "orders": "2 (0 unschedulable)",
        "work orders": "4",
        "operations": "8",
        "machines": "3",
        "components": "2 purchased",
        "supplies": "1",
        "downtime windows": "0",
        "horizon": "71 minutes",
    }


def test_unschedulable_orders_are_listed_with_reasons() -> None:
    output = valid(INSTANCES / "tiny" / "shortage")
    assert summary(output)["orders"] == "3 (1 unschedulable)"
    assert "  SO-3: short of BAT-500: needs 3, at most 2 available" in output


def test_warnings_are_printed_but_not_errors(csv_instance: Callable[..., Path]) -> None:
    orders = BASE_TABLES["orders"].replace("weight\n", "weight,colour\n", 1)
    folder = csv_instance(orders=orders, notes="text\nhello\n")
    output = valid(folder)
    assert "warning: orders.csv: unknown column(s) colour; ignored" in output
    assert "warning: notes.csv: not a table of the instance format; ignored" in output


def test_help() -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    assert "validate" in result.output
    result = run_cli("validate", "--help")
    assert result.exit_code == 0
    assert "exit 0 when valid, 2 when not" in " ".join(result.output.split())


def test_no_arguments_shows_help() -> None:
    result = run_cli()
    assert "Usage" in result.output
    assert "validate" in result.output


def test_python_dash_m() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mtosched", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Usage: mtosched" in completed.stdout
    assert "validate" in completed.stdout
    completed = subprocess.run(
        [sys.executable, "-m", "mtosched", "validate", str(INSTANCES / "tiny" / "x")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
