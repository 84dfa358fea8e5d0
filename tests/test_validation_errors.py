"""Every kind of bad input, fed through ``mtosched validate``.

Each test breaks the small valid instance of ``conftest.BASE_TABLES`` in one
place and asserts exit code 2 and a problem line naming the file, the row as
the user counts it (CSV: line number, header = 1), the column and the value.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import BASE_TABLES, run_cli
from mtosched.io.instance_writer import write_instance
from mtosched.io.loaders import load_instance


def problem_lines(output: str) -> list[str]:
    """The ``  - <problem>`` lines of the CLI's output."""
    return [line[4:] for line in output.splitlines() if line.startswith("  - ")]


def reported(output: str, location: str) -> str:
    """The one problem line that starts with ``location``; fails when absent."""
    matches = [line for line in problem_lines(output) if line.startswith(location)]
    assert len(matches) == 1, f"{location!r} not reported once in:\n{output}"
    return matches[0]


def invalid(path: Path) -> str:
    """Run ``mtosched validate path``, assert exit 2, return the output."""
    result = run_cli("validate", path)
    assert result.exit_code == 2, result.output
    assert not any(line.endswith(": valid") for line in result.output.splitlines())
    return result.output


def test_base_instance_is_valid(csv_instance: Callable[..., Path]) -> None:
    result = run_cli("validate", csv_instance())
    assert result.exit_code == 0, result.output
    assert "inst: valid" in result.output


# ------------------------------------------------------------- tables, columns
def test_missing_required_table(csv_instance: Callable[..., Path]) -> None:
    output = invalid(csv_instance(machines=None))
    line = reported(output, "machines.csv: ")
    assert "required table 'machines' (missing)" in line
    # References into the missing table are not reported once per row.
    assert len(problem_lines(output)) == 1


def test_missing_required_column(csv_instance: Callable[..., Path]) -> None:
    orders = "order_id,product_id,quantity\nSO-1,BIKE,1\n"
    output = invalid(csv_instance(orders=orders))
    line = reported(output, "orders.csv, row 1, column 'due': ")
    assert "required column 'due'" in line
    assert len(problem_lines(output)) == 1


def test_missing_required_value(csv_instance: Callable[..., Path]) -> None:
    orders = "order_id,product_id,quantity,due\nSO-1,BIKE,1,50\nSO-2,BIKE,2,\n"
    output = invalid(csv_instance(orders=orders))
    line = reported(output, "orders.csv, row 3, column 'due': ")
    assert "required" in line


# ------------------------------------------------------------------ unknown ids
def test_unknown_machine_in_routings(csv_instance: Callable[..., Path]) -> None:
    routings = BASE_TABLES["routings"] + "        FRAME,10,M9,0.5,0\n"
    output = invalid(csv_instance(routings=routings))
    line = reported(output, "routings.csv, row 5, column 'machine_id': value 'M9': ")
    assert "listed in machines" in line
    assert len(problem_lines(output)) == 1  # FRAME step 10 still has M1


def test_unknown_machine_in_downtime(csv_instance: Callable[..., Path]) -> None:
    downtime = "machine_id,start,end\nM1,20,30\nOVEN-7,0,10\n"
    output = invalid(csv_instance(downtime=downtime))
    line = reported(output, "downtime.csv, row 3, column 'machine_id': value 'OVEN-7'")
    assert "listed in machines" in line


def test_step_without_eligible_machine(csv_instance: Callable[..., Path]) -> None:
    routings = """\
        product_id,step,machine_id,run_time
        BIKE,10,M1,1
        BIKE,20,M8,2
        BIKE,20,M9,2
        FRAME,10,M1,0.5
        """
    output = invalid(csv_instance(routings=routings))
    reported(output, "routings.csv, row 3, column 'machine_id': value 'M8'")
    reported(output, "routings.csv, row 4, column 'machine_id': value 'M9'")
    line = reported(output, "routings.csv, row 3, column 'step': value 20: ")
    assert "at least one eligible machine for step 20 of product BIKE" in line


