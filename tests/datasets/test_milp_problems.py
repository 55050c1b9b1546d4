"""Generated MILP instances as five-element Problems: same rows, columns and coefficients as the matrix form."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from ormodel.datasets import milp
from ormodel.datasets.milp.problems import to_problem

from ormodel.compiler import compile_problem
from ormodel.io import load
from ormodel.problem import Problem
from ormodel.solve import solve
from ormodel.standard_form import StandardForm

SMALL: dict[str, dict[str, Any]] = {
    "setcover": {"n_rows": 60, "n_cols": 60},
    "cauctions": {"n_items": 20, "n_bids": 60},
    "facility": {"n_customers": 8, "n_facilities": 5},
    "indset": {"n_nodes": 40},
    "vertexcover": {"n_nodes": 40},
    "mknapsack": {"n_items": 12, "n_knapsacks": 3},
    "gisp": {"n_nodes": 15},
}


def _by_name(form: StandardForm) -> tuple[Any, ...]:
    """Everything about a form keyed by row/column labels, so two forms compare independent of order."""
    rows = form.names.row_labels(form.num_rows)
    columns = form.names.column_labels(form.num_columns)
    matrix = form.matrix.tocoo()
    entries = {(rows[row], columns[column]): float(value) for row, column, value in zip(matrix.row, matrix.col, matrix.data) if value}
    return (
        entries,
        dict(zip(columns, form.objective.tolist())),
        dict(zip(rows, zip(form.row_lower.tolist(), form.row_upper.tolist()))),
        dict(zip(columns, zip(form.column_lower.tolist(), form.column_upper.tolist(), form.integrality.tolist()))),
        form.sense,
    )


@pytest.mark.parametrize("family", milp.FAMILIES)
def test_problem_compiles_to_the_generated_form(family: str) -> None:
    form = milp.generate(family, "easy", 1, **SMALL[family])
    problem = to_problem(form)
    assert isinstance(problem, Problem) and problem.name == form.name
    assert problem.sets and problem.variables and problem.constraints and problem.objective is not None
    assert _by_name(compile_problem(problem)) == _by_name(form)


def test_full_easy_level_problem_matches_for_the_gasse_families() -> None:
    for family in ("setcover", "cauctions", "facility", "indset"):
        form = milp.generate(family, "easy", 0)
        assert _by_name(compile_problem(milp.generate_problem(family, "easy", 0))) == _by_name(form), family


def test_problem_reads_like_the_model() -> None:
    problem = milp.generate_problem("facility", "easy", 0, n_customers=4, n_facilities=3)
    assert sorted(problem.parameters) == ["capacity", "demand", "fixed_cost", "transport_cost"]
    assert [constraint.name for constraint in problem.constraints] == ["demand", "capacity", "total_capacity", "tightening"]
    cover = milp.generate_problem("setcover", "easy", 0, n_rows=60, n_cols=60)
    assert cover.sets["covers"].dimen == 2 and cover.sets["covers"].size == 180


def test_yaml_files_are_reproducible_and_load_back(tmp_path: Path) -> None:
    first = milp.write_instances("indset", "easy", [3], tmp_path / "a", file_format="yaml", n_nodes=30)
    again = milp.write_instances("indset", "easy", [3], tmp_path / "b", file_format="yaml", n_nodes=30)
    assert first[0].name == "indset-easy-n_nodes30-s3.yaml"
    assert hashlib.sha256(first[0].read_bytes()).digest() == hashlib.sha256(again[0].read_bytes()).digest()
    loaded = load(first[0])
    assert isinstance(loaded, Problem)
    assert _by_name(compile_problem(loaded)) == _by_name(milp.generate("indset", "easy", 3, n_nodes=30))


def test_problem_and_form_have_the_same_optimum(tmp_path: Path) -> None:
    (path,) = milp.write_instances("mknapsack", "easy", [0], tmp_path, file_format="json", n_items=15, n_knapsacks=3)
    from_file = solve(load(path), solver="highs", threads=1, time_limit=60)
    from_form = solve(milp.generate("mknapsack", "easy", 0, n_items=15, n_knapsacks=3), solver="highs", threads=1, time_limit=60)
    assert from_file.objective == pytest.approx(from_form.objective)
    assert from_file.values_by_name().keys() == from_form.values_by_name().keys()


def test_bad_format_and_family() -> None:
    with pytest.raises(ValueError, match="unknown instance format 'xlsx'; choose one of mps, lp, yaml, json"):
        milp.write_instances("gisp", "easy", [0], "unused", file_format="xlsx")
    form = milp.generate("gisp", "easy", 0, n_nodes=10)
    with pytest.raises(ValueError, match="unknown MILP family 'tsp'"):
        to_problem(form, "tsp")
