"""Ipopt through the one solve pipeline: a local optimum is LOCALLY_OPTIMAL, never OPTIMAL (skipped without casadi)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("casadi")

import ormodel as om
from ormodel.errors import OptionError, UnsupportedProblem
from ormodel.io import problem_from_dict
from ormodel.result import Limit, PointStatus, Status, TerminationReason

ROOT = Path(__file__).resolve().parents[2]

# min -(x - 0.2)^2 - (y - 0.3)^2 over the box [0, 1]^2 with x + y <= 1.5: concave, so every vertex of
# the feasible region is a local minimum; the global one is (1, 0) with -0.73, and (0, 1) gives -0.53.
CONCAVE_QP = {
    "variables": {"x": {"lower": 0, "upper": 1}, "y": {"lower": 0, "upper": 1}},
    "objective": {"sense": "min", "expression": "-(x - 0.2)**2 - (y - 0.3)**2"},
    "constraints": [{"name": "budget", "expression": "x + y <= 1.5"}],
}


def test_a_non_convex_qp_ends_at_a_local_optimum_that_a_global_solver_beats() -> None:
    problem = problem_from_dict(CONCAVE_QP)
    local = om.solve(problem, solver="ipopt", warm_start={"x": 0.05, "y": 0.95})
    assert local.status == Status.LOCALLY_OPTIMAL and local.raw_status == "Solve_Succeeded"
    assert local.termination.reason == TerminationReason.LOCALLY_OPTIMAL
    assert local.primal_status == PointStatus.FEASIBLE and local.status.is_success
    assert local.objective == pytest.approx(-0.53, abs=1e-6)
    assert local.value("x") == pytest.approx(0.0, abs=1e-6) and local.value("y") == pytest.approx(1.0, abs=1e-6)
    # Another start reaches the global optimum, which SCIP proves.
    other = om.solve(problem, solver="ipopt", warm_start={"x": 0.9, "y": 0.1})
    assert other.status == Status.LOCALLY_OPTIMAL and other.objective == pytest.approx(-0.73, abs=1e-6)
    pytest.importorskip("pyscipopt")
    proven = om.solve(problem, solver="scip")
    assert proven.status == Status.OPTIMAL and proven.objective == pytest.approx(-0.73, abs=1e-6)
    assert proven.objective < local.objective - 0.1


def test_an_lp_is_locally_optimal_at_the_simplex_optimum(examples_dir: Path) -> None:
    problem = om.load(examples_dir / "transportation.yaml")
    local = om.solve(problem, solver="ipopt", check=True)
    exact = om.solve(problem, solver="highs")
    assert local.status == Status.LOCALLY_OPTIMAL and exact.status == Status.OPTIMAL
    assert local.objective == pytest.approx(exact.objective, rel=1e-6)
    # Ipopt relaxes each bound by 1e-8 of its size (bound_relax_factor): 3.5e-6 on a row bound of 350.
    assert local.check is not None and local.check.max_violation < 1e-5
    assert local.iterations is not None and local.iterations > 0


def test_json_says_locally_optimal() -> None:
    result = om.solve(problem_from_dict(CONCAVE_QP), solver="ipopt", warm_start={"x": 0.05, "y": 0.95})
    payload = json.loads(result.to_json())
    assert payload["status"] == "locally_optimal"
    assert payload["termination"]["reason"] == "locally_optimal"
    assert payload["primal_status"] == "feasible_point"


def test_cli_solves_with_ipopt(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "concave.yaml"
    path.write_text(yaml.safe_dump(CONCAVE_QP))
    completed = subprocess.run([sys.executable, "-m", "ormodel", "solve", str(path), "--solver", "ipopt", "--json"],
                               capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["termination"]["reason"] == "locally_optimal" and payload["solver"] == "ipopt"


def test_iteration_limit_is_a_limit_with_its_kind() -> None:
    result = om.solve(problem_from_dict(CONCAVE_QP), solver="ipopt", extra={"max_iter": 1})
    assert result.status == Status.OTHER_LIMIT and result.limit == Limit.ITERATION
    assert result.termination.reason == TerminationReason.LIMIT and result.termination.limit == Limit.ITERATION


def test_infeasible_lp_is_a_result_with_a_conflict() -> None:
    document = {
        "variables": {"x": {"lower": 0, "upper": 4}, "y": {"lower": 0, "upper": 4}},
        "objective": {"sense": "max", "expression": "x + y"},
        "constraints": [{"name": "need", "expression": "x + y >= 10"}],
    }
    result = om.solve(problem_from_dict(document), solver="ipopt")
    assert result.status == Status.INFEASIBLE and result.values is None
    assert result.conflict is not None and "need" in result.conflict.rows


def test_unknown_option_names_the_closest_one() -> None:
    with pytest.raises(OptionError, match="Ipopt has no option 'max_iters'") as caught:
        om.solve(problem_from_dict(CONCAVE_QP), solver="ipopt", extra={"max_iters": 10})
    assert "'max_iter'" in (caught.value.hint or "")
    with pytest.raises(OptionError, match="rejected an option value"):
        om.solve(problem_from_dict(CONCAVE_QP), solver="ipopt", extra={"tol": "tight"})
    with pytest.raises(OptionError, match="ipopt has no threads option"):
        om.solve(problem_from_dict(CONCAVE_QP), solver="ipopt", threads=2)


def test_integer_variables_are_refused_not_relaxed() -> None:
    document = {"variables": {"n": {"type": "integer", "upper": 3}}, "objective": {"sense": "max", "expression": "n"},
                "constraints": [{"name": "cap", "expression": "2 * n <= 5"}]}
    with pytest.raises(UnsupportedProblem):
        om.solve(problem_from_dict(document), solver="ipopt")


def test_maximization_and_quadratic_sign() -> None:
    """max -(x-1)^2 - (y+2)^2 + 3 (concave: one maximum, at (1, -2) inside wide bounds)."""
    document = {"variables": {"x": {"lower": -5, "upper": 5}, "y": {"lower": -5, "upper": 5}},
                "objective": {"sense": "max", "expression": "-(x - 1)**2 - (y + 2)**2 + 3"}, "constraints": []}
    result = om.solve(problem_from_dict(document), solver="ipopt")
    assert result.status == Status.LOCALLY_OPTIMAL
    np.testing.assert_allclose(result.values, [1.0, -2.0], atol=1e-6)
    assert result.objective == pytest.approx(3.0, abs=1e-9)
