"""The registry: lazy registration, capabilities, and solver='auto' saying what it picked."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ormodel.solvers import (
    Capability,
    SolveOptions,
    backend_names,
    choose_backend,
    get_backend,
    required_capability,
    solve_auto,
)
from ormodel.solvers.conformance import case_by_name
from ormodel.solvers.cpsat import CpConstraints

from ormodel.result import Status


def test_importing_solvers_loads_no_optional_solver_package() -> None:
    code = "import sys, ormodel.solvers as s; s.backend_names(); print(sorted(m for m in ('pyscipopt', 'ortools', 'pyomo') if m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert output == "[]"


def test_registered_backends_and_capabilities() -> None:
    assert {"highs", "scip", "cpsat", "pyomo"} <= set(backend_names())
    assert Capability.MINLP in get_backend("scip").capabilities
    assert Capability.CP in get_backend("cpsat").capabilities
    with pytest.raises(ValueError, match="unknown solver"):
        get_backend("gurobi_but_misspelled")


@pytest.mark.parametrize(("case", "expected", "capability"), [
    ("lp_transportation", "highs", Capability.LP),
    ("milp_knapsack", "highs", Capability.MILP),
    ("miqp", "scip", Capability.MIQP),
    ("minlp_log", "scip", Capability.MINLP),
])
def test_auto_picks_by_problem_class_and_says_so(case: str, expected: str, capability: Capability) -> None:
    model = case_by_name(case).build()
    assert required_capability(model) == capability
    assert choose_backend(model).name == expected
    result = solve_auto(model)
    assert result.status == Status.OPTIMAL
    assert result.extra["auto_choice"]["backend"] == expected
    assert result.message.startswith(f"solver 'auto' chose {expected} for this {capability.value} problem")


def test_auto_with_cp_constraints_picks_cpsat() -> None:
    model = case_by_name("milp_fractional_coefficients").build()
    result = solve_auto(model, SolveOptions(extra={"cp_constraints": CpConstraints().all_different("x", "y")}))
    assert result.extra["auto_choice"]["backend"] == "cpsat"
    assert "skipped highs (no CP constraints)" in result.message
    assert result.status == Status.OPTIMAL and result.value("x") != result.value("y")


def test_highs_warm_start_by_name_reaches_the_solver() -> None:
    model = case_by_name("milp_knapsack").build()
    result = get_backend("highs").solve(model, SolveOptions(warm_start={"take[2]": 1, "take[4]": 1, "take[1]": 0, "take[3]": 0}))
    assert result.status == Status.OPTIMAL and result.objective == 21.0
    assert "Assessing feasibility of MIP" in result.log


def test_auto_with_its_own_preference_runs_the_post_solve_step() -> None:
    """A non-default preference still goes through ormodel.solve: CP-SAT's infeasible MIP gets the diagnosed IIS."""
    from ormodel.io import problem_from_dict

    pytest.importorskip("ortools")
    infeasible = problem_from_dict({
        "variables": {"x": {"upper": 3, "type": "integer"}, "y": {"upper": 3, "type": "integer"}},
        "objective": {"expression": "x + y"},
        "constraints": [{"name": "need", "expression": "x + y >= 10"}, {"name": "cap", "expression": "x - y <= 1"}],
    })
    result = solve_auto(infeasible, preference=("cpsat", "highs"))
    assert result.extra["auto_choice"]["backend"] == "cpsat"
    assert result.status == Status.INFEASIBLE
    assert result.conflict is not None and "need" in result.conflict.rows  # CP-SAT gives none itself
    assert {"compile", "solve", "post_solve"} <= set(result.timings)
    assert result.message.startswith("solver 'auto' chose cpsat")
