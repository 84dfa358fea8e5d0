"""The ``Instance`` aggregate and its cross-reference validation.

Row models check their own fields; what needs more than one row (unknown ids,
duplicates, BOM cycles, datetimes without a plan start) is checked here, with
every problem collected before anything is raised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from mtosched.domain.errors import InstanceError, Problem
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
from mtosched.domain.time import Rounding, exact_units, whole_units

#: Maps (table, 0-based index in the table's list) to (file label, user row).
Locator = Callable[[str, int], tuple[str | None, int]]


def index_locator(table: str, index: int) -> tuple[str | None, int]:
    """Default location: the 0-based index in the table's list (the JSON form)."""
    return None, index


class Instance(BaseModel):
    """A validated planning instance: every table of the data contract.

    Construct it directly, with :func:`mtosched.load_instance`, or with
    ``Instance.model_validate(json_dict)``. Invalid data raises
    :class:`~mtosched.domain.errors.InstanceError` listing every problem.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    settings: Settings = Field(default_factory=Settings)
    machines: list[Machine]
    routings: list[RoutingRow]
    orders: list[Order]
    bom: list[BomLine] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
    supplies: list[Supply] = Field(default_factory=list)
    downtime: list[Downtime] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Instance:
        context = info.context or {}
        locate: Locator = context.get("locate", index_locator)
        tolerated: dict[str, set[str]] = context.get("tolerated_ids", {})
        incomplete: set[str] = context.get("incomplete_tables", set())
        problems = ReferenceChecker(self, locate, tolerated, incomplete).run()
        if problems:
            raise InstanceError(problems)
        self._name_supplies()
        return self

    def _name_supplies(self) -> None:
        """Give unnamed supplies the spec's default id ``S<n>`` (1-based row)."""
        if all(supply.supply_id for supply in self.supplies):
            return
        named = [
            supply
            if supply.supply_id
            else supply.model_copy(update={"supply_id": f"S{position}"})
            for position, supply in enumerate(self.supplies, start=1)
        ]
        object.__setattr__(self, "supplies", named)

    # ----------------------------------------------------------------- lookups
    @property
    def name(self) -> str:
        """Instance name for reports."""
        return self.settings.name or "instance"

    def made_items(self) -> set[str]:
        """Products and subassemblies that have a routing of their own."""
        return {row.product_id for row in self.routings}

    def time(self, value: Decimal | datetime, rounding: Rounding) -> int:
        """A user time in whole units, rounded the conservative way."""
        return whole_units(
            value, self.settings.start, self.settings.time_unit, rounding
        )


