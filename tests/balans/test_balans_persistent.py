"""The persistent-model protocol: changes apply, solves see them, rollback restores the model exactly."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from ormodel.solvers.persistent import PersistentModel, open_persistent, persistent_backends

from ormodel.result import Status
from ormodel.standard_form import Sense


def _optimum(model: PersistentModel) -> float:
    result = model.solve(time_limit=20)
    assert result.status == Status.OPTIMAL
    return result.objective


def test_backends_listed() -> None:
    assert persistent_backends() == ["highs", "scip"]
    with pytest.raises(ValueError, match="no persistent model"):
        open_persistent(None, "gurobi")  # type: ignore[arg-type]


def test_bounds_rows_columns_objective_roll_back(knapsack_form, backend) -> None:
    model = open_persistent(knapsack_form, backend)
    assert isinstance(model, PersistentModel)
    original = _optimum(model)
    mark = model.checkpoint()

    # Fixing every item to zero leaves only y <= 2: objective 0.5 * 2.
    items = np.arange(knapsack_form.num_columns - 1)
    model.set_column_bounds(items, np.zeros(items.size), np.zeros(items.size))
    assert _optimum(model) == pytest.approx(1.0)
    model.rollback(mark)
    assert _optimum(model) == pytest.approx(original)

    # An added column and a row that uses it, then a replaced (minimised) objective.
    slack = model.add_columns(np.array([0.0]), np.array([0.0]), np.array([np.inf]), np.array([False]))
    assert slack.tolist() == [knapsack_form.num_columns]
    row = sp.csr_array(([1.0, 1.0], ([0, 0], [0, int(slack[0])])), shape=(1, knapsack_form.num_columns + 1))
    model.add_rows(row, np.array([3.0]), np.array([np.inf]))  # x_0 + slack >= 3
    objective = np.zeros(knapsack_form.num_columns + 1)
    objective[int(slack[0])] = 1.0
    model.set_objective(objective, Sense.MINIMIZE)
    result = model.solve(time_limit=20)
    assert result.values is not None and result.values.shape == (knapsack_form.num_columns,)
    assert result.objective == pytest.approx(2.0)  # x_0 = 1 (binary), slack = 2
    model.rollback(mark)
    assert model.checkpoint() == 0 and model.num_columns == knapsack_form.num_columns
    assert _optimum(model) == pytest.approx(original)


def test_relaxation_and_warm_start(knapsack_form, backend) -> None:
    model = open_persistent(knapsack_form, backend)
    integer = _optimum(model)
    mark = model.checkpoint()
    model.set_integrality(np.flatnonzero(knapsack_form.integrality), False)
    relaxed = model.solve(time_limit=20)
    assert relaxed.status == Status.OPTIMAL and relaxed.objective >= integer - 1e-6
    model.rollback(mark)
    start = np.zeros(knapsack_form.num_columns)
    result = model.solve(time_limit=20, warm_start=start)
    assert result.objective == pytest.approx(integer)
    assert knapsack_form.violations(result.values)["row"] <= 1e-6


def test_time_limit_returns_a_status(cover_form, backend) -> None:
    model = open_persistent(cover_form, backend)
    result = model.solve(time_limit=0.01)
    assert result.status in (Status.OPTIMAL, Status.TIME_LIMIT, Status.OTHER_LIMIT)
    assert result.seconds < 5
