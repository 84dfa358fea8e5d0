"""Seeded generator of realistic make-to-order instances (``mtosched generate``).

Users trying the tool at scale, our tests and the benchmarks need instances that
look like a real plant's export: several work centres with parallel machines of
different speeds, one station that runs several work orders at once, products
with subassemblies made in house, purchased components (some in kg or m²)
covered by stock and purchase orders, maintenance windows, orders arriving over
the horizon with promised dates. Random instances without that structure are
either trivially easy or hopelessly overloaded; these are built so that the
plant is loaded to about 85 % and the due-date and supply knobs decide how hard
the plan is. ``docs/generator.md`` explains every knob and assumption.

How an instance is built (each step one function below):

1. Products: per profile family, variants whose routings follow a template;
   subassemblies come from a small pool per family (variants share frames,
   boards, carcasses), some are bought instead of made.
2. Orders: a product (popular variants more often), a quantity, a customer
   (whose tier is the weight; a few rush orders weigh 5).
3. Machines: the machine count is spread over work centres by the load the
   orders put on them, then each routing step gets 1-3 eligible machines of
   its centre, chosen so that the expected load is balanced.
4. Horizon: long enough for the expected load to be about 85 % (the busiest
   machine at most 95 %), widened for maintenance.
5. Releases over the horizon (a backlog at t = 0), due dates = release + a
   multiple of the order's work; the backlog's due dates are spread over the
   first two thirds of the horizon as if promised at the plant's rate.
6. Stock, purchase orders and lead times from the exact component demand.
7. Maintenance windows per machine.

Everything draws from one ``random.Random(seed)`` in a fixed order, so a seed
always gives the same instance, and quantities are exact decimals built from
integers (no binary floats reach the instance).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mtosched.domain import Instance

#: Plan start of instances with datetimes: a Monday, start of the first shift.
PLAN_START = datetime(2025, 3, 3, 6, 0)
MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 1440
#: Expected machine load over the horizon, and the most any machine may get.
TARGET_LOAD = 0.85
BOTTLENECK_LOAD = 0.9
#: Share of orders already open at the plan start (the backlog).
BACKLOG_SHARE = 0.2
#: The backlog was promised at the plant's rate: backlog orders are due at a
#: promise time uniform over [0, s × H] plus their allowance. Why s = 2/3: a
#: machine with work w over the horizon H and load ρ (w over its capacity in H)
#: does w / (ρ H) per minute. Its backlog share (0.2 w) falls due over s × H and
#: the rest (0.8 w) over H, so until s × H work falls due at (0.2 / s + 0.8) ×
#: w / H (allowances only delay it), within capacity iff (0.2 / s + 0.8) × ρ
#: ≤ 1. s = 0.5 gives 1.2 × 0.85 = 1.02, over capacity even at the average
#: load; s = 2/3 gives 1.1 × 0.9 = 0.99 at the busiest machine allowed
#: (BOTTLENECK_LOAD). Released at 0, the backlog can still run early.
BACKLOG_DUE_SPAN = 2 / 3
#: Default machine count: ``8 + orders / 100``, at most this many.
MACHINE_CAP = 60
#: Default product count: ``6 + sqrt(orders)``, at most this many.
PRODUCT_CAP = 60
#: Due-date allowance in multiples of an order's work, at due_tightness 0 and 1.
ALLOWANCE_LOOSE = 20.0
ALLOWANCE_TIGHT = 2.0
#: Share of rush orders (weight 5, half the allowance).
RUSH_SHARE = 0.04
#: Stock share of demand and how late purchase orders come, at tightness 0 / 1.
STOCK_SHARE = (0.6, 0.1)
SUPPLY_SPAN = (0.25, 0.95)
SUPPLY_MARGIN = (0.15, 0.0)
#: Operations per order (the whole product structure), as the docs promise.
MIN_OPERATIONS, MAX_OPERATIONS = 3, 7


# ============================================================ profile templates
@dataclass(frozen=True)
class MachineType:
    """A kind of machine in a work centre; ``speed`` divides run times."""

    name: str
    speed: float


@dataclass(frozen=True)
class WorkCentre:
    """A group of machines doing the same kind of step.

    ``run`` is the range of standard minutes per unit and ``setup`` the range
    of fixed minutes per operation; a product step draws one value of each.
    Machines are created cycling through ``types`` (the first is the fastest or
    the one a small plant has).
    """

    code: str
    name: str
    operation: str
    types: tuple[MachineType, ...]
    run: tuple[float, float]
    setup: tuple[int, int]
    capacity: int = 1


@dataclass(frozen=True)
class Part:
    """A purchased component used by a step: one of ``options`` per variant."""

    options: tuple[str, ...]
    quantity: tuple[float, float]
    decimals: int = 0


@dataclass(frozen=True)
class StepTemplate:
    """One routing step; skipped in a variant with probability ``skip``."""

    centre: str
    parts: tuple[Part, ...] = ()
    skip: float = 0.0


@dataclass(frozen=True)
class Child:
    """A subassembly consumed at step ``step`` (an index into the steps).

    Made in house with probability ``made``; otherwise the variant buys
    ``bought`` (a purchased component) instead.
    """

    item: ItemTemplate
    step: int = 0
    per_parent: tuple[int, int] = (1, 1)
    made: float = 1.0
    bought: str = ""


@dataclass(frozen=True)
class ItemTemplate:
    """A made item: its steps and subassemblies."""

    code: str
    name: str
    steps: tuple[StepTemplate, ...]
    children: tuple[Child, ...] = ()


@dataclass(frozen=True)
class Family:
    """A product family: a top-level template, demand share, order sizes."""

    code: str
    name: str
    share: float
    top: ItemTemplate
    quantity: tuple[int, int]
    work_factor: float = 1.0


@dataclass(frozen=True)
class Profile:
    """Everything a kind of plant contributes to an instance."""

    name: str
    description: str
    centres: tuple[WorkCentre, ...]
    families: tuple[Family, ...]
    components: dict[str, str]  # component id -> display name (with its unit)
    lead_time_candidates: tuple[str, ...]  # commodities that can be reordered
    customers: tuple[tuple[str, int], ...]  # (name, weight tier)


# ----------------------------------------------------------------------- e-bike
def _ebike() -> Profile:
    centres = (
        WorkCentre(
            "CUT",
            "Tube cutting",
            "cut tubes",
            (MachineType("CNC tube saw", 1.3), MachineType("Tube saw", 1.0)),
            (2, 4),
            (10, 20),
        ),
        WorkCentre(
            "WELD",
            "Frame welding",
            "weld frame",
            (
                MachineType("Welding robot", 1.5),
                MachineType("Welding bay", 1.0),
                MachineType("Manual welding bay", 0.85),
            ),
            (25, 40),
            (15, 30),
        ),
        WorkCentre(
            "PAINT",
            "Powder coating",
            "powder coat",
            (MachineType("Powder coating booth", 1.0),),
            (3, 6),
            (40, 60),
            capacity=4,
        ),
        WorkCentre(
            "WHEEL",
            "Wheel building",
            "build wheels",
            (MachineType("Wheel truing machine", 1.2), MachineType("Wheel bench", 1)),
            (12, 20),
            (5, 10),
        ),
        WorkCentre(
            "ASSY",
            "Final assembly",
            "assemble",
            (
                MachineType("Assembly line", 1.2),
                MachineType("Assembly cell", 1.0),
                MachineType("Assembly cell", 0.9),
            ),
            (35, 55),
            (10, 20),
        ),
        WorkCentre(
            "TEST",
            "End-of-line test",
            "test",
            (MachineType("Roller test bench", 1.3), MachineType("Test rig", 1.0)),
            (8, 12),
            (5, 10),
        ),
        WorkCentre(
            "PACK",
            "Packing",
            "pack",
            (MachineType("Packing station", 1.0),),
            (4, 7),
            (5, 10),
        ),
    )
    tubes = ItemTemplate(
        "TUBESET",
        "Cut tube set",
        (StepTemplate("CUT", (Part(("TUBE-ALU",), (3.6, 5.4), 2),)),),
    )
    frame = ItemTemplate(
        "FRAME",
        "Painted frame",
        (
            StepTemplate("WELD"),
            StepTemplate(
                "PAINT", (Part(("POWDER-BLK", "POWDER-WHT"), (0.25, 0.45), 2),)
            ),
        ),
        (Child(tubes, made=0.4, bought="TUBESET-PRECUT"),),
    )
    wheels = ItemTemplate(
        "WHEELSET",
        "Wheel set",
        (
            StepTemplate(
                "WHEEL",
                (
                    Part(("RIM-27", "RIM-29"), (2, 2)),
                    Part(("SPOKE",), (64, 72)),
                    Part(("HUB-SET",), (1, 1)),
                ),
            ),
        ),
    )

    def bike(battery: tuple[str, ...], motor: tuple[str, ...]) -> ItemTemplate:
        return ItemTemplate(
            "BIKE",
            "E-bike",
            (
                StepTemplate(
                    "ASSY",
                    (
                        Part(battery, (1, 1)),
                        Part(motor, (1, 1)),
                        Part(("DISPLAY-BASIC", "DISPLAY-NAV"), (1, 1)),
                        Part(("BRAKE-SET",), (1, 1)),
                        Part(("CABLE",), (1.5, 2.5), 1),
                    ),
                ),
                StepTemplate("TEST"),
                StepTemplate("PACK", (Part(("BOX-BIKE",), (1, 1)),), skip=0.5),
            ),
            (
                Child(frame, made=0.85, bought="FRAME-OEM"),
                Child(wheels, made=0.5, bought="WHEELSET-OEM"),
            ),
        )

    families = (
        Family(
            "CITY",
            "City e-bike",
            0.35,
            bike(("BAT-400", "BAT-500"), ("MOTOR-HUB", "MOTOR-MID")),
            (1, 20),
        ),
        Family(
            "TREK",
            "Trekking e-bike",
            0.25,
            bike(("BAT-500", "BAT-625"), ("MOTOR-MID",)),
            (1, 15),
            1.05,
        ),
        Family(
            "MTB",
            "E-mountain bike",
            0.25,
            bike(("BAT-625", "BAT-750"), ("MOTOR-MID",)),
            (1, 12),
            1.15,
        ),
        Family(
            "CARGO",
            "Cargo e-bike",
            0.15,
            bike(("BAT-750",), ("MOTOR-CARGO",)),
            (1, 6),
            1.5,
        ),
    )
    components = {
        "BAT-400": "Battery 400 Wh",
        "BAT-500": "Battery 500 Wh",
        "BAT-625": "Battery 625 Wh",
        "BAT-750": "Battery 750 Wh",
        "MOTOR-HUB": "Hub motor",
        "MOTOR-MID": "Mid-drive motor",
        "MOTOR-CARGO": "Cargo mid-drive motor",
        "DISPLAY-BASIC": "Display, basic",
        "DISPLAY-NAV": "Display with navigation",
        "BRAKE-SET": "Hydraulic brake set",
        "CABLE": "Wiring harness cable (m)",
        "BOX-BIKE": "Bike shipping box",
        "TUBE-ALU": "Aluminium tube (m)",
        "TUBESET-PRECUT": "Pre-cut tube set",
        "POWDER-BLK": "Powder coat, black (kg)",
        "POWDER-WHT": "Powder coat, white (kg)",
        "FRAME-OEM": "Bought-in painted frame",
        "RIM-27": "Rim 27.5 inch",
        "RIM-29": "Rim 29 inch",
        "SPOKE": "Spoke",
        "HUB-SET": "Hub set (front and rear)",
        "WHEELSET-OEM": "Bought-in wheel set",
    }
    customers = (
        ("Velo Haus Berlin", 2),
        ("CycleWorks Lyon", 1),
        ("Fietsenwinkel Utrecht", 1),
        ("Alpine Bikes Innsbruck", 2),
        ("Urban Mobility GmbH", 3),
        ("Radsport Meier", 1),
        ("Nordic Pedal AB", 1),
        ("Cargo Courier Co-op", 3),
        ("Bici Milano", 1),
        ("Leasing Partner AG", 2),
    )
    return Profile(
        "ebike",
        "E-bike plant: tube cutting, frame welding, powder coating (a booth for "
        "4 work orders), wheel building, final assembly, test, packing",
        centres,
        families,
        components,
        ("CABLE", "SPOKE", "BOX-BIKE", "POWDER-BLK", "POWDER-WHT"),
        customers,
    )


# --------------------------------------------------------------------------- PC
def _pc() -> Profile:
    centres = (
        WorkCentre(
            "KIT",
            "Kitting",
            "kit parts",
            (MachineType("Kitting station", 1.0),),
            (2, 4),
            (10, 15),
        ),
        WorkCentre(
            "SMT",
            "Board assembly",
            "assemble board",
            (MachineType("SMT line", 1.5), MachineType("Board assembly bench", 1.0)),
            (6, 12),
            (30, 45),
        ),
        WorkCentre(
            "ASSY",
            "System assembly",
            "assemble system",
            (MachineType("Assembly cell", 1.2), MachineType("Assembly cell", 1.0)),
            (15, 35),
            (10, 15),
        ),
        WorkCentre(
            "BURN",
            "Burn-in",
            "burn in",
            (MachineType("Burn-in chamber", 1.0),),
            (0.5, 1.0),
            (240, 480),
            capacity=8,
        ),
        WorkCentre(
            "TEST",
            "Test and imaging",
            "test and image",
            (MachineType("Automated test rack", 1.4), MachineType("Test bench", 1.0)),
            (8, 15),
            (10, 20),
        ),
        WorkCentre(
            "PACK",
            "Packing",
            "pack",
            (MachineType("Packing station", 1.0),),
            (3, 6),
            (5, 10),
        ),
    )
    board = ItemTemplate(
        "BOARD",
        "Mainboard",
        (
            StepTemplate(
                "SMT",
                (
                    Part(("PCB-ATX", "PCB-SRV"), (1, 1)),
                    Part(("SOLDER",), (0.010, 0.020), 3),
                ),
            ),
        ),
    )
    node = ItemTemplate(
        "NODE",
        "Server node",
        (
            StepTemplate(
                "ASSY",
                (
                    Part(("CPU-XEON-S", "CPU-XEON-G", "CPU-EPYC"), (1, 2)),
                    Part(("RAM-32G", "RAM-64G"), (4, 16)),
                    Part(("NVME-2T", "SSD-4T"), (1, 4)),
                    Part(("PASTE",), (1.0, 2.5), 1),
                ),
            ),
        ),
        (Child(board, made=0.9, bought="MB-OEM"),),
    )
    kit = StepTemplate("KIT", skip=0.5)
    test = StepTemplate("TEST")

    def pack(skip: float) -> StepTemplate:
        return StepTemplate("PACK", (Part(("BOX-PC",), (1, 1)),), skip=skip)

    def system(cpu: tuple[str, ...], extra: tuple[Part, ...]) -> StepTemplate:
        return StepTemplate(
            "ASSY",
            (
                Part(cpu, (1, 1)),
                Part(("RAM-16G", "RAM-32G"), (2, 4)),
                Part(("PSU-550", "PSU-850"), (1, 1)),
                Part(("CHASSIS-TOWER",), (1, 1)),
                Part(("PASTE",), (0.5, 1.5), 1),
                *extra,
            ),
        )

    desktop = ItemTemplate(
        "DESKTOP",
        "Desktop PC",
        (
            kit,
            system(("CPU-I5", "CPU-I7"), (Part(("SSD-1T",), (1, 1)),)),
            StepTemplate("BURN", skip=0.6),
            test,
            pack(0.0),
        ),
        (Child(board, step=1, made=0.7, bought="MB-OEM"),),
    )
    workstation = ItemTemplate(
        "WORKSTATION",
        "Workstation",
        (
            kit,
            system(
                ("CPU-I7", "CPU-XEON-S"),
                (Part(("NVME-2T",), (1, 2)), Part(("GPU-PRO",), (1, 2))),
            ),
            StepTemplate("BURN"),
            test,
            pack(0.5),
        ),
        (Child(board, step=1, made=0.9, bought="MB-OEM"),),
    )
    rack = StepTemplate(
        "ASSY",
        (
            Part(("CHASSIS-1U", "CHASSIS-2U"), (1, 1)),
            Part(("PSU-RED",), (2, 2)),
            Part(("CABLE",), (0.5, 1.5), 2),
        ),
    )
    server = ItemTemplate(
        "SERVER",
        "Rack server",
        (kit, rack, StepTemplate("BURN"), test, pack(0.6)),
        (Child(node, step=1),),
    )
    multinode = ItemTemplate(
        "MULTINODE",
        "Multi-node chassis",
        (rack, StepTemplate("BURN"), test, pack(0.5)),
        (Child(node, per_parent=(2, 4)),),
    )
    families = (
        Family("DT", "Office desktop", 0.4, desktop, (5, 50)),
        Family("WS", "Workstation", 0.25, workstation, (1, 20), 1.2),
        Family("SRV", "Rack server", 0.25, server, (1, 10), 1.3),
        Family("HPC", "Compute node chassis", 0.1, multinode, (1, 6), 1.3),
    )
    components = {
        "CPU-I5": "CPU Core i5",
        "CPU-I7": "CPU Core i7",
        "CPU-XEON-S": "CPU Xeon Silver",
        "CPU-XEON-G": "CPU Xeon Gold",
        "CPU-EPYC": "CPU EPYC",
        "RAM-16G": "RAM module 16 GB",
        "RAM-32G": "RAM module 32 GB",
        "RAM-64G": "RAM module 64 GB",
        "SSD-1T": "SSD 1 TB",
        "SSD-4T": "SSD 4 TB",
        "NVME-2T": "NVMe drive 2 TB",
        "GPU-PRO": "Professional graphics card",
        "PSU-550": "Power supply 550 W",
        "PSU-850": "Power supply 850 W",
        "PSU-RED": "Redundant power supply module",
        "CHASSIS-TOWER": "Tower chassis",
        "CHASSIS-1U": "Rack chassis 1U",
        "CHASSIS-2U": "Rack chassis 2U",
        "PCB-ATX": "Bare board ATX",
        "PCB-SRV": "Bare board server",
        "SOLDER": "Solder paste (kg)",
        "PASTE": "Thermal paste (g)",
        "CABLE": "Power and data cable (m)",
        "MB-OEM": "Bought-in mainboard",
        "BOX-PC": "Shipping carton",
    }
    customers = (
        ("Nordic Cloud AB", 3),
        ("Stadtwerke IT", 2),
        ("Studio Pixelwerk", 1),
        ("Kanzlei Weber & Partner", 1),
        ("University Computing Centre", 2),
        ("FinTech Solutions Ltd", 3),
        ("Engineering Bureau Roth", 1),
        ("Retail Chain Office Supply", 1),
        ("Hosting Provider Süd", 2),
    )
    return Profile(
        "pc",
        "Configured PCs and servers: kitting, board assembly, system assembly, "
        "burn-in (chambers for 8 work orders), test and imaging, packing",
        centres,
        families,
        components,
        ("CABLE", "PASTE", "SOLDER", "BOX-PC"),
        customers,
    )


# -------------------------------------------------------------------- furniture
def _furniture() -> Profile:
    centres = (
        WorkCentre(
            "CUT",
            "Panel cutting",
            "cut panels",
            (
                MachineType("Beam saw", 1.4),
                MachineType("Panel saw", 1.0),
                MachineType("Panel saw", 0.8),
            ),
            (3, 6),
            (15, 25),
        ),
        WorkCentre(
            "EDGE",
            "Edge banding",
            "edge band",
            (MachineType("Edge bander", 1.3), MachineType("Edge bander", 1.0)),
            (4, 8),
            (15, 30),
        ),
        WorkCentre(
            "DRILL",
            "CNC drilling",
            "drill",
            (MachineType("CNC drilling centre", 1.5), MachineType("Boring machine", 1)),
            (3, 6),
            (10, 20),
        ),
        WorkCentre(
            "FINISH",
            "Finishing",
            "lacquer",
            (MachineType("Lacquer booth", 1.0),),
            (3, 5),
            (60, 120),
            capacity=3,
        ),
        WorkCentre(
            "ASSY",
            "Assembly",
            "assemble",
            (MachineType("Case clamp", 1.3), MachineType("Assembly bench", 1.0)),
            (20, 45),
            (10, 20),
        ),
        WorkCentre(
            "PACK",
            "Packing",
            "pack",
            (MachineType("Packing line", 1.3), MachineType("Packing station", 1.0)),
            (5, 10),
            (5, 10),
        ),
    )
    panels = ItemTemplate(
        "PANELS",
        "Cut panel set",
        (StepTemplate("CUT", (Part(("CHIP-18",), (1.5, 4.5), 2),)),),
    )
    carcass = ItemTemplate(
        "CARCASS",
        "Carcass",
        (
            StepTemplate("EDGE", (Part(("EDGE-ABS",), (8, 22), 1),)),
            StepTemplate("DRILL", skip=0.3),
        ),
        (Child(panels, made=0.9, bought="PANELS-PRECUT"),),
    )
    front = ItemTemplate(
        "FRONT",
        "Lacquered front",
        (
            StepTemplate("CUT", (Part(("MDF-19",), (0.4, 0.9), 2),)),
            StepTemplate("FINISH", (Part(("LACQUER",), (0.15, 0.4), 2),)),
        ),
    )
    tabletop = ItemTemplate(
        "TOP",
        "Table top",
        (
            StepTemplate("CUT", (Part(("OAK-VENEER", "CHIP-18"), (1.2, 2.0), 2),)),
            StepTemplate("EDGE", (Part(("EDGE-ABS",), (4, 7), 1),)),
            StepTemplate("FINISH", (Part(("LACQUER",), (0.2, 0.5), 2),), skip=0.4),
        ),
    )

    def pack(skip: float) -> StepTemplate:
        return StepTemplate("PACK", (Part(("CARTON",), (1, 3)),), skip=skip)

    wardrobe = ItemTemplate(
        "WARDROBE",
        "Wardrobe",
        (
            StepTemplate(
                "ASSY",
                (
                    Part(("HINGE",), (4, 8)),
                    Part(("HANDLE-BAR", "HANDLE-KNOB"), (2, 4)),
                    Part(("FITTINGS",), (1, 1)),
                ),
            ),
            pack(0.5),
        ),
        (
            Child(carcass),
            Child(front, per_parent=(2, 4), made=0.5, bought="FRONT-OEM"),
        ),
    )
    desk = ItemTemplate(
        "DESK",
        "Desk",
        (
            StepTemplate("ASSY", (Part(("LEG",), (2, 4)), Part(("FITTINGS",), (1, 1)))),
            pack(0.3),
        ),
        (Child(tabletop),),
    )
    sideboard = ItemTemplate(
        "SIDEBOARD",
        "Sideboard",
        (
            StepTemplate(
                "ASSY",
                (
                    Part(("HINGE",), (2, 4)),
                    Part(("HANDLE-BAR", "HANDLE-KNOB"), (2, 4)),
                    Part(("SLIDE",), (2, 6)),
                    Part(("FITTINGS",), (1, 1)),
                ),
            ),
            pack(0.3),
        ),
        (
            Child(carcass),
            Child(front, per_parent=(2, 4), made=0.6, bought="FRONT-OEM"),
        ),
    )
    shelf = ItemTemplate(
        "BOOKSHELF",
        "Bookshelf",
        (
            StepTemplate(
                "ASSY", (Part(("FITTINGS",), (1, 1)), Part(("GLASS",), (0, 2)))
            ),
            pack(0.0),
        ),
        (Child(carcass),),
    )
    families = (
        Family("WARD", "Wardrobe", 0.25, wardrobe, (1, 12), 1.3),
        Family("DESK", "Desk", 0.25, desk, (1, 30)),
        Family("SIDE", "Sideboard", 0.3, sideboard, (1, 20)),
        Family("SHELF", "Bookshelf", 0.2, shelf, (2, 40), 0.8),
    )
    components = {
        "CHIP-18": "Chipboard 18 mm (m²)",
        "MDF-19": "MDF 19 mm (m²)",
        "OAK-VENEER": "Oak veneer panel (m²)",
        "EDGE-ABS": "ABS edge band (m)",
        "LACQUER": "Lacquer (kg)",
        "HINGE": "Concealed hinge",
        "HANDLE-BAR": "Bar handle",
        "HANDLE-KNOB": "Knob handle",
        "SLIDE": "Drawer slide pair",
        "FITTINGS": "Fittings kit",
        "LEG": "Steel leg",
        "GLASS": "Glass shelf",
        "CARTON": "Flat-pack carton",
        "PANELS-PRECUT": "Pre-cut panel set",
        "FRONT-OEM": "Bought-in front",
    }
    customers = (
        ("Hotel Seeblick", 2),
        ("Office Interiors Ltd", 2),
        ("Möbelhaus Schmidt", 1),
        ("Studentenwerk", 1),
        ("Design Studio Nord", 1),
        ("Retail Fit-out Group", 3),
        ("Kitchen & Living", 1),
        ("City Library", 2),
    )
    return Profile(
        "furniture",
        "Furniture plant: panel cutting, edge banding, CNC drilling, finishing "
        "(a lacquer booth for 3 work orders), assembly, packing",
        centres,
        families,
        components,
        ("EDGE-ABS", "FITTINGS", "CARTON", "HINGE"),
        customers,
    )


#: Profile name -> profile (built once; the data are constants).
PROFILES: dict[str, Profile] = {p.name: p for p in (_ebike(), _pc(), _furniture())}


# =========================================================== generated entities
@dataclass
class _Machine:
    machine_id: str
    name: str
    centre: WorkCentre
    speed: float
    load: float = 0.0  # expected minutes of work per slot, from the routings

    @property
    def rate(self) -> float:
        """Standard minutes of work this machine does per minute (all slots)."""
        return self.speed * self.centre.capacity


@dataclass
class _Step:
    number: int  # 10, 20, 30, ... as in an ERP routing
    centre: WorkCentre
    run: float  # standard minutes per unit (speed 1)
    setup: int
    machines: list[_Machine] = field(default_factory=list)

    def run_on(self, machine: _Machine) -> Decimal:
        """Run time per unit on a machine, in tenths of a minute (at least 0.1)."""
        return Decimal(max(1, round(self.run * 10 / machine.speed))).scaleb(-1)

    def mean_run(self) -> float:
        """Mean run time over the eligible machines (for due dates)."""
        runs = [float(self.run_on(m)) for m in self.machines]
        return sum(runs) / len(runs)


@dataclass
class _Item:
    item_id: str
    name: str
    steps: list[_Step]
    parts: dict[str, tuple[Decimal, int]]  # component -> (per unit, step number)
    children: list[tuple[_Item, int, int]]  # (child, per parent, step number)

    def operations(self) -> int:
        """Operations of one work order of this item, subassemblies included."""
        return len(self.steps) + sum(c.operations() for c, _, _ in self.children)

    def occurrences(self, multiplier: int = 1) -> list[tuple[_Item, int]]:
        """Every work order one unit of this item creates, with its units."""
        found = [(self, multiplier)]
        for child, per_parent, _ in self.children:
            found += child.occurrences(multiplier * per_parent)
        return found


@dataclass
class _Order:
    order_id: str
    product: _Item
    quantity: int
    customer: str
    weight: int
    rush: bool
    release: int = 0
    due: int = 0


# ================================================================== generation
def generate_instance(
    profile: str = "ebike",
    orders: int = 100,
    machines: int | None = None,
    products: int | None = None,
    supply_tightness: float = 0.5,
    due_tightness: float = 0.5,
    datetimes: bool = True,
    seed: int = 0,
    shortage: float = 0.0,
) -> Instance:
    """A realistic, validated make-to-order instance; the same for the same knobs.

    Parameters
    ----------
    profile
        ``ebike``, ``pc`` or ``furniture``: the kind of plant (work centres,
        machines, product families, components, customers).
    orders
        Number of customer orders (1 to tens of thousands).
    machines
        Number of machines; default ``8 + orders // 100``, at most 60, and at
        least one per work centre the products use.
    products
        Number of end products (variants); default ``6 + sqrt(orders)``, at
        most 60. Subassemblies come on top.
    supply_tightness
        0: plenty of stock and early purchase orders; 1: little stock and
        purchase orders spread until late in the horizon. Stock plus purchase
        orders always cover the total demand (unless ``shortage`` > 0).
    due_tightness
        0: generous due dates (few late orders); 1: tight ones (many late).
    datetimes
        Times as ISO datetimes from a plan start (True) or plain minute numbers.
    seed
        Seed of the one random generator used: equal seeds, equal instances.
    shortage
        Share of the demand missing for a few components (0 = none), so that
        some orders cannot all be supplied and the solver must leave some out.
    """
    _check_knobs(orders, supply_tightness, due_tightness, shortage)
    if profile not in PROFILES:
        raise ValueError(
            f"unknown profile {profile!r} (known: {', '.join(sorted(PROFILES))})"
        )
    return _Generator(
        PROFILES[profile],
        orders,
        machines,
        products,
        supply_tightness,
        due_tightness,
        datetimes,
        seed,
        shortage,
    ).run()


def _check_knobs(
    orders: int, supply_tightness: float, due_tightness: float, shortage: float
) -> None:
    """Reject knob values that cannot give a sensible plant."""
    if orders < 1:
        raise ValueError(f"orders must be at least 1, got {orders}")
    for name, value in (
        ("supply_tightness", supply_tightness),
        ("due_tightness", due_tightness),
    ):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
    if not 0 <= shortage < 1:
        raise ValueError(f"shortage must be at least 0 and below 1, got {shortage}")


def default_machines(orders: int) -> int:
    """Machines for a plant with this many open orders: ``8 + orders / 100``."""
    return min(MACHINE_CAP, 8 + orders // 100)


def default_products(orders: int) -> int:
    """End products (variants) for this many orders: ``6 + sqrt(orders)``."""
    return min(PRODUCT_CAP, 6 + round(math.sqrt(orders)))


class _Generator:
    """One generation run; the methods are called in a fixed order by ``run``."""

    def __init__(
        self,
        profile: Profile,
        orders: int,
        machines: int | None,
        products: int | None,
        supply_tightness: float,
        due_tightness: float,
        datetimes: bool,
        seed: int,
        shortage: float,
    ) -> None:
        self.profile = profile
        self.order_count = orders
        self.machine_count = machines
        self.product_count = products
        self.supply_tightness = supply_tightness
        self.due_tightness = due_tightness
        self.datetimes = datetimes
        self.seed = seed
        self.shortage = shortage
        self.rng = random.Random(seed)
        self.centres = {c.code: c for c in profile.centres}
        self.items: dict[str, _Item] = {}  # every made item, creation order
        self.pools: dict[tuple[str, str], list[_Item]] = {}
        self.products: list[tuple[_Item, Family, float]] = []  # with popularity
        self.orders: list[_Order] = []
        self.machines: list[_Machine] = []
        self.horizon = 0

    def run(self) -> Instance:
        """Generate every table and validate the instance."""
        self.make_products()
        self.make_orders()
        units = self.units_per_item()
        self.make_machines(units)
        self.assign_machines(units)
        self.horizon = self.plan_horizon()
        self.set_release_and_due()
        components, supplies = self.make_supplies()
        downtime = self.make_downtime()
        return Instance.model_validate(
            {
                "settings": self.settings(),
                "machines": self.machine_rows(),
                "routings": self.routing_rows(),
                "bom": self.bom_rows(),
                "components": components,
                "supplies": supplies,
                "orders": self.order_rows(),
                "downtime": downtime,
            }
        )

    # ---------------------------------------------------------------- products
    def make_products(self) -> None:
        """End products per family (by demand share), each with its structure."""
        families = self.profile.families
        count = self.product_count or default_products(self.order_count)
        if count < 1:
            raise ValueError(f"products must be at least 1, got {count}")
        ranked = sorted(families, key=lambda f: -f.share)[:count]
        per_family = _apportion([f.share for f in ranked], count, minimum=1)
        for family, variants in zip(ranked, per_family, strict=True):
            for number in range(1, variants + 1):
                item = self.make_product(family, number)
                popularity = family.share / variants / number**0.8
                self.products.append((item, family, popularity))

    def make_product(self, family: Family, number: int) -> _Item:
        """One variant; resampled until its structure has 3-7 operations.

        Subassemblies created for a rejected draw are forgotten again, so
        that every made item in the instance is used by some product.
        """
        item_id = f"{family.top.code}-{family.code}-{number:02d}"
        for attempt in range(50):
            items, pools = dict(self.items), {k: list(v) for k, v in self.pools.items()}
            item = self.make_item(family.top, family, item_id)
            if MIN_OPERATIONS <= item.operations() <= MAX_OPERATIONS or attempt == 49:
                break
            self.items, self.pools = items, pools
        self.items[item_id] = item
        return item

    def make_item(self, template: ItemTemplate, family: Family, item_id: str) -> _Item:
        """Draw steps, times, parts and subassemblies of one made item."""
        rng = self.rng
        kept = [
            (index, step)
            for index, step in enumerate(template.steps)
            if rng.random() >= step.skip
        ] or [(0, template.steps[0])]
        steps: list[_Step] = []
        position: dict[int, int] = {}  # template step index -> step number
        for index, step in kept:
            centre = self.centres[step.centre]
            number = 10 * (len(steps) + 1)
            run = rng.uniform(*centre.run) * family.work_factor
            setup = 5 * round(rng.uniform(*centre.setup) / 5)
            steps.append(_Step(number, centre, run, setup))
            position[index] = number
        item = _Item(item_id, template.name, steps, {}, [])
        for index, step in enumerate(template.steps):
            at = _nearest_step(position, index)
            for part in step.parts:
                quantity = _draw_quantity(rng, part.quantity, part.decimals)
                if quantity > 0:
                    component = rng.choice(part.options)
                    before = item.parts.get(component, (Decimal(0), at))[0]
                    item.parts[component] = (before + quantity, at)
        for child in template.children:
            at = _nearest_step(position, child.step)
            per_parent = rng.randint(*child.per_parent)
            if rng.random() < child.made:
                made = self.pooled(child.item, family)
                item.children.append((made, per_parent, at))
            else:
                before = item.parts.get(child.bought, (Decimal(0), at))[0]
                item.parts[child.bought] = (before + per_parent, at)
        return item

    def pooled(self, template: ItemTemplate, family: Family) -> _Item:
        """A subassembly variant from the family's pool (variants share them)."""
        key = (template.code, family.code)
        pool = self.pools.setdefault(key, [])
        size = max(1, math.ceil(self.family_variants(family) / 2))
        if len(pool) < size and (not pool or self.rng.random() < 0.5):
            item_id = f"{template.code}-{family.code}-{len(pool) + 1}"
            pool.append(self.make_item(template, family, item_id))
            self.items[item_id] = pool[-1]
            return pool[-1]
        return self.rng.choice(pool)

    def family_variants(self, family: Family) -> int:
        """Variants of a family generated so far plus the one being made."""
        return 1 + sum(1 for _, f, _ in self.products if f is family)

    # ------------------------------------------------------------------ orders
    def make_orders(self) -> None:
        """Orders: product by popularity, skewed quantities, customer and weight."""
        rng = self.rng
        weights = [popularity for _, _, popularity in self.products]
        chosen = rng.choices(range(len(self.products)), weights, k=self.order_count)
        customers = self.profile.customers
        for number, index in enumerate(chosen, start=1):
            product, family, _ = self.products[index]
            low, high = family.quantity
            quantity = low + int((high - low + 1) * rng.random() ** 2)
            customer, tier = customers[rng.randrange(len(customers))]
            rush = rng.random() < RUSH_SHARE
            self.orders.append(
                _Order(
                    f"SO-{10000 + number}",
                    product,
                    min(quantity, high),
                    customer,
                    5 if rush else tier,
                    rush,
                )
            )

    def units_per_item(self) -> dict[str, tuple[int, int]]:
        """Work orders and units of every made item over all orders."""
        per_product: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for order in self.orders:
            tally = per_product[order.product.item_id]
            tally[0] += 1
            tally[1] += order.quantity
        units: dict[str, tuple[int, int]] = {i: (0, 0) for i in self.items}
        for product_id, (count, quantity) in per_product.items():
            for item, multiplier in self.items[product_id].occurrences():
                before = units[item.item_id]
                units[item.item_id] = (
                    before[0] + count,
                    before[1] + quantity * multiplier,
                )
        return units

    # ---------------------------------------------------------------- machines
    def step_work(self, units: dict[str, tuple[int, int]]) -> list[tuple[_Step, float]]:
        """Standard minutes of work of every routing step over all orders."""
        work = []
        for item in self.items.values():
            count, quantity = units[item.item_id]
            for step in item.steps:
                work.append((step, count * step.setup + quantity * step.run))
        return work

    def make_machines(self, units: dict[str, tuple[int, int]]) -> None:
        """Spread the machine count over the used work centres by their load.

        Each centre gets one machine, then machines go one by one to the centre
        with the most work per unit of rate (capacity × speed): the largest-
        remainder idea applied greedily, so the bottleneck is as light as the
        count allows.
        """
        load: dict[str, float] = defaultdict(float)
        for step, minutes in self.step_work(units):
            load[step.centre.code] += minutes
        used = [c for c in self.profile.centres if c.code in load]
        count = self.machine_count or default_machines(self.order_count)
        count = max(count, len(used)) if self.machine_count is None else count
        if count < len(used):
            raise ValueError(
                f"machines must be at least {len(used)} for profile "
                f"{self.profile.name!r} with these products (one per work centre: "
                f"{', '.join(c.code for c in used)}), got {count}"
            )
        sizes = {c.code: 1 for c in used}
        rates = {c.code: c.types[0].speed * c.capacity for c in used}
        heap = [(-load[c.code] / rates[c.code], c.code) for c in used]
        heapq.heapify(heap)
        for _ in range(count - len(used)):
            _, code = heapq.heappop(heap)
            centre = self.centres[code]
            machine_type = centre.types[sizes[code] % len(centre.types)]
            sizes[code] += 1
            rates[code] += machine_type.speed * centre.capacity
            heapq.heappush(heap, (-load[code] / rates[code], code))
        for centre in used:
            for index in range(sizes[centre.code]):
                kind = centre.types[index % len(centre.types)]
                self.machines.append(
                    _Machine(
                        f"{centre.code}-{index + 1:02d}",
                        f"{kind.name} {index + 1}",
                        centre,
                        kind.speed,
                    )
                )

    def assign_machines(self, units: dict[str, tuple[int, int]]) -> None:
        """Give each step 1-3 eligible machines of its centre, balancing load.

        Steps with the most work choose first and take the least loaded
        machines; a step's work is expected to go to whichever of its machines
        is least loaded (as a scheduler would send it), see :func:`_fill`. A
        high runner with more work than its share of the centre would overload
        1-3 machines, so it gets as many as it takes to stay at or below the
        centre's average load.
        """
        rng = self.rng
        by_centre: dict[str, list[_Machine]] = defaultdict(list)
        for machine in self.machines:
            by_centre[machine.centre.code].append(machine)
        work = self.step_work(units)
        centre_work: dict[str, float] = defaultdict(float)
        for step, minutes in work:
            centre_work[step.centre.code] += minutes
        draws = [
            (rng.choices((1, 2, 3), (0.3, 0.45, 0.25))[0], rng.random()) for _ in work
        ]
        order = sorted(range(len(work)), key=lambda i: (-work[i][1], draws[i][1]))
        for index in order:
            step, minutes = work[index]
            pool = sorted(
                by_centre[step.centre.code], key=lambda m: (m.load, m.machine_id)
            )
            level = centre_work[step.centre.code] / sum(m.rate for m in pool)
            chosen = pool[: draws[index][0]]
            while _level(chosen, minutes) > 1.01 * level and len(chosen) < len(pool):
                chosen = pool[: len(chosen) + 1]
            step.machines = sorted(chosen, key=lambda m: m.machine_id)
            _fill(chosen, minutes)

    # --------------------------------------------------------- horizon and times
    def plan_horizon(self) -> int:
        """Minutes over which the expected load is ``TARGET_LOAD``.

        The busiest machine stays at or below ``BOTTLENECK_LOAD``; 2 % is added
        for maintenance windows. At least one day.
        """
        total_work = sum(m.load * m.rate for m in self.machines)
        total_rate = sum(m.rate for m in self.machines)
        horizon = max(
            total_work / (TARGET_LOAD * total_rate),
            max(m.load for m in self.machines) / BOTTLENECK_LOAD,
        )
        return max(MINUTES_PER_DAY, math.ceil(horizon * 1.02))

    def set_release_and_due(self) -> None:
        """Releases over the horizon, due = release + k × work; the backlog differs.

        Backlog orders are released at 0 but due at a promise time uniform over
        the first ``BACKLOG_DUE_SPAN`` of the horizon plus k × work, so the
        work due by any time stays within the plant's capacity (see the
        constant). The promise time comes from the draw that picked the order
        for the backlog, so the draws, and the rest of the instance, are those
        of a generator without the spread.
        """
        rng = self.rng
        allowance = ALLOWANCE_LOOSE * (ALLOWANCE_TIGHT / ALLOWANCE_LOOSE) ** (
            self.due_tightness
        )
        work = self.work_per_item()
        for order in self.orders:
            draw = rng.random()
            if draw < BACKLOG_SHARE:
                release = 0
                # Below BACKLOG_SHARE the draw is uniform on [0, BACKLOG_SHARE),
                # so it also gives the promise time, uniform over the span.
                span = BACKLOG_DUE_SPAN * self.horizon
                promised = _floor_to(draw / BACKLOG_SHARE * span, MINUTES_PER_HOUR)
            else:
                release = _floor_to(rng.uniform(0, self.horizon), MINUTES_PER_HOUR)
                promised = release
            fixed, per_unit = work[order.product.item_id]
            factor = allowance * rng.uniform(0.75, 1.25) * (0.5 if order.rush else 1)
            lead = factor * (fixed + per_unit * order.quantity)
            order.release = release
            order.due = promised + _floor_to(max(lead, MINUTES_PER_HOUR), 60)

    def work_per_item(self) -> dict[str, tuple[float, float]]:
        """Mean work of one work order of an item, with subassemblies: a + b × q."""
        work: dict[str, tuple[float, float]] = {}

        def of(item: _Item) -> tuple[float, float]:
            if item.item_id not in work:
                fixed = float(sum(step.setup for step in item.steps))
                per_unit = sum(step.mean_run() for step in item.steps)
                for child, per_parent, _ in item.children:
                    child_fixed, child_per_unit = of(child)
                    fixed += child_fixed
                    per_unit += child_per_unit * per_parent
                work[item.item_id] = (fixed, per_unit)
            return work[item.item_id]

        for item in self.items.values():
            of(item)
        return work

    # --------------------------------------------------------------- materials
    def component_demand(self) -> dict[str, Decimal]:
        """Exact total need of every purchased component over all orders."""
        per_product: dict[str, int] = defaultdict(int)
        for order in self.orders:
            per_product[order.product.item_id] += order.quantity
        demand: dict[str, Decimal] = {}
        for item in self.items.values():
            for component in item.parts:
                demand.setdefault(component, Decimal(0))
        for product_id, quantity in per_product.items():
            for item, multiplier in self.items[product_id].occurrences():
                for component, (per_unit, _) in item.parts.items():
                    demand[component] += per_unit * quantity * multiplier
        return demand

    def make_supplies(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Components (stock, lead time) and purchase orders from the demand."""
        rng = self.rng
        tight = self.supply_tightness
        demand = self.component_demand()
        decimals = {c: _decimals_of(c, self.items) for c in demand}
        needed = sorted(c for c, d in demand.items() if d > 0)
        with_lead = self.lead_time_components(needed)
        short = self.short_components([c for c in needed if c not in with_lead])
        components: list[dict[str, Any]] = []
        supplies: list[tuple[int, str, Decimal]] = []
        for component in sorted(demand):
            need = demand[component]
            row: dict[str, Any] = {
                "component_id": component,
                "name": self.profile.components.get(component, component),
            }
            components.append(row)
            if need == 0:
                continue
            places = decimals[component]
            if component in short:
                total = _quantize(
                    need * Decimal(str(1 - self.shortage)), places, up=False
                )
            else:
                margin = Decimal(str(_lerp(SUPPLY_MARGIN, tight)))
                total = _quantize(need * (1 + margin), places, up=True)
            stock_share = _lerp(STOCK_SHARE, tight) * rng.uniform(0.7, 1.3)
            on_hand = _quantize(total * Decimal(str(min(1.0, stock_share))), places)
            row["on_hand"] = on_hand
            if component in with_lead:
                days = rng.uniform(0.2, 0.5) * self.horizon / MINUTES_PER_DAY
                row["lead_time"] = MINUTES_PER_DAY * max(1, round(days))
            supplies += self.purchase_orders(component, total - on_hand, places)
        supplies.sort()
        return components, [
            self.supply_row(number, arrival, component, quantity)
            for number, (arrival, component, quantity) in enumerate(supplies, start=1)
        ]

    def lead_time_components(self, needed: list[str]) -> set[str]:
        """A few commodities that can be reordered (1-3 of the candidates)."""
        candidates = [c for c in self.profile.lead_time_candidates if c in needed]
        if not candidates:
            return set()
        count = self.rng.randint(1, min(3, len(candidates)))
        return set(self.rng.sample(candidates, count))

    def short_components(self, candidates: list[str]) -> set[str]:
        """Components whose total supply falls ``shortage`` short of demand."""
        if self.shortage <= 0 or not candidates:
            return set()
        count = max(1, round(0.1 * len(candidates)))
        return set(self.rng.sample(candidates, count))

    def purchase_orders(
        self, component: str, quantity: Decimal, places: int
    ) -> list[tuple[int, str, Decimal]]:
        """Split ``quantity`` into deliveries every few days over the supply span.

        At tightness 0 every delivery arrives in the first quarter of the
        horizon; at 1 they spread until 95 % of it. Sizes vary ±30 %; trucks
        arrive in the day shift (the plan starts at 06:00).
        """
        if quantity <= 0:
            return []
        rng = self.rng
        span = _lerp(SUPPLY_SPAN, self.supply_tightness) * self.horizon
        count = max(2, min(26, round(self.horizon / (5 * MINUTES_PER_DAY))))
        shares = [rng.uniform(0.7, 1.3) for _ in range(count)]
        scale = Decimal(str(sum(shares)))
        parts = [
            _quantize(quantity * Decimal(str(s)) / scale, places, up=False)
            for s in shares[:-1]
        ]
        parts.append(quantity - sum(parts, Decimal(0)))
        result = []
        for index, part in enumerate(parts):
            if part <= 0:
                continue
            day = _floor_to(
                span * (index + rng.uniform(0.5, 1)) / count, MINUTES_PER_DAY
            )
            arrival = day + MINUTES_PER_HOUR * rng.randint(1, 10)  # 07:00-16:00
            result.append((arrival, component, part))
        return result

    def supply_row(
        self, number: int, arrival: int, component: str, quantity: Decimal
    ) -> dict[str, Any]:
        """One purchase order, numbered in arrival order."""
        return {
            "supply_id": f"PO-{40000 + number}",
            "component_id": component,
            "quantity": quantity,
            "arrival": self.time(arrival),
        }

    # ---------------------------------------------------------------- downtime
    def make_downtime(self) -> list[dict[str, Any]]:
        """Maintenance every 1-3 weeks per machine, 2-8 hours, on whole hours.

        Windows are spaced far more than the longest operation, so they delay
        work but never make it impossible; they continue a quarter past the
        horizon, where late work still runs.
        """
        rng = self.rng
        rows = []
        end_of_plan = self.horizon * 1.25
        for machine in self.machines:
            start = rng.uniform(1, 7) * MINUTES_PER_DAY
            while start < end_of_plan:
                begin = _floor_to(start, MINUTES_PER_HOUR)
                length = MINUTES_PER_HOUR * rng.randint(2, 8)
                rows.append(
                    {
                        "machine_id": machine.machine_id,
                        "start": self.time(begin),
                        "end": self.time(begin + length),
                    }
                )
                start += rng.uniform(7, 21) * MINUTES_PER_DAY
        return rows

    # ------------------------------------------------------------------- tables
    def time(self, minutes: int) -> datetime | int:
        """A time value as the instance writes it: a datetime or minutes."""
        if self.datetimes:
            return PLAN_START + timedelta(minutes=minutes)
        return minutes

    def settings(self) -> dict[str, Any]:
        """Plan start (with datetimes), unit and a name that says how it was made."""
        name = f"{self.profile.name}-{self.order_count}-seed{self.seed}"
        settings: dict[str, Any] = {"time_unit": "minute", "name": name}
        if self.datetimes:
            settings["start"] = PLAN_START
        return settings

    def machine_rows(self) -> list[dict[str, Any]]:
        """The machines table."""
        return [
            {
                "machine_id": m.machine_id,
                "capacity": m.centre.capacity,
                "name": m.name,
                "work_center": m.centre.name,
            }
            for m in self.machines
        ]

    def routing_rows(self) -> list[dict[str, Any]]:
        """One row per item, step and eligible machine."""
        rows = []
        for item in self.items.values():
            for step in item.steps:
                for machine in step.machines:
                    rows.append(
                        {
                            "product_id": item.item_id,
                            "step": step.number,
                            "machine_id": machine.machine_id,
                            "run_time": step.run_on(machine),
                            "setup_time": step.setup,
                            "operation": step.centre.operation,
                        }
                    )
        return rows

    def bom_rows(self) -> list[dict[str, Any]]:
        """Subassemblies and purchased parts of every made item."""
        rows = []
        for item in self.items.values():
            for child, per_parent, at in item.children:
                rows.append(
                    {
                        "product_id": item.item_id,
                        "component_id": child.item_id,
                        "quantity": per_parent,
                        "step": at,
                    }
                )
            for component, (quantity, at) in item.parts.items():
                rows.append(
                    {
                        "product_id": item.item_id,
                        "component_id": component,
                        "quantity": quantity,
                        "step": at,
                    }
                )
        return rows

    def order_rows(self) -> list[dict[str, Any]]:
        """The orders table."""
        return [
            {
                "order_id": o.order_id,
                "product_id": o.product.item_id,
                "quantity": o.quantity,
                "due": self.time(o.due),
                "release": self.time(o.release),
                "weight": o.weight,
                "customer": o.customer,
            }
            for o in self.orders
        ]


# ==================================================================== helpers
def _apportion(shares: list[float], total: int, minimum: int = 0) -> list[int]:
    """Split ``total`` by ``shares`` (largest remainder), each at least ``minimum``."""
    base = [minimum] * len(shares)
    rest = total - minimum * len(shares)
    scale = sum(shares)
    ideal = [rest * share / scale for share in shares]
    counts = [b + math.floor(x) for b, x in zip(base, ideal, strict=True)]
    remainders = sorted(
        range(len(shares)), key=lambda i: (-(ideal[i] - math.floor(ideal[i])), i)
    )
    for index in remainders[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _level(machines: list[_Machine], minutes: float) -> float:
    """The busy level of :func:`_fill` before pouring (machines left unchanged)."""
    ordered = sorted(machines, key=lambda m: m.load)
    rate = poured = 0.0
    for position, machine in enumerate(ordered):
        rate += machine.rate
        if position + 1 == len(ordered):
            break
        room = (ordered[position + 1].load - machine.load) * rate
        if poured + room >= minutes:
            break
        poured += room
    return ordered[position].load + (minutes - poured) / rate


def _fill(machines: list[_Machine], minutes: float) -> None:
    """Pour ``minutes`` of standard work into the least loaded machines first.

    Water filling, as a scheduler would send work to the idle machines: the
    busy minutes of the emptiest machines rise to a common level ``L`` with
    ``sum((L - load) * rate) = minutes``; machines already above stay.
    """
    level = _level(machines, minutes)
    for machine in machines:
        machine.load = max(machine.load, level)


def _nearest_step(position: dict[int, int], index: int) -> int:
    """The step number of template step ``index``, or of the next kept one.

    Parts and subassemblies of a skipped step move to the next step that the
    variant keeps (else the last one).
    """
    later = [number for i, number in position.items() if i >= index]
    return min(later) if later else max(position.values())


def _draw_quantity(
    rng: random.Random, bounds: tuple[float, float], decimals: int
) -> Decimal:
    """A uniform quantity with ``decimals`` places, built from an integer."""
    scale = 10**decimals
    low, high = round(bounds[0] * scale), round(bounds[1] * scale)
    return Decimal(rng.randint(low, high)).scaleb(-decimals)


def _decimals_of(component: str, items: dict[str, _Item]) -> int:
    """Decimal places of a component's quantities: those of its BOM lines."""
    places = 0
    for item in items.values():
        entry = item.parts.get(component)
        if entry is not None:
            exponent = entry[0].normalize().as_tuple().exponent
            places = max(places, -exponent if isinstance(exponent, int) else 0)
    return places


def _quantize(value: Decimal, places: int, up: bool = False) -> Decimal:
    """``value`` rounded to ``places`` decimals, down (or up), exactly."""
    scaled = value.scaleb(places)
    whole = math.ceil(scaled) if up else math.floor(scaled)
    return Decimal(whole).scaleb(-places)


def _lerp(bounds: tuple[float, float], position: float) -> float:
    """The value ``position`` of the way from ``bounds[0]`` to ``bounds[1]``."""
    return bounds[0] + (bounds[1] - bounds[0]) * position


def _floor_to(value: float, step: int) -> int:
    """``value`` rounded down to a multiple of ``step``."""
    return int(value // step) * step
