"""Builds the CP-SAT model of a problem, one constraint family at a time.

The order of the calls below is fixed: variables first (with domains from the
prepared data), then precedence, machine capacity and material. Objectives are
added by the solve driver, stage by stage.

The same builder makes the sub-models of the large-neighbourhood search: given
a :class:`FixedPart` (the rest of the schedule, frozen), only the freed orders
get variables, inside a time window, and the frozen operations enter as
constants: fixed intervals on the machines and known consumption of material.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from mtosched.collector import collector_paused
from mtosched.expand import Operation, OrderPlan, ProblemData
from mtosched.model.machine_capacity import add_machine_capacity_constraints
from mtosched.model.material import FrozenConsumption, add_material_constraints
from mtosched.model.objectives import (
    ObjectiveTerm,
    StabilityTerm,
    objective_term,
    stability_term,
)
from mtosched.model.precedence import (
    add_precedence_constraints,
    add_sequence_constraints,
)
from mtosched.model.variables import (
    OperationVars,
    OrderVars,
    add_hints,
    add_operation_vars,
    domain_bounds,
)
from mtosched.solution import Objective, ScheduledOperation, Solution


@dataclass
class FixedPart:
    """The frozen rest of a schedule around a neighbourhood.

    ``on_machines`` are frozen placements on the freed orders' machines inside
    the window; ``consumption`` is what every frozen operation consumes (its
    plant-wide running totals, see :class:`FrozenConsumption`); ``window``
    bounds where freed operations may be placed;
    ``floors`` are objective values the frozen orders already impose (for
    makespan and maximum lateness). ``sequenced`` operations (by index) belong
    to orders in the model but keep their machine and, on capacity-1 machines,
    their sequence: they may only shift in time.
    """

    on_machines: list[tuple[Operation, ScheduledOperation]]
    consumption: FrozenConsumption
    window: tuple[int, int]
    floors: dict[Objective, int]
    sequenced: dict[int, ScheduledOperation] = field(default_factory=dict)


class ScheduleModel:
    """The CP-SAT model for a set of orders, with its variables."""

    def __init__(
        self,
        data: ProblemData,
        orders: list[OrderPlan],
        fixed: FixedPart | None = None,
    ) -> None:
        with collector_paused():
            self._build(data, orders, fixed)
        self._terms: dict[Objective, ObjectiveTerm] = {}
        self._stability: StabilityTerm | None = None

    def _build(
        self, data: ProblemData, orders: list[OrderPlan], fixed: FixedPart | None
    ) -> None:
        self.data = data
        self.fixed = fixed
        self.model = cp_model.CpModel()
        members = sorted(i for order in orders for i in order.operations)
        operations = [data.operations[i] for i in members]
        on_machines = fixed.on_machines if fixed is not None else []
        consumption = fixed.consumption if fixed is not None else None
        window = fixed.window if fixed is not None else None
        sequenced = fixed.sequenced if fixed is not None else {}
        # 1. variables: start/end per operation, an optional interval per machine
        self.operations: dict[int, OperationVars] = add_operation_vars(
            self.model,
            data,
            operations,
            data.earliest_starts(),
            data.tails(),
            window,
            {i: placed.machine_id for i, placed in sequenced.items()},
        )
        # 2. routing order and child work orders before their consuming step;
        #    in a neighbourhood, the kept sequence of the operations around it
        add_precedence_constraints(self.model, self.operations)
        add_sequence_constraints(self.model, data, self.operations, sequenced)
        # 3. machine capacity (no-overlap / cumulative) and downtime
        add_machine_capacity_constraints(self.model, data, self.operations, on_machines)
        # 4. material: consumption never ahead of stock + receipts
        add_material_constraints(self.model, data, self.operations, consumption)
        self.orders = [
            OrderVars(order, self.operations[order.final_operation].end)
            for order in orders
        ]

    def term(self, objective: Objective) -> ObjectiveTerm:
        """The (cached) expression of an objective."""
        if objective not in self._terms:
            floor = self.fixed.floors.get(objective) if self.fixed else None
            self._terms[objective] = objective_term(
                self.model, objective, self.orders, self.operations, floor
            )
        return self._terms[objective]

    def stability(self, reference: Solution) -> cp_model.LinearExprT:
        """Distance from a previous plan (see :func:`stability_term`)."""
        self._stability = stability_term(
            self.model, self.operations, reference.by_key()
        )
        return self._stability.expression

    def total_completion(self) -> cp_model.LinearExprT:
        """Sum of all operation ends: the compactness tie-break."""
        return sum(v.end for v in self.operations.values())

    def hint(self, solution: Solution) -> None:
        """Replace hints with a complete schedule.

        The objective's own variables (tardiness, late flags, makespan or
        maximum lateness) are hinted too, with the values the schedule gives
        them: only a hint of every variable lets CP-SAT take it as a solution
        at once instead of searching to complete it. Create the objective
        terms (:meth:`term`, :meth:`stability`) before hinting.
        """
        placed = solution.by_key()
        placement = {}
        for index, vars_ in self.operations.items():
            found = placed.get((vars_.operation.work_order_id, vars_.operation.step))
            if found is not None:
                placement[index] = found
        self.hint_placements(placement)

    def hint_placements(self, placement: Mapping[int, ScheduledOperation]) -> None:
        """:meth:`hint` from placements by operation index.

        ``placement`` may cover more than the model (a whole plant's index in
        a neighbourhood move): only the model's operations are read.
        """
        self.model.clear_hints()
        pairs: list[tuple[cp_model.IntVar, int]] = []
        for index, vars_ in self.operations.items():
            found = placement.get(index)
            if found is not None:
                pairs += vars_.hints(found)
        if self._stability is not None:
            for shift, vars_, previous_start in self._stability.shifts:
                found = placement.get(vars_.operation.index)
                if found is not None:
                    pairs.append((shift, abs(found.start - previous_start)))
        add_hints(self.model, pairs)
        completions = [
            (order_vars, placement[order_vars.order.final_operation].end)
            for order_vars in self.orders
            if order_vars.order.final_operation in placement
        ]
        if len(completions) == len(self.orders):
            self._hint_objective_vars(completions)

    def _hint_objective_vars(self, completions: list[tuple[OrderVars, int]]) -> None:
        """Objective variables from known completions (see :meth:`hint`)."""
        pairs: list[tuple[cp_model.IntVar, int]] = []
        for order_vars, end in completions:
            lateness = end - order_vars.order.due
            if order_vars.tardiness is not None:
                pairs.append((order_vars.tardiness, max(0, lateness)))
            if order_vars.late is not None:
                pairs.append((order_vars.late, int(lateness > 0)))
        add_hints(self.model, pairs)
        for objective, term in self._terms.items():
            if not isinstance(term.expression, cp_model.IntVar):
                continue  # a sum of hinted variables
            if objective is Objective.makespan:
                value = max((end for _, end in completions), default=0)
            elif objective is Objective.max_lateness:
                value = max((end - o.order.due for o, end in completions), default=0)
            else:
                continue
            low = domain_bounds(term.expression)[0]  # a floor from frozen orders
            self.model.add_hint(term.expression, max(low, value))

    def extract(self, solver: cp_model.CpSolver) -> list[ScheduledOperation]:
        """The placements of the model's operations in the solver's solution."""
        return list(self.placements(solver).values())

    def placements(self, solver: cp_model.CpSolver) -> dict[int, ScheduledOperation]:
        """:meth:`extract` by operation index."""
        solution = list(solver.response_proto.solution)
        return {i: vars_.extract(solution) for i, vars_ in self.operations.items()}
