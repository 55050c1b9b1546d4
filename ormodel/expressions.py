"""The expression language of objectives and constraints: parsed, never evaluated as code.

Text such as ``sum(cost[i,j] * x[i,j] for i in I for j in J if cost[i,j] > 0)`` is read with
Python's ``ast`` parser and turned into the small node tree below; any construct outside the
whitelist (attribute access, lambdas, calls of unknown functions, strings used as code, …) is an
:class:`~ormodel.errors.ExpressionError` pointing at the column where it stands. The same nodes
are what the Python API builds with operators, so both front ends produce one Problem.

Grammar (informally)::

    expr      := number | name | name[expr, ...] | -expr | expr (+ - * / **) expr
               | sum(expr for targets in domain [if cond] ...) | sum(name)
               | min(expr, expr, ...) | max(...) | abs(expr) | min/max(expr for ...)
               | exp(expr) | log(expr) | sqrt(expr) | sin(expr) | cos(expr)
    targets   := name | (name, name, ...)
    domain    := SetName | range(expr, expr)
    relation  := expr (<= | >= | == | < | >) expr | expr <= expr <= expr
    cond      := expr (< <= > >= == !=) expr | targets in SetName | not cond | cond and/or cond

Example:
    >>> node = parse_expression("sum(c[i] * x[i] for i in I)")
    >>> to_text(node)
    'sum(c[i] * x[i] for i in I)'
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Iterator, Union

from ormodel.errors import ExpressionError, Location
from ormodel.limits import InputLimitError, get_limits

__all__ = [
    "Node", "Const", "Name", "Index", "TupleValue", "Unary", "Binary", "Generator", "Reduce", "Call", "Compare",
    "BoolOp", "Not", "RangeDomain", "MemberList", "Piecewise", "SOS_KINDS", "parse_expression", "parse_relation", "parse_generators",
    "to_text", "generators_text", "walk", "additive_terms", "LINEARIZABLE_FUNCTIONS", "NONLINEAR_FUNCTIONS",
]

LINEARIZABLE_FUNCTIONS = ("abs", "min", "max")
NONLINEAR_FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos")
SOS_KINDS = ("sos1", "sos2")
"""``sos1(x[k] for k in K)`` / ``sos2(...)``: a constraint of its own (a special ordered set per row of its family)."""
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
class MemberList(Node):
    """``['a', 'b']`` or ``[1, 3]`` after ``in``: the members written out, in order (a set given inline)."""

    members: tuple[Const, ...]


@dataclass(frozen=True)
class Generator(Node):
    """``for targets in domain [if condition]``; ``unpack`` is False for ``for e in A`` over tuples."""

    targets: tuple[str, ...]
    domain: Union[Name, RangeDomain, MemberList]
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
class Piecewise(Node):
    """``piecewise(argument, breakpoints, values)``: the piecewise-linear function through the points.

    ``breakpoints`` and ``values`` are tuples of numbers (written as lists) or the names of
    one-dimensional parameters; the function is linear between consecutive breakpoints and
    defined on ``[breakpoints[0], breakpoints[-1]]`` only.
    """

    argument: Node
    breakpoints: tuple[float, ...] | str
    values: tuple[float, ...] | str


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


def _error(message: str, node: ast.AST | None, text: str, hint: str | None = None, offset: int = 0) -> ExpressionError:
    column = getattr(node, "col_offset", None)
    return ExpressionError(message, Location(column=None if column is None else column + 1 + offset, text=_shown(text)), hint)


def _shown(text: str, limit: int = 2000) -> str:
    """The text as an error shows it (very long expressions are cut)."""
    return text if len(text) <= limit else text[:limit] + " …"


class _Reader:
    """Turns a Python ``ast`` tree into expression nodes, rejecting everything else.

    ``offset`` is the position of the parsed text within the whole expression (for pieces of a
    long sum parsed one by one), so columns stay those of the whole text.
    """

    def __init__(self, text: str, offset: int = 0, display: str | None = None) -> None:
        self.text = text
        self.offset = offset
        self.display = display if display is not None else text

    def _error(self, message: str, node: ast.AST | None, hint: str | None = None) -> ExpressionError:
        return _error(message, node, self.display, hint, self.offset)

    def node(self, tree: ast.AST) -> Node:
        column = getattr(tree, "col_offset", -1) + 1 + self.offset
        if isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Add, ast.Sub)):
            return self._additive(tree)
        if isinstance(tree, ast.Constant):
            if isinstance(tree.value, bool) or not isinstance(tree.value, (int, float)):
                if isinstance(tree.value, str):
                    return Const(tree.value, column=column)
                raise self._error(f"unsupported constant {tree.value!r}", tree)
            try:
                number = float(tree.value)
            except OverflowError:
                raise self._error(f"the number {tree.value} is too large", tree, "write it in floating-point notation, e.g. 1e30") from None
            if not math.isfinite(number):
                raise self._error(f"the number {ast.get_source_segment(self.text, tree) or tree.value} is infinite", tree,
                                  "a coefficient must be finite; for a variable without an upper bound write `upper: .inf` on the variable")
            return Const(number, column=column)
        if isinstance(tree, ast.Name):
            return Name(tree.id, column=column)
        if isinstance(tree, ast.Subscript):
            if not isinstance(tree.value, ast.Name):
                raise self._error("only named parameters and variables can be indexed", tree)
            items = tree.slice.elts if isinstance(tree.slice, ast.Tuple) else [tree.slice]
            if any(isinstance(item, ast.Slice) for item in items):
                raise self._error(f"slices are not supported in {tree.value.id}[...]; use a sum over a set", tree)
            return Index(tree.value.id, tuple(self.node(item) for item in items), column=column)
        if isinstance(tree, ast.UnaryOp):
            if isinstance(tree.op, ast.USub):
                return Unary(self.node(tree.operand), column=column)
            if isinstance(tree.op, ast.UAdd):
                return self.node(tree.operand)
            if isinstance(tree.op, ast.Not):
                return Not(self.node(tree.operand), column=column)
            raise self._error("unsupported unary operator", tree)
        if isinstance(tree, ast.BinOp):
            operator = _OPERATORS.get(type(tree.op))
            if operator is None:
                raise self._error(f"unsupported operator {type(tree.op).__name__}", tree, "use + - * / or **")
            return Binary(operator, self.node(tree.left), self.node(tree.right), column=column)
        if isinstance(tree, ast.Compare):
            ops = []
            for op in tree.ops:
                symbol = _COMPARISONS.get(type(op))
                if symbol is None:
                    raise self._error("unsupported comparison", tree)
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
            raise self._error("a tuple is not a value here; tuples only index or follow 'for'", tree)
        if isinstance(tree, (ast.GeneratorExp, ast.ListComp)):
            raise self._error("a generator must be the argument of sum, min or max", tree)
        raise self._error(f"'{_shown(ast.unparse(tree), 200)}' is not allowed in a model expression", tree,
                     "expressions may use numbers, names, indexing, + - * / **, sum/min/max/abs and comparisons")

    def _additive(self, tree: ast.BinOp) -> Node:
        """A chain ``a + b - c + …`` read without recursion along the chain."""
        chain: list[ast.BinOp] = []
        current: ast.expr = tree
        while isinstance(current, ast.BinOp) and isinstance(current.op, (ast.Add, ast.Sub)):
            chain.append(current)
            current = current.left
        total = self.node(current)
        for link in reversed(chain):
            total = Binary("+" if isinstance(link.op, ast.Add) else "-", total, self.node(link.right), column=link.col_offset + 1 + self.offset)
        return total

    def call(self, tree: ast.Call) -> Node:
        column = tree.col_offset + 1 + self.offset
        if not isinstance(tree.func, ast.Name):
            raise self._error("only the functions sum, min, max, abs, exp, log, sqrt, sin, cos can be called", tree)
        function = tree.func.id
        if tree.keywords:
            raise self._error(f"{function}() takes no keyword arguments", tree)
        if function in ("sum", "min", "max") and len(tree.args) == 1 and isinstance(tree.args[0], (ast.GeneratorExp, ast.ListComp)):
            comprehension = tree.args[0]
            return Reduce(function, self.node(comprehension.elt), self.generators(comprehension.generators), column=column)
        if function == "sum":
            if len(tree.args) == 1 and isinstance(tree.args[0], (ast.List, ast.Tuple)):
                return self._sum_of(tree.args[0].elts, tree)
            if len(tree.args) == 1 and not isinstance(tree.args[0], ast.Starred):
                # sum(x) without 'for': the compiler knows x's sets; it sums every member of an indexed
                # variable or parameter and names the generator to write for anything else (ormodel.idioms).
                return Reduce("sum", self.node(tree.args[0]), (), column=column)
            raise self._error("sum() needs a generator, e.g. sum(x[i] for i in I)", tree)
        if function in ("min", "max"):
            arguments = tree.args[0].elts if len(tree.args) == 1 and isinstance(tree.args[0], (ast.List, ast.Tuple)) else tree.args
            if len(arguments) < 2:
                raise self._error(f"{function}() needs two or more arguments or a generator", tree)
            return Call(function, tuple(self.node(argument) for argument in arguments), column=column)
        if function == "piecewise":
            return self._piecewise(tree)
        if function in SOS_KINDS:
            if len(tree.args) != 1 or not isinstance(tree.args[0], ast.GeneratorExp):
                raise self._error(f"{function}() takes one generator, e.g. {function}(x[k] for k in K)", tree)
            comprehension = tree.args[0]
            return Reduce(function, self.node(comprehension.elt), self.generators(comprehension.generators), column=column)
        if function == "abs" or function in NONLINEAR_FUNCTIONS:
            if len(tree.args) != 1:
                raise self._error(f"{function}() takes exactly one argument", tree)
            return Call(function, (self.node(tree.args[0]),), column=column)
        if function == "range":
            raise self._error("range(...) can only follow 'in' in a generator", tree)
        raise self._error(f"unknown function {function!r}", tree,
                     "available: sum, min, max, abs, exp, log, sqrt, sin, cos")

    def _piecewise(self, tree: ast.Call) -> Node:
        """``piecewise(x, [b0, b1, ...], [v0, v1, ...])`` (lists of numbers, or names of parameters)."""
        column = tree.col_offset + 1 + self.offset
        if len(tree.args) != 3:
            raise self._error(f"piecewise() takes 3 arguments (expression, breakpoints, values), got {len(tree.args)}", tree,
                              "e.g. piecewise(x, [0, 10, 20], [0, 50, 80])")
        argument = self.node(tree.args[0])
        lists: list[tuple[float, ...] | str] = []
        for position, (what, item) in enumerate((("breakpoints", tree.args[1]), ("values", tree.args[2]))):
            if isinstance(item, ast.Name):
                lists.append(item.id)
                continue
            if not isinstance(item, (ast.List, ast.Tuple)):
                raise self._error(f"the {what} of piecewise() are a list of numbers or the name of a parameter", item)
            numbers: list[float] = []
            for element in item.elts:
                number = self._literal_number(element)
                if number is None:
                    raise self._error(f"the {what} of piecewise() must be numbers; element {len(numbers) + 1} is not", element)
                numbers.append(number)
            lists.append(tuple(numbers))
        from ormodel.piecewise_linear import check_breakpoints

        try:
            check_breakpoints(lists[0], lists[1])
        except ValueError as error:
            raise self._error(str(error), tree, "breakpoints are finite numbers in increasing order, one value per breakpoint") from None
        return Piecewise(argument, lists[0], lists[1], column=column)

    @staticmethod
    def _literal_number(element: ast.expr) -> float | None:
        sign = 1.0
        if isinstance(element, ast.UnaryOp) and isinstance(element.op, (ast.USub, ast.UAdd)):
            sign = -1.0 if isinstance(element.op, ast.USub) else 1.0
            element = element.operand
        if isinstance(element, ast.Constant) and isinstance(element.value, (int, float)) and not isinstance(element.value, bool):
            try:
                return sign * float(element.value)
            except OverflowError:
                return math.inf
        return None

    def member_list(self, tree: ast.List | ast.Tuple, column: int) -> MemberList:
        """``for c in ['a', 'b']``: names (in quotes) or whole numbers, each once; one meaning, the members in this order."""
        members: list[Const] = []
        seen: set[object] = set()
        for element in tree.elts:
            value: object = None
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                value = element.value
            else:
                number = self._literal_number(element)
                if number is not None and math.isfinite(number) and number == int(number):
                    value = int(number)
            if value is None:
                raise self._error("a list after 'in' holds members: names in quotes or whole numbers", element,
                                  "declare the set under \"sets\" and write its name after 'in'")
            if value in seen:
                raise self._error(f"member {value!r} is listed twice after 'in'", element, "list each member once")
            seen.add(value)
            members.append(Const(value, column=getattr(element, "col_offset", 0) + 1 + self.offset))  # type: ignore[arg-type]
        if not members:
            raise self._error("the list after 'in' is empty", tree, "list the members, or declare the set under \"sets\"")
        return MemberList(tuple(members), column=column)

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
                raise self._error("async generators are not allowed", comprehension.target)
            target = comprehension.target
            targets: tuple[str, ...]
            if isinstance(target, ast.Name):
                targets, unpack = (target.id,), False
            elif isinstance(target, ast.Tuple) and all(isinstance(item, ast.Name) for item in target.elts):
                targets, unpack = tuple(item.id for item in target.elts if isinstance(item, ast.Name)), True
            else:
                raise self._error("a generator's target must be a name or a tuple of names", target)
            domain = self.domain(comprehension.iter)
            conditions = tuple(self.node(condition) for condition in comprehension.ifs)
            result.append(Generator(targets, domain, conditions, unpack, column=target.col_offset + 1 + self.offset))
        return tuple(result)

    def domain(self, tree: ast.expr) -> Union[Name, RangeDomain, MemberList]:
        column = tree.col_offset + 1 + self.offset
        if isinstance(tree, ast.Name):
            return Name(tree.id, column=column)
        if isinstance(tree, (ast.List, ast.Tuple)):
            return self.member_list(tree, column)
        if isinstance(tree, ast.Constant) and isinstance(tree.value, str):
            return Name(tree.value, column=column)
        if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "range" and not tree.keywords:
            if len(tree.args) == 1:
                return RangeDomain(Const(0.0, column=column), self.node(tree.args[0]), column=column)
            if len(tree.args) == 2:
                return RangeDomain(self.node(tree.args[0]), self.node(tree.args[1]), column=column)
        raise self._error("a generator runs over a set name, range(start, stop) or a list of members", tree)


def _check_text(text: object, what: str) -> str:
    """The whitespace-normalized text, or an error for non-text, empty or over-long input."""
    if not isinstance(text, str):
        raise ExpressionError(f"{what} must be text, got {type(text).__name__}")
    limit = get_limits().max_expression_length
    if len(text) > limit:
        raise InputLimitError(f"the {what} has {len(text):,} characters, more than the limit of {limit:,}",
                              limit="max_expression_length")
    stripped = " ".join(text.split())
    if not stripped:
        raise ExpressionError(f"{what} is empty")
    return stripped


_SYNTAX_HINT = "check brackets and operators; write x[i,j], sum(... for i in I), <=, >=, =="


def _too_deep(what: str, text: str, depth: int | None = None) -> InputLimitError:
    limit = get_limits().max_expression_depth
    measured = f" ({depth} levels)" if depth is not None else ""
    return InputLimitError(f"the {what} is nested more deeply than the limit of {limit} levels{measured}",
                           Location(text=_shown(text, 200)),
                           "nest fewer brackets, signs and powers (long sums are fine: a + b + c + ... has no depth); "
                           "to allow more, raise max_expression_depth (ormodel --limit max_expression_depth=N)",
                           limit="max_expression_depth")


def _parse_tree(text: str, what: str, offset: int = 0, shown: str | None = None) -> ast.expr:
    """``ast.parse`` in eval mode, with every parser failure turned into a located ExpressionError."""
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": the text is reported as an error or accepted, not warned about
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        column = None if error.offset is None else error.offset + offset
        raise ExpressionError(f"syntax error in {what}: {error.msg}", Location(column=column, text=_shown(shown or text)), _SYNTAX_HINT) from None
    except (MemoryError, RecursionError):
        raise _too_deep(what, shown or text) from None
    except ValueError as error:  # e.g. a NUL character
        raise ExpressionError(f"{what} cannot be read: {error}", Location(text=_shown(shown or text))) from None
    depth = _depth(tree)
    if depth > get_limits().max_expression_depth:
        raise _too_deep(what, shown or text, depth)
    return tree


_ADDITIVE = (ast.Add, ast.Sub)
_NOT_EXPRESSIONS = (ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context)


def _depth(tree: ast.AST) -> int:
    """Nesting depth of an ``ast`` tree, not counting the links of ``+``/``-`` chains (they are read without recursion)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > deepest:
            deepest = depth
        kind = type(node)
        if kind is ast.Name or kind is ast.Constant:
            continue
        if kind is ast.BinOp:
            push((node.left, depth if isinstance(node.op, _ADDITIVE) else depth + 1))  # type: ignore[attr-defined]
            push((node.right, depth + 1))  # type: ignore[attr-defined]
            continue
        if kind is ast.Subscript:
            push((node.slice, depth + 1))  # type: ignore[attr-defined]
            continue
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, _NOT_EXPRESSIONS):
                push((child, depth + 1))
    return deepest


