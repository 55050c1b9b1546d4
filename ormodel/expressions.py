"""The expression language of objectives and constraints: parsed, never evaluated as code.

Text such as ``sum(cost[i,j] * x[i,j] for i in I for j in J if cost[i,j] > 0)`` is read with
Python's ``ast`` parser and turned into the small node tree below; any construct outside the
whitelist (attribute access, lambdas, calls of unknown functions, strings used as code, …) is an
:class:`~ormodel.errors.ExpressionError` pointing at the column where it stands. The same nodes
are what the Python API builds with operators, so both front ends produce one Problem.

Grammar (informally)::

    expr      := number | name | name[expr, ...] | -expr | expr (+ - * / **) expr
               | sum(expr for targets in domain [if cond] ...)
               | min(expr, expr, ...) | max(...) | abs(expr) | min/max(expr for ...)
               | exp(expr) | log(expr) | sqrt(expr) | sin(expr) | cos(expr)
    targets   := name | (name, name, ...)
    domain    := SetName | range(expr, expr)
    relation  := expr (<= | >= | ==) expr | expr <= expr <= expr
    cond      := expr (< <= > >= == !=) expr | targets in SetName | not cond | cond and/or cond

Example:
    >>> node = parse_expression("sum(c[i] * x[i] for i in I)")
    >>> to_text(node)
    'sum(c[i] * x[i] for i in I)'
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator, Union

from ormodel.errors import ExpressionError, Location

__all__ = [
    "Node", "Const", "Name", "Index", "TupleValue", "Unary", "Binary", "Generator", "Reduce", "Call", "Compare",
    "BoolOp", "Not", "RangeDomain", "parse_expression", "parse_relation", "parse_generators",
    "to_text", "generators_text", "walk", "LINEARIZABLE_FUNCTIONS", "NONLINEAR_FUNCTIONS",
]

LINEARIZABLE_FUNCTIONS = ("abs", "min", "max")
NONLINEAR_FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos")
_COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in"}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}


@dataclass(frozen=True)
class Node:
    """Base of all expression nodes; ``column`` is the 1-based position in the source text."""

    column: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class Const(Node):
    """A number, or a quoted text member such as ``'seattle'``."""

    value: float | str


@dataclass(frozen=True)
class Name(Node):
    """A bare symbol: an index, a scalar parameter or a scalar variable."""

    id: str


@dataclass(frozen=True)
class Index(Node):
    """``name[item, ...]``: an indexed parameter or variable."""

    name: str
    items: tuple[Node, ...]


@dataclass(frozen=True)
class TupleValue(Node):
    """``(a, b)``: a tuple of index values, only for membership tests ``(i, j) in A``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    """``-operand``."""

    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """``left op right`` with op in ``+ - * / **``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class RangeDomain(Node):
    """``range(start, stop)`` with Python's meaning (``stop`` excluded)."""

    start: Node
    stop: Node


@dataclass(frozen=True)
class Generator(Node):
    """``for targets in domain [if condition]``; ``unpack`` is False for ``for e in A`` over tuples."""

    targets: tuple[str, ...]
    domain: Union[Name, RangeDomain]
    conditions: tuple[Node, ...] = ()
    unpack: bool = True


@dataclass(frozen=True)
class Reduce(Node):
    """``sum``/``min``/``max`` of ``body`` over generators."""

    kind: str
    body: Node
    generators: tuple[Generator, ...]


