"""Write an :class:`~mtosched.domain.Instance` back to any of its three forms.

The writer is the loader's inverse: ``load_instance(write_instance(i, p)) == i``
for every form. That is how the shipped Excel and JSON forms of an example are
produced from its CSV folder, and it lets tests build instances in code and
hand them to the CLI as files. Exactness matters more than looks: numbers are
written with their exact decimal text (never through a binary float unless the
float says the same), datetimes as ISO text in CSV and JSON and as datetime
cells in Excel, and ``None`` as an empty cell (left out of JSON objects).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from mtosched.domain import Instance
from mtosched.domain.tables import REQUIRED_TABLES, TABLE_MODELS

#: A table as rows of plain values, with the columns to write in order.
Table = tuple[list[str], list[dict[str, Any]]]

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_XML_TIME = "1980-01-01T00:00:00Z"


def write_instance(instance: Instance, path: str | Path) -> Path:
    """Write ``instance`` to ``path``: ``.json``, ``.xlsx``, or else a CSV folder.

    A CSV folder is created if needed; table files of the format that the
    instance does not have (an empty optional table) are removed from it so that
    loading the folder gives back exactly this instance. Returns the path.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(to_json_text(instance), encoding="utf-8")
    elif suffix == ".xlsx":
        path.write_bytes(to_xlsx_bytes(instance))
    else:
        write_csv_folder(instance, path)
    return path


# ---------------------------------------------------------------- plain tables
def settings_items(instance: Instance) -> list[tuple[str, Any]]:
    """The settings that are set, as ``(key, value)`` in the documented order."""
    items = []
    for key in type(instance.settings).model_fields:
        value = getattr(instance.settings, key)
        if isinstance(value, Enum):
            value = value.value
        if value is not None:
            items.append((key, value))
    return items


def tables(instance: Instance) -> dict[str, Table]:
    """Every non-empty table (and every required one) with its columns.

    Columns are the row model's fields in order, minus optional columns that
    are empty in every row (an empty cell reads back as the default).
    """
    result: dict[str, Table] = {}
    for name, model in TABLE_MODELS.items():
        if name == "settings":
            continue
        rows = getattr(instance, name)
        if not rows and name not in REQUIRED_TABLES:
            continue
        records = [
            {key: getattr(row, key) for key in model.model_fields} for row in rows
        ]
        columns = [
            key
            for key, info in model.model_fields.items()
            if info.is_required() or any(r[key] not in (None, "") for r in records)
        ]
        result[name] = (columns, records)
    return result


def decimal_text(value: Decimal) -> str:
    """A decimal's exact value in plain notation (``0.10``, ``1000``, no ``1E+3``)."""
    return format(value, "f")


# ------------------------------------------------------------------------- CSV
def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def write_csv_folder(instance: Instance, folder: Path) -> None:
    """One ``<table>.csv`` per table, ``settings.csv`` as ``key,value`` rows."""
    folder.mkdir(parents=True, exist_ok=True)
    written = tables(instance)
    with (folder / "settings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["key", "value"])
        writer.writerows(
            (key, _csv_cell(value)) for key, value in settings_items(instance)
        )
    for name in TABLE_MODELS:
        if name == "settings":
            continue
        file = folder / f"{name}.csv"
        if name not in written:
            file.unlink(missing_ok=True)
            continue
        columns, records = written[name]
        with file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([_csv_cell(r[c]) for c in columns] for r in records)


# ------------------------------------------------------------------------ JSON
def _json_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)  # a JSON number with the exact digits
    if isinstance(value, datetime):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


def _json_object(items: list[tuple[str, Any]]) -> str:
    inner = ", ".join(
        f"{json.dumps(key)}: {_json_value(value)}"
        for key, value in items
        if value is not None
    )
    return "{" + inner + "}"


def to_json_text(instance: Instance) -> str:
    """The single-file form, one row per line so that diffs stay readable.

    Written by hand rather than with :func:`json.dumps` because the standard
    encoder cannot write a ``Decimal`` as a number without a float in between.
    """
    parts = [f'  "settings": {_json_object(settings_items(instance))}']
    for name, (columns, records) in tables(instance).items():
        rows = [
            "    " + _json_object([(column, r[column]) for column in columns])
            for r in records
        ]
        body = "[\n" + ",\n".join(rows) + "\n  ]" if rows else "[]"
        parts.append(f"  {json.dumps(name)}: {body}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


# ----------------------------------------------------------------------- Excel
def _excel_cell(value: Any) -> Any:
    """Numbers as numbers when a float holds them exactly, else as exact text."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else decimal_text(value)
    return value


def to_xlsx_bytes(instance: Instance) -> bytes:
    """A workbook with one sheet per table, ``settings`` as key/value rows.

    The bytes depend only on the instance (fixed timestamps), so regenerating a
    committed workbook from unchanged data leaves it unchanged.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets: dict[str, list[list[Any]]] = {
        "settings": [["key", "value"]]
        + [[key, value] for key, value in settings_items(instance)]
    }
    for name, (columns, records) in tables(instance).items():
        sheets[name] = [list(columns)] + [[r[c] for c in columns] for r in records]
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append([_excel_cell(value) for value in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        for column in sheet.columns:
            width = max(len(_csv_cell(cell.value)) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(40, width + 2)
        sheet.freeze_panes = "A2"
    workbook.properties.creator = "mtosched"
    workbook.properties.created = datetime(1980, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _reproducible_zip(buffer.getvalue())


def _reproducible_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates and a fixed ``modified`` property."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + _FIXED_XML_TIME.encode(),
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()
