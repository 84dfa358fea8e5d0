"""Routing order and child-before-parent precedence.

Both are the same constraint: an operation starts at or after each of its
predecessors ends. The expansion already lists predecessors per operation (the
previous routing step, and the last operation of each child work order that the
step consumes). Releases are in the start variables' domains.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from ortools.sat.python import cp_model

from mtosched.expand import ProblemData
from mtosched.model.variables import OperationVars
from mtosched.solution import ScheduledOperation


def add_precedence_constraints(
    model: cp_model.CpModel, operations: dict[int, OperationVars]
) -> None:
    """start(successor) >= end(predecessor) for every listed predecessor."""
    for vars_ in operations.values():
        for pred in vars_.operation.predecessors:
            model.add(vars_.start >= operations[pred].end)


def add_sequence_constraints(
    model: cp_model.CpModel,
    data: ProblemData,
    operations: dict[int, OperationVars],
    sequenced: dict[int, ScheduledOperation],
) -> None:
    """Keep the current order of ``sequenced`` operations on capacity-1 machines.

    In a neighbourhood sub-model, operations around the freed ones may shift in
    time but keep their machine and their sequence: a chain of precedences the
    solver propagates easily, leaving it to decide where the freed work goes.
    """
    chains: dict[str, list[ScheduledOperation]] = defaultdict(list)
    for placed in sequenced.values():
        if data.capacity[placed.machine_id] == 1 and placed.end > placed.start:
            chains[placed.machine_id].append(placed)
    index_of = {
        (data.operations[i].work_order_id, data.operations[i].step): i
        for i in sequenced
    }
    for chain in chains.values():
        chain.sort(key=lambda p: (p.start, p.end))
        for before, after in pairwise(chain):
            first = operations[index_of[(before.work_order_id, before.step)]]
            second = operations[index_of[(after.work_order_id, after.step)]]
            model.add(second.start >= first.end)
