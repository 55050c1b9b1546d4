"""ormodel: operations-research models in five elements, solved on HiGHS, SCIP, CP-SAT or Pyomo.

Example:
    >>> import ormodel as om
    >>> result = om.solve("examples/transportation.yaml")  # doctest: +SKIP

The public names below load on first use (PEP 562), so ``import ormodel`` and the command line
start quickly; ``from ormodel import Model`` and ``om.solve`` work as usual.
"""

import importlib as _importlib
import logging as _logging
import os as _os
from typing import TYPE_CHECKING, Any

# In a source checkout, ``solvers/``, ``learned/``, ``datasets/`` and ``nl2opt/`` sit beside this
# package and install as ``ormodel.solvers`` and so on (see setup.py). When Python imports this
# folder straight from the checkout (``python -m ormodel`` in the repository root, or a strict
# editable install shadowed by the working directory), let the subpackages resolve from there too.
_checkout = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_checkout, "setup.py")) and _os.path.isdir(_os.path.join(_checkout, "solvers")):
    __path__.append(_checkout)  # type: ignore[name-defined]  # noqa: F821

__version__ = "0.1.0"

# Library messages go to the ``ormodel`` logger tree (``ormodel.solve``, ``ormodel.solvers.cpsat``, ...);
# they stay silent until the application configures logging (``logging.basicConfig(level="INFO")``).
_logging.getLogger(__name__).addHandler(_logging.NullHandler())

# Eager: the submodule ``ormodel.solve`` would otherwise shadow the function once anyone imports it.
from ormodel.solve import solve  # noqa: E402

_EXPORTS = {
    "ormodel.api": ("Expression", "IndexName", "Model", "Relation", "SetRef", "absolute", "cos", "exp", "log", "maximum", "minimum",
                    "sin", "sqrt", "sum"),
    "ormodel.compiler": ("compile_problem",),
    "ormodel.errors": ("ExpressionError", "Location", "ModelError", "OptionError", "OrmodelError", "SolverError",
                       "SolverNotAvailable", "UnsupportedProblem"),
    "ormodel.io": ("load", "save"),
    "ormodel.problem": ("Constraint", "Domain", "IndexSet", "Objective", "Parameter", "Problem", "Variable"),
    "ormodel.result": ("Conflict", "Limit", "PointStatus", "Ray", "Result", "Status", "Termination", "TerminationReason"),
    "ormodel.standard_form": ("NameMap", "Sense", "StandardForm"),
}
_ORIGIN = {name: module for module, names in _EXPORTS.items() for name in names}
_ORIGIN["compile"] = "ormodel.compiler"  # the verb users expect: ormodel.compile(problem)

if TYPE_CHECKING:
    from ormodel.api import (Expression, IndexName, Model, Relation, SetRef, absolute, cos, exp, log, maximum, minimum, sin, sqrt,
                             sum)
    from ormodel.compiler import compile_problem
    from ormodel.compiler import compile_problem as compile  # noqa: A001
    from ormodel.errors import (ExpressionError, Location, ModelError, OptionError, OrmodelError, SolverError,
                                SolverNotAvailable, UnsupportedProblem)
    from ormodel.io import load, save
    from ormodel.problem import Constraint, Domain, IndexSet, Objective, Parameter, Problem, Variable
    from ormodel.result import Conflict, Limit, PointStatus, Ray, Result, Status, Termination, TerminationReason
    from ormodel.standard_form import NameMap, Sense, StandardForm


def __getattr__(name: str) -> Any:
    module = _ORIGIN.get(name)
    if module is None:
        raise AttributeError(f"module 'ormodel' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), "compile_problem" if name == "compile" else name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ORIGIN))


__all__ = sorted(["__version__", "solve", *_ORIGIN])
