"""The Python front end: build a five-element Problem with Python operators or expression text.

Both styles produce the same :class:`~ormodel.problem.Problem` (this is not a second model class):
operators build the same expression nodes the parser reads from text, and constraints are
families over index sets, compiled set-wise (vectorized) like a YAML document.

Example:
    >>> import ormodel as om
    >>> model = om.Model("knapsack")
    >>> items = model.set("items", ["a", "b", "c"])
    >>> value = model.parameter("value", items, [10, 13, 7])
    >>> weight = model.parameter("weight", items, [5, 7, 4])
    >>> take = model.variable("take", items, domain="binary")
    >>> i = items.index("i")
    >>> model.maximize(om.sum(value[i] * take[i], over=i))
    >>> model.constrain("capacity", om.sum(weight[i] * take[i], over=i) <= 11)
    >>> model.solve().objective
    20.0
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence, Union

import numpy as np

from ormodel.errors import Location, ModelError
from ormodel.expressions import (
    Binary, Call, Compare, Const, Generator, Index, Name, Node, Reduce, Unary, parse_expression, parse_generators,
    parse_relation,
)
from ormodel.problem import Constraint, Domain, IndexSet, Objective, Parameter, Problem, Variable
from ormodel.result import Result
from ormodel.standard_form import Sense, StandardForm

__all__ = ["Model", "Expression", "Relation", "SetRef", "IndexName", "sum", "maximum", "minimum", "absolute",
           "exp", "log", "sqrt", "sin", "cos"]

Operand = Union["Expression", "IndexName", float, int, str]


def _node(value: Operand) -> Node:
    if isinstance(value, Expression):
        return value.node
    if isinstance(value, IndexName):
        return Name(value.name)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("booleans are not model values; use 0 or 1")
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)
        except OverflowError:
            raise ModelError(f"the number {value!r} is too large for a model coefficient") from None
        if not math.isfinite(number):
            raise ModelError(f"{number} is not a finite number; a coefficient or constant must be finite",
                             hint="for a variable without an upper bound write upper=math.inf on the variable instead of an infinite coefficient")
        return Const(number)
    if isinstance(value, str):
        return Const(value)
    raise TypeError(f"cannot use {type(value).__name__} in a model expression")


class Expression:
    """An expression node with Python operators."""

    __array_priority__ = 1000  # numpy scalars defer to our operators

    def __init__(self, node: Node) -> None:
        self.node = node

    def __add__(self, other: Operand) -> "Expression":
        return Expression(Binary("+", self.node, _node(other)))

    def __radd__(self, other: Operand) -> "Expression":
        if isinstance(other, (int, float)) and other == 0:
            return self
        return Expression(Binary("+", _node(other), self.node))

    def __sub__(self, other: Operand) -> "Expression":
        return Expression(Binary("-", self.node, _node(other)))

    def __rsub__(self, other: Operand) -> "Expression":
        return Expression(Binary("-", _node(other), self.node))

    def __mul__(self, other: Operand) -> "Expression":
        return Expression(Binary("*", self.node, _node(other)))

    def __rmul__(self, other: Operand) -> "Expression":
        return Expression(Binary("*", _node(other), self.node))

    def __truediv__(self, other: Operand) -> "Expression":
        return Expression(Binary("/", self.node, _node(other)))

    def __rtruediv__(self, other: Operand) -> "Expression":
        return Expression(Binary("/", _node(other), self.node))

    def __pow__(self, other: Operand) -> "Expression":
        return Expression(Binary("**", self.node, _node(other)))

    def __neg__(self) -> "Expression":
        return Expression(Unary(self.node))

    def __pos__(self) -> "Expression":
        return self

    def __le__(self, other: Operand) -> "Relation":  # type: ignore[override]
        return Relation.make("<=", self.node, _node(other))

    def __ge__(self, other: Operand) -> "Relation":  # type: ignore[override]
        return Relation.make(">=", self.node, _node(other))

    def __lt__(self, other: Operand) -> "Relation":  # type: ignore[override]
        return Relation.make("<", self.node, _node(other))

    def __gt__(self, other: Operand) -> "Relation":  # type: ignore[override]
        return Relation.make(">", self.node, _node(other))

    def __eq__(self, other: Operand) -> "Relation":  # type: ignore[override]
        return Relation.make("==", self.node, _node(other))

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        raise TypeError("a model expression has no truth value; use it in model.constrain(...) or a 'where' filter")

    def __repr__(self) -> str:
        from ormodel.expressions import to_text

        return f"Expression({to_text(self.node)})"


class Relation:
    """``lhs <= rhs`` (or ``>=``, ``==``, or a range) waiting to become a constraint."""

    def __init__(self, node: Compare) -> None:
        self.node = node

    @classmethod
    def make(cls, op: str, left: Node, right: Node) -> "Relation":
        return cls(Compare((op,), (left, right)))

    def __le__(self, other: Operand) -> "Relation":
        if len(self.node.ops) != 1 or self.node.ops[0] != "<=":
            raise ModelError("a range reads lo <= expr <= hi")
        return Relation(Compare(("<=", "<="), (*self.node.operands, _node(other))))

    def __ge__(self, other: Operand) -> "Relation":
        if len(self.node.ops) != 1 or self.node.ops[0] != ">=":
            raise ModelError("a range reads hi >= expr >= lo")
        return Relation(Compare((">=", ">="), (*self.node.operands, _node(other))))

    def __bool__(self) -> bool:
        raise TypeError("Python cannot chain 'lo <= expr <= hi' on model expressions; write (lo <= expr) <= hi")


class IndexName:
    """A named index running over a set, e.g. ``i = plants.index("i")``."""

    def __init__(self, name: str, set_ref: "SetRef") -> None:
        self.name = name
        self.set_ref = set_ref

    def generator(self, *conditions: "Relation | Expression") -> Generator:
        return Generator((self.name,), Name(self.set_ref.name), tuple(_condition(condition) for condition in conditions), unpack=False)

    # Index arithmetic such as t - 1 builds expressions.
    def _expression(self) -> Expression:
        return Expression(Name(self.name))

    def __add__(self, other: Operand) -> Expression:
        return self._expression() + other

    def __radd__(self, other: Operand) -> Expression:
        return other + self._expression()

    def __sub__(self, other: Operand) -> Expression:
        return self._expression() - other

    def __rsub__(self, other: Operand) -> Expression:
        return other - self._expression()

    def __mul__(self, other: Operand) -> Expression:
        return self._expression() * other

    def __rmul__(self, other: Operand) -> Expression:
        return other * self._expression()

    def __truediv__(self, other: Operand) -> Expression:
        return self._expression() / other

    def __le__(self, other: Operand) -> Relation:
        return self._expression() <= other

    def __ge__(self, other: Operand) -> Relation:
        return self._expression() >= other

    def __lt__(self, other: Operand) -> Relation:
        return Relation(Compare(("<",), (Name(self.name), _node(other))))

    def __gt__(self, other: Operand) -> Relation:
        return Relation(Compare((">",), (Name(self.name), _node(other))))

    def __eq__(self, other: Operand) -> Relation:  # type: ignore[override]
        return Relation(Compare(("==",), (Name(self.name), _node(other))))

    def __ne__(self, other: Operand) -> Relation:  # type: ignore[override]
        return Relation(Compare(("!=",), (Name(self.name), _node(other))))

    def __hash__(self) -> int:
        return hash((self.name, self.set_ref.name))


def _condition(condition: "Relation | Expression | str") -> Node:
    if isinstance(condition, Relation):
        return condition.node
    if isinstance(condition, Expression):
        return condition.node
    if isinstance(condition, str):
        return parse_expression(condition) if not any(op in condition for op in ("<", ">", "=")) else _parse_condition(condition)
    raise TypeError("a filter is a comparison such as i != j or cost[i] > 0")


def _parse_condition(text: str) -> Node:
    generators = parse_generators(f"_ in _ if {text}")
    return generators[0].conditions[0]


class SetRef:
    """A handle on a set of the model."""

    def __init__(self, model: "Model", name: str) -> None:
        self.model = model
        self.name = name

    def index(self, name: str) -> IndexName:
        """A new index name running over this set."""
        if not name.isidentifier():
            raise ModelError(f"{name!r} is not a valid index name")
        return IndexName(name, self)

    def indices(self, *names: str) -> tuple[IndexName, ...]:
        """Several index names over this set."""
        return tuple(self.index(name) for name in names)

    @property
    def members(self) -> list[Any]:
        """The set's members."""
        return self.model.problem.sets[self.name].members()

    def __len__(self) -> int:
        return self.model.problem.sets[self.name].size


