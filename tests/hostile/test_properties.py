"""Property-based fuzzing: random expressions and random documents either work or raise ModelError, never anything else."""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ormodel.compiler import compile_problem
from ormodel.errors import ModelError
from ormodel.expressions import parse_expression, parse_generators, parse_relation, to_text
from ormodel.io import problem_from_dict

from .corpus import BASE

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

NAMES = ["make", "profit", "hours", "available", "products", "plants", "p", "k", "x", "sum", "range", "abs", "min", "max", "exp"]
NUMBERS = ["0", "1", "2.5", "1e3", "1e999", "-3", "10**9", "0.0", "'doors'", "'plant1'", "nan", "inf"]
OPERATORS = ["+", "-", "*", "/", "**", "<=", ">=", "==", "<", "!=", " and ", " or ", " not ", " in ", " for ", " if ", ","]
TOKENS = st.sampled_from(NAMES + NUMBERS + OPERATORS + ["(", ")", "[", "]", " ", ":", ".", "lambda", "'", "\\x00"])


@st.composite
def expression_text(draw: Any) -> str:
    """Token soup, plus well-formed pieces of the grammar so that many texts parse."""
    leaves = st.sampled_from(["make[p]", "profit[p]", "hours[k,p]", "available[k]", "make['doors']", "2", "k", "p", "x", "1e999", "nan"])
    tree = st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(lambda parts: f"({parts[0]} {parts[1]} {parts[2]})"),
        inner.map(lambda body: f"sum({body} for p in products)"),
        inner.map(lambda body: f"sum({body} for k in plants if available[k] > 5)"),
        inner.map(lambda body: f"-{body}"),
        st.tuples(inner, inner).map(lambda parts: f"max({parts[0]}, {parts[1]})"),
        inner.map(lambda body: f"abs({body})"),
        inner.map(lambda body: f"sum({body} for t in range(0, 3))"),
    ), max_leaves=12)
    soup = st.lists(TOKENS, max_size=25).map("".join)
    return draw(st.one_of(tree, soup, st.tuples(tree, soup).map("".join), st.text(max_size=40)))


def _problem_with(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    document.update(changes)
    return document


@FUZZ
@given(expression_text())
def test_random_expressions_parse_or_raise_model_error(text: str) -> None:
    for parse in (parse_expression, parse_relation, parse_generators):
        try:
            parsed = parse(text)
        except ModelError:
            continue
        if not isinstance(parsed, tuple):
            assert isinstance(to_text(parsed), str)


@FUZZ
@given(expression_text(), expression_text())
def test_random_objectives_and_constraints_compile_or_raise_model_error(objective: str, constraint: str) -> None:
    document = _problem_with(objective={"sense": "minimize", "expression": objective},
                             constraints=[{"name": "c", "for": "k in plants", "expression": constraint + " <= 3"}])
    try:
        form = compile_problem(problem_from_dict(document))
    except ModelError:
        return
    assert all(math.isfinite(value) for value in form.objective)
    assert all(math.isfinite(value) for value in form.matrix.data)


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20), st.floats(allow_nan=True, allow_infinity=True),
                         st.text(max_size=8), st.sampled_from(["products", "plants", "make", "p in products", "inf", "nan", "x[p] <= 1"]))
KEYS = st.one_of(st.sampled_from(["sets", "parameters", "variables", "objective", "constraints", "index", "values", "rows", "default",
                                  "type", "lower", "upper", "sense", "expression", "name", "for", "when", "from", "to", "step",
                                  "members", "products", "plants", "make", "profit"]), st.text(max_size=6))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=5)),
                           max_leaves=25)


@FUZZ
@given(st.dictionaries(KEYS, JSON_VALUES, max_size=6))
def test_random_documents_validate_or_raise_model_error(document: dict[str, Any]) -> None:
    try:
        problem = problem_from_dict(document)
        compile_problem(problem)
    except ModelError:
        pass


@FUZZ
@given(st.sampled_from(["sets", "parameters", "variables", "objective", "constraints"]), JSON_VALUES)
def test_base_model_with_one_random_element_validates_or_raises_model_error(element: str, value: Any) -> None:
    try:
        compile_problem(problem_from_dict(_problem_with(**{element: value})))
    except ModelError:
        pass


@FUZZ
@given(st.sampled_from([("parameters", "profit", "values", "doors"), ("parameters", "available", "values", "plant2"),
                        ("variables", "make", "upper"), ("variables", "make", "lower"), ("sets", "products")]), JSON_VALUES)
def test_base_model_with_one_random_entry_validates_or_raises_model_error(path: tuple[str, ...], value: Any) -> None:
    document = copy.deepcopy(BASE)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        form = compile_problem(problem_from_dict(document))
    except ModelError:
        return
    assert all(math.isfinite(number) for number in form.objective)
