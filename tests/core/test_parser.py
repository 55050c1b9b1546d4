"""The expression parser: good input round-trips, bad input gets a located message."""

from __future__ import annotations

import pytest

from ormodel.errors import ExpressionError
from ormodel.expressions import (
    Binary, Call, Compare, Index, Name, Reduce, generators_text, parse_expression, parse_generators, parse_relation, to_text,
)


@pytest.mark.parametrize(
    "text",
    [
        "sum(c[i] * x[i] for i in I)",
        "sum(cost[i,j] * x[i,j] for i in I for j in J if cost[i,j] > 0)",
        "a - (b - c) / (d * e)",
        "2 * x**2 + 3 * x * y",
        "-(x + y) * 2",
        "max(x[i] for i in I)",
        "abs(x - y) + min(a, b, c)",
        "sum(f[i,j] for (i, j) in ARCS if j == 'depot')",
        "sum(x[t - 1] for t in range(2, T + 1))",
    ],
)
def test_round_trip_is_stable(text: str) -> None:
    rendered = to_text(parse_expression(text))
    assert to_text(parse_expression(rendered)) == rendered


def test_tree_shape() -> None:
    node = parse_expression("sum(c[i] * x[i] for i in I if c[i] > 0)")
    assert isinstance(node, Reduce) and node.kind == "sum"
    assert isinstance(node.body, Binary) and node.body.op == "*"
    assert isinstance(node.body.left, Index) and node.body.left.name == "c"
    generator = node.generators[0]
    assert generator.targets == ("i",) and isinstance(generator.domain, Name) and generator.domain.id == "I"
    assert isinstance(generator.conditions[0], Compare)


def test_relation_and_range() -> None:
    relation = parse_relation("1 <= x + y <= 3")
    assert relation.ops == ("<=", "<=")
    assert isinstance(parse_relation("x >= 2"), Compare)


def test_generators_clause() -> None:
    generators = parse_generators("i in I, (j, k) in A if d[j] > 0")
    assert [generator.targets for generator in generators] == [("i",), ("j", "k")]
    assert generators[1].unpack
    assert generators_text(generators) == "i in I, (j, k) in A if d[j] > 0"


def test_string_members_are_constants_not_symbols() -> None:
    node = parse_expression("x['seattle', j]")
    assert isinstance(node, Index)
    assert to_text(node) == "x['seattle',j]"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ('__import__("os").system("ls")', "only the functions sum, min, max, abs", 1),
        ("x.real + 1", "'x.real' is not allowed in a model expression", 1),
        ("foo(3) + x", "unknown function 'foo'", 1),
        ("x[i] +* 3", "syntax error in expression", 7),
        ("lambda q: q", "is not allowed in a model expression", 1),
        ("sum(x[i] for i in I, j)", "syntax error", None),
        ("x[1:3]", "slices are not supported", 1),
        ("sum()", "sum() needs a generator", 1),
        ("sum(x, y)", "sum() needs a generator", 1),
        ("x < 3", "an objective is an expression, not a comparison", 1),
    ],
)
def test_bad_expressions_are_located(text: str, message: str, column: int | None) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert message in str(caught.value)
    if column is not None:
        assert caught.value.location.column == column


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x[i] != 2", "must compare with <=, >= or =="),
        ("1 < x > 0", "a range constraint reads lo <= expr <= hi"),
        ("x + y", "a constraint must compare"),
        ("1 <= x >= 0", "a range constraint reads lo <= expr <= hi"),
        ("x == y == z", "a range constraint reads"),
    ],
)
def test_bad_relations(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(")):
        parse_relation(text)


def test_no_code_execution_through_names() -> None:
    # Names are only looked up in the model; nothing from Python's namespace is reachable.
    node = parse_expression("__builtins__ + open")
    assert isinstance(node, Binary)
    assert isinstance(node.left, Name) and node.left.id == "__builtins__"


def test_call_nodes() -> None:
    node = parse_expression("abs(x) + exp(2)")
    assert isinstance(node, Binary) and isinstance(node.left, Call) and node.left.function == "abs"
