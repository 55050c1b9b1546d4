"""The five-element Problem: Sets, Parameters, Variables, Objective, Constraints.

This is the one model class of ormodel. YAML/JSON documents, the Python API and the LLM agents
all build a :class:`Problem`; :func:`ormodel.compile` turns it into a
:class:`~ormodel.standard_form.StandardForm`. Data is stored column-wise in numpy arrays (set
members, parameter tables), expressions as parsed node trees (:mod:`ormodel.expressions`).

Example:
    >>> problem = Problem("tiny")
    >>> problem.add_set(IndexSet.from_members("I", [1, 2, 3]))
    >>> problem.add_variable(Variable("x", ("I",), upper=1.0))
    >>> problem.set_objective(Objective.parse("maximize", "sum(x[i] for i in I)"))
    >>> problem.add_constraint(Constraint.parse("budget", "sum(i * x[i] for i in I) <= 4"))
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ormodel.errors import ExpressionError, Location, ModelError
from ormodel.expressions import SOS_KINDS, Compare, Generator, Node, Reduce, parse_expression, parse_generators, parse_relation
from ormodel.standard_form import Sense

__all__ = ["IndexSet", "Parameter", "Domain", "Variable", "Objective", "Constraint", "SpecialOrderedSet", "Problem"]


def _as_member(value: Any) -> Any:
    """Normalize a member: numpy scalars to Python, integral floats to int."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (bool,)):
        return int(value)
    return value