class SymbolRef(Expression):
    """A parameter or variable of the model; index it with ``[...]``."""

    def __init__(self, model: "Model", name: str) -> None:
        super().__init__(Name(name))
        self.model = model
        self.name = name

    def __getitem__(self, items: Any) -> Expression:
        if not isinstance(items, tuple):
            items = (items,)
        return Expression(Index(self.name, tuple(_node(item) for item in items)))


def _generators(over: Any) -> tuple[Generator, ...]:
    if over is None:
        return ()
    if isinstance(over, str):
        return parse_generators(over)
    if isinstance(over, IndexName):
        return (over.generator(),)
    if isinstance(over, Generator):
        return (over,)
    if isinstance(over, Iterable):
        generators: list[Generator] = []
        for item in over:
            generators.extend(_generators(item))
        return tuple(generators)
    raise TypeError("'over'/'for_each' takes index names (from set.index), or text such as 'i in I, j in J'")


def _with_filter(generators: tuple[Generator, ...], where: Any) -> tuple[Generator, ...]:
    if where is None:
        return generators
    if not generators:
        raise ModelError("'where' needs indices to filter")
    conditions = where if isinstance(where, (list, tuple)) else [where]
    last = generators[-1]
    extra = tuple(_condition(condition) for condition in conditions)
    return (*generators[:-1], Generator(last.targets, last.domain, last.conditions + extra, last.unpack))


