"""Read an instance from a CSV folder, an ``.xlsx`` workbook or a ``.json`` file.

Each reader turns its form into :class:`RawTable` s (rows as plain dicts with the
row number the user sees); :func:`build_instance` then validates every row and
every cross-reference and raises one :class:`InstanceError` with all problems.
"""

from __future__ import annotations

import csv
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mtosched.domain import Instance, InstanceError, InstanceWarning, Problem
from mtosched.domain.tables import REQUIRED_TABLES, TABLE_MODELS, Settings

_KEY_COLUMNS = {
    "machines": "machine_id",
    "routings": "product_id",
    "components": "component_id",
}


@dataclass
class RawTable:
    """A table as read from a file, before validation."""

    name: str
    file: str
    rows: list[tuple[int | None, dict[str, Any]]] = field(default_factory=list)
    columns: list[str] | None = None
    header_row: int | None = 1


def load_instance(path: str | Path) -> Instance:
    """Load and validate an instance in any of its three forms.

    A folder is read as CSV files ``<table>.csv``; ``.xlsx`` as a workbook with one
    sheet per table; ``.json`` as one object with a list per table.
    """
    path = Path(path)
    if not path.exists():
        raise InstanceError(
            [Problem(str(path), None, None, str(path), "an existing folder or file")]
        )
    if path.is_dir():
        tables, problems = read_csv_folder(path)
        return build_instance(
            tables, path.name, problems, table_file=lambda name: f"{name}.csv"
        )
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        tables, problems = read_workbook(path)
        return build_instance(
            tables,
            path.stem,
            problems,
            table_file=lambda name: f"{path.name} sheet {name}",
        )
    if path.suffix.lower() == ".json":
        tables, problems = read_json(path)
        return build_instance(
            tables, path.stem, problems, table_file=lambda name: path.name
        )
    raise InstanceError(
        [
            Problem(
                path.name,
                None,
                None,
                path.suffix,
                "a folder of CSV files, an .xlsx workbook or a .json file",
            )
        ]
    )


