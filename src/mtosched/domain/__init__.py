"""The pure data layer: validated tables of an instance (pydantic, no solver)."""

from mtosched.domain.errors import InstanceError, InstanceWarning, Problem
from mtosched.domain.instance import Instance
from mtosched.domain.tables import (
    BomLine,
    Component,
    Downtime,
    Machine,
    Order,
    RoutingRow,
    Settings,
    Supply,
)
from mtosched.domain.time import Rounding, TimeUnit

__all__ = [
    "BomLine",
    "Component",
    "Downtime",
    "Instance",
    "InstanceError",
    "InstanceWarning",
    "Machine",
    "Order",
    "Problem",
    "Rounding",
    "RoutingRow",
    "Settings",
    "Supply",
    "TimeUnit",
]
