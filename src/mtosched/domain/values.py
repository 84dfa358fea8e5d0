"""Value types shared by every table: exact numbers, times and identifiers.

Spreadsheets and CSV files hand us strings, ints, binary floats and datetimes for
the same column. These validators turn each into one canonical Python value so
that the CSV, Excel and JSON forms of an instance compare equal, and so that
arithmetic on quantities and durations stays exact (``Decimal``, never ``float``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema


def to_decimal(value: Any) -> Any:
    """Read a number exactly; binary floats go through their shortest repr."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("expected a number") from None
    else:
        raise ValueError("expected a number")
    if not number.is_finite():
        raise ValueError("expected a finite number")
    return number


def _to_datetime(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def to_time(value: Any) -> Any:
    """Read a time: a number (offset in the time unit) or an ISO-8601 datetime."""
    if isinstance(value, (datetime, date)):
        return _to_datetime(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return to_decimal(text)
        except ValueError:
            pass
        try:
            return _to_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ValueError("expected a number or an ISO-8601 datetime") from None
    try:
        return to_decimal(value)
    except ValueError:
        raise ValueError("expected a number or an ISO-8601 datetime") from None


def to_identifier(value: Any) -> Any:
    """Read an id; spreadsheets turn ``"7"`` into ``7`` or ``7.0``, undo that."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("expected a non-empty id")
    return value


def to_text(value: Any) -> Any:
    """Read a display text; numbers from spreadsheets become their text."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return to_identifier(value) if not isinstance(value, float) else repr(value)
    if isinstance(value, str):
        return value.strip()
    return value


def to_integer(value: Any) -> Any:
    """Read a whole number, accepting ``3.0`` from spreadsheets but not ``3.5``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise ValueError("expected a whole number")
    return int(number)


def _number_out(value: Decimal) -> int | float | str:
    return int(value) if value == value.to_integral_value() else str(value)


#: A number written as text (CSV cells, exact decimals in JSON strings).
_DECIMAL_PATTERN = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


def _number_schema(**bounds: int) -> WithJsonSchema:
    """A JSON number (with its bounds) or the same number as exact text."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", **bounds},
                {"type": "string", "pattern": _DECIMAL_PATTERN},
            ]
        }
    )


Number = Annotated[
    Decimal,
    BeforeValidator(to_decimal),
    PlainSerializer(_number_out, when_used="json"),
    _number_schema(),
]
NonNegative = Annotated[Number, Field(ge=0), _number_schema(minimum=0)]
Positive = Annotated[Number, Field(gt=0), _number_schema(exclusiveMinimum=0)]


def _time_out(value: Decimal | datetime) -> int | float | str:
    return value.isoformat() if isinstance(value, datetime) else _number_out(value)


TimeValue = Annotated[
    Decimal | datetime,
    BeforeValidator(to_time),
    PlainSerializer(_time_out, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "format": "date-time"},
            ],
            "description": "offset from the plan start in the time unit, "
            "or an ISO-8601 datetime (needs settings.start)",
        }
    ),
]

Identifier = Annotated[str, BeforeValidator(to_identifier), Field(min_length=1)]
Text = Annotated[str, BeforeValidator(to_text)]
WholeNumber = Annotated[
    int, BeforeValidator(to_integer), WithJsonSchema({"type": "integer"})
]
