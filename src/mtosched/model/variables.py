"""Variable containers: one per operation and one per order.

Keeping variables in small typed containers (not loose dicts) lets each
constraint module say what it uses, and gives one place for hints and
extraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from mtosched.expand import Operation, OrderPlan, ProblemData
from mtosched.solution import ScheduledOperation


@dataclass
class ModeVars:
    """The operation on one eligible machine: a presence literal and an interval."""

    machine_id: str
    duration: int
    present: cp_model.IntVar | int  # the constant 1 when the machine is the only one
    interval: cp_model.IntervalVar


@dataclass
class OperationVars:
    """Start, end and the chosen machine of one operation."""

    operation: Operation
    start: cp_model.IntVar
    end: cp_model.IntVar
    modes: list[ModeVars] = field(default_factory=list)

    def hints(self, placed: ScheduledOperation) -> list[tuple[cp_model.IntVar, int]]:
        """The hints of a known placement (see :func:`add_hints`)."""
        pairs = [(self.start, placed.start), (self.end, placed.end)]
        for mode in self.modes:
            if not isinstance(mode.present, int):
                pairs.append((mode.present, int(mode.machine_id == placed.machine_id)))
        return pairs

    def extract(self, solution: Sequence[int]) -> ScheduledOperation:
        """Read the placement from a solver's solution vector (value by index).

        Reading the vector directly, not ``solver.value`` per variable, keeps
        extraction cheap when a search reads thousands of operations per move.
        """
        machine = next(
            m.machine_id
            for m in self.modes
            if isinstance(m.present, int) or solution[m.present.index]
        )
        return ScheduledOperation(
            work_order_id=self.operation.work_order_id,
            step=self.operation.step,
            machine_id=machine,
            start=solution[self.start.index],
            end=solution[self.end.index],
        )


@dataclass
class OrderVars:
    """Completion-based figures of one order."""

    order: OrderPlan
    completion: cp_model.IntVar
    tardiness: cp_model.IntVar | None = None
    late: cp_model.IntVar | None = None


def add_hints(
    model: cp_model.CpModel,
    pairs: Iterable[tuple[cp_model.IntVar | cp_model.BoolVarT, int]],
) -> None:
    """Hint many variables at once (a complete hint lets CP-SAT start from it).

    One extend of the model's hint lists instead of a call per variable: a
    neighbourhood sub-model hints thousands of variables, and per-variable
    calls were about a tenth of the Python time of a move.
    """
    variables: list[int] = []
    values: list[int] = []
    for variable, value in pairs:
        if variable.index >= 0:
            variables.append(variable.index)
            values.append(int(value))
        else:  # a negated literal: hint its variable the other way
            variables.append(model.negated(variable.index))
            values.append(int(not value))
    hint = model.proto.solution_hint
    hint.vars.extend(variables)
    hint.values.extend(values)


def domain_bounds(variable: cp_model.IntVar) -> tuple[int, int]:
    """Lowest and highest value in a variable's domain.

    (The proto's repeated field has no negative indexing.)
    """
    domain = variable.proto.domain
    return domain[0], domain[len(domain) - 1]


def add_operation_vars(
    model: cp_model.CpModel,
    data: ProblemData,
    operations: list[Operation],
    earliest: list[int],
    tails: list[int],
    window: tuple[int, int] | None = None,
    keep_machine: dict[int, str] | None = None,
) -> dict[int, OperationVars]:
    """Create start/end and one optional interval per eligible machine.

    Domains are tight: an operation cannot start before its release, its
    predecessors' minimum durations and its material's first availability,
    and must leave room for the rest of its order before the horizon. In a
    neighbourhood sub-model, ``window`` narrows that to [begin, end) and
    ``keep_machine`` leaves some operations only their current machine.
    """
    begin, finish = window if window is not None else (0, data.horizon)
    result: dict[int, OperationVars] = {}
    for operation in operations:
        index = operation.index
        pinned = data.pinned.get(index)
        if pinned is not None:
            result[index] = _pinned_vars(model, operation, pinned)
            continue
        low = max(earliest[index], begin)
        high = max(low, min(data.horizon, finish) - tails[index])
        start = model.new_int_var(low, high, f"start_{index}")
        end = model.new_int_var(
            low + operation.min_duration, high + operation.max_duration, f"end_{index}"
        )
        vars_ = OperationVars(operation, start, end)
        modes = operation.modes
        if keep_machine and index in keep_machine:
            modes = tuple(m for m in modes if m.machine_id == keep_machine[index])
        single = len(modes) == 1
        for mode in modes:
            name = f"op{index}_{mode.machine_id}"
            if single:
                interval = model.new_fixed_size_interval_var(start, mode.duration, name)
                model.add(end == start + mode.duration)
                vars_.modes.append(
                    ModeVars(mode.machine_id, mode.duration, 1, interval)
                )
                continue
            present = model.new_bool_var(f"on_{name}")
            interval = model.new_optional_fixed_size_interval_var(
                start, mode.duration, present, name
            )
            model.add(end == start + mode.duration).only_enforce_if(present)
            vars_.modes.append(
                ModeVars(mode.machine_id, mode.duration, present, interval)
            )
        if not single:
            model.add_exactly_one(m.present for m in vars_.modes)  # type: ignore[misc]
        result[index] = vars_
    return result


def _pinned_vars(
    model: cp_model.CpModel, operation: Operation, pinned: ScheduledOperation
) -> OperationVars:
    """An operation that stays where it is: constants on its one machine."""
    # Fixed variables, not new_constant: CP-SAT shares constants by value, and a
    # hint naming one variable twice (two pinned starts alike) is invalid.
    start = model.new_int_var(pinned.start, pinned.start, f"start_{operation.index}")
    end = model.new_int_var(pinned.end, pinned.end, f"end_{operation.index}")
    vars_ = OperationVars(operation, start, end)
    interval = model.new_fixed_size_interval_var(
        pinned.start, pinned.end - pinned.start, f"pinned_{operation.index}"
    )
    duration = pinned.end - pinned.start
    vars_.modes.append(ModeVars(pinned.machine_id, duration, 1, interval))
    return vars_
