"""One solve in a fresh process: read, solve, check, measure.

Each instance runs in its own ``spawn``-ed process so that its peak memory is
its own (``getrusage(RUSAGE_SELF).ru_maxrss`` of that process, CP-SAT's worker
threads included) and a crash or a runaway solve cannot take the study down.
Nothing here decides what a result means; it only measures and checks.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

from benchmarks.sets import InstanceSpec


@dataclass(frozen=True)
class Job:
    """One solve to run: which instance, which solver, with what settings."""

    spec: InstanceSpec
    solver: str  # "mtosched" or "pyjobshop"
    objective: str
    time_limit: float
    workers: int
    seed: int
    profile: str | None = None


@dataclass
class Outcome:
    """What one solve produced (plain values only, to cross the process pipe)."""

    status: str = ""
    objective: Decimal | None = None
    bound: Decimal | None = None
    wall_time: float | None = None
    peak_memory_mib: float | None = None
    check: str = "not run"  # "ok", "failed: ..." or "no schedule"
    error: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        """True when the schedule exists and the checker found nothing wrong."""
        return self.check == "ok"


def _peak_memory_mib() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _check(instance: Any, solution: Any, objective: str, value: Decimal) -> str:
    from mtosched.checker import check
    from mtosched.solution import Objective

    report = check(instance, solution, {Objective(objective): value})
    if report.ok:
        return "ok"
    first = "; ".join(str(v) for v in report.violations[:2])
    return f"failed: {len(report.violations)} violation(s): {first}"[:300]


def _run_mtosched(job: Job, instance: Any, outcome: Outcome) -> None:
    from mtosched.model.params import SolverParams
    from mtosched.solve import solve

    settings: dict[str, Any] = {
        "time_limit": job.time_limit,
        "workers": job.workers,
        "seed": job.seed,
    }
    if "tie_break" in SolverParams.model_fields:
        settings["tie_break"] = False  # a benchmark has one criterion
    params = (
        SolverParams.from_profile(job.profile, **settings)
        if job.profile
        else SolverParams(**settings)
    )
    started = time.perf_counter()
    result = solve(instance, params, job.objective)
    outcome.wall_time = time.perf_counter() - started
    outcome.status = str(result.status.value)
    outcome.objective = result.objective_value
    outcome.bound = result.best_bound
    if result.solution is None or result.objective_value is None:
        outcome.check = "no schedule"
    else:
        outcome.check = _check(
            instance, result.solution, job.objective, result.objective_value
        )


def _run_peer(job: Job, instance: Any, outcome: Outcome) -> None:
    from benchmarks.peer import solve_peer

    started = time.perf_counter()
    peer = solve_peer(instance, job.objective, job.time_limit, job.workers, job.seed)
    outcome.wall_time = time.perf_counter() - started
    outcome.status = peer.status.lower()
    outcome.objective = peer.objective
    outcome.bound = peer.bound
    if peer.reported is not None and peer.reported != peer.objective:
        outcome.notes.append(
            f"CP-SAT reported objective {peer.reported}, "
            f"the returned schedule is worth {peer.objective}"
        )
    if peer.solution is None or peer.objective is None:
        outcome.check = "no schedule"
    else:
        outcome.check = _check(instance, peer.solution, job.objective, peer.objective)


def _preload(solver: str) -> None:
    """Import the solver's libraries before the clock starts.

    Both sides import OR-Tools (and PyJobShop its plotting stack) lazily; the
    wall time should measure solving, not a one-off import in a fresh process.
    """
    import ortools.sat.python.cp_model  # noqa: F401

    import mtosched.solve  # noqa: F401

    if solver == "pyjobshop":
        import pyjobshop  # noqa: F401


def run_in_child(job: Job, connection: Connection) -> None:
    """Process entry point: run ``job`` and send back an :class:`Outcome`."""
    outcome = Outcome()
    try:
        _preload(job.solver)
        instance = job.spec.load()
        if job.solver == "mtosched":
            _run_mtosched(job, instance, outcome)
        elif job.solver == "pyjobshop":
            _run_peer(job, instance, outcome)
        else:
            raise ValueError(f"unknown solver {job.solver!r}")
    except Exception as error:
        outcome.error = f"{type(error).__name__}: {error}"[:300]
        traceback.print_exc()  # the full story goes to the runner's stderr
    outcome.peak_memory_mib = _peak_memory_mib()
    connection.send(outcome)
    connection.close()


def run_isolated(job: Job, grace: float = 120.0) -> Outcome:
    """Run ``job`` in a fresh process; never raises, never waits forever.

    The process gets the time limit twice over plus ``grace`` seconds (reading,
    model building and the checker are outside CP-SAT's limit); after that it is
    killed and the outcome says so.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=run_in_child, args=(job, sender), daemon=True)
    process.start()
    sender.close()
    deadline = 2 * job.time_limit + grace
    outcome: Outcome | None = None
    timed_out = False
    try:
        if receiver.poll(deadline):
            outcome = receiver.recv()
        else:
            timed_out = True
    except (EOFError, OSError):
        outcome = None  # the child died before it could answer
    process.join(timeout=10)
    if process.is_alive():
        process.kill()
        process.join()
    if outcome is None:
        reason = (
            f"no answer after {deadline:.0f} s; killed"
            if timed_out
            else f"the process died (exit code {process.exitcode}; -9 may be "
            "the out-of-memory killer)"
        )
        outcome = Outcome(error=reason, check="no schedule")
    return outcome
