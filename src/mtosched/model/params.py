"""Solver settings as data: a pydantic model plus named TOML profiles.

Known fields are ours; any other key is passed unchanged to CP-SAT's
``SatParameters`` (e.g. ``linearization_level = 2``), so OR engineers can tune
the search without code changes.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Where named profiles live in a checkout (``models/profiles/<name>.toml``).
PROFILE_DIR = Path(__file__).resolve().parents[3] / "models" / "profiles"


class SolverParams(BaseModel):
    """How long and how hard to search."""

    model_config = ConfigDict(extra="allow")

    time_limit: float = Field(default=30.0, gt=0, description="wall seconds in all")
    workers: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=1,
        description="CP-SAT search workers",
    )
    seed: int = Field(default=0, description="random seed for reproducible runs")
    log: bool = Field(default=False, description="print CP-SAT's search log")
    heuristic_time: float = Field(
        default=2.0, ge=0, description="seconds for the constructive warm start"
    )
    deterministic: bool = Field(
        default=False,
        description="reproducible runs: time_limit counts CP-SAT's deterministic "
        "work, not wall seconds (use with workers = 1)",
    )
    lns: bool = Field(
        default=True, description="improve with large-neighbourhood search"
    )
    lns_sub_time: float = Field(
        default=1.0, gt=0, description="seconds per neighbourhood sub-model"
    )
    full_model_operations: int = Field(
        default=3000,
        ge=0,
        description="up to this many operations, CP-SAT also gets the whole model",
    )
    full_model_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="share of the time for the whole model before the LNS "
        "(default: 0.8 when the first objective is makespan, else 0.2, "
        "or 0.05 above 600 operations)",
    )
    sequence_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="on objectives summed over orders, share of the time at most "
        "for reordering the queues of capacity-1 machines before CP-SAT "
        "(default: 0.5 when one machine's queue decides the objective, else 0; "
        "the search hands back what it does not need)",
    )
    critical_path_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="on makespan, share of the time at most for a tabu search on "
        "machine choices and sequences before CP-SAT, where those are the whole "
        "problem (default: 0.3; the search hands back what it does not need)",
    )
    tie_break: bool = Field(
        default=True,
        description="after the objective, minimise total completion in a last stage",
    )
    stability_share: float = Field(
        default=0.3,
        ge=0,
        lt=1,
        description="with a reference plan, share of the time for the last stage "
        "that moves the schedule closer to it at the same objective values",
    )

    def cp_sat_overrides(self) -> dict[str, Any]:
        """The extra keys, meant for CP-SAT's parameters."""
        return dict(self.model_extra or {})

    @classmethod
    def from_profile(cls, name_or_path: str, **overrides: Any) -> SolverParams:
        """Load a named profile (or a TOML file path); explicit overrides win."""
        path = Path(name_or_path)
        if not path.suffix:
            path = PROFILE_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))
            raise ValueError(
                f"unknown solver profile '{name_or_path}' (known: {', '.join(known)})"
            )
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(data)
