"""One pydantic model per table of the data contract (``shared/spec``).

Field names are the CSV column names. Times stay as the user wrote them (a
number or a datetime); conversion to whole time units happens in the expansion
step, where the rounding direction of each field is known.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mtosched.domain.time import TimeUnit
from mtosched.domain.values import (
    Identifier,
    NonNegative,
    Positive,
    Text,
    TimeValue,
    WholeNumber,
)


class Row(BaseModel):
    """Common configuration: unknown columns are ignored (the loader warns)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Settings(Row):
    """Instance-wide settings: plan start, time unit, name."""

    start: datetime | None = Field(
        default=None, description="plan start datetime (t = 0)"
    )
    time_unit: TimeUnit = Field(
        default=TimeUnit.minute, description="minute, hour or day"
    )
    name: Text | None = Field(default=None, description="instance name for reports")

    @field_validator("start", mode="before")
    @classmethod
    def _parse_start(cls, value: object) -> object:
        from mtosched.domain.values import to_time

        if value is None or value == "":
            return None
        parsed = to_time(value)
        if not isinstance(parsed, datetime):
            raise ValueError("expected an ISO-8601 datetime")
        return parsed


class Machine(Row):
    """A machine or work station."""

    machine_id: Identifier
    capacity: WholeNumber = Field(default=1, ge=1)
    name: Text | None = None
    work_center: Text = ""

    @property
    def display_name(self) -> str:
        """Name shown in reports."""
        return self.name or self.machine_id


class RoutingRow(Row):
    """One eligible machine for one step of a product's routing."""

    product_id: Identifier
    step: WholeNumber
    machine_id: Identifier
    run_time: NonNegative
    setup_time: NonNegative = Decimal(0)
    operation: Text | None = None


class BomLine(Row):
    """Units of a component used per unit of a parent product."""

    product_id: Identifier
    component_id: Identifier
    quantity: Positive
    step: WholeNumber | None = None


class Component(Row):
    """A purchased component: stock at the plan start and replenishment lead time."""

    component_id: Identifier
    on_hand: NonNegative = Decimal(0)
    lead_time: NonNegative | None = None
    name: Text | None = None


class Supply(Row):
    """A scheduled receipt (open purchase order, inbound transfer)."""

    supply_id: Identifier | None = None
    component_id: Identifier
    quantity: Positive
    arrival: TimeValue


class Order(Row):
    """A customer order: one top-level work order of ``quantity`` units."""

    order_id: Identifier
    product_id: Identifier
    quantity: Positive = Decimal(1)
    due: TimeValue
    release: TimeValue = Decimal(0)
    weight: Positive = Decimal(1)
    customer: Text = ""


class Downtime(Row):
    """A window in which a machine runs nothing."""

    machine_id: Identifier
    start: TimeValue
    end: TimeValue


#: Table name -> row model, in the order tables are documented.
TABLE_MODELS: dict[str, type[Row]] = {
    "settings": Settings,
    "machines": Machine,
    "routings": RoutingRow,
    "bom": BomLine,
    "components": Component,
    "supplies": Supply,
    "orders": Order,
    "downtime": Downtime,
}

REQUIRED_TABLES = ("orders", "routings", "machines")