def test_unknown_product_in_orders(csv_instance: Callable[..., Path]) -> None:
    orders = "order_id,product_id,due\nSO-1,BIKE,50\nSO-2,TRIKE,50\n"
    output = invalid(csv_instance(orders=orders))
    line = reported(output, "orders.csv, row 3, column 'product_id': value 'TRIKE': ")
    assert "has a routing" in line


def test_unknown_product_in_bom(csv_instance: Callable[..., Path]) -> None:
    bom = BASE_TABLES["bom"] + "        TRIKE,BAT-500,1,\n"
    output = invalid(csv_instance(bom=bom))
    line = reported(output, "bom.csv, row 4, column 'product_id': value 'TRIKE': ")
    assert "has a routing" in line


def test_unknown_component_in_supplies(csv_instance: Callable[..., Path]) -> None:
    supplies = BASE_TABLES["supplies"] + "        PO-2,BAT-900,5,10\n"
    output = invalid(csv_instance(supplies=supplies))
    line = reported(
        output, "supplies.csv, row 3, column 'component_id': value 'BAT-900': "
    )
    assert "listed in components or used in bom" in line


def test_bom_step_not_in_routing(csv_instance: Callable[..., Path]) -> None:
    bom = "product_id,component_id,quantity,step\nBIKE,BAT-500,1,30\n"
    output = invalid(csv_instance(bom=bom))
    line = reported(output, "bom.csv, row 2, column 'step': value 30: ")
    assert "a step of the routing of BIKE (10, 20)" in line


# ------------------------------------------------------------------- duplicates
@pytest.mark.parametrize(
    ("table", "extra_row", "location"),
    [
        ("orders", "SO-1,BIKE,3,90,0,1", "orders.csv, row 4, column 'order_id': "),
        ("machines", "M2,1,Second oven", "machines.csv, row 4, column 'machine_id': "),
        ("components", "BAT-500,7,", "components.csv, row 3, column 'component_id': "),
        ("bom", "BIKE,FRAME,2,", "bom.csv, row 4, column 'component_id': "),
        ("supplies", "PO-1,BAT-500,4,50", "supplies.csv, row 3, column 'supply_id': "),
    ],
)
def test_duplicate_ids(
    csv_instance: Callable[..., Path], table: str, extra_row: str, location: str
) -> None:
    text = BASE_TABLES[table] + f"        {extra_row}\n"
    output = invalid(csv_instance(**{table: text}))
    line = reported(output, location)
    assert "a unique value (already at row" in line
    assert len(problem_lines(output)) == 1


def test_supply_id_clashing_with_a_default_id(
    csv_instance: Callable[..., Path],
) -> None:
    # The unnamed supply on line 2 gets the default id S1, which line 3 uses.
    supplies = (
        "supply_id,component_id,quantity,arrival\n,BAT-500,1,30\nS1,BAT-500,1,40\n"
    )
    output = invalid(csv_instance(supplies=supplies))
    line = reported(output, "supplies.csv, row 3, column 'supply_id': value 'S1': ")
    assert "already at row 2" in line


def test_duplicate_bom_pair_shows_both_ids(csv_instance: Callable[..., Path]) -> None:
    bom = BASE_TABLES["bom"] + "        BIKE,FRAME,2,\n"
    output = invalid(csv_instance(bom=bom))
    line = reported(output, "bom.csv, row 4, column 'component_id': ")
    assert "'BIKE / FRAME'" in line
    assert "already at row 2" in line


