"""mtosched: production scheduling for make-to-order factories on OR-Tools CP-SAT."""

from mtosched.domain import Instance, InstanceError
from mtosched.expand import ProblemData, expand
from mtosched.io.loaders import instance_from_dict, load_instance

__all__ = [
    "Instance",
    "InstanceError",
    "ProblemData",
    "expand",
    "instance_from_dict",
    "load_instance",
]
__version__ = "0.1.0"
