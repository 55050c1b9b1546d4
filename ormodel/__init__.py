"""ormodel: operations-research models in five elements, solved on HiGHS, SCIP, CP-SAT or Pyomo.

Example:
    >>> import ormodel as om
    >>> result = om.solve("examples/transportation.yaml")  # doctest: +SKIP
"""

import os as _os

# In a source checkout, ``solvers/``, ``learned/``, ``datasets/`` and ``nl2opt/`` sit beside this
# package and install as ``ormodel.solvers`` and so on (see setup.py). When Python imports this
# folder straight from the checkout (``python -m ormodel`` in the repository root, or a strict
# editable install shadowed by the working directory), let the subpackages resolve from there too.
_checkout = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_checkout, "setup.py")) and _os.path.isdir(_os.path.join(_checkout, "solvers")):
    __path__.append(_checkout)  # type: ignore[name-defined]  # noqa: F821

from ormodel.api import Expression, IndexName, Model, Relation, SetRef, absolute, maximum, minimum, sum
from ormodel.compiler import compile_problem
from ormodel.errors import ExpressionError, Location, ModelError
from ormodel.io import load, save
from ormodel.problem import Constraint, Domain, IndexSet, Objective, Parameter, Problem, Variable
from ormodel.result import Conflict, Ray, Result, Status
from ormodel.solve import solve
from ormodel.standard_form import NameMap, Sense, StandardForm

compile = compile_problem  # noqa: A001 - the verb users expect: ormodel.compile(problem)

__version__ = "0.1.0"

__all__ = [
    "Conflict", "Constraint", "Domain", "Expression", "ExpressionError", "IndexName", "IndexSet", "Location", "Model",
    "ModelError", "NameMap", "Objective", "Parameter", "Problem", "Ray", "Relation", "Result", "Sense", "SetRef",
    "StandardForm", "Status", "Variable", "__version__", "absolute", "compile", "compile_problem", "load", "maximum",
    "minimum", "save", "solve", "sum",
]
