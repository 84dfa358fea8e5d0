"""What every chart of the report shares: the time axis, rows and colours.

Times in the model are whole units from the plan start; a planner reads
datetimes when the instance has ``settings.start``. :class:`TimeAxis` turns
model times into plotly axis values (datetime strings on a date axis, where a
bar's length is in milliseconds) and into hover text, so every figure shows
time the same way.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mtosched.domain.tables import Machine
from mtosched.domain.time import TimeUnit, to_datetime
from mtosched.expand import ProblemData, format_quantity
from mtosched.solution import ScheduledOperation, Solution

_UNIT_SHORT = {TimeUnit.minute: "min", TimeUnit.hour: "h", TimeUnit.day: "d"}
_UNIT_PLURAL = {
    TimeUnit.minute: "minutes",
    TimeUnit.hour: "hours",
    TimeUnit.day: "days",
}

#: 64 fills, so that neighbouring orders rarely share a colour: the light
#: Pastel/Set3 colours first (the first few serve the work centres), then
#: Light24, Alphabet, Dark24, Set1, Bold, Vivid, Safe and Prism, leaving out
#: greys (downtime is grey), reds (late orders have a red outline), very dark
#: fills and near-duplicates (RGB distance < 38). Text on a dark fill is
#: white (:func:`text_colour`).
PALETTE = (
    "#66C5CC",
    "#F6CF71",
    "#DCB0F2",
    "#87C55F",
    "#9EB9F3",
    "#C9DB74",
    "#8BE0A4",
    "#B497E7",
    "#D3B484",
    "#FFFFB3",
    "#FCCDE5",
    "#BC80BD",
    "#FED9A6",
    "#B3E2CD",
    "#00FE35",
    "#6A76FC",
    "#FE00CE",
    "#0DF9FF",
    "#F6F926",
    "#FF9616",
    "#479B55",
    "#D626FF",
    "#6E899C",
    "#00B5F7",
    "#B68E00",
    "#C9FBE5",
    "#FF0092",
    "#22FFA7",
    "#86CE00",
    "#BC7196",
    "#7E7DCD",
    "#AA0DFE",
    "#3283FE",
    "#85660D",
    "#782AB6",
    "#1C8356",
    "#1CBE4F",
    "#FE00FA",
    "#325A9B",
    "#90AD1C",
    "#1CFFCE",
    "#2ED9FF",
    "#B10DA1",
    "#E15F99",
    "#1CA71C",
    "#750D86",
    "#511CFB",
    "#00A08B",
    "#6C7C32",
    "#1616A7",
    "#DA60CA",
    "#6C4516",
    "#377EB8",
    "#984EA3",
    "#A65628",
    "#F781BF",
    "#F2B701",
    "#5D69B1",
    "#52BCA3",
    "#DAA51B",
    "#117733",
    "#332288",
    "#5F4690",
    "#E17C05",
)
LATE_COLOUR = "#C0392B"
BAND_COLOUR = "#eef1f5"
DOWNTIME_COLOUR = "rgba(90, 90, 90, 0.35)"


def text_colour(fill: str) -> str:
    """Dark text on light fills, white on dark ones (``#RRGGBB`` fills)."""
    if not (fill.startswith("#") and len(fill) == 7):
        return "#222"
    red, green, blue = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.299 * red + 0.587 * green + 0.114 * blue
    return "#222" if luminance > 140 else "white"


def escape(text: object) -> str:
    """User text inside plotly hover labels and HTML (plotly reads tags)."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class TimeAxis:
    """Model time to axis values and hover text."""

    start: datetime | None
    unit: TimeUnit

    @classmethod
    def of(cls, data: ProblemData) -> TimeAxis:
        """The axis of an instance (dated when it has a plan start)."""
        settings = data.instance.settings
        return cls(settings.start, settings.time_unit)

    @property
    def dated(self) -> bool:
        """True when positions are datetimes."""
        return self.start is not None

    def at(self, time: int) -> str | int:
        """A position on the axis."""
        if self.start is None:
            return time
        return to_datetime(time, self.start, self.unit).isoformat(timespec="seconds")

    def length(self, duration: int) -> int:
        """A bar length: milliseconds on a date axis, units otherwise."""
        return duration * self.unit.seconds * 1000 if self.dated else duration

    def show(self, time: int | None) -> str:
        """A time for people: ``Mon 2024-03-04 08:00`` or ``t=120``."""
        if time is None:
            return "—"
        if self.start is None:
            return f"t={time}"
        moment = to_datetime(time, self.start, self.unit)
        return moment.strftime("%a %Y-%m-%d %H:%M")

    def show_span(self, duration: int | None, signed: bool = False) -> str:
        """A duration for people: ``90 min``, ``+3 h``."""
        if duration is None:
            return "—"
        sign = "+" if signed and duration > 0 else ""
        return f"{sign}{duration:,} {_UNIT_SHORT[self.unit]}"

    @property
    def title(self) -> str:
        """The axis title."""
        return (
            ""
            if self.dated
            else f"time ({_UNIT_PLURAL[self.unit]} from the plan start)"
        )


def order_colours(data: ProblemData) -> dict[str, str]:
    """A fill colour per customer order, cycling through :data:`PALETTE`."""
    return {
        order_id: PALETTE[index % len(PALETTE)]
        for index, order_id in enumerate(data.orders)
    }


@dataclass(frozen=True)
class MachineRow:
    """One row of the machine Gantt: a machine, or one slot of a multi-slot one."""

    work_center: str
    machine_id: str
    label: str
    slot: int


def assign_slots(
    data: ProblemData, solution: Solution
) -> tuple[list[MachineRow], dict[ScheduledOperation, MachineRow]]:
    """Rows per machine and the row each operation is drawn on.

    A machine that runs several operations at once (capacity > 1) gets one
    row per slot actually used, filled first-fit in start order, so its bars
    never hide each other. Rows are grouped by work centre in machine order;
    machines the instance does not know (a hand-edited schedule) come last,
    so that the report still shows every operation of the file.
    """
    by_machine: dict[str, list[ScheduledOperation]] = defaultdict(list)
    for placed in solution.operations:
        by_machine[placed.machine_id].append(placed)
    machines = [
        (m.machine_id, m.work_center or "—", m.display_name)
        for m in machines_by_work_center(data)
    ]
    known = {machine_id for machine_id, _, _ in machines}
    machines += [(m, "unknown machine", m) for m in sorted(set(by_machine) - known)]
    rows: list[MachineRow] = []
    row_of: dict[ScheduledOperation, MachineRow] = {}
    for machine_id, work_center, name in machines:
        slot_of = _slots(by_machine.get(machine_id, []))
        slots = max(slot_of.values(), default=0) + 1
        machine_rows = [
            MachineRow(work_center, machine_id, _slot_label(name, slot, slots), slot)
            for slot in range(slots)
        ]
        rows += machine_rows
        row_of |= {placed: machine_rows[slot] for placed, slot in slot_of.items()}
    return rows, row_of


def _slots(operations: list[ScheduledOperation]) -> dict[ScheduledOperation, int]:
    """First-fit slot per operation, in start order."""
    slot_ends: list[int] = []
    slot_of: dict[ScheduledOperation, int] = {}
    for placed in sorted(operations, key=_start_key):
        slot = next((i for i, end in enumerate(slot_ends) if end <= placed.start), None)
        if slot is None:
            slot_ends.append(placed.end)
            slot = len(slot_ends) - 1
        slot_ends[slot] = placed.end
        slot_of[placed] = slot
    return slot_of


def _start_key(placed: ScheduledOperation) -> tuple[int, int, str, int]:
    return placed.start, placed.end, placed.work_order_id, placed.step


def _slot_label(name: str, slot: int, slots: int) -> str:
    return name if slots <= 1 else f"{name} #{slot + 1}"


def machines_by_work_center(data: ProblemData) -> list[Machine]:
    """Machines grouped by work centre, centres in order of first appearance."""
    order: dict[str, int] = {}
    for machine in data.instance.machines:
        order.setdefault(machine.work_center, len(order))
    return sorted(data.instance.machines, key=lambda m: order[m.work_center])


def has_work_centers(data: ProblemData) -> bool:
    """True when any machine names a work centre (then rows are grouped)."""
    return any(machine.work_center for machine in data.instance.machines)


def quantity(value: object) -> str:
    """A quantity as the result files write it."""
    return format_quantity(value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Band:
    """Consecutive rows ``[first, last)`` that belong together, with a label."""

    first: int
    last: int
    label: str


def work_center_bands(centres: Sequence[str]) -> list[Band]:
    """Runs of consecutive rows of the same work centre (one name per row)."""
    bands: list[Band] = []
    for index, centre in enumerate(centres):
        if bands and centres[bands[-1].first] == centre:
            bands[-1] = Band(bands[-1].first, index + 1, bands[-1].label)
        else:
            bands.append(Band(index, index + 1, escape(centre)))
    return bands


#: Pixels per character of a work-centre label (10 px font) and the most
#: room the labels may take right of the plot.
_LABEL_CHAR_PX = 6
_LABEL_MAX_PX = 200


def row_layout(labels: list[str], bands: list[Band]) -> dict[str, Any]:
    """Rows on a numeric y axis (0 on top), every other band shaded.

    Band labels (work centres) sit in the right margin, outside the plotting
    area, level with the band's first row, so they never cover a bar; the
    margin is as wide as the longest label.
    """
    shapes = [
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": band.first - 0.5,
            "y1": band.last - 0.5,
            "fillcolor": BAND_COLOUR,
            "line": {"width": 0},
            "layer": "below",
        }
        for number, band in enumerate(bands)
        if number % 2 == 0
    ]
    annotations = [
        {
            "xref": "paper",
            "x": 1,
            "xanchor": "left",
            "xshift": 6,
            "yref": "y",
            "y": band.first - 0.5,
            "yanchor": "top",
            "align": "left",
            "text": band.label,
            "showarrow": False,
            "font": {"size": 10, "color": "#667"},
        }
        for band in bands
        if band.label
    ]
    layout: dict[str, Any] = {
        "yaxis": {
            "tickvals": list(range(len(labels))),
            "ticktext": labels,
            "range": [len(labels) - 0.5, -0.5],
            "autorange": False,
        },
        "shapes": shapes,
        "annotations": annotations,
    }
    if annotations:
        widest = max(len(html.unescape(band.label)) for band in bands)
        layout["margin"] = {"r": min(_LABEL_MAX_PX, 12 + _LABEL_CHAR_PX * widest)}
    return layout
