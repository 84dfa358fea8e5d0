"""Loading the three forms of an instance, and writing them back exactly.

Time conversion is checked through the expansion, where the rounding of each
field is applied: releases and arrivals round up, due dates down, downtime
windows widen.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import INSTANCES, shipped, write_tables
from mtosched import Instance, InstanceError, expand, instance_from_dict, load_instance
from mtosched.domain import InstanceWarning, TimeUnit
from mtosched.io.instance_writer import to_json_text, write_instance

FORMS = ["folder", "plan.json", "plan.xlsx"]


def rich_instance() -> Instance:
    """Datetimes, fractions, empty optional fields, quotes, commas and unicode."""
    return instance_from_dict(
        {
            "settings": {"start": "2025-03-03T06:00", "time_unit": "hour"},
            "machines": [
                {"machine_id": "SAW-1", "name": 'Saw "big", left', "work_center": "A"},
                {"machine_id": "OVEN", "capacity": 4, "name": "Ofen für Lack"},
            ],
            "routings": [
                {
                    "product_id": "BIKE",
                    "step": 10,
                    "machine_id": "SAW-1",
                    "run_time": 1,
                },
                {
                    "product_id": "BIKE",
                    "step": 20,
                    "machine_id": "OVEN",
                    "run_time": "0.125",
                    "setup_time": "0.50",
                    "operation": "paint, bake",
                },
                {
                    "product_id": "FRAME",
                    "step": 5,
                    "machine_id": "SAW-1",
                    "run_time": 2,
                },
            ],
            "bom": [
                {"product_id": "BIKE", "component_id": "FRAME", "quantity": 1},
                {
                    "product_id": "BIKE",
                    "component_id": "TUBE",
                    "quantity": "1.2345678901234567890123",
                    "step": 20,
                },
            ],
            "components": [
                {"component_id": "TUBE", "on_hand": "10.5", "lead_time": 48},
                {"component_id": "GRIP", "name": "Grip"},
            ],
            "supplies": [
                {"component_id": "TUBE", "quantity": 3, "arrival": "2025-03-04T07:30"},
                {
                    "supply_id": "PO-7",
                    "component_id": "TUBE",
                    "quantity": "0.1",
                    "arrival": 12,
                },
            ],
            "orders": [
                {
                    "order_id": "SO-1",
                    "product_id": "BIKE",
                    "quantity": 2,
                    "due": "2025-03-07T16:00",
                    "release": "2025-03-03T08:15",
                    "weight": "1.5",
                    "customer": "Müller & Söhne",
                },
                {"order_id": "SO-2", "product_id": "FRAME", "due": "30.75"},
            ],
            "downtime": [
                {
                    "machine_id": "OVEN",
                    "start": "2025-03-04T12:00",
                    "end": "2025-03-04T13:30",
                }
            ],
        },
        name="rich",
    )


def target(tmp_path: Path, form: str) -> Path:
    return tmp_path / ("plan" if form == "folder" else form)


# ------------------------------------------------------------- shipped forms
@pytest.mark.parametrize("form", ["ebike.json", "ebike.xlsx"])
def test_ebike_forms_load_to_equal_instances(form: str) -> None:
    """The committed forms match the CSV folder.

    When this fails after editing ``instances/ebike/``, run
    ``python scripts/generate_forms.py``.
    """
    csv_form = shipped("ebike")
    assert load_instance(INSTANCES / form) == csv_form
    assert len(csv_form.orders) == 30


def test_ebike_uses_datetimes_and_fractions() -> None:
    # What makes the three-form equality test worth having.
    instance = shipped("ebike")
    assert instance.settings.start == datetime(2026, 3, 2, 6, 0)
    assert all(isinstance(order.due, datetime) for order in instance.orders)
    assert any(line.quantity != int(line.quantity) for line in instance.bom)


# ----------------------------------------------------------------- round trip
@pytest.mark.parametrize("form", FORMS)
def test_round_trip_is_exact(tmp_path: Path, form: str) -> None:
    original = rich_instance()
    path = write_instance(original, target(tmp_path, form))
    with warnings.catch_warnings():
        warnings.simplefilter("error", InstanceWarning)  # nothing unknown written
        loaded = load_instance(path)
    assert loaded == original
    assert loaded.bom[1].quantity == Decimal("1.2345678901234567890123")
    assert loaded.supplies[0].supply_id == "S1"  # the default id, written out


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", ["single_machine", "bom_two_level", "shortage"])
def test_tiny_instances_round_trip(tmp_path: Path, form: str, name: str) -> None:
    original = load_instance(INSTANCES / "tiny" / name)
    assert load_instance(write_instance(original, target(tmp_path, form))) == original


def test_written_csv_text(tmp_path: Path) -> None:
    folder = write_instance(rich_instance(), tmp_path / "plan")
    assert sorted(p.name for p in folder.iterdir()) == [
        "bom.csv",
        "components.csv",
        "downtime.csv",
        "machines.csv",
        "orders.csv",
        "routings.csv",
        "settings.csv",
        "supplies.csv",
    ]
    assert (folder / "settings.csv").read_text() == (
        "key,value\nstart,2025-03-03T06:00:00\ntime_unit,hour\nname,rich\n"
    )
    assert (folder / "machines.csv").read_text() == (
        "machine_id,capacity,name,work_center\n"
        'SAW-1,1,"Saw ""big"", left",A\n'
        "OVEN,4,Ofen für Lack,\n"
    )
    # Empty optional cells stay empty; numbers keep their exact digits.
    assert (folder / "components.csv").read_text() == (
        "component_id,on_hand,lead_time,name\nTUBE,10.5,48,\nGRIP,0,,Grip\n"
    )


def test_writer_removes_tables_the_instance_does_not_have(tmp_path: Path) -> None:
    folder = write_instance(rich_instance(), tmp_path / "plan")
    tiny = load_instance(INSTANCES / "tiny" / "single_machine")
    write_instance(tiny, folder)
    assert not (folder / "downtime.csv").exists()
    assert load_instance(folder) == tiny


def test_json_numbers_are_exact_json_numbers() -> None:
    text = to_json_text(rich_instance())
    assert '"quantity": 1.2345678901234567890123' in text
    data = json.loads(text, parse_float=Decimal)
    assert data["routings"][1]["setup_time"] == Decimal("0.50")
    assert data["settings"] == {
        "start": "2025-03-03T06:00:00",
        "time_unit": "hour",
        "name": "rich",
    }
    assert "null" not in text  # empty values are left out of JSON objects


def test_xlsx_is_reproducible(tmp_path: Path) -> None:
    first = write_instance(rich_instance(), tmp_path / "a.xlsx").read_bytes()
    second = write_instance(rich_instance(), tmp_path / "b.xlsx").read_bytes()
    assert first == second


def test_xlsx_cells_have_native_types(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_instance(rich_instance(), tmp_path / "plan.xlsx")
    workbook = load_workbook(path)
    orders = workbook["orders"]
    assert orders["D2"].value == datetime(2025, 3, 7, 16, 0)  # due
    assert orders["D3"].value == 30.75
    assert workbook["machines"]["B3"].value == 4
    # A decimal that a binary float cannot hold is written as its exact text.
    assert workbook["bom"]["C3"].value == "1.2345678901234567890123"


# --------------------------------------------------------------------- times
def times_instance(
    settings: dict[str, Any], downtime: list[Any] | None = None, **order: Any
) -> Instance:
    """One order ``A`` (fields from ``order``) consuming C (a supply, a lead time)."""
    return instance_from_dict(
        {
            "settings": settings,
            "downtime": downtime or [],
            "machines": [{"machine_id": "M1"}],
            "routings": [
                {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": 1}
            ],
            "orders": [{"order_id": "A", "product_id": "P", **order}],
            "components": [{"component_id": "C", "lead_time": "1.5"}],
            "bom": [{"product_id": "P", "component_id": "C", "quantity": 1}],
            "supplies": [{"component_id": "C", "quantity": 1, "arrival": "0.2"}],
        }
    )


def test_datetimes_in_hours_round_conservatively() -> None:
    # Start 06:00. Release 08:15 = 2.25 h -> 3 (up); due 16:59 = 10.98 h -> 10
    # (down); downtime 07:15-09:10 = [1.25, 3.17) -> [1, 4) (widened); arrival
    # 06:01 -> 1 (up).
    start = {"start": "2025-03-03T06:00", "time_unit": "hour"}
    instance = instance_from_dict(
        {
            "settings": start,
            "machines": [{"machine_id": "M1"}],
            "routings": [
                {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": 1}
            ],
            "orders": [
                {
                    "order_id": "A",
                    "product_id": "P",
                    "release": "2025-03-03T08:15",
                    "due": "2025-03-03T16:59",
                }
            ],
            "bom": [{"product_id": "P", "component_id": "C", "quantity": 1}],
            "supplies": [
                {"component_id": "C", "quantity": 1, "arrival": "2025-03-03T06:01"}
            ],
            "downtime": [
                {
                    "machine_id": "M1",
                    "start": "2025-03-03T07:15",
                    "end": "2025-03-03T09:10",
                }
            ],
        }
    )
    data = expand(instance)
    assert (data.orders["A"].release, data.orders["A"].due) == (3, 10)
    assert data.downtime == {"M1": [(1, 4)]}
    assert data.supplies["C"].receipts[0].time == 1


def test_datetimes_in_days() -> None:
    # Start Mon 06:00. Release Tue 01:00 = 0.79 d -> 1; due Thu 05:59 = 2.99 d -> 2.
    data = expand(
        times_instance(
            {"start": "2025-03-03T06:00", "time_unit": "day"},
            release="2025-03-04T01:00",
            due="2025-03-06T05:59",
        )
    )
    assert (data.orders["A"].release, data.orders["A"].due) == (1, 2)


def test_datetimes_in_minutes_with_seconds() -> None:
    # Release 06:00:01 -> 1 min (up), due 06:10:59 -> 10 min (down).
    data = expand(
        times_instance(
            {"start": "2025-03-03T06:00"},
            release="2025-03-03T06:00:01",
            due="2025-03-03T06:10:59",
        )
    )
    assert (data.orders["A"].release, data.orders["A"].due) == (1, 10)


def test_exact_datetimes_are_not_rounded() -> None:
    data = expand(
        times_instance(
            {"start": "2025-03-03T06:00", "time_unit": "hour"},
            release="2025-03-03T08:00",
            due="2025-03-03T18:00",
        )
    )
    assert (data.orders["A"].release, data.orders["A"].due) == (2, 12)


def test_release_before_the_start_is_clipped_to_zero() -> None:
    data = expand(
        times_instance(
            {"start": "2025-03-03T06:00", "time_unit": "hour"},
            release="2025-03-02T06:00",
            due="2025-03-03T07:00",
        )
    )
    assert data.orders["A"].release == 0


def test_timezone_offsets_are_honoured() -> None:
    # 09:00+02:00 is 07:00 UTC: one hour after a 06:00 (UTC) start.
    data = expand(
        times_instance(
            {"start": "2025-03-03T06:00Z", "time_unit": "hour"},
            due="2025-03-03T09:00+02:00",
        )
    )
    assert data.orders["A"].due == 1


def test_fractional_numeric_times_round_the_same_way() -> None:
    # Release 2.5 -> 3, due 9.9 -> 9, arrival 0.2 -> 1, lead time 1.5 -> 2,
    # downtime [1.5, 2.2) -> [1, 3).
    downtime = [{"machine_id": "M1", "start": "1.5", "end": "2.2"}]
    instance = times_instance({}, downtime, release="2.5", due="9.9")
    data = expand(instance)
    assert (data.orders["A"].release, data.orders["A"].due) == (3, 9)
    assert data.supplies["C"].receipts[0].time == 1
    assert data.supplies["C"].lead_time == 2
    assert data.downtime == {"M1": [(1, 3)]}


def test_settings_defaults(tmp_path: Path) -> None:
    instance = load_instance(INSTANCES / "tiny" / "single_machine")
    assert instance.settings.start is None
    assert instance.settings.time_unit is TimeUnit.minute
    assert instance.name == "single_machine"
    named = write_tables(
        tmp_path / "x",
        {
            "settings": "key,value\nname,Plant 2\ntime_unit,day\n",
            "machines": "machine_id\nM1\n",
            "routings": "product_id,step,machine_id,run_time\nP,1,M1,1\n",
            "orders": "order_id,product_id,due\nA,P,3\n",
        },
    )
    instance = load_instance(named)
    assert (instance.name, instance.settings.time_unit) == ("Plant 2", TimeUnit.day)


# ---------------------------------------------------- warnings, blank rows, ids
MINIMAL = {
    "machines": "machine_id\nM1\n",
    "routings": "product_id,step,machine_id,run_time\nP,1,M1,1\n",
    "orders": "order_id,product_id,due\nA,P,3\n",
}


def test_extra_columns_warn_and_are_ignored(tmp_path: Path) -> None:
    plain = load_instance(write_tables(tmp_path / "plain", MINIMAL))
    extra = {**MINIMAL, "orders": "order_id,product_id,due,color\nA,P,3,red\n"}
    with pytest.warns(InstanceWarning, match=r"orders\.csv: unknown column\(s\) color"):
        loaded = load_instance(write_tables(tmp_path / "plain", extra))
    assert loaded == plain


def test_unknown_table_and_setting_warn(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path / "plain",
        {**MINIMAL, "notes": "text\nhello\n", "settings": "key,value\ncolour,red\n"},
    )
    with pytest.warns(InstanceWarning) as caught:
        load_instance(folder)
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "notes.csv: not a table of the instance format; ignored",
        "settings.csv: row 2: unknown setting 'colour'; ignored",
    ]


def test_unknown_json_fields_warn(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(
        json.dumps(
            {
                "machines": [{"machine_id": "M1", "speed": 3}],
                "routings": [
                    {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": 1}
                ],
                "orders": [{"order_id": "A", "product_id": "P", "due": 3}],
                "notes": [],
            }
        )
    )
    with pytest.warns(InstanceWarning) as caught:
        load_instance(path)
    assert sorted(str(w.message) for w in caught) == [
        "plan.json table machines: unknown field(s) speed; ignored",
        "plan.json: 'notes' is not a table of the instance format; ignored",
    ]


def test_blank_rows_are_skipped(tmp_path: Path) -> None:
    spaced = {**MINIMAL, "orders": "order_id,product_id,due\n\nA,P,3\n , ,\n,,\n"}
    assert load_instance(write_tables(tmp_path / "a", spaced)) == load_instance(
        write_tables(tmp_path / "a", MINIMAL)
    )


def test_blank_rows_are_skipped_in_excel(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    original = load_instance(INSTANCES / "tiny" / "single_machine")
    path = write_instance(original, tmp_path / "single_machine.xlsx")
    workbook = load_workbook(path)
    workbook["orders"].insert_rows(3, amount=2)
    workbook.save(path)
    assert load_instance(path) == original


def test_default_supply_ids(tmp_path: Path) -> None:
    tables = {
        **MINIMAL,
        "bom": "product_id,component_id,quantity\nP,C,1\n",
        "supplies": "supply_id,component_id,quantity,arrival\n"
        ",C,1,5\nPO-9,C,2,6\n,C,3,7\n",
    }
    instance = load_instance(write_tables(tmp_path / "a", tables))
    assert [s.supply_id for s in instance.supplies] == ["S1", "PO-9", "S3"]


def test_spreadsheet_numbers_as_ids(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "machines"
    workbook["machines"].append(["machine_id", "capacity"])
    workbook["machines"].append([7, 2.0])
    routings = workbook.create_sheet("routings")
    routings.append(["product_id", "step", "machine_id", "run_time"])
    routings.append([1001, 10.0, 7.0, 0.1])
    orders = workbook.create_sheet("orders")
    orders.append(["order_id", "product_id", "due", "release"])
    orders.append([42, 1001, datetime(2025, 3, 4), 0])
    workbook.create_sheet("settings").append(["key", "value"])
    workbook["settings"].append(["start", datetime(2025, 3, 3)])
    workbook.save(tmp_path / "numbers.xlsx")
    instance = load_instance(tmp_path / "numbers.xlsx")
    assert instance.machines[0].machine_id == "7"
    assert instance.machines[0].capacity == 2
    assert instance.routings[0].machine_id == "7"
    assert instance.routings[0].product_id == "1001"
    assert instance.routings[0].run_time == Decimal("0.1")
    assert instance.orders[0].order_id == "42"
    assert expand(instance).orders["42"].due == 24 * 60


# ------------------------------------------------------------ library entry
def test_instance_from_dict_reports_every_problem() -> None:
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(
            {
                "machines": [{"machine_id": "M1"}, {"machine_id": "M1"}],
                "routings": [
                    {"product_id": "P", "step": 1, "machine_id": "M1", "run_time": -1},
                ],
                "orders": [{"order_id": "A", "product_id": "Q", "due": 3}],
            }
        )
    found = {(p.table, p.row, p.column) for p in caught.value.problems}
    assert found == {
        ("machines", 1, "machine_id"),
        ("routings", 0, "run_time"),
        ("orders", 0, "product_id"),
    }


def test_load_missing_path_raises_instance_error(tmp_path: Path) -> None:
    for name in ("nothing", "nothing.json", "nothing.xlsx"):
        with pytest.raises(InstanceError, match="an existing folder or file"):
            load_instance(tmp_path / name)


# ------------------------------------------------------------------ property
def _text() -> st.SearchStrategy[str]:
    """Display texts as planners type them: no edge blanks, no control chars."""
    alphabet = st.characters(
        whitelist_categories=("L", "N", "Zs", "Pd", "Po"), whitelist_characters="\"',&"
    )
    return st.text(alphabet, min_size=1, max_size=12).map(str.strip).filter(bool)


def _decimals(minimum: int = 0) -> st.SearchStrategy[Decimal]:
    return st.integers(0, 6).flatmap(
        lambda places: st.decimals(
            min_value=minimum, max_value=10_000, places=places, allow_nan=False
        )
    )


@st.composite
def random_instances(draw: st.DrawFn) -> Instance:
    """Valid instances with every optional field sometimes set, sometimes not."""
    start = draw(st.none() | st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)))
    if start is not None:
        start = start.replace(second=0, microsecond=0)
    unit = draw(st.sampled_from(list(TimeUnit)))

    def time_after(base: Decimal) -> Any:
        offset = draw(_decimals())
        if start is not None and draw(st.booleans()):
            units = int(base + offset) + 1  # whole units, never before ``base``
            return (start + timedelta(seconds=units * unit.seconds)).isoformat()
        return base + offset

    machines = [f"M{i}" for i in range(draw(st.integers(1, 3)))]
    products = [f"P{i}" for i in range(draw(st.integers(1, 3)))]
    routings = []
    for product in products:
        for step in draw(st.sets(st.integers(1, 40), min_size=1, max_size=3)):
            for machine in draw(st.sets(st.sampled_from(machines), min_size=1)):
                row = {"product_id": product, "step": step, "machine_id": machine}
                row["run_time"] = draw(_decimals())
                if draw(st.booleans()):
                    row["setup_time"] = draw(_decimals())
                if draw(st.booleans()):
                    row["operation"] = draw(_text())
                routings.append(row)
    components = sorted(draw(st.sets(st.sampled_from(["C1", "C2", "C3"]))))
    orders = []
    for index in range(draw(st.integers(1, 4))):
        release = draw(_decimals())
        order = {
            "order_id": f"SO-{index}",
            "product_id": draw(st.sampled_from(products)),
            "quantity": draw(_decimals().filter(bool)),
            "release": release,
            "due": time_after(release + 1),
        }
        if draw(st.booleans()):
            order["customer"] = draw(_text())
        orders.append(order)
    data = {
        "settings": {
            "start": start,
            "time_unit": unit,
        },
        "machines": [
            {
                "machine_id": m,
                "capacity": draw(st.integers(1, 4)),
                "name": draw(st.none() | _text()),
            }
            for m in machines
        ],
        "routings": routings,
        "orders": orders,
        "bom": [
            {
                "product_id": draw(st.sampled_from(products)),
                "component_id": c,
                "quantity": draw(_decimals().filter(bool)),
            }
            for c in components
        ],
        "components": [
            {"component_id": c, "on_hand": draw(_decimals())} for c in components
        ],
        "supplies": [
            {
                "supply_id": draw(st.none() | st.just(f"PO-{c}")),
                "component_id": c,
                "quantity": draw(_decimals().filter(bool)),
                "arrival": time_after(Decimal(0)),
            }
            for c in components
        ],
        "downtime": [
            {"machine_id": m, "start": 5, "end": time_after(Decimal(6))}
            for m in draw(st.sets(st.sampled_from(machines)))
        ],
    }
    return instance_from_dict(data, name="random")


@settings(max_examples=40, deadline=None)
@given(instance=random_instances(), form=st.sampled_from(FORMS))
def test_random_instances_round_trip(instance: Instance, form: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_instance(instance, target(Path(folder), form))
        assert load_instance(path) == instance