def _read(text: str, what: str) -> Node:
    """Parse and translate; a sum too long for Python's parser is read in pieces."""
    if len(text) > 20_000 and text.count("+") + text.count("-") > _PIECE_TERMS:
        node = _read_long_sum(text, what)
        if node is not None:
            return node
    try:
        tree = _parse_tree(text, what)
    except InputLimitError as error:
        if error.limit != "max_expression_depth":
            raise
        node = _read_long_sum(text, what)
        if node is None:
            raise
        return node
    return _Reader(text).node(tree)


_PIECE_TERMS = 1000
_STOP_WORDS = frozenset({"and", "or", "not", "if", "for", "in", "is", "lambda", "else", "await", "yield"})
_TOKEN = re.compile(r"""(?P<string>'[^'\\]*'|"[^"\\]*")|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<compare><=|>=|==|!=|<|>)"""
                    r"""|(?P<sign>[+-])|(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)|(?P<word>\w+)|(?P<other>\S)""")


def _read_long_sum(text: str, what: str) -> Node | None:
    """A relation or expression whose top level is a long chain of ``+``/``-`` terms, read about a thousand terms at a time.

    Returns ``None`` when the text is not of that shape (then the depth error stands).
    """
    depth = 0
    operands: list[list[tuple[str, int]]] = [[("+", 0)]]  # per operand: (sign before it, start position) of each term
    operators: list[str] = []
    ends: list[int] = []
    operand_before = False  # the previous token ends an operand, so a following + or - is binary
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            operand_before = False
        elif kind == "close":
            depth -= 1
            operand_before = True
        elif depth:
            operand_before = kind in ("string", "number") or kind == "word" and match.group() not in _STOP_WORDS
        elif kind == "word" and match.group() in _STOP_WORDS:
            return None
        elif kind == "compare":
            ends.append(match.start())
            operators.append(match.group())
            operands.append([("+", match.end())])
            operand_before = False
        elif kind == "sign":
            if operand_before:
                operands[-1].append((match.group(), match.end()))
            operand_before = False
        else:
            operand_before = kind != "other"
    if depth != 0:
        return None
    ends.append(len(text))
    nodes: list[Node] = []
    for terms, end in zip(operands, ends):
        simple = _simple_terms(text, terms, end)
        if simple is not None:
            nodes.append(simple)
            continue
        pieces: list[tuple[str, Node]] = []
        for first in range(0, len(terms), _PIECE_TERMS):
            chunk = terms[first : first + _PIECE_TERMS]
            start = chunk[0][1]
            stop = terms[first + _PIECE_TERMS][1] - 1 if first + _PIECE_TERMS < len(terms) else end
            piece = text[start:stop]
            leading = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if not piece:
                raise ExpressionError(f"syntax error in {what}: a term is missing", Location(column=start + 1, text=_shown(text)), _SYNTAX_HINT)
            # After an operator, read "0 - piece" so the sign applies to the first term only: a - (b + c) + d.
            prefix = "" if first == 0 else f"0 {chunk[0][0]} "
            tree = _parse_tree(prefix + piece, what, start + leading - len(prefix), shown=text)
            terms_of_piece = additive_terms(_Reader(prefix + piece, start + leading - len(prefix), display=text).node(tree))
            for sign, term in terms_of_piece[1 if prefix else 0 :]:
                pieces.append(("+" if sign > 0 else "-", term))
        total = pieces[0][1]
        for operator, term in pieces[1:]:
            total = Binary(operator, total, term, column=total.column)
        nodes.append(total)
    if len(nodes) == 1:
        return nodes[0]
    return Compare(tuple(operators), tuple(nodes), column=1)


