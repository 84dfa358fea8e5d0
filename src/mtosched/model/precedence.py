"""Routing order and child-before-parent precedence.

Both are the same constraint: an operation starts at or after each of its
predecessors ends. The expansion already lists predecessors per operation (the
previous routing step, and the last operation of each child work order that the
step consumes). Releases are in the start variables' domains.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from mtosched.model.variables import OperationVars


def add_precedence_constraints(
    model: cp_model.CpModel, operations: dict[int, OperationVars]
) -> None:
    """start(successor) >= end(predecessor) for every listed predecessor."""
    for vars_ in operations.values():
        for pred in vars_.operation.predecessors:
            model.add(vars_.start >= operations[pred].end)
