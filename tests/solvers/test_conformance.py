"""The shared conformance suite on every backend in CONFORMANCE_BACKENDS."""

from __future__ import annotations

import re

import pytest
from ormodel.solvers import get_backend
from ormodel.solvers.conformance import CASES, CONFORMANCE_BACKENDS, run_case


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@pytest.mark.parametrize("backend_name", CONFORMANCE_BACKENDS)
def test_backend_conforms(backend_name: str, case) -> None:
    try:
        backend = get_backend(backend_name)
    except ValueError as error:
        pytest.skip(str(error))
    outcome = run_case(backend, case)
    if outcome.skipped:
        pytest.skip(outcome.skipped)
    assert outcome.passed, f"{backend_name} / {case.name}: " + "; ".join(outcome.failures)


def test_every_case_runs_on_some_backend() -> None:
    """No case is skipped everywhere (a case nobody runs checks nothing)."""
    backends = [get_backend(name) for name in CONFORMANCE_BACKENDS]
    for case in CASES:
        assert any(case.needs in backend.capabilities for backend in backends), case.name


def test_a_wrong_answer_fails_the_suite() -> None:
    """The runner catches a backend that returns a wrong objective."""
    from ormodel.solvers.conformance import case_by_name

    from ormodel.result import Status

    highs = get_backend("highs")

    class WrongObjective:
        name = "wrong"
        capabilities = highs.capabilities

        def available(self) -> bool:
            return True

        def solve(self, model, options=None):
            result = highs.solve(model, options)
            if result.values is not None:
                result.values = result.values * 0.5
            return result

    outcome = run_case(WrongObjective(), case_by_name("lp_transportation"))
    assert not outcome.passed
    assert outcome.status == Status.OPTIMAL
    assert any("not feasible" in failure or "objective" in failure for failure in outcome.failures)


def test_wrong_duals_fail_the_suite() -> None:
    """On a backend that declares duals, duals that do not certify optimality are caught."""
    from ormodel.solvers.conformance import case_by_name

    highs = get_backend("highs")

    class WrongDuals:
        name = "wrong_duals"
        capabilities = highs.capabilities

        def available(self) -> bool:
            return True

        def solve(self, model, options=None):
            result = highs.solve(model, options)
            if result.row_duals is not None:
                result.row_duals = -result.row_duals
            return result

    assert run_case(highs, case_by_name("lp_transportation")).passed
    outcome = run_case(WrongDuals(), case_by_name("lp_transportation"))
    assert not outcome.passed
    assert any("stationarity" in failure for failure in outcome.failures)
    assert any("meet_demand[" in failure and "not at its upper bound" in failure for failure in outcome.failures)


def test_ignored_cp_constraints_fail_the_suite() -> None:
    """A backend that claims CP but drops the no-overlap constraint is caught by the case's own check."""
    from dataclasses import replace

    from ormodel.solvers.conformance import case_by_name

    cpsat = get_backend("cpsat")

    class DropsConstraints:
        name = "drops_cp"
        capabilities = cpsat.capabilities

        def available(self) -> bool:
            return True

        def solve(self, model, options=None):
            return cpsat.solve(model, replace(options, extra={}))

    outcome = run_case(DropsConstraints(), case_by_name("cp_no_overlap"))
    assert not outcome.passed
    assert any("overlap" in failure for failure in outcome.failures)
    assert any("expected 10" in failure for failure in outcome.failures)


@pytest.mark.parametrize("backend_name", CONFORMANCE_BACKENDS)
def test_backends_without_minlp_name_the_construct_before_solving(backend_name: str) -> None:
    """A backend that does not declare MINLP refuses each nonlinear case, naming the construct; none reaches the solver."""
    import ormodel as om
    from ormodel.solvers.base import Capability
    from ormodel.solvers.conformance import case_by_name

    try:
        backend = get_backend(backend_name)
    except ValueError as error:
        pytest.skip(str(error))
    if Capability.MINLP in backend.capabilities:
        pytest.skip(f"{backend_name} declares MINLP")
    for name, construct in (("minlp_exp", "exp(x)"), ("minlp_cubic", "x**3"), ("minlp_division", "4 / x"), ("minlp_sin_cos", "sin(x)")):

        class Refuses:
            """The backend, with a solve that must never run."""

            name = backend.name
            capabilities = backend.capabilities

            def available(self) -> bool:
                return True

            def solve(self, model, options=None):
                raise AssertionError("solve was reached")

        with pytest.raises(om.UnsupportedProblem, match=re.escape(f"{backend.name} cannot take {construct}")):
            om.solve(case_by_name(name).build(), solver=Refuses())


def test_a_wrong_point_fails_a_feasibility_case() -> None:
    """The only-point check of a feasibility case catches a backend that returns another point."""
    from ormodel.solvers.conformance import case_by_name

    highs = get_backend("highs")

    class Shifted:
        name = "shifted"
        capabilities = highs.capabilities

        def available(self) -> bool:
            return True

        def solve(self, model, options=None):
            result = highs.solve(model, options)
            result.values = result.values + 1.0
            return result

    outcome = run_case(Shifted(), case_by_name("milp_feasibility"))
    assert not outcome.passed and any("only feasible point" in failure for failure in outcome.failures)
