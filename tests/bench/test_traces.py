"""Incumbent traces from solver events (HiGHS callback, SCIP event handler) and primal integrals from exact times."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
import scipy.sparse as sp
from ormodel.solvers.base import SolveOptions

from ormodel import StandardForm
from ormodel.bench.metrics import gap_curve, primal_integral
from ormodel.standard_form import Sense

from .conftest import small_set_cover


def _assert_valid_trace(trace: list[list[float]], objective: float, solve_time: float, sense: str) -> None:
    assert trace, "a MIP solved to optimality has at least one incumbent"
    times = [seconds for seconds, _ in trace]
    values = [value for _, value in trace]
    assert times == sorted(times) and 0.0 <= times[0] and times[-1] <= solve_time
    improving = all((later > earlier) if sense == "maximize" else (later < earlier) for earlier, later in itertools.pairwise(values))
    assert improving, f"each point strictly improves on the one before: {values}"
    assert values[-1] == pytest.approx(objective, rel=1e-9, abs=1e-9)


def _knapsack_with_offset(items: int, seed: int) -> StandardForm:
    """A maximising multi-row knapsack with an objective constant (sense and offset must reach the trace)."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(5, 40, (3, items)).astype(float)
    return StandardForm.from_arrays(
        objective=rng.integers(10, 60, items).astype(float), matrix=sp.csr_array(weights),
        row_lower=np.full(3, -np.inf), row_upper=weights.sum(axis=1) / 3, column_lower=np.zeros(items),
        column_upper=np.ones(items), integrality=np.ones(items, dtype=bool), sense=Sense.MAXIMIZE, objective_offset=250.0,
        name=f"knapsack{seed}",
    )


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_backend_records_incumbents_from_solver_events(solver: str) -> None:
    if solver == "scip":
        pytest.importorskip("pyscipopt")
    from ormodel.methods import run_method

    result = run_method(solver, small_set_cover(80, 160, 4), SolveOptions(threads=1, seed=0))
    assert result.status.value == "optimal"
    _assert_valid_trace(result.extra["trace"], result.objective, result.solve_time, "minimize")
    maximising = run_method(solver, _knapsack_with_offset(40, 1), SolveOptions(threads=1, seed=0))
    assert maximising.status.value == "optimal" and maximising.objective > 250.0
    _assert_valid_trace(maximising.extra["trace"], maximising.objective, maximising.solve_time, "maximize")


def test_scip_trace_of_a_raw_model_read_from_mps(tmp_path: object) -> None:
    pyscipopt = pytest.importorskip("pyscipopt")
    import time

    from ormodel.solvers.callbacks import trace_scip
    from ormodel.solvers.highs import write_model_file

    path = os.path.join(str(tmp_path), "cover.mps")
    write_model_file(small_set_cover(80, 160, 5), path)
    model = pyscipopt.Model()
    model.hideOutput()
    model.readProblem(path)
    model.setParam("parallel/maxnthreads", 1)
    started = time.perf_counter()
    incumbents = trace_scip(model, started)
    assert incumbents is not None
    model.optimize()
    _assert_valid_trace(incumbents.points, model.getObjVal(), time.perf_counter() - started, "minimize")
    assert trace_scip(model, started) is None  # a solved model takes no new plugins: no trace rather than an error


def test_primal_integral_of_a_hand_computed_trace() -> None:
    """Berthold's integral over exact (not 0.1 s-rounded) times, computed by hand.

    Minimisation, reference 100, horizon 5 s; incumbents 120 at 0.37 s, 105 at 2.0125 s, 100 at 3.5 s:
    γ = 1 on [0, 0.37), 20/120 on [0.37, 2.0125), 5/105 on [2.0125, 3.5), 0 after.
    """
    trace = [[0.37, 120.0], [2.0125, 105.0], [3.5, 100.0]]
    by_hand = 1.0 * 0.37 + (20 / 120) * (2.0125 - 0.37) + (5 / 105) * (3.5 - 2.0125) + 0.0 * (5.0 - 3.5)
    assert primal_integral(trace, 100.0, 5.0) == pytest.approx(by_hand, rel=1e-12)
    assert primal_integral(trace, 100.0, 5.0, normalize=True) == pytest.approx(by_hand / 5.0, rel=1e-12)
    curve = gap_curve(trace, 100.0, 5.0)
    assert [point[0] for point in curve] == [0.0, 0.37, 2.0125, 3.5]
    assert [point[1] for point in curve] == pytest.approx([1.0, 20 / 120, 5 / 105, 0.0])
    # A worse point after a better one changes nothing; a point past the horizon is not counted.
    noisy = trace[:2] + [[2.5, 110.0]] + trace[2:] + [[6.0, 90.0]]
    assert primal_integral(noisy, 100.0, 5.0) == pytest.approx(by_hand, rel=1e-12)
    # Maximisation: the same steps mirrored.
    mirrored = [[seconds, -value] for seconds, value in trace]
    assert primal_integral(mirrored, -100.0, 5.0, sense="maximize") == pytest.approx(by_hand, rel=1e-12)


def test_primal_integral_of_a_real_trace_matches_the_step_sum() -> None:
    """The integral of a HiGHS callback trace equals the sum of its steps, done by hand from the points."""
    from ormodel.methods import run_method

    result = run_method("highs", small_set_cover(80, 160, 6), SolveOptions(threads=1, seed=0))
    trace = result.extra["trace"]
    reference, horizon = result.objective, result.solve_time + 1.0
    steps = [(0.0, 1.0)] + [(seconds, abs(value - reference) / max(abs(value), abs(reference))) for seconds, value in trace]
    by_hand = sum(gap * ((steps[index + 1][0] if index + 1 < len(steps) else horizon) - start) for index, (start, gap) in enumerate(steps))
    assert primal_integral(trace, reference, horizon) == pytest.approx(by_hand, rel=1e-12, abs=1e-12)