# ---------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    ("table", "text", "location", "expected"),
    [
        (
            "orders",
            "order_id,product_id,quantity,due\nSO-1,BIKE,two,50\n",
            "orders.csv, row 2, column 'quantity': value 'two': ",
            "a number",
        ),
        (
            "routings",
            "product_id,step,machine_id,run_time\nBIKE,10,M1,-1\nFRAME,10,M1,1\n",
            "routings.csv, row 2, column 'run_time': value '-1': ",
            "greater than or equal to 0",
        ),
        (
            "routings",
            "product_id,step,machine_id,run_time\nBIKE,ten,M1,1\nFRAME,10,M1,1\n",
            "routings.csv, row 2, column 'step': value 'ten': ",
            "a number",
        ),
        (
            "routings",
            "product_id,step,machine_id,run_time\nBIKE,10.5,M1,1\nFRAME,10,M1,1\n",
            "routings.csv, row 2, column 'step': value '10.5': ",
            "a whole number",
        ),
        (
            "orders",
            "order_id,product_id,quantity,due\nSO-1,BIKE,0,50\n",
            "orders.csv, row 2, column 'quantity': value '0': ",
            "greater than 0",
        ),
        (
            "orders",
            "order_id,product_id,due,weight\nSO-1,BIKE,50,0\n",
            "orders.csv, row 2, column 'weight': value '0': ",
            "greater than 0",
        ),
        (
            "bom",
            "product_id,component_id,quantity\nBIKE,BAT-500,0\n",
            "bom.csv, row 2, column 'quantity': value '0': ",
            "greater than 0",
        ),
        (
            "supplies",
            "component_id,quantity,arrival\nBAT-500,-3,10\n",
            "supplies.csv, row 2, column 'quantity': value '-3': ",
            "greater than 0",
        ),
        (
            "components",
            "component_id,on_hand\nBAT-500,-1\n",
            "components.csv, row 2, column 'on_hand': value '-1': ",
            "greater than or equal to 0",
        ),
        (
            "machines",
            "machine_id,capacity\nM1,0\nM2,1\n",
            "machines.csv, row 2, column 'capacity': value '0': ",
            "greater than or equal to 1",
        ),
        (
            "orders",
            "order_id,product_id,due\nSO-1,BIKE,soon\n",
            "orders.csv, row 2, column 'due': value 'soon': ",
            "a number or an ISO-8601 datetime",
        ),
    ],
)
def test_bad_numbers(
    csv_instance: Callable[..., Path],
    table: str,
    text: str,
    location: str,
    expected: str,
) -> None:
    output = invalid(csv_instance(**{table: text}))
    assert expected in reported(output, location)


# ------------------------------------------------------------------------ times
def test_due_before_release(csv_instance: Callable[..., Path]) -> None:
    orders = "order_id,product_id,due,release\nSO-1,BIKE,50,0\nSO-2,BIKE,5,10\n"
    output = invalid(csv_instance(orders=orders))
    line = reported(output, "orders.csv, row 3, column 'due': value '5': ")
    assert "not before the release (10)" in line


def test_downtime_ending_before_it_starts(csv_instance: Callable[..., Path]) -> None:
    output = invalid(csv_instance(downtime="machine_id,start,end\nM1,30,20\n"))
    line = reported(output, "downtime.csv, row 2, column 'end': value '20': ")
    assert "an end after the start (30)" in line


def test_datetimes_without_start(csv_instance: Callable[..., Path]) -> None:
    orders = (
        "order_id,product_id,due,release\n"
        "SO-1,BIKE,50,0\n"
        "SO-2,BIKE,2025-03-07T16:00,2025-03-03\n"
    )
    output = invalid(csv_instance(orders=orders))
    line = reported(output, "orders.csv, row 3, column 'due': value '2025-03-07T16")
    assert "datetimes need settings.start" in line
    reported(output, "orders.csv, row 3, column 'release': value '2025-03-03T00")


def test_unknown_time_unit(csv_instance: Callable[..., Path]) -> None:
    settings = "key,value\nstart,2025-03-03T06:00\ntime_unit,week\n"
    output = invalid(csv_instance(settings=settings))
    line = reported(output, "settings.csv, row 3, column 'time_unit': value 'week': ")
    assert "'minute', 'hour' or 'day'" in line
    assert len(problem_lines(output)) == 1


def test_invalid_start_is_reported_once(csv_instance: Callable[..., Path]) -> None:
    settings = "key,value\nstart,next monday\n"
    orders = "order_id,product_id,due\nSO-1,BIKE,2025-03-07T16:00\n"
    output = invalid(csv_instance(settings=settings, orders=orders))
    reported(output, "settings.csv, row 2, column 'start': value 'next monday': ")
    assert len(problem_lines(output)) == 1