_NUMBER = r"(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
_ITEM = r"(?:-?\d+|'[^'\\]*'|\"[^\"\\]*\"|[A-Za-z_]\w*)"
_SIMPLE_TERM = re.compile(rf"\s*(?:({_NUMBER})\s*\*\s*)?([A-Za-z_]\w*)(?:\[\s*({_ITEM}(?:\s*,\s*{_ITEM})*)\s*\])?(?:\s*\*\s*({_NUMBER}))?\s*")
_ITEM_SPLIT = re.compile(rf"\s*({_ITEM})\s*(?:,|$)")


def _simple_terms(text: str, terms: list[tuple[str, int]], end: int) -> Node | None:
    """The sum of a long chain whose terms are all ``[number *] name[[items]] [* number]``, built without ``ast``; else ``None``."""
    nodes: list[tuple[str, Node]] = []
    for position, (sign, start) in enumerate(terms):
        stop = terms[position + 1][1] - 1 if position + 1 < len(terms) else end
        match = _SIMPLE_TERM.fullmatch(text, start, stop)
        if match is None:
            return None
        before, name, items, after = match.groups()
        if name in _STOP_WORDS or name in ("sum", "min", "max", "abs", "range"):
            return None
        column = match.start(2) + 1
        node: Node
        if items is None:
            node = Name(name, column=column)
        else:
            values: list[Node] = []
            for item in _ITEM_SPLIT.findall(items):
                if item[0] in "'\"":
                    values.append(Const(item[1:-1], column=column))
                elif item[0] == "-" or item[0].isdigit():
                    values.append(Const(float(int(item)), column=column))
                else:
                    values.append(Name(item, column=column))
            node = Index(name, tuple(values), column=column)
        for factor, left in ((before, True), (after, False)):
            if factor is not None:
                number = float(factor)
                if not math.isfinite(number):
                    return None
                constant = Const(number, column=match.start(1 if left else 4) + 1)
                node = Binary("*", constant, node, column=constant.column) if left else Binary("*", node, constant, column=node.column)
        nodes.append((sign, node))
    total = nodes[0][1]
    for sign, node in nodes[1:]:
        total = Binary(sign, total, node, column=total.column)
    return total