def _column_array(values: Sequence[Any]) -> np.ndarray:
    """A member column as int64, float64 or str array (mixed types become str)."""
    if all(isinstance(value, (int, np.integer)) for value in values):
        return np.asarray(values, dtype=np.int64)
    if all(isinstance(value, (int, float, np.integer, np.floating)) for value in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray([str(value) for value in values], dtype=str)


class IndexSet:
    """A named finite set of members: scalars (``dimen == 1``) or tuples (``dimen > 1``).

    Members keep their order. Integer ranges are stored as ``(start, size)`` so lookups are
    arithmetic; other sets look members up by sorting.
    """

    def __init__(self, name: str, columns: Sequence[np.ndarray], range_start: int | None = None, origin: str = "members") -> None:
        self.name = name
        self.columns = tuple(np.asarray(column) for column in columns)
        if not self.columns:
            raise ModelError("a set needs at least one column", Location(element="sets", item=name))
        sizes = {len(column) for column in self.columns}
        if len(sizes) != 1:
            raise ModelError("tuple members must all have the same length", Location(element="sets", item=name))
        self.size = sizes.pop()
        self.range_start = range_start
        self.origin = origin
        self._sorted_keys: np.ndarray | None = None
        self._sort_order: np.ndarray | None = None
        self._column_codes: list[tuple[np.ndarray, np.ndarray]] | None = None
        if range_start is None:
            self._check_unique()

    @property
    def dimen(self) -> int:
        """Number of components per member."""
        return len(self.columns)

    @classmethod
    def from_range(cls, name: str, start: int, stop: int, step: int = 1) -> "IndexSet":
        """Integers ``start, start+step, …`` below ``stop`` (Python's ``range``)."""
        from ormodel.limits import check_elements

        check_elements(max(0, -(-(stop - start) // step)) if step > 0 else 0, f"set {name!r}", Location(element="sets", item=name))
        try:
            values = np.arange(start, stop, step, dtype=np.int64)
        except (OverflowError, ValueError) as error:
            raise ModelError(f"cannot make the range: {error}", Location(element="sets", item=name)) from None
        return cls(name, (values,), range_start=int(start) if step == 1 else None, origin="range")

    @classmethod
    def from_members(cls, name: str, members: Iterable[Any]) -> "IndexSet":
        """From a list of scalars or of equal-length tuples."""
        if isinstance(members, range) and members.step == 1:
            return cls.from_range(name, members.start, members.stop)
        try:
            return cls._from_member_list(name, list(members))
        except OverflowError:
            raise ModelError("a member is an integer too large for a set (beyond ±9.2e18)", Location(element="sets", item=name)) from None

    @classmethod
    def _from_member_list(cls, name: str, items: list[Any]) -> "IndexSet":
        from ormodel.limits import check_elements

        check_elements(len(items), f"set {name!r}", Location(element="sets", item=name))
        non_finite = next((item for item in items if isinstance(item, float) and not np.isfinite(item)), None)
        if non_finite is not None:
            raise ModelError(f"member {non_finite!r} is not a finite number", Location(element="sets", item=name), "set members are names or finite numbers")
        if items and all(isinstance(item, (tuple, list)) for item in items):
            width = len(items[0])
            if any(len(item) != width for item in items):
                bad = next(position for position, item in enumerate(items) if len(item) != width)
                raise ModelError(f"member {bad} has {len(items[bad])} components, the first has {width}",
                                 Location(element="sets", item=name), "all tuple members of a set have the same length")
            if width == 0:
                raise ModelError("empty tuples cannot be members", Location(element="sets", item=name))
            columns = [_column_array([_as_member(item[position]) for item in items]) for position in range(width)]
            return cls(name, columns)
        if any(isinstance(item, (tuple, list)) for item in items):
            raise ModelError("a set mixes tuples and scalars", Location(element="sets", item=name))
        normalized = [_as_member(item) for item in items]
        if normalized and all(isinstance(item, int) for item in normalized):
            array = np.asarray(normalized, dtype=np.int64)
            if len(array) and np.array_equal(array, np.arange(array[0], array[0] + len(array))):
                return cls(name, (array,), range_start=int(array[0]), origin="members")
        return cls(name, (_column_array(normalized) if normalized else np.zeros(0, dtype=np.int64),))

    def _check_unique(self) -> None:
        keys = self._keys(list(self.columns))
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        duplicate = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
        if len(duplicate):
            member = self.member(int(order[duplicate[0] + 1]))
            raise ModelError(f"member {member!r} appears twice", Location(element="sets", item=self.name), "set members must be unique")
        self._sorted_keys, self._sort_order = sorted_keys, order

    def _codes(self) -> list[tuple[np.ndarray, np.ndarray]]:
        if self._column_codes is None:
            self._column_codes = [tuple(np.unique(column, return_inverse=True)) for column in self.columns]  # type: ignore[misc]
        return self._column_codes

    def _keys(self, components: list[np.ndarray]) -> np.ndarray:
        """One sortable key per member (the column itself for scalar sets)."""
        if len(components) == 1:
            return components[0]
        key = np.zeros(len(components[0]), dtype=np.int64)
        for (uniques, _), component in zip(self._codes(), components):
            position = np.searchsorted(uniques, component)
            position = np.clip(position, 0, max(len(uniques) - 1, 0))
            key = key * (len(uniques) + 1) + position
        return key

    def member(self, position: int) -> Any:
        """The member at ``position`` (a tuple for tuple sets)."""
        if self.dimen == 1:
            return _as_member(self.columns[0][position])
        return tuple(_as_member(column[position]) for column in self.columns)

    def members(self) -> list[Any]:
        """All members in order."""
        if self.dimen == 1:
            return [_as_member(value) for value in self.columns[0].tolist()]
        return [tuple(_as_member(value) for value in row) for row in zip(*(column.tolist() for column in self.columns))]

    def lookup(self, components: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the given member components and a mask of which were members.

        The positions may share memory with the components (a range set from 0); treat both as read-only.
        """
        if len(components) != self.dimen:
            raise ValueError(f"set {self.name} has {self.dimen} components, got {len(components)}")
        if self.range_start is not None:
            values = np.asarray(components[0])
            if values.dtype.kind not in "iuf":
                return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
            if values.dtype.kind == "f":
                inside = np.abs(values) < 2.0**62  # larger numbers are no members (and would wrap when cast)
                values = np.where(inside, values, 0.0)
            positions = values.astype(np.int64, copy=False) - self.range_start if self.range_start else values.astype(np.int64, copy=False)
            valid = (positions >= 0) & (positions < self.size)
            if values.dtype.kind == "f":
                valid &= (values == np.round(values)) & inside
            if valid.all():
                return positions, valid
            return np.where(valid, positions, 0), valid
        matched = [self._comparable(component, column) for component, column in zip(components, self.columns)]
        if any(item is None for item in matched):
            count = len(components[0])
            return np.zeros(count, dtype=np.int64), np.zeros(count, dtype=bool)
        if self.dimen == 1:
            keys: Any = matched[0]
        else:
            valid = np.ones(len(components[0]), dtype=bool)
            for (uniques, _), component in zip(self._codes(), matched):
                assert uniques is not None and component is not None
                position = np.clip(np.searchsorted(uniques, component), 0, max(len(uniques) - 1, 0))
                valid &= uniques[position] == component if len(uniques) else False
            keys = self._keys(list(matched))  # type: ignore[arg-type]
        assert self._sorted_keys is not None and self._sort_order is not None
        slot = np.clip(np.searchsorted(self._sorted_keys, keys), 0, max(self.size - 1, 0))
        found: Any = self._sorted_keys[slot] == keys if self.size else np.zeros(len(keys), dtype=np.bool_)
        if self.dimen > 1:
            found &= valid
        return np.where(found, self._sort_order[slot] if self.size else 0, 0), found

    @staticmethod
    def _comparable(component: np.ndarray, column: np.ndarray) -> np.ndarray | None:
        component = np.asarray(component)
        if column.dtype.kind in "iuf" and component.dtype.kind in "iuf":
            return component.astype(column.dtype) if column.dtype.kind in "iu" and component.dtype.kind == "f" and np.all(component == np.round(component)) else component
        if column.dtype.kind == "U":
            return component.astype(str)
        return None

    def describe_members(self, limit: int = 6) -> str:
        """``{1, 2, 3, …}`` for messages."""
        if self.range_start is not None and self.size > limit:
            return f"{self.range_start}..{self.range_start + self.size - 1}"
        shown = self.members()[:limit]
        suffix = ", …" if self.size > limit else ""
        return "{" + ", ".join(repr(member) for member in shown) + suffix + "}"


@dataclass
class Parameter:
    """Named numeric data: a scalar or a table over index sets (missing entries take ``default``)."""

    name: str
    index: tuple[str, ...] = ()
    values: np.ndarray = field(default_factory=lambda: np.zeros(()))
    default: float | None = None
    origin: Any = None

    @property
    def is_scalar(self) -> bool:
        """True for a parameter without index."""
        return not self.index


class Domain(str, Enum):
    """Variable domain."""

    CONTINUOUS = "continuous"
    INTEGER = "integer"
    BINARY = "binary"

    @classmethod
    def parse(cls, text: str, location: Location | None = None) -> "Domain":
        """Read a domain name (a few synonyms accepted)."""
        lowered = str(text).strip().lower()
        synonyms = {"real": "continuous", "reals": "continuous", "float": "continuous", "int": "integer",
                    "integers": "integer", "bool": "binary", "boolean": "binary", "bin": "binary"}
        lowered = synonyms.get(lowered, lowered)
        try:
            return cls(lowered)
        except ValueError:
            raise ModelError(f"unknown variable type {text!r}", location, "use continuous, integer or binary") from None


Bound = float | str


@dataclass
class Variable:
    """A decision variable family indexed by sets; bounds are numbers or parameter names.

    ``semicontinuous``: each element is 0 or lies within ``[lower, upper]`` (semi-integer when the
    domain is integer); the upper bound must be finite.
    """

    name: str
    index: tuple[str, ...] = ()
    domain: Domain = Domain.CONTINUOUS
    lower: Bound = 0.0
    upper: Bound = float("inf")
    description: str = ""
    semicontinuous: bool = False


@dataclass
class Objective:
    """``sense`` and an expression."""

    sense: Sense
    expression: Node
    description: str = ""
    text: str = ""

    @classmethod
    def parse(cls, sense: str | Sense, text: str, description: str = "") -> "Objective":
        """From text, with errors located in the objective."""
        location = Location(element="objective")
        try:
            parsed_sense = sense if isinstance(sense, Sense) else Sense.parse(sense)
        except ValueError as error:
            raise ModelError(str(error), location) from None
        try:
            expression = parse_expression(text)
        except ExpressionError as error:
            raise error.at(location) from None
        return cls(parsed_sense, expression, description, " ".join(str(text).split()))


@dataclass
class Constraint:
    """A named constraint family: ``for`` generators, a relation, and an optional ``when`` condition.

    ``when`` makes the rows conditional on a binary variable (indicator constraint), e.g.
    ``when: "open[i] == 1"``; it is linearized by big-M from variable bounds.
    """

    name: str
    relation: Compare
    generators: tuple[Generator, ...] = ()
    when: Compare | None = None
    description: str = ""
    text: str = ""

    @classmethod
    def parse(cls, name: str, text: str, for_: str | None = None, when: str | None = None, description: str = "") -> "Constraint":
        """From text, with errors located in this constraint."""
        location = Location(element="constraints", item=name)
        try:
            relation = parse_relation(text)
            generators = parse_generators(for_) if for_ else ()
            condition = parse_relation(when) if when else None
        except ExpressionError as error:
            raise error.at(location) from None
        return cls(name, relation, generators, condition, description, " ".join(text.split()))


_RESERVED = {"sum", "min", "max", "abs", "exp", "log", "sqrt", "sin", "cos", "range", "for", "in", "if", "and", "or", "not",
             "piecewise", "sos1", "sos2"}


@dataclass
class SpecialOrderedSet:
    """A family of special ordered sets: ``sos1(x[k] for k in K)`` or ``sos2(...)``, one set per row of ``for``.

    SOS1: at most one member is non-zero. SOS2: at most two are, adjacent in the generator's order.
    """

    name: str
    members: Reduce
    generators: tuple[Generator, ...] = ()
    description: str = ""
    text: str = ""

    @property
    def kind(self) -> int:
        """1 or 2."""
        return 1 if self.members.kind == "sos1" else 2

    @classmethod
    def parse(cls, name: str, text: str, for_: str | None = None, description: str = "") -> "SpecialOrderedSet":
        """From ``sos1(...)``/``sos2(...)`` text, with errors located in this family."""
        location = Location(element="constraints", item=name)
        try:
            node = parse_expression(text)
            generators = parse_generators(for_) if for_ else ()
        except ExpressionError as error:
            raise error.at(location) from None
        if not isinstance(node, Reduce) or node.kind not in SOS_KINDS:
            raise ModelError("a special ordered set reads sos1(x[k] for k in K) or sos2(x[k] for k in K)", location)
        return cls(name, node, generators, description, " ".join(text.split()))


def is_sos_text(text: object) -> bool:
    """True when constraint text is a special ordered set (``sos1(...)``/``sos2(...)``) rather than a relation."""
    return isinstance(text, str) and text.lstrip().startswith(tuple(f"{kind}(" for kind in SOS_KINDS))


@dataclass
class Problem:
    """The five-element model."""

    name: str = "model"
    sets: dict[str, IndexSet] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    objective: Objective | None = None
    constraints: list[Constraint] = field(default_factory=list)
    description: str = ""
    sos_sets: list[SpecialOrderedSet] = field(default_factory=list)
    origin: Any = field(default=None, compare=False, repr=False)  # where it was read from (an io.SourceMap)

    def source_location(self, element: str | None, item: str | None = None) -> Location:
        """File and line of an element's item when the Problem was read from a file, else an empty Location."""
        if self.origin is None:
            return Location()
        return self.origin.location(element, item)

    def _check_new_name(self, name: str, element: str) -> None:
        location = Location(element=element, item=name)
        if not isinstance(name, str) or not name.isidentifier():
            raise ModelError(f"{name!r} is not a valid name", location, "names start with a letter and use letters, digits and _")
        if name in _RESERVED:
            raise ModelError(f"{name!r} is a reserved word", location, "pick another name")
        for kind, table in (("set", self.sets), ("parameter", self.parameters), ("variable", self.variables)):
            if name in table:
                raise ModelError(f"{name!r} is already defined as a {kind}", location, "every symbol needs its own name")

    def add_set(self, index_set: IndexSet) -> None:
        """Add a set (its name must be new)."""
        self._check_new_name(index_set.name, "sets")
        self.sets[index_set.name] = index_set

    def add_parameter(self, parameter: Parameter) -> None:
        """Add a parameter whose index sets already exist."""
        self._check_new_name(parameter.name, "parameters")
        if parameter.is_scalar and not np.all(np.isfinite(parameter.values)):
            raise ModelError(f"the value is {float(parameter.values)}, not a finite number", Location(element="parameters", item=parameter.name),
                             "a parameter is a finite number; for a variable without an upper bound write `upper: .inf` on the variable")
        shape = self.shape_of(parameter.index, Location(element="parameters", item=parameter.name))
        if parameter.values.shape != shape:
            raise ModelError(f"values have shape {parameter.values.shape}, the index sets give {shape}",
                             Location(element="parameters", item=parameter.name))
        self.parameters[parameter.name] = parameter

    def add_variable(self, variable: Variable) -> None:
        """Add a variable family whose index sets already exist."""
        self._check_new_name(variable.name, "variables")
        location = Location(element="variables", item=variable.name)
        self.shape_of(variable.index, location)
        for label, bound in (("lower", variable.lower), ("upper", variable.upper)):
            if isinstance(bound, str):
                if bound not in self.parameters:
                    raise ModelError(f"{label} bound {bound!r} is not a number or a parameter", location, self._suggest(bound))
                continue
            if isinstance(bound, bool) or not isinstance(bound, (int, float, np.integer, np.floating)):
                raise ModelError(f"{label} bound {bound!r} is not a number or a parameter name", location)
            if np.isnan(bound):
                raise ModelError(f"{label} bound is NaN", location, "give a number, or -inf / inf for no bound")
        self.variables[variable.name] = variable

    def set_objective(self, objective: Objective) -> None:
        """Set (replace) the objective."""
        self.objective = objective

    @property
    def is_feasibility(self) -> bool:
        """True for a feasibility model: no objective, any feasible point is an answer."""
        return self.objective is None

    def objective_or_zero(self) -> Objective:
        """The objective; for a feasibility model, minimize the constant 0 (what every backend is given)."""
        if self.objective is not None:
            return self.objective
        from ormodel.expressions import Const

        return Objective(Sense.MINIMIZE, Const(0.0), "", "0")

    def add_constraint(self, constraint: Constraint) -> None:
        """Add a constraint family (its name must be new among constraints)."""
        if not constraint.name.isidentifier():
            raise ModelError(f"{constraint.name!r} is not a valid constraint name", Location(element="constraints", item=constraint.name))
        if constraint.name in {existing.name for existing in self.constraints} | {existing.name for existing in self.sos_sets}:
            raise ModelError(f"constraint {constraint.name!r} is defined twice", Location(element="constraints", item=constraint.name))
        self.constraints.append(constraint)

    def add_sos_set(self, family: SpecialOrderedSet) -> None:
        """Add a family of special ordered sets (its name must be new among constraints and sets of this kind)."""
        location = Location(element="constraints", item=family.name)
        if not family.name.isidentifier():
            raise ModelError(f"{family.name!r} is not a valid constraint name", location)
        if family.name in {existing.name for existing in self.constraints} | {existing.name for existing in self.sos_sets}:
            raise ModelError(f"constraint {family.name!r} is defined twice", location)
        self.sos_sets.append(family)

    def shape_of(self, index: Sequence[str], location: Location) -> tuple[int, ...]:
        """Sizes of the given index sets; a clear error for unknown sets."""
        shape = []
        for set_name in index:
            if set_name not in self.sets:
                raise ModelError(f"unknown set {set_name!r} in the index", location, self._suggest(set_name))
            shape.append(self.sets[set_name].size)
        return tuple(shape)

    def dimen_of(self, index: Sequence[str]) -> int:
        """Total number of components of an index (tuple sets count their width)."""
        return sum(self.sets[set_name].dimen for set_name in index)

    def symbols(self) -> list[str]:
        """Every defined name."""
        return [*self.sets, *self.parameters, *self.variables]

    def _suggest(self, name: str) -> str | None:
        close = difflib.get_close_matches(name, self.symbols(), n=3)
        return f"did you mean {', '.join(close)}?" if close else None

    def suggest(self, name: str) -> str | None:
        """A 'did you mean' hint for an unknown symbol."""
        return self._suggest(name)

    def parameter_table(self, name: str) -> Mapping[tuple[Any, ...], float]:
        """A parameter's defined values keyed by index tuple (for display and export)."""
        parameter = self.parameters[name]
        if parameter.is_scalar:
            return {(): float(parameter.values)}
        index_sets = [self.sets[set_name] for set_name in parameter.index]
        table = {}
        for flat, value in enumerate(parameter.values.ravel()):
            if np.isnan(value):
                continue
            positions = np.unravel_index(flat, parameter.values.shape)
            key: list[Any] = []
            for index_set, position in zip(index_sets, positions):
                member = index_set.member(int(position))
                key.extend(member if isinstance(member, tuple) else (member,))
            table[tuple(key)] = float(value)
        return table