@dataclass(frozen=True)
class Call(Node):
    """``abs``, ``min``/``max`` of explicit arguments, or a nonlinear function."""

    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Compare(Node):
    """A (possibly chained) comparison: ``operands[0] ops[0] operands[1] ...``."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class BoolOp(Node):
    """``and`` / ``or`` of conditions."""

    op: str
    values: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    """``not condition``."""

    operand: Node


def _error(message: str, node: ast.AST | None, text: str, hint: str | None = None) -> ExpressionError:
    column = getattr(node, "col_offset", None)
    return ExpressionError(message, Location(column=None if column is None else column + 1, text=text), hint)


class _Reader:
    """Turns a Python ``ast`` tree into expression nodes, rejecting everything else."""

    def __init__(self, text: str) -> None:
        self.text = text

    def node(self, tree: ast.AST) -> Node:
        column = getattr(tree, "col_offset", -1) + 1
        if isinstance(tree, ast.Constant):
            if isinstance(tree.value, bool) or not isinstance(tree.value, (int, float)):
                if isinstance(tree.value, str):
                    return Const(tree.value, column=column)
                raise _error(f"unsupported constant {tree.value!r}", tree, self.text)
            return Const(float(tree.value), column=column)
        if isinstance(tree, ast.Name):
            return Name(tree.id, column=column)
        if isinstance(tree, ast.Subscript):
            if not isinstance(tree.value, ast.Name):
                raise _error("only named parameters and variables can be indexed", tree, self.text)
            items = tree.slice.elts if isinstance(tree.slice, ast.Tuple) else [tree.slice]
            if any(isinstance(item, ast.Slice) for item in items):
                raise _error(f"slices are not supported in {tree.value.id}[...]; use a sum over a set", tree, self.text)
            return Index(tree.value.id, tuple(self.node(item) for item in items), column=column)
        if isinstance(tree, ast.UnaryOp):
            if isinstance(tree.op, ast.USub):
                return Unary(self.node(tree.operand), column=column)
            if isinstance(tree.op, ast.UAdd):
                return self.node(tree.operand)
            if isinstance(tree.op, ast.Not):
                return Not(self.node(tree.operand), column=column)
            raise _error("unsupported unary operator", tree, self.text)
        if isinstance(tree, ast.BinOp):
            operator = _OPERATORS.get(type(tree.op))
            if operator is None:
                raise _error(f"unsupported operator {type(tree.op).__name__}", tree, self.text, "use + - * / or **")
            return Binary(operator, self.node(tree.left), self.node(tree.right), column=column)
        if isinstance(tree, ast.Compare):
            ops = []
            for op in tree.ops:
                symbol = _COMPARISONS.get(type(op))
                if symbol is None:
                    raise _error("unsupported comparison", tree, self.text)
                ops.append(symbol)
            operands = (self.node(tree.left), *(self.node(item) for item in tree.comparators))
            return Compare(tuple(ops), operands, column=column)
        if isinstance(tree, ast.BoolOp):
            return BoolOp("and" if isinstance(tree.op, ast.And) else "or", tuple(self.node(value) for value in tree.values), column=column)
        if isinstance(tree, ast.Call):
            return self.call(tree)
        if isinstance(tree, ast.Tuple):
            return TupleValue(tuple(self.node(item) for item in tree.elts), column=column)
        if isinstance(tree, ast.List):
            raise _error("a tuple is not a value here; tuples only index or follow 'for'", tree, self.text)
        if isinstance(tree, (ast.GeneratorExp, ast.ListComp)):
            raise _error("a generator must be the argument of sum, min or max", tree, self.text)
        raise _error(f"'{ast.unparse(tree)}' is not allowed in a model expression", tree, self.text,
                     "expressions may use numbers, names, indexing, + - * / **, sum/min/max/abs and comparisons")

    def call(self, tree: ast.Call) -> Node:
        column = tree.col_offset + 1
        if not isinstance(tree.func, ast.Name):
            raise _error("only the functions sum, min, max, abs, exp, log, sqrt, sin, cos can be called", tree, self.text)
        function = tree.func.id
        if tree.keywords:
            raise _error(f"{function}() takes no keyword arguments", tree, self.text)
        if function in ("sum", "min", "max") and len(tree.args) == 1 and isinstance(tree.args[0], (ast.GeneratorExp, ast.ListComp)):
            comprehension = tree.args[0]
            return Reduce(function, self.node(comprehension.elt), self.generators(comprehension.generators), column=column)
        if function == "sum":
            if len(tree.args) == 1 and isinstance(tree.args[0], (ast.List, ast.Tuple)):
                return self._sum_of(tree.args[0].elts, tree)
            raise _error("sum() needs a generator, e.g. sum(x[i] for i in I)", tree, self.text)
        if function in ("min", "max"):
            arguments = tree.args[0].elts if len(tree.args) == 1 and isinstance(tree.args[0], (ast.List, ast.Tuple)) else tree.args
            if len(arguments) < 2:
                raise _error(f"{function}() needs two or more arguments or a generator", tree, self.text)
            return Call(function, tuple(self.node(argument) for argument in arguments), column=column)
        if function == "abs" or function in NONLINEAR_FUNCTIONS:
            if len(tree.args) != 1:
                raise _error(f"{function}() takes exactly one argument", tree, self.text)
            return Call(function, (self.node(tree.args[0]),), column=column)
        if function == "range":
            raise _error("range(...) can only follow 'in' in a generator", tree, self.text)
        raise _error(f"unknown function {function!r}", tree, self.text,
                     "available: sum, min, max, abs, exp, log, sqrt, sin, cos")

    def _sum_of(self, elements: list[ast.expr], tree: ast.AST) -> Node:
        if not elements:
            return Const(0.0, column=getattr(tree, "col_offset", 0) + 1)
        total = self.node(elements[0])
        for element in elements[1:]:
            total = Binary("+", total, self.node(element), column=total.column)
        return total

    def generators(self, comprehensions: list[ast.comprehension]) -> tuple[Generator, ...]:
        result = []
        for comprehension in comprehensions:
            if comprehension.is_async:
                raise _error("async generators are not allowed", comprehension.target, self.text)
            target = comprehension.target
            targets: tuple[str, ...]
            if isinstance(target, ast.Name):
                targets, unpack = (target.id,), False
            elif isinstance(target, ast.Tuple) and all(isinstance(item, ast.Name) for item in target.elts):
                targets, unpack = tuple(item.id for item in target.elts if isinstance(item, ast.Name)), True
            else:
                raise _error("a generator's target must be a name or a tuple of names", target, self.text)
            domain = self.domain(comprehension.iter)
            conditions = tuple(self.node(condition) for condition in comprehension.ifs)
            result.append(Generator(targets, domain, conditions, unpack, column=target.col_offset + 1))
        return tuple(result)

    def domain(self, tree: ast.expr) -> Union[Name, RangeDomain]:
        column = tree.col_offset + 1
        if isinstance(tree, ast.Name):
            return Name(tree.id, column=column)
        if isinstance(tree, ast.Constant) and isinstance(tree.value, str):
            return Name(tree.value, column=column)
        if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "range" and not tree.keywords:
            if len(tree.args) == 1:
                return RangeDomain(Const(0.0, column=column), self.node(tree.args[0]), column=column)
            if len(tree.args) == 2:
                return RangeDomain(self.node(tree.args[0]), self.node(tree.args[1]), column=column)
        raise _error("a generator runs over a set name or range(start, stop)", tree, self.text)


def _parse(text: str, what: str) -> ast.expr:
    if not isinstance(text, str):
        raise ExpressionError(f"{what} must be text, got {type(text).__name__}")
    stripped = " ".join(text.split())
    if not stripped:
        raise ExpressionError(f"{what} is empty")
    try:
        return ast.parse(stripped, mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(
            f"syntax error in {what}: {error.msg}", Location(column=error.offset, text=stripped),
            "check brackets and operators; write x[i,j], sum(... for i in I), <=, >=, ==",
        ) from None


def _normalized(text: str) -> str:
    return " ".join(text.split())


def parse_expression(text: str) -> Node:
    """Parse an objective or sub-expression."""
    tree = _parse(text, "expression")
    node = _Reader(_normalized(text)).node(tree)
    if isinstance(node, (Compare, BoolOp, Not)):
        raise ExpressionError("an objective is an expression, not a comparison", Location(column=1, text=_normalized(text)))
    return node


def parse_relation(text: str) -> Compare:
    """Parse a constraint body: ``lhs <= rhs``, ``lhs >= rhs``, ``lhs == rhs`` or ``lo <= expr <= hi``."""
    tree = _parse(text, "constraint")
    node = _Reader(_normalized(text)).node(tree)
    if not isinstance(node, Compare) or any(op not in ("<=", ">=", "==") for op in node.ops):
        raise ExpressionError(
            "a constraint must compare with <=, >= or == (strict < and > are not allowed)",
            Location(column=1, text=_normalized(text)), "e.g. sum(x[i,j] for j in J) <= capacity[i]",
        )
    if len(node.ops) == 2 and not (node.ops[0] == node.ops[1] and node.ops[0] in ("<=", ">=")):
        raise ExpressionError("a range constraint reads lo <= expr <= hi (or hi >= expr >= lo)", Location(column=1, text=_normalized(text)))
    if len(node.ops) > 2:
        raise ExpressionError("at most two comparisons in one constraint", Location(column=1, text=_normalized(text)))
    return node


def parse_generators(text: str) -> tuple[Generator, ...]:
    """Parse a constraint family's ``for`` clause: ``i in I, j in J if a[i,j] > 0``."""
    if not isinstance(text, str) or not text.strip():
        return ()
    stripped = _normalized(text)
    source = stripped if stripped.startswith("for ") else "for " + stripped
    pieces = [piece.strip() for piece in _split_top_level(source[4:])]
    source = "for " + " for ".join(pieces)
    try:
        tree = ast.parse(f"[0 {source}]", mode="eval").body
    except SyntaxError as error:
        offset = None if error.offset is None else max(error.offset - 7, 1)
        raise ExpressionError(f"syntax error in 'for' clause: {error.msg}", Location(column=offset, text=stripped),
                              "write e.g. 'i in I, j in J' or '(i, j) in ARCS if cost[i,j] > 0'") from None
    assert isinstance(tree, ast.ListComp)
    return _Reader(source).generators(tree.generators)


