"""Conversion of user times into whole model time units.

The spec asks that rounding never makes the plan look better than it is:
things that become available (releases, arrivals, lead times) round up, promises
(due dates) round down, and downtime windows widen. All arithmetic is exact.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class TimeUnit(StrEnum):
    """The instance's time unit; durations are numbers in this unit."""

    minute = "minute"
    hour = "hour"
    day = "day"

    @property
    def seconds(self) -> int:
        """Length of one unit in seconds."""
        return {"minute": 60, "hour": 3600, "day": 86400}[self.value]


class Rounding(StrEnum):
    """Which way a fractional time goes."""

    up = "up"
    down = "down"


def exact_units(
    value: Decimal | datetime, start: datetime | None, unit: TimeUnit
) -> Fraction:
    """The exact offset of ``value`` from the plan start, in units.

    Raises ``ValueError`` for a datetime when the instance has no start.
    """
    if isinstance(value, datetime):
        if start is None:
            raise ValueError("a datetime needs settings.start")
        delta = value - start
        microseconds = (
            delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
        )
        return Fraction(microseconds, unit.seconds * 1_000_000)
    return Fraction(value)


def whole_units(
    value: Decimal | datetime,
    start: datetime | None,
    unit: TimeUnit,
    rounding: Rounding,
) -> int:
    """Round :func:`exact_units` to a whole unit, the conservative way."""
    exact = exact_units(value, start, unit)
    return math.ceil(exact) if rounding is Rounding.up else math.floor(exact)


def to_datetime(units: int, start: datetime, unit: TimeUnit) -> datetime:
    """The datetime of a model time (for ``*_at`` columns and reports)."""
    return start + timedelta(seconds=units * unit.seconds)
