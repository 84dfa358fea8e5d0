"""mtosched: production scheduling for make-to-order factories on OR-Tools CP-SAT."""

from mtosched.domain import Instance, InstanceError
from mtosched.expand import ProblemData, expand
from mtosched.io.loaders import instance_from_dict, load_instance
from mtosched.model.params import SolverParams
from mtosched.solution import Objective, Result, Solution, SolveStatus
from mtosched.solve import solve

__all__ = [
    "Instance",
    "InstanceError",
    "Objective",
    "ProblemData",
    "Result",
    "Solution",
    "SolveStatus",
    "SolverParams",
    "expand",
    "instance_from_dict",
    "load_instance",
    "solve",
]
__version__ = "0.1.0"
