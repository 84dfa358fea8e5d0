"""``models/instance.schema.json`` matches the pydantic model and the JSON form."""

from __future__ import annotations

import json
import runpy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import INSTANCES
from mtosched import load_instance
from mtosched.io.instance_writer import to_json_text

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "generate_schema.py"
SCHEMA = ROOT / "models" / "instance.schema.json"


def generated() -> str:
    return runpy.run_path(str(SCRIPT))["schema_text"]()


def test_committed_schema_is_up_to_date() -> None:
    committed = SCHEMA.read_text(encoding="utf-8")
    assert committed == generated(), (
        "models/instance.schema.json is out of date; "
        "run: python scripts/generate_schema.py"
    )


def test_schema_names_every_table() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert set(schema["properties"]) == {
        "settings",
        "machines",
        "routings",
        "bom",
        "components",
        "supplies",
        "orders",
        "downtime",
    }
    assert set(schema["required"]) == {"machines", "routings", "orders"}


def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["single_machine", "bom_two_level", "shortage"])
def test_written_json_form_follows_the_schema(name: str) -> None:
    text = to_json_text(load_instance(INSTANCES / "tiny" / name))
    data = json.loads(text, parse_float=float)
    assert list(validator().iter_errors(data)) == []


def test_schema_rejects_a_negative_quantity() -> None:
    text = to_json_text(load_instance(INSTANCES / "tiny" / "shortage"))
    data = json.loads(text, parse_float=Decimal)
    data["orders"][0]["quantity"] = -1
    errors = list(validator().iter_errors(data))
    assert [list(error.absolute_path) for error in errors] == [
        ["orders", 0, "quantity"]
    ]