def additive_terms(node: Node) -> list[tuple[int, Node]]:
    """The terms of a ``+``/``-`` chain with their signs (+1/-1), found without recursion: ``a - b + c`` → ``[(1, a), (-1, b), (1, c)]``."""
    rights: list[tuple[int, Node]] = []
    current = node
    while isinstance(current, Binary) and current.op in ("+", "-"):
        rights.append((1 if current.op == "+" else -1, current.right))
        current = current.left
    rights.append((1, current))
    rights.reverse()
    return rights


def parse_expression(text: str) -> Node:
    """Parse an objective or sub-expression."""
    normalized = _check_text(text, "expression")
    node = _read(normalized, "expression")
    if isinstance(node, (Compare, BoolOp, Not)):
        raise ExpressionError("an objective is an expression, not a comparison", Location(column=1, text=_shown(normalized)))
    return node


def parse_relation(text: str) -> Compare:
    """Parse a constraint body: ``lhs <= rhs``, ``lhs >= rhs``, ``lhs == rhs`` or ``lo <= expr <= hi``."""
    normalized = _check_text(text, "constraint")
    node = _read(normalized, "constraint")
    shown = _shown(normalized)
    if not isinstance(node, Compare) or any(op not in ("<=", ">=", "==", "<", ">") for op in node.ops):
        raise ExpressionError(
            "a constraint must compare with <=, >= or ==",
            Location(column=1, text=shown), "e.g. sum(x[i,j] for j in J) <= capacity[i]",
        )
    if len(node.ops) == 2 and not (set(node.ops) <= {"<=", "<"} or set(node.ops) <= {">=", ">"}):
        raise ExpressionError("a range constraint reads lo <= expr <= hi (or hi >= expr >= lo)", Location(column=1, text=shown))
    if len(node.ops) > 2:
        raise ExpressionError("at most two comparisons in one constraint", Location(column=1, text=shown))
    return node