def sum(expression: Operand, over: Any = None, where: Any = None) -> Expression:  # noqa: A001 - mirrors the modeling verb
    """``sum(expression for over [if where])``: a sum over index names (or text such as ``'j in J'``)."""
    generators = _with_filter(_generators(over), where)
    if not generators:
        raise ModelError("sum() needs 'over', e.g. om.sum(x[i], over=i)")
    return Expression(Reduce("sum", _node(expression), generators))


def maximum(*arguments: Operand, over: Any = None, where: Any = None) -> Expression:
    """``max`` of arguments, or of one expression over indices (linearized on compile)."""
    return _extremum("max", arguments, over, where)


def minimum(*arguments: Operand, over: Any = None, where: Any = None) -> Expression:
    """``min`` of arguments, or of one expression over indices (linearized on compile)."""
    return _extremum("min", arguments, over, where)


def _extremum(kind: str, arguments: Sequence[Operand], over: Any, where: Any) -> Expression:
    if over is not None:
        if len(arguments) != 1:
            raise ModelError(f"{kind} over indices takes one expression")
        return Expression(Reduce(kind, _node(arguments[0]), _with_filter(_generators(over), where)))
    if len(arguments) < 2:
        raise ModelError(f"{kind}() needs two or more arguments, or one expression with 'over'")
    return Expression(Call(kind, tuple(_node(argument) for argument in arguments)))


def absolute(argument: Operand) -> Expression:
    """``abs(argument)`` (linearized on compile)."""
    return Expression(Call("abs", (_node(argument),)))


def _function(name: str, argument: Operand) -> Expression:
    return Expression(Call(name, (_node(argument),)))


def exp(argument: Operand) -> Expression:
    """``exp(argument)``: nonlinear, solved by backends with the MINLP capability (SCIP)."""
    return _function("exp", argument)


def log(argument: Operand) -> Expression:
    """``log(argument)`` (natural logarithm): nonlinear, solved by backends with the MINLP capability (SCIP)."""
    return _function("log", argument)


def sqrt(argument: Operand) -> Expression:
    """``sqrt(argument)``: nonlinear, solved by backends with the MINLP capability (SCIP)."""
    return _function("sqrt", argument)


def sin(argument: Operand) -> Expression:
    """``sin(argument)``: nonlinear, solved by backends with the MINLP capability (SCIP)."""
    return _function("sin", argument)


def cos(argument: Operand) -> Expression:
    """``cos(argument)``: nonlinear, solved by backends with the MINLP capability (SCIP)."""
    return _function("cos", argument)


def _set_names(index: Any) -> tuple[str, ...]:
    if index is None:
        return ()
    if isinstance(index, (SetRef, str)):
        index = (index,)
    return tuple(item.name if isinstance(item, SetRef) else str(item) for item in index)