# -------------------------------------------------------------------------- BOM
def test_bom_cycle_two_levels(csv_instance: Callable[..., Path]) -> None:
    bom = BASE_TABLES["bom"] + "        FRAME,BIKE,1,\n"
    output = invalid(csv_instance(bom=bom))
    line = reported(output, "bom.csv, row 4, column 'component_id': value 'BIKE': ")
    assert "no BOM cycle (BIKE -> FRAME -> BIKE)" in line
    assert len(problem_lines(output)) == 1


def test_bom_cycle_three_levels(csv_instance: Callable[..., Path]) -> None:
    routings = BASE_TABLES["routings"] + "        TUBE,10,M1,1,0\n"
    bom = BASE_TABLES["bom"] + "        FRAME,TUBE,2,\n        TUBE,BIKE,1,\n"
    output = invalid(csv_instance(routings=routings, bom=bom))
    line = reported(output, "bom.csv, row 5, column 'component_id': value 'BIKE': ")
    assert "no BOM cycle (BIKE -> FRAME -> TUBE -> BIKE)" in line
    assert len(problem_lines(output)) == 1


def test_bom_item_using_itself(csv_instance: Callable[..., Path]) -> None:
    bom = BASE_TABLES["bom"] + "        FRAME,FRAME,1,\n"
    output = invalid(csv_instance(bom=bom))
    line = reported(output, "bom.csv, row 4, column 'component_id': value 'FRAME': ")
    assert "BOM cycle" in line


def test_made_item_in_components_is_not_supported_yet(
    csv_instance: Callable[..., Path],
) -> None:
    components = BASE_TABLES["components"] + "        FRAME,3,\n"
    output = invalid(csv_instance(components=components))
    line = reported(
        output, "components.csv, row 3, column 'component_id': value 'FRAME'"
    )
    assert "not supported yet" in line


def test_made_item_in_supplies_is_not_supported_yet(
    csv_instance: Callable[..., Path],
) -> None:
    supplies = BASE_TABLES["supplies"] + "        PO-2,FRAME,3,10\n"
    output = invalid(csv_instance(supplies=supplies))
    line = reported(output, "supplies.csv, row 3, column 'component_id': value 'FRAME'")
    assert "not supported yet" in line


def test_order_id_with_slash(csv_instance: Callable[..., Path]) -> None:
    orders = "order_id,product_id,due\nSO-1,BIKE,50\nSO/2,BIKE,60\n"
    output = invalid(csv_instance(orders=orders))
    line = reported(output, "orders.csv, row 3, column 'order_id': value 'SO/2': ")
    assert "without '/'" in line


# -------------------------------------------------------------- row numbering
def test_rows_are_line_numbers_with_blank_lines_skipped(
    csv_instance: Callable[..., Path],
) -> None:
    orders = "order_id,product_id,due\nSO-1,BIKE,50\n\n,,\nSO-2,BIKE,x\n"
    output = invalid(csv_instance(orders=orders))
    reported(output, "orders.csv, row 5, column 'due': value 'x': ")
    assert len(problem_lines(output)) == 1


def test_too_many_fields_in_a_row(csv_instance: Callable[..., Path]) -> None:
    orders = "order_id,product_id,due\nSO-1,BIKE,50,oops\n"
    output = invalid(csv_instance(orders=orders))
    assert "at most 3 fields" in reported(output, "orders.csv, row 2: ")


