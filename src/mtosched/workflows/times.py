"""Times typed by a planner on the command line: a number or an ISO datetime.

"Now" for a reschedule and the release of a promised order are things that
become available, so, like releases in the instance, they round up: the plan
never assumes it can start earlier than it can.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mtosched.domain import Instance, Rounding
from mtosched.domain.values import to_time


def time_from_text(
    instance: Instance,
    value: str | int | Decimal | datetime,
    rounding: Rounding = Rounding.up,
) -> int:
    """A time in whole units of the instance (never before t = 0).

    Raises ``ValueError`` with a planner-readable message for text that is
    neither a number nor an ISO datetime, or a datetime without a plan start.
    """
    parsed = to_time(value)
    if isinstance(parsed, datetime) and instance.settings.start is None:
        raise ValueError(
            f"{value} is a datetime, but the instance has no settings.start: "
            "give a number in the instance's time unit"
        )
    return max(0, instance.time(parsed, rounding))