def parse_generators(text: str) -> tuple[Generator, ...]:
    """Parse a constraint family's ``for`` clause: ``i in I, j in J if a[i,j] > 0``."""
    if not isinstance(text, str) or not text.strip():
        return ()
    stripped = _check_text(text, "'for' clause")
    source = stripped if stripped.startswith("for ") else "for " + stripped
    pieces = [piece.strip() for piece in _split_top_level(source[4:])]
    source = "for " + " for ".join(pieces)
    try:
        tree = _parse_tree(f"[0 {source}]", "'for' clause", shown=stripped)
    except ExpressionError as error:
        if isinstance(error, InputLimitError) or error.location.column is None:
            raise
        raise ExpressionError(error.reason, Location(column=max(error.location.column - 7, 1), text=_shown(stripped)),
                              "write e.g. 'i in I, j in J' or '(i, j) in ARCS if cost[i,j] > 0'") from None
    if not isinstance(tree, ast.ListComp):
        raise ExpressionError("a 'for' clause reads 'i in I, j in J if ...'", Location(column=1, text=_shown(stripped)))
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


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Index, TupleValue)):
        return node.items
    if isinstance(node, (Unary, Not)):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Reduce):
        return (*node.generators, node.body)
    if isinstance(node, Generator):
        return (node.domain, *node.conditions)
    if isinstance(node, RangeDomain):
        return (node.start, node.stop)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Piecewise):
        return (node.argument,)
    if isinstance(node, Compare):
        return node.operands
    if isinstance(node, BoolOp):
        return node.values
    return ()