class Model:
    """Builds a :class:`Problem`; ``model.problem`` is the five-element model itself."""

    def __init__(self, name: str = "model", problem: Problem | None = None) -> None:
        self.problem = problem or Problem(name)

    @classmethod
    def from_problem(cls, problem: Problem) -> "Model":
        """Wrap an existing Problem (e.g. one read from YAML)."""
        return cls(problem.name, problem)

    def set(self, name: str, members: Iterable[Any]) -> SetRef:
        """A set of members (a ``range`` stays arithmetic; tuples make a sparse set)."""
        self.problem.add_set(IndexSet.from_members(name, members))
        return SetRef(self, name)

    def parameter(self, name: str, index: Any = None, values: Any = None, default: float | None = None) -> SymbolRef:
        """Numeric data: a scalar, or a table over sets from an array (set order) or a mapping keyed by members."""
        index_names = _set_names(index)
        location = Location(element="parameters", item=name)
        shape = self.problem.shape_of(index_names, location)
        from ormodel.io import check_finite_table, read_number
        from ormodel.limits import check_elements

        if not index_names:
            if values is None:
                raise ModelError("a scalar parameter needs a value", location)
            table = np.asarray(read_number(values, location))
        else:
            check_elements(math.prod(shape), f"the table of parameter {name!r}", location)
            table = np.full(shape, np.nan if default is None else read_number(default, location, what="default"))
            if isinstance(values, Mapping):
                from ormodel.io import store_many

                index_sets = [self.problem.sets[set_name] for set_name in index_names]
                keys = [key if isinstance(key, tuple) else (key,) for key in values]
                store_many(table, index_sets, keys, [read_number(value, location) for value in values.values()], location)
            elif values is not None:
                try:
                    array = np.asarray(values, dtype=np.float64)
                except (TypeError, ValueError, OverflowError):
                    raise ModelError("values must be numbers (an array in set order, or a mapping keyed by members)", location) from None
                if array.shape != shape:
                    raise ModelError(f"values have shape {array.shape}, the index sets give {shape}", location)
                check_finite_table(array, location, [self.problem.sets[set_name] for set_name in index_names])
                table = array.copy()
            elif default is None:
                raise ModelError("an indexed parameter needs values or a default", location)
        self.problem.add_parameter(Parameter(name, index_names, table, default))
        return SymbolRef(self, name)

    def variable(self, name: str, index: Any = None, domain: str | Domain = Domain.CONTINUOUS,
                 lower: float | str = 0.0, upper: float | str = math.inf) -> SymbolRef:
        """A variable family (bounds: numbers or parameter names; default ``[0, inf)``)."""
        parsed = domain if isinstance(domain, Domain) else Domain.parse(domain, Location(element="variables", item=name))
        lower_bound = lower.name if isinstance(lower, SymbolRef) else lower
        upper_bound = upper.name if isinstance(upper, SymbolRef) else upper
        self.problem.add_variable(Variable(name, _set_names(index), parsed, lower_bound, upper_bound))
        return SymbolRef(self, name)

    def minimize(self, expression: Operand) -> None:
        """Set a minimization objective (an expression or text)."""
        self._objective(Sense.MINIMIZE, expression)

    def maximize(self, expression: Operand) -> None:
        """Set a maximization objective (an expression or text)."""
        self._objective(Sense.MAXIMIZE, expression)

    def feasibility(self) -> None:
        """Make this a feasibility model (drops any objective): a point that satisfies every constraint is the answer."""
        self.problem.objective = None

    def _objective(self, sense: Sense, expression: Operand) -> None:
        if isinstance(expression, str) and not isinstance(expression, Expression):
            self.problem.set_objective(Objective.parse(sense, expression))
        else:
            self.problem.set_objective(Objective(sense, _node(expression)))

    def constrain(self, name: str, relation: Relation | str, for_each: Any = None, where: Any = None, when: Relation | str | None = None) -> None:
        """Add a constraint family: one row per binding of ``for_each`` (filtered by ``where``)."""
        generators = _with_filter(_generators(for_each), where)
        if isinstance(relation, str):
            node = parse_relation(relation)
        elif isinstance(relation, Relation):
            node = relation.node
        else:
            raise ModelError(f"constraint {name!r} needs a comparison (<=, >=, ==), got {type(relation).__name__}",
                             Location(element="constraints", item=name),
                             "Python evaluated your comparison to a plain value; compare model expressions")
        condition = parse_relation(when) if isinstance(when, str) else when.node if isinstance(when, Relation) else None
        self.problem.add_constraint(Constraint(name, node, generators, condition))

    def compile(self) -> StandardForm:
        """The matrix form of the model."""
        from ormodel.compiler import compile_problem

        return compile_problem(self.problem)

    def solve(self, solver: str = "highs", **options: Any) -> Result:
        """Solve with a backend (``solver="auto"`` picks one); options are :class:`SolveOptions` fields."""
        from ormodel.solve import solve

        return solve(self.problem, solver=solver, **options)

    def write(self, path: str) -> None:
        """Write as .yaml/.json (five elements) or .mps/.lp."""
        from ormodel.io import save

        save(self.problem, path)

    def to_yaml(self) -> str:
        """The five-element YAML document."""
        from ormodel.io import dumps_yaml

        return dumps_yaml(self.problem)