class ReferenceChecker:
    """Finds every cross-table problem of an instance."""

    def __init__(
        self,
        instance: Instance,
        locate: Locator,
        tolerated: dict[str, set[str]],
        incomplete: set[str] | None = None,
    ) -> None:
        self.instance = instance
        self.locate = locate
        self.tolerated = tolerated
        # Tables that are missing or lack a required column (already reported):
        # references into them are not reported again, row by row.
        self.incomplete = incomplete or set()
        self.problems: list[Problem] = []

    def add(
        self, table: str, index: int, column: str, value: Any, expected: str
    ) -> None:
        """Record one problem at a row of a table."""
        file, row = self.locate(table, index)
        self.problems.append(Problem(table, row, column, value, expected, file))

    def run(self) -> list[Problem]:
        """Run every check; return the problems in table order."""
        self.check_duplicates()
        self.check_machines_exist()
        self.check_routing_steps()
        self.check_products_exist()
        self.check_bom()
        self.check_components()
        self.check_times()
        return self.problems

    # ------------------------------------------------------------------ checks
    def _unique(self, table: str, column: str, keys: Iterable[Any]) -> None:
        seen: dict[Any, int] = {}
        for index, key in enumerate(keys):
            if key is None:
                continue
            if key in seen:
                _, first_row = self.locate(table, seen[key])
                shown = key if not isinstance(key, tuple) else " / ".join(map(str, key))
                self.add(
                    table,
                    index,
                    column,
                    shown,
                    f"a unique value (already at row {first_row})",
                )
            else:
                seen[key] = index

    def check_duplicates(self) -> None:
        """Ids that must be unique."""
        inst = self.instance
        self._unique("machines", "machine_id", (m.machine_id for m in inst.machines))
        self._unique("orders", "order_id", (o.order_id for o in inst.orders))
        self._unique(
            "components", "component_id", (c.component_id for c in inst.components)
        )
        self._unique(
            "supplies",
            "supply_id",
            (  # with the default ids S<n> that unnamed supplies will get
                s.supply_id or f"S{position}"
                for position, s in enumerate(inst.supplies, start=1)
            ),
        )
        self._unique(
            "bom",
            "component_id",
            ((b.product_id, b.component_id) for b in inst.bom),
        )
        self._unique(
            "routings",
            "machine_id",
            ((r.product_id, r.step, r.machine_id) for r in inst.routings),
        )
        for index, order in enumerate(inst.orders):
            if "/" in order.order_id:
                self.add(
                    "orders",
                    index,
                    "order_id",
                    order.order_id,
                    "an order id without '/' (it separates work order ids)",
                )

    def _known(self, table: str, value: str, known: set[str]) -> bool:
        return (
            value in known
            or value in self.tolerated.get(table, set())
            or table in self.incomplete
        )

    def check_machines_exist(self) -> None:
        """Routings and downtime name machines that exist."""
        machines = {m.machine_id for m in self.instance.machines}
        for index, row in enumerate(self.instance.routings):
            if not self._known("machines", row.machine_id, machines):
                self.add(
                    "routings",
                    index,
                    "machine_id",
                    row.machine_id,
                    "a machine_id listed in machines",
                )
        for index, window in enumerate(self.instance.downtime):
            if not self._known("machines", window.machine_id, machines):
                self.add(
                    "downtime",
                    index,
                    "machine_id",
                    window.machine_id,
                    "a machine_id listed in machines",
                )

    def check_routing_steps(self) -> None:
        """Every (product, step) keeps at least one eligible, existing machine."""
        machines = {m.machine_id for m in self.instance.machines}
        eligible: dict[tuple[str, int], list[int]] = defaultdict(list)
        for index, row in enumerate(self.instance.routings):
            eligible[(row.product_id, row.step)].append(index)
        for (product, step), indices in eligible.items():
            if not any(
                self._known("machines", self.instance.routings[i].machine_id, machines)
                for i in indices
            ):
                self.add(
                    "routings",
                    indices[0],
                    "step",
                    step,
                    f"at least one eligible machine for step {step} of product "
                    f"{product} (none of its machine_ids exists)",
                )

    def check_products_exist(self) -> None:
        """Ordered products have routings."""
        made = self.instance.made_items()
        for index, order in enumerate(self.instance.orders):
            if not self._known("routings", order.product_id, made):
                self.add(
                    "orders",
                    index,
                    "product_id",
                    order.product_id,
                    "a product_id that has a routing",
                )

    def check_bom(self) -> None:
        """BOM parents are made, consuming steps exist, and there is no cycle."""
        inst = self.instance
        made = inst.made_items()
        steps: dict[str, set[int]] = defaultdict(set)
        for row in inst.routings:
            steps[row.product_id].add(row.step)
        for index, line in enumerate(inst.bom):
            if not self._known("routings", line.product_id, made):
                self.add(
                    "bom",
                    index,
                    "product_id",
                    line.product_id,
                    "a product_id that has a routing",
                )
            elif line.step is not None and line.step not in steps[line.product_id]:
                self.add(
                    "bom",
                    index,
                    "step",
                    line.step,
                    f"a step of the routing of {line.product_id} "
                    f"({', '.join(map(str, sorted(steps[line.product_id])))})",
                )
            if line.component_id == line.product_id:
                self.add(
                    "bom",
                    index,
                    "component_id",
                    line.component_id,
                    "a component other than the product itself (BOM cycle)",
                )
        self._check_cycles(made)

    def _check_cycles(self, made: set[str]) -> None:
        children: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for index, line in enumerate(self.instance.bom):
            if line.component_id in made and line.component_id != line.product_id:
                children[line.product_id].append((line.component_id, index))
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        reported: set[frozenset[str]] = set()

        def visit(item: str, path: list[str]) -> None:
            state[item] = 1
            path.append(item)
            for child, index in children.get(item, []):
                if state.get(child) == 1:
                    cycle = [*path[path.index(child) :], child]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.add(
                            "bom",
                            index,
                            "component_id",
                            child,
                            "no BOM cycle (" + " -> ".join(cycle) + ")",
                        )
                elif child not in state:
                    visit(child, path)
            path.pop()
            state[item] = 2

        for item in list(children):
            if item not in state:
                visit(item, [])

    def check_components(self) -> None:
        """Components and supplies are purchased items that the BOM or stock knows."""
        inst = self.instance
        made = inst.made_items()
        listed = {c.component_id for c in inst.components}
        used = {line.component_id for line in inst.bom}
        for index, component in enumerate(inst.components):
            if component.component_id in made:
                self.add(
                    "components",
                    index,
                    "component_id",
                    component.component_id,
                    "a purchased component: stock of made items "
                    "(assemble-to-order) is not supported yet",
                )
        for index, supply in enumerate(inst.supplies):
            if supply.component_id in made:
                self.add(
                    "supplies",
                    index,
                    "component_id",
                    supply.component_id,
                    "a purchased component: supplies of made items "
                    "(assemble-to-order) are not supported yet",
                )
            elif not self._known(
                "components", supply.component_id, listed | used
            ) and not self._known("bom", supply.component_id, set()):
                self.add(
                    "supplies",
                    index,
                    "component_id",
                    supply.component_id,
                    "a component_id listed in components or used in bom",
                )

    def check_times(self) -> None:
        """Datetimes need a plan start; due not before release; windows not empty."""
        inst = self.instance
        start, unit = inst.settings.start, inst.settings.time_unit

        def exact(table: str, index: int, column: str, value: Decimal | datetime):
            try:
                return exact_units(value, start, unit)
            except ValueError:
                if "settings.start" in self.incomplete:
                    return None  # the start itself is reported as invalid
                self.add(
                    table,
                    index,
                    column,
                    value.isoformat(sep="T") if isinstance(value, datetime) else value,
                    "a number: datetimes need settings.start",
                )
                return None

        for index, order in enumerate(inst.orders):
            due = exact("orders", index, "due", order.due)
            release = exact("orders", index, "release", order.release)
            if due is not None and release is not None and due < release:
                self.add(
                    "orders",
                    index,
                    "due",
                    _show(order.due),
                    f"a due date not before the release ({_show(order.release)})",
                )
        for index, supply in enumerate(inst.supplies):
            exact("supplies", index, "arrival", supply.arrival)
        for index, window in enumerate(inst.downtime):
            begin = exact("downtime", index, "start", window.start)
            end = exact("downtime", index, "end", window.end)
            if begin is not None and end is not None and end <= begin:
                self.add(
                    "downtime",
                    index,
                    "end",
                    _show(window.end),
                    f"an end after the start ({_show(window.start)})",
                )


def _show(value: Decimal | datetime) -> str:
    return value.isoformat(sep="T") if isinstance(value, datetime) else str(value)