def walk(node: Node) -> Iterator[Node]:
    """All nodes of a tree, parents first (without recursion, so a 100k-term sum is fine)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = _children(current)
        if children:
            stack.extend(reversed(children))


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
    if isinstance(node, Binary) and node.op in ("+", "-"):
        terms = additive_terms(node)
        pieces = [to_text(terms[0][1], 1)]
        for sign, term in terms[1:]:
            pieces.append(f"{'+' if sign > 0 else '-'} {to_text(term, 1 if sign > 0 else 2)}")
        text = " ".join(pieces)
        return f"({text})" if 1 < parent_precedence else text
    if isinstance(node, Binary):
        precedence = _PRECEDENCE[node.op]
        right_precedence = precedence + 1 if node.op in ("-", "/") else precedence
        left = to_text(node.left, precedence + (1 if node.op == "**" else 0))
        right = to_text(node.right, right_precedence)
        text = f"{left}{node.op}{right}" if node.op == "**" else f"{left} {node.op} {right}"
        return f"({text})" if precedence < parent_precedence else text
    if isinstance(node, Reduce):
        if not node.generators:
            return f"{node.kind}({to_text(node.body)})"
        return f"{node.kind}({to_text(node.body)} {' '.join(_generator_text(generator) for generator in node.generators)})"
    if isinstance(node, Call):
        return f"{node.function}({', '.join(to_text(argument) for argument in node.args)})"
    if isinstance(node, Piecewise):
        return f"piecewise({to_text(node.argument)}, {_points_text(node.breakpoints)}, {_points_text(node.values)})"
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
    if isinstance(node, MemberList):
        return "[" + ", ".join(to_text(member) for member in node.members) + "]"
    if isinstance(node, Generator):
        return _generator_text(node)
    raise TypeError(f"cannot render {type(node).__name__}")


def _points_text(points: tuple[float, ...] | str) -> str:
    return points if isinstance(points, str) else "[" + ", ".join(_number(point) for point in points) + "]"


def _generator_text(generator: Generator) -> str:
    targets = generator.targets[0] if not generator.unpack else f"({', '.join(generator.targets)})"
    text = f"for {targets} in {to_text(generator.domain)}"
    for condition in generator.conditions:
        text += f" if {to_text(condition)}"
    return text


def generators_text(generators: tuple[Generator, ...]) -> str:
    """Render a constraint family's ``for`` clause (without the leading ``for``)."""
    return ", ".join(_generator_text(generator)[4:] for generator in generators)