# ----------------------------------------------------------------- the readers
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_csv_folder(folder: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read ``<table>.csv`` files; the row number is the file's line number."""
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.csv")):
        name = file.stem
        if name not in TABLE_MODELS:
            warnings.warn(
                f"{file.name}: not a table of the instance format; ignored",
                InstanceWarning,
                stacklevel=2,
            )
            continue
        table = RawTable(name, file.name)
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                table.columns = [c.strip() for c in header] if header else []
                for record in reader:
                    if all(_blank(cell) for cell in record):
                        continue
                    row_number = reader.line_num
                    if len(record) > len(table.columns):
                        problems.append(
                            Problem(
                                name,
                                row_number,
                                None,
                                ",".join(record),
                                f"at most {len(table.columns)} fields "
                                f"(the header has {len(table.columns)})",
                                file.name,
                            )
                        )
                        continue
                    table.rows.append(
                        (row_number, dict(zip(table.columns, record, strict=False)))
                    )
        except (UnicodeDecodeError, csv.Error) as error:
            problems.append(
                Problem(
                    name, None, None, None, f"a UTF-8 CSV file ({error})", file.name
                )
            )
            continue
        tables[name] = table
    return tables, problems


def read_workbook(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read one sheet per table; the row number is the sheet's row number."""
    from openpyxl import load_workbook

    problems: list[Problem] = []
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken files
        return {}, [Problem(path.name, None, None, None, f"a readable .xlsx ({error})")]
    tables: dict[str, RawTable] = {}
    for sheet in workbook.worksheets:
        name = sheet.title.strip()
        if name not in TABLE_MODELS:
            warnings.warn(
                f"{path.name}: sheet '{sheet.title}' is not a table of the "
                "instance format; ignored",
                InstanceWarning,
                stacklevel=2,
            )
            continue
        table = RawTable(name, f"{path.name} sheet {name}")
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        table.columns = [str(c).strip() if c is not None else "" for c in header]
        for offset, record in enumerate(rows, start=2):
            if all(_blank(cell) for cell in record):
                continue
            table.rows.append((offset, dict(zip(table.columns, record, strict=False))))
        tables[name] = table
    workbook.close()
    return tables, problems


def read_json(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read the single-file form; the row number is the item's 0-based index."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return {}, [Problem(path.name, None, None, None, f"valid JSON ({error})")]
    return read_mapping(data, path.name)


def read_mapping(data: Any, label: str) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read ``{"settings": {...}, "<table>": [{...}, ...]}`` (parsed JSON or a dict).

    ``label`` names the source in problems (the JSON file name, or ``data``).
    """
    if not isinstance(data, dict):
        return {}, [Problem(label, None, None, None, "a JSON object of tables")]
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for name, content in data.items():
        if name not in TABLE_MODELS:
            warnings.warn(
                f"{label}: '{name}' is not a table of the instance format; ignored",
                InstanceWarning,
                stacklevel=3,
            )
            continue
        # One file holds every table, so its problems name the table too.
        table = RawTable(name, f"{label} table {name}", header_row=None)
        if name == "settings":
            if not isinstance(content, dict):
                problems.append(
                    Problem(name, None, None, None, "an object of settings", table.file)
                )
                continue
            table.rows = [(None, {"key": k, "value": v}) for k, v in content.items()]
            table.columns = ["key", "value"]
            tables[name] = table
            continue
        if not isinstance(content, list):
            problems.append(
                Problem(name, None, None, None, "a list of objects", table.file)
            )
            continue
        for index, item in enumerate(content):
            if not isinstance(item, dict):
                problems.append(
                    Problem(name, index, None, item, "an object", table.file)
                )
                continue
            table.rows.append((index, item))
        table.columns = None  # JSON items carry their own keys
        tables[name] = table
    return tables, problems


def instance_from_dict(data: dict[str, Any], name: str = "instance") -> Instance:
    """Validate an instance given as Python data, like the JSON form.

    Unlike ``Instance.model_validate``, every problem (row fields included) is
    reported as one :class:`InstanceError`, rows located by their 0-based index.
    Values may be numbers, ``Decimal`` s, datetimes or strings, as in the files.
    """
    tables, problems = read_mapping(data, "data")
    return build_instance(tables, name, problems, table_file=lambda _: "data")


# ------------------------------------------------------------------ validation
def build_instance(
    tables: dict[str, RawTable],
    default_name: str,
    problems: list[Problem] | None = None,
    table_file: Callable[[str], str] | None = None,
) -> Instance:
    """Validate raw tables into an :class:`Instance`, reporting every problem.

    ``table_file`` names where a missing table was expected (``orders.csv``).
    Ids that appear in rows which failed on their own are tolerated by the
    cross-reference checks, and so is every reference into a table that is
    missing or lacks a required column: one mistake is reported once, not once
    per row that refers to it.
    """
    problems = list(problems or [])
    incomplete: set[str] = set()
    for name in REQUIRED_TABLES:
        if name not in tables:
            incomplete.add(name)
            if any(problem.table == name for problem in problems):
                continue  # present but unreadable: already reported
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    None,
                    f"a required table '{name}' (missing)",
                    table_file(name) if table_file else None,
                )
            )
    settings_data, settings_problems = _settings(tables.get("settings"))
    problems += settings_problems
    if any(problem.column == "start" for problem in settings_problems):
        incomplete.add("settings.start")  # do not report every datetime again
    data: dict[str, Any] = {}
    user_rows: dict[str, list[tuple[str, int]]] = {}
    tolerated: dict[str, set[str]] = {}
    for name, table in tables.items():
        if name == "settings":
            continue
        if _missing_columns(table):
            incomplete.add(name)
        rows, located, failed_ids, table_problems = _validate_rows(table)
        problems += table_problems
        data[name] = rows
        user_rows[name] = located
        key = _KEY_COLUMNS.get(name)
        if key:
            tolerated[name] = set(failed_ids)
    for name in REQUIRED_TABLES:
        data.setdefault(name, [])
    settings_data.setdefault("name", default_name)
    data["settings"] = settings_data

    def locate(table: str, index: int) -> tuple[str | None, int]:
        file, row = user_rows[table][index]
        return file, row

    context = {
        "locate": locate,
        "tolerated_ids": tolerated,
        "incomplete_tables": incomplete,
    }
    try:
        instance = Instance.model_validate(data, context=context)
    except InstanceError as error:
        problems += error.problems
        raise InstanceError(problems) from None
    except ValidationError as error:  # only settings can fail here
        for item in error.errors():
            problems.append(
                Problem("settings", None, str(item["loc"][-1]), None, item["msg"])
            )
        raise InstanceError(problems) from None
    if problems:
        raise InstanceError(problems)
    return instance


def _settings(table: RawTable | None) -> tuple[dict[str, Any], list[Problem]]:
    """Settings are key/value rows; validate them as one object."""
    if table is None:
        return {}, []
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    rows_of: dict[str, int | None] = {}
    if table.columns is not None and not {"key", "value"} <= set(table.columns):
        return {}, [
            Problem(
                "settings",
                table.header_row,
                None,
                ",".join(table.columns),
                "the two columns key,value",
                table.file,
            )
        ]
    for row, record in table.rows:
        key = str(record.get("key") or "").strip()
        if key not in Settings.model_fields:
            where = f"{table.file}: row {row}" if row is not None else table.file
            warnings.warn(
                f"{where}: unknown setting '{key}'; ignored",
                InstanceWarning,
                stacklevel=3,
            )
            continue
        value = record.get("value")
        if _blank(value):
            continue
        values[key] = value
        rows_of[key] = row
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        failed = set()
        for item in error.errors():
            key = str(item["loc"][0])
            failed.add(key)
            problems.append(
                Problem(
                    "settings",
                    rows_of.get(key),
                    key,
                    values.get(key),
                    _message(item),
                    table.file,
                )
            )
        # Keep the valid settings: without its start, every datetime of the
        # instance would be reported again as "needs settings.start".
        valid = {key: value for key, value in values.items() if key not in failed}
        settings = Settings.model_validate(valid)
    return settings.model_dump(exclude_none=True), problems


def _missing_columns(table: RawTable) -> list[str]:
    """Required columns absent from the header (JSON items have no header)."""
    if table.columns is None:
        return []
    fields = TABLE_MODELS[table.name].model_fields
    required = [name for name, info in fields.items() if info.is_required()]
    return [column for column in required if column not in table.columns]


def _validate_rows(
    table: RawTable,
) -> tuple[list[Any], list[tuple[str, int]], list[str], list[Problem]]:
    """Validate each row on its own; keep the valid ones and where they came from."""
    model = TABLE_MODELS[table.name]
    fields = model.model_fields
    problems: list[Problem] = []
    if table.columns is not None:
        missing = _missing_columns(table)
        for column in missing:
            problems.append(
                Problem(
                    table.name,
                    table.header_row,
                    column,
                    None,
                    f"a required column '{column}' (missing from the header)",
                    table.file,
                )
            )
        extra = [c for c in table.columns if c and c not in fields]
        if extra:
            warnings.warn(
                f"{table.file}: unknown column(s) {', '.join(extra)}; ignored",
                InstanceWarning,
                stacklevel=3,
            )
        if missing:
            return [], [], [], problems
    else:
        unknown: set[str] = set()
        for _, record in table.rows:
            unknown |= {k for k in record if k not in fields}
        if unknown:
            warnings.warn(
                f"{table.file}: unknown field(s) {', '.join(sorted(unknown))}; ignored",
                InstanceWarning,
                stacklevel=3,
            )
    rows: list[Any] = []
    located: list[tuple[str, int]] = []
    failed_ids: list[str] = []
    key = _KEY_COLUMNS.get(table.name)
    for row, record in table.rows:
        cleaned = {k: v for k, v in record.items() if k in fields and not _blank(v)}
        try:
            rows.append(model.model_validate(cleaned))
        except ValidationError as error:
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else None
                problems.append(
                    Problem(
                        table.name,
                        row,
                        name,
                        record.get(name) if name else None,
                        _message(item),
                        table.file,
                    )
                )
            if key and not _blank(record.get(key)):
                failed_ids.append(str(record.get(key)).strip())
            continue
        located.append((table.file, row if row is not None else len(located)))
    return rows, located, failed_ids, problems


def _message(item: Any) -> str:
    """Pydantic's message, phrased as what was expected."""
    kind = item.get("type", "")
    message = str(item.get("msg", ""))
    if kind == "missing":
        return "a value (this column is required)"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if message.startswith("Input should be "):
        message = "a value that is " + message[len("Input should be ") :]
    return message