def _split_top_level(text: str) -> list[str]:
    """Split ``i in I, j in J`` on commas outside brackets; keep ``(i, j) in A`` whole."""
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    for character in text:
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        if character == "," and depth == 0:
            pieces.append("".join(current))
            current = []
            continue
        current.append(character)
    pieces.append("".join(current))
    merged: list[str] = []
    for piece in pieces:
        stripped = piece.strip()
        if stripped.startswith("for "):
            stripped = stripped[4:]
        merged.append(stripped)
    return [piece for piece in merged if piece]


def walk(node: Node) -> Iterator[Node]:
    """All nodes of a tree, parents first."""
    yield node
    if isinstance(node, (Index, TupleValue)):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Reduce):
        for generator in node.generators:
            yield from walk(generator)
        yield from walk(node.body)
    elif isinstance(node, Generator):
        yield from walk(node.domain)
        for condition in node.conditions:
            yield from walk(condition)
    elif isinstance(node, RangeDomain):
        yield from walk(node.start)
        yield from walk(node.stop)
    elif isinstance(node, (Call,)):
        for argument in node.args:
            yield from walk(argument)
    elif isinstance(node, Compare):
        for operand in node.operands:
            yield from walk(operand)
    elif isinstance(node, BoolOp):
        for value in node.values:
            yield from walk(value)
    elif isinstance(node, Not):
        yield from walk(node.operand)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def to_text(node: Node, parent_precedence: int = 0) -> str:
    """Render a node tree back to the expression language."""
    if isinstance(node, Const):
        return repr(node.value) if isinstance(node.value, str) else _number(node.value)
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Index):
        return f"{node.name}[{', '.join(to_text(item) for item in node.items)}]".replace(", ", ",")
    if isinstance(node, TupleValue):
        return f"({', '.join(to_text(item) for item in node.items)})"
    if isinstance(node, Unary):
        text = "-" + to_text(node.operand, 3)
        return f"({text})" if parent_precedence > 2 else text
    if isinstance(node, Binary):
        precedence = _PRECEDENCE[node.op]
        right_precedence = precedence + 1 if node.op in ("-", "/") else precedence
        left = to_text(node.left, precedence + (1 if node.op == "**" else 0))
        right = to_text(node.right, right_precedence)
        text = f"{left}{node.op}{right}" if node.op == "**" else f"{left} {node.op} {right}"
        return f"({text})" if precedence < parent_precedence else text
    if isinstance(node, Reduce):
        return f"{node.kind}({to_text(node.body)} {' '.join(_generator_text(generator) for generator in node.generators)})"
    if isinstance(node, Call):
        return f"{node.function}({', '.join(to_text(argument) for argument in node.args)})"
    if isinstance(node, Compare):
        parts = [to_text(node.operands[0])]
        for op, operand in zip(node.ops, node.operands[1:]):
            parts.append(f"{op} {to_text(operand)}")
        text = " ".join(parts)
        return f"({text})" if parent_precedence > 0 else text
    if isinstance(node, BoolOp):
        text = f" {node.op} ".join(to_text(value, 1) for value in node.values)
        return f"({text})" if parent_precedence > 0 else text
    if isinstance(node, Not):
        return f"not {to_text(node.operand, 1)}"
    if isinstance(node, RangeDomain):
        return f"range({to_text(node.start)}, {to_text(node.stop)})"
    if isinstance(node, Generator):
        return _generator_text(node)
    raise TypeError(f"cannot render {type(node).__name__}")


def _generator_text(generator: Generator) -> str:
    targets = generator.targets[0] if not generator.unpack else f"({', '.join(generator.targets)})"
    text = f"for {targets} in {to_text(generator.domain)}"
    for condition in generator.conditions:
        text += f" if {to_text(condition)}"
    return text


def generators_text(generators: tuple[Generator, ...]) -> str:
    """Render a constraint family's ``for`` clause (without the leading ``for``)."""
    return ", ".join(_generator_text(generator)[4:] for generator in generators)