# ---------------------------------------------------------------- many at once
def test_every_problem_is_reported(csv_instance: Callable[..., Path]) -> None:
    machines = "machine_id,capacity\nM1,1\nM2,two\nM1,1\n"
    orders = (
        "order_id,product_id,quantity,due,release\n"
        "SO-1,BIKE,-1,50,0\n"
        "SO-2,TRIKE,1,50,0\n"
        "SO-3,BIKE,1,5,10\n"
        "SO-1,BIKE,1,50,0\n"
    )
    supplies = "supply_id,component_id,quantity,arrival\nPO-1,GHOST,1,30\n"
    downtime = "machine_id,start,end\nM7,0,10\n"
    output = invalid(
        csv_instance(
            machines=machines, orders=orders, supplies=supplies, downtime=downtime
        )
    )
    locations = [
        "machines.csv, row 3, column 'capacity': value 'two'",
        "machines.csv, row 4, column 'machine_id': value 'M1'",
        "orders.csv, row 2, column 'quantity': value '-1'",
        "orders.csv, row 3, column 'product_id': value 'TRIKE'",
        "orders.csv, row 4, column 'due': value '5'",
        "supplies.csv, row 2, column 'component_id': value 'GHOST'",
        "downtime.csv, row 2, column 'machine_id': value 'M7'",
    ]
    for location in locations:
        reported(output, location)
    # The second SO-1 is not a duplicate: the first SO-1 row is itself invalid.
    # M2 is unknown only because its row is invalid: not reported again.
    assert len(problem_lines(output)) == len(locations)
    assert f"error: {len(locations)} problems in" in output


# -------------------------------------------------------------- other forms
def test_excel_problems_name_the_sheet_row(
    csv_instance: Callable[..., Path], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    workbook_path = write_instance(load_instance(csv_instance()), tmp_path / "b.xlsx")
    workbook = load_workbook(workbook_path)
    orders = workbook["orders"]
    header = [cell.value for cell in orders[1]]
    orders.cell(row=3, column=header.index("quantity") + 1, value="lots")
    orders.cell(row=2, column=header.index("product_id") + 1, value="TRIKE")
    workbook.save(workbook_path)
    output = invalid(workbook_path)
    reported(output, "b.xlsx sheet orders, row 3, column 'quantity': value 'lots': ")
    reported(output, "b.xlsx sheet orders, row 2, column 'product_id': value 'TRIKE'")
    assert len(problem_lines(output)) == 2


def test_json_problems_name_the_table_and_item_index(
    csv_instance: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_instance(load_instance(csv_instance()), tmp_path / "b.json")
    data = json.loads(path.read_text())
    data["orders"][1]["quantity"] = -2
    data["routings"][0]["machine_id"] = "M9"
    path.write_text(json.dumps(data))
    output = invalid(path)
    reported(output, "b.json table orders, row 1, column 'quantity': value -2: ")
    reported(output, "b.json table routings, row 0, column 'machine_id': value 'M9'")


# ------------------------------------------------------ unreadable input
def test_broken_files_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    assert "a readable .xlsx" in invalid(tmp_path / "broken.xlsx")
    (tmp_path / "broken.json").write_text('{"orders": [')
    assert "valid JSON" in invalid(tmp_path / "broken.json")
    (tmp_path / "list.json").write_text("[]")
    assert "a JSON object of tables" in invalid(tmp_path / "list.json")
    (tmp_path / "plan.txt").write_text("orders")
    assert "a folder of CSV files" in invalid(tmp_path / "plan.txt")


def test_non_utf8_csv(csv_instance: Callable[..., Path]) -> None:
    folder = csv_instance()
    (folder / "orders.csv").write_bytes(b"order_id,product_id,due\nS\xe9-1,BIKE,5\n")
    output = invalid(folder)
    assert "a UTF-8 CSV file" in reported(output, "orders.csv: ")


def test_missing_path_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a short path: the message is not wrapped
    result = run_cli("validate", "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_unexpected_exception_is_one_clear_line(
    csv_instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(path: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("mtosched.io.loaders.load_instance", explode)
    output = invalid(csv_instance())
    assert "error: cannot read" in output
    assert "RuntimeError: disk on fire" in output


def test_unexpected_exception_in_expansion(
    csv_instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(instance: object) -> None:
        raise KeyError("FRAME")

    monkeypatch.setattr(importlib.import_module("mtosched.expand"), "expand", explode)
    output = invalid(csv_instance())
    assert "error: cannot expand the instance" in output
