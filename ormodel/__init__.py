"""ormodel: operations-research models in five elements, solved on HiGHS, SCIP, CP-SAT or Pyomo."""

from ormodel.result import Conflict, Ray, Result, Status
from ormodel.standard_form import NameMap, Sense, StandardForm

__version__ = "0.1.0"

__all__ = ["Conflict", "NameMap", "Ray", "Result", "Sense", "StandardForm", "Status", "__version__"]
