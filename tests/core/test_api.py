"""The Python front end builds the same Problem as a document."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ormodel as om
from ormodel.io import problem_to_dict


def test_operators_and_text_build_the_same_problem() -> None:
    with_operators = om.Model("m")
    items = with_operators.set("I", [1, 2, 3])
    weight = with_operators.parameter("w", items, [2, 3, 4])
    x = with_operators.variable("x", items, upper=1)
    i = items.index("i")
    with_operators.maximize(om.sum(weight[i] * x[i], over=i))
    with_operators.constrain("cap", om.sum(x[i], over=i) <= 2)
    with_operators.constrain("pair", x[i] + x[i] <= 1.5, for_each=i, where=i != 2)

    with_text = om.Model("m")
    with_text.set("I", [1, 2, 3])
    with_text.parameter("w", "I", [2, 3, 4])
    with_text.variable("x", "I", upper=1)
    with_text.maximize("sum(w[i] * x[i] for i in I)")
    with_text.constrain("cap", "sum(x[i] for i in I) <= 2")
    with_text.constrain("pair", "x[i] + x[i] <= 1.5", for_each="i in I if i != 2")

    assert problem_to_dict(with_operators.problem) == problem_to_dict(with_text.problem)
    assert with_operators.solve().objective == pytest.approx(with_text.solve().objective)


def test_mapping_parameters_ranges_and_helpers() -> None:
    model = om.Model("helpers")
    hours = model.set("T", range(1, 5))
    demand = model.parameter("demand", hours, {1: 3, 2: 5, 3: 2, 4: 4})
    level = model.variable("level", hours, lower=-math.inf)
    peak = model.variable("peak", lower=-math.inf)
    t = hours.index("t")
    model.minimize(peak + om.sum(om.absolute(level[t] - demand[t]), over=t))
    model.constrain("peak_def", peak >= level[t], for_each=t)
    model.constrain("smooth", level[t] - level[t - 1] <= 1, for_each=t, where=t > 1)
    result = model.solve()
    assert result.status == om.Status.OPTIMAL
    levels = result.array("level")
    assert np.all(np.diff(levels) <= 1 + 1e-7)
    assert result.objective == pytest.approx(levels.max() + np.abs(levels - [3, 5, 2, 4]).sum(), rel=1e-7)


def test_maximum_minimum_over_indices() -> None:
    model = om.Model("makespan")
    jobs = model.set("J", ["a", "b", "c"])
    length = model.parameter("length", jobs, [3, 5, 2])
    start = model.variable("start", jobs, upper=10)
    j = jobs.index("j")
    model.minimize(om.maximum(start[j] + length[j], over=j))
    model.constrain("order", start["b"] >= start["a"] + length["a"])
    assert model.solve().objective == pytest.approx(8.0)


def test_python_comparison_errors_are_clear() -> None:
    model = om.Model("m")
    items = model.set("I", [1])
    x = model.variable("x", items)
    with pytest.raises(TypeError, match="no truth value"):
        bool(x[1] + 1)
    with pytest.raises(om.ModelError, match="needs a comparison"):
        model.constrain("c", True)  # type: ignore[arg-type]


def test_warm_start_and_options() -> None:
    model = om.Model("warm")
    items = model.set("I", range(30))
    x = model.variable("x", items, domain="binary")
    i = items.index("i")
    model.parameter("v", items, np.arange(30) % 7 + 1)
    model.maximize("sum(v[i] * x[i] for i in I)")
    model.constrain("cap", om.sum(x[i], over=i) <= 10)
    start = np.zeros(30)
    start[:10] = 1
    result = model.solve(warm_start=start, time_limit=10, threads=1, seed=3, gap=0.0)
    assert result.status == om.Status.OPTIMAL
    assert result.objective == pytest.approx(sorted(np.arange(30) % 7 + 1)[-10:].__len__() and sum(sorted(np.arange(30) % 7 + 1)[-10:]))
    assert "ormodel-highs" not in result.log
    assert "HiGHS" in result.log
