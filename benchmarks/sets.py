"""The benchmark sets: which instances, read how, compared with which value.

A set is data: its instances (a key, how to read the file) and, per key, the
published reference value of the set's own objective. The data files live
outside the repository, in ``shared/benchmarks`` (``--data``); each folder there
has a ``SOURCE.md`` and a ``reference_values.json`` giving where every file and
value comes from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mtosched.domain import Instance
from mtosched.io.benchmarks import read_fjs, read_jsplib, read_orlib_wt

#: Default location of the data, relative to the repository root.
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


@dataclass(frozen=True)
class InstanceSpec:
    """How to read one instance; picklable, so a child process can read it."""

    key: str
    format: str  # "orlib_wt", "jsplib" or "fjs"
    path: str
    n: int = 0  # orlib_wt: jobs per instance
    index: int = 0  # orlib_wt: 1-based position in the file

    def load(self) -> Instance:
        """Read the instance from its file."""
        if self.format == "orlib_wt":
            return read_orlib_wt(self.path, self.n, self.index)
        if self.format == "jsplib":
            return read_jsplib(self.path, name=self.key)
        if self.format == "fjs":
            return read_fjs(self.path, name=self.key)
        raise ValueError(f"unknown benchmark format {self.format!r}")


@dataclass(frozen=True)
class Reference:
    """The published value a result is compared with."""

    value: int
    status: str  # e.g. "optimal_orlib", "optimal", "closed", "open (LB 189)"


@dataclass(frozen=True)
class BenchmarkSet:
    """A named instance set with its objective and default time limit."""

    name: str
    objective: str
    time_limit: float
    description: str
    instances: Callable[[Path], list[InstanceSpec]]
    references: Callable[[Path], dict[str, Reference]]


# ------------------------------------------------------------ OR-Library wt
def _wt_instances(n: int) -> Callable[[Path], list[InstanceSpec]]:
    def instances(data: Path) -> list[InstanceSpec]:
        path = str(data / "smtwt_orlib" / f"wt{n}.txt")
        return [
            InstanceSpec(f"wt{n}_{k}", "orlib_wt", path, n=n, index=k)
            for k in range(1, 126)
        ]

    return instances


def _wt_references(data: Path) -> dict[str, Reference]:
    table = _json(data / "smtwt_orlib" / "reference_values.json")
    return {
        key: Reference(int(entry["value"]), entry["status"])
        for key, entry in table["instances"].items()
    }


# ---------------------------------------------------------------- job shop
_JSSP_KEYS = ["ft06", "ft10", *(f"la{k:02d}" for k in range(1, 21))]


def _jssp_instances(keys: list[str] | None) -> Callable[[Path], list[InstanceSpec]]:
    def instances(data: Path) -> list[InstanceSpec]:
        folder = data / "jssp_classic" / "instances"
        chosen = keys or sorted(p.stem for p in folder.glob("*.txt"))
        return [
            InstanceSpec(key, "jsplib", str(folder / f"{key}.txt")) for key in chosen
        ]

    return instances


def _jssp_references(data: Path) -> dict[str, Reference]:
    table = _json(data / "jssp_classic" / "reference_values.json")
    return {
        key: Reference(int(entry["optimal_makespan"]), entry["status"])
        for key, entry in table["instances"].items()
    }


# ------------------------------------------------------- flexible job shop
def _mk_instances(data: Path) -> list[InstanceSpec]:
    folder = data / "fjsp" / "brandimarte"
    return [
        InstanceSpec(f"mk{k:02d}", "fjs", str(folder / f"mk{k:02d}.txt"))
        for k in range(1, 11)
    ]


def _hurink_instances(variant: str) -> Callable[[Path], list[InstanceSpec]]:
    def instances(data: Path) -> list[InstanceSpec]:
        folder = data / "fjsp" / "hurink" / variant
        return [
            InstanceSpec(f"{p.stem}_{variant}", "fjs", str(p))
            for p in sorted(folder.glob("*.txt"))
        ]

    return instances


def _fjsp_references(data: Path) -> dict[str, Reference]:
    """Best known makespan (upper bound); open instances say their lower bound."""
    table = _json(data / "fjsp" / "reference_values.json")
    references = {}
    for key, entry in table["instances"].items():
        status = entry["status"]
        if status != "closed":
            status = f"{status} (LB {entry['lower_bound']})"
        references[key] = Reference(int(entry["upper_bound"]), status)
    return references


def _json(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


SETS: dict[str, BenchmarkSet] = {
    s.name: s
    for s in [
        BenchmarkSet(
            "wt40",
            "weighted_tardiness",
            10,
            "OR-Library 1||ΣwT, 125 instances of 40 jobs",
            _wt_instances(40),
            _wt_references,
        ),
        BenchmarkSet(
            "wt50",
            "weighted_tardiness",
            10,
            "OR-Library 1||ΣwT, 125 instances of 50 jobs",
            _wt_instances(50),
            _wt_references,
        ),
        BenchmarkSet(
            "wt100",
            "weighted_tardiness",
            30,
            "OR-Library 1||ΣwT, 125 instances of 100 jobs",
            _wt_instances(100),
            _wt_references,
        ),
        BenchmarkSet(
            "fjsp-mk",
            "makespan",
            60,
            "Brandimarte flexible job shop mk01–mk10 (FJ||Cmax)",
            _mk_instances,
            _fjsp_references,
        ),
        BenchmarkSet(
            "jssp",
            "makespan",
            60,
            "classic job shop ft06, ft10, la01–la20 (J||Cmax)",
            _jssp_instances(_JSSP_KEYS),
            _jssp_references,
        ),
        BenchmarkSet(
            "jssp-all",
            "makespan",
            60,
            "all 52 JSPLIB instances in shared/benchmarks (ft, la01–la40, ta01–ta10)",
            _jssp_instances(None),
            _jssp_references,
        ),
        *(
            BenchmarkSet(
                f"fjsp-hurink-{variant[0]}data",
                "makespan",
                60,
                f"Hurink et al. {variant} flexible job shops (ft06/10/20, la01–la20)",
                _hurink_instances(variant),
                _fjsp_references,
            )
            for variant in ("edata", "rdata", "vdata")
        ),
    ]
}
