"""Shared fixtures: the shipped instances, a small valid CSV instance to break,
and the CLI runner with the "never a traceback" check built in."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from mtosched import Instance, load_instance
from mtosched.cli import app

INSTANCES = Path(__file__).resolve().parents[1] / "instances"

#: A small valid instance (CSV text per table) that tests break one cell at a
#: time. Line numbers as the user counts them: the header is line 1.
#:   BIKE: step 10 on M1 (consumes FRAME, made: step 10 on M1), step 20 on M2
#:   (consumes BAT-500: 2 on hand, 1 arriving at 30).
BASE_TABLES: dict[str, str] = {
    "machines": """\
        machine_id,capacity,name
        M1,1,Saw
        M2,2,Oven
        """,
    "routings": """\
        product_id,step,machine_id,run_time,setup_time
        BIKE,10,M1,1,0
        BIKE,20,M2,2,1
        FRAME,10,M1,0.5,0
        """,
    "bom": """\
        product_id,component_id,quantity,step
        BIKE,FRAME,1,10
        BIKE,BAT-500,1,20
        """,
    "components": """\
        component_id,on_hand,lead_time
        BAT-500,2,
        """,
    "supplies": """\
        supply_id,component_id,quantity,arrival
        PO-1,BAT-500,1,30
        """,
    "orders": """\
        order_id,product_id,quantity,due,release,weight
        SO-1,BIKE,1,50,0,1
        SO-2,BIKE,2,80,5,2
        """,
    "downtime": """\
        machine_id,start,end
        M1,20,30
        """,
}


def write_tables(folder: Path, tables: dict[str, str | None]) -> Path:
    """Write ``<table>.csv`` files from dedented text; ``None`` leaves one out."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def csv_instance(tmp_path: Path) -> Callable[..., Path]:
    """Write :data:`BASE_TABLES` with some tables replaced (``None``: removed)."""

    def make(name: str = "inst", **replace: str | None) -> Path:
        return write_tables(tmp_path / name, {**BASE_TABLES, **replace})

    return make


@functools.cache
def shipped(relative: str) -> Instance:
    """A shipped instance from ``instances/``, loaded once per test session."""
    return load_instance(INSTANCES / relative)


def run_cli(*args: str) -> Result:
    """Run ``mtosched ARGS`` in-process; it may fail, but never with a traceback."""
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output
    )
    return result
