"""Compile a five-element :class:`~ormodel.problem.Problem` into a :class:`~ormodel.standard_form.StandardForm`.

Compilation is set-based and vectorized, the way AMPL and GAMS compile: a constraint family's
``for`` clause becomes a *frame* (one numpy array per index name, one entry per row); every
sub-expression is evaluated for all rows at once into either numbers per row
(:class:`Numeric`), index values per row (:class:`IndexValue`) or linear/quadratic terms per row
(:class:`Affine`, coordinate arrays). Sums expand the frame by their generators and fold the
terms back onto the parent rows. No Python object is created per row or per non-zero.

``min``, ``max`` and ``abs`` are linearized: by an epigraph (one auxiliary variable per row)
where they stand in a convex position, otherwise exactly with binaries and big-M values
derived from variable bounds. A constraint with ``when: b[i] == 1`` is an indicator,
linearized by big-M from the bounds of its expression.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"sets": {"I": [1, 2]}, "variables": {"x": {"index": ["I"]}},
    ...     "objective": {"sense": "min", "expression": "sum(x[i] for i in I)"},
    ...     "constraints": [{"name": "lo", "for": "i in I", "expression": "x[i] >= i"}]})
    >>> compile_problem(problem).matrix.toarray()
    array([[1., 0.],
           [0., 1.]])
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ormodel.errors import ExpressionError, Location, ModelError
from ormodel.expressions import (
    SOS_KINDS, BoolOp, Binary, Call, Compare, Const, Generator, Index, MemberList, Name, Node, Not, Piecewise, RangeDomain, Reduce,
    TupleValue, Unary, additive_terms, to_text,
)
from ormodel.idioms import STRICT_OPERATORS, explicit_sum, non_strict, strict_bounds
from ormodel.intervals import linear_interval
from ormodel.limits import InputLimitError, check_elements
from ormodel.problem import Domain, IndexSet, Problem
from ormodel.standard_form import Block, NameMap, Sense, SpecialOrderedSets, StandardForm

if TYPE_CHECKING:
    pass

__all__ = ["compile_problem", "as_standard_form", "Frame", "Numeric", "IndexValue", "Affine"]


# --------------------------------------------------------------------------------------------
# Values that sub-expressions evaluate to, one entry per frame row.


@dataclass
class Numeric:
    """A number per row."""

    values: np.ndarray


@dataclass
class IndexValue:
    """The value of a bound index per row (several components for a tuple-valued index)."""

    components: tuple[np.ndarray, ...]
    name: str


def uniform(value: float, size: int, dtype: Any = np.float64) -> np.ndarray:
    """``size`` copies of one value as a read-only view of a single element (no per-row memory)."""
    return np.broadcast_to(np.asarray(value, dtype=dtype), (size,))


def is_uniform(array: np.ndarray) -> bool:
    """True for a one-dimensional array that repeats one element through a zero stride (see :func:`uniform`)."""
    return array.ndim == 1 and len(array) > 0 and array.strides[0] == 0


def compact(array: np.ndarray) -> np.ndarray:
    """The single element of a uniform array (as a length-1 array), otherwise the array itself: for checks that scan values."""
    return array[:1] if is_uniform(array) else array


def times(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left * right`` per row, kept uniform when both sides are."""
    if is_uniform(left) and is_uniform(right):
        return uniform(left[0] * right[0], len(left), np.result_type(left, right))
    return left * right


def plus(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left + right`` per row, kept uniform when both sides are."""
    if is_uniform(left) and is_uniform(right):
        return uniform(left[0] + right[0], len(left), np.result_type(left, right))
    return left + right


class Part:
    """Linear terms: ``coefs[k] * x[cols[k]]`` added to row ``rows[k]``.

    A ``dense`` part has exactly one term per row, rows in order; its row array is only built
    when something asks for it.
    """

    __slots__ = ("_rows", "coefs", "cols", "dense")

    def __init__(self, rows: np.ndarray | None, cols: np.ndarray, coefs: np.ndarray, dense: bool = False) -> None:
        if rows is None and not dense:
            raise ValueError("only a dense part may leave out its rows")
        self._rows = rows
        self.cols = cols
        self.coefs = coefs
        self.dense = dense

    @classmethod
    def one_per_row(cls, cols: np.ndarray, coefs: np.ndarray) -> Part:
        """The dense part ``coefs[r] * x[cols[r]]`` in row ``r``."""
        return cls(None, cols, coefs, dense=True)

    @property
    def rows(self) -> np.ndarray:
        """The row of each term."""
        if self._rows is None:
            self._rows = np.arange(len(self.cols), dtype=np.int64)
        return self._rows


@dataclass
class QuadraticPart:
    """Quadratic terms: ``coefs[k] * x[first[k]] * x[second[k]]`` added to row ``rows[k]``."""

    rows: np.ndarray
    first: np.ndarray
    second: np.ndarray
    coefs: np.ndarray


@dataclass
class Affine:
    """Linear (and optionally quadratic) terms plus a constant, per row.

    ``unique`` promises that no (row, column) pair repeats; ``covered`` are the bound index
    names that appear bare in every variable index of the terms (the terms are injective in
    them), which is how sums know whether folding can create repeated pairs.
    """

    size: int
    parts: list[Part]
    const: np.ndarray
    quadratic: list[QuadraticPart] = field(default_factory=list)
    unique: bool = True
    covered: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()

    def scaled(self, factor: np.ndarray) -> Affine:
        """Every term and the constant multiplied by a per-row factor."""
        parts = [Part(part._rows, part.cols, times(part.coefs, factor), True) if part.dense
                 else Part(part.rows, part.cols, part.coefs * factor[part.rows]) for part in self.parts]
        quadratic = [QuadraticPart(q.rows, q.first, q.second, q.coefs * factor[q.rows]) for q in self.quadratic]
        return Affine(self.size, parts, times(self.const, factor), quadratic, self.unique, self.covered, self.families)

    @property
    def is_linear(self) -> bool:
        """True when there are no quadratic terms."""
        return not self.quadratic

    def linear_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All linear terms concatenated."""
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        if len(self.parts) == 1:
            part = self.parts[0]
            return part.rows, part.cols, part.coefs
        return (np.concatenate([part.rows for part in self.parts]), np.concatenate([part.cols for part in self.parts]),
                np.concatenate([part.coefs for part in self.parts]))


Value = Numeric | IndexValue | Affine


# --------------------------------------------------------------------------------------------
# Frames: one row per binding of the index names in scope.


class CartesianBindings(Mapping[str, tuple[np.ndarray, ...]]):
    """The bindings of a frame that is a full cross product of sets (row-major over ``shape``).

    Each index name keeps only the members along its own axis; the per-row arrays are built the
    first time a name is read, so a family whose terms are looked up by axis (see
    :meth:`Compiler.indexed`) never builds them.
    """

    def __init__(self, shape: tuple[int, ...], axes: dict[str, tuple[int, tuple[np.ndarray, ...]]]) -> None:
        self.shape = shape
        self.axes = axes
        self._rows: dict[str, tuple[np.ndarray, ...]] = {}

    def __getitem__(self, name: str) -> tuple[np.ndarray, ...]:
        rows = self._rows.get(name)
        if rows is None:
            axis, components = self.axes[name]
            rows = tuple(_along_axis(component, axis, self.shape) for component in components)
            self._rows[name] = rows
        return rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.axes)

    def __len__(self) -> int:
        return len(self.axes)

    def __contains__(self, name: object) -> bool:
        return name in self.axes

    def with_axis(self, members: int, names: dict[str, tuple[np.ndarray, ...]]) -> CartesianBindings:
        """The bindings after crossing with one more set of ``members`` members, bound to ``names``."""
        axis = len(self.shape)
        return CartesianBindings((*self.shape, members), {**self.axes, **{name: (axis, components) for name, components in names.items()}})


def _along_axis(values: np.ndarray, axis: int, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` (one per member of axis ``axis``) repeated over the other axes of ``shape``, flattened row-major (a fresh array)."""
    view = [1] * len(shape)
    view[axis] = shape[axis]
    result = np.empty(math.prod(shape), dtype=values.dtype)
    result.reshape(shape)[...] = values.reshape(view)
    return result


def _along_axes(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` (broadcastable to ``shape``) as one fresh row-major array of ``prod(shape)`` entries."""
    result = np.empty(math.prod(shape), dtype=values.dtype)
    result.reshape(shape)[...] = values
    return result


class Frame:
    """Bindings of index names, one entry per row; ``parent`` maps rows to the enclosing frame.

    ``full_shape`` is the shape of the cross product when the frame is one (``None`` otherwise),
    ``dense_sets`` the sets along its axes, ``domains`` the set each bound index name runs over
    (``None``: a range).
    """

    def __init__(self, size: int, bindings: Mapping[str, tuple[np.ndarray, ...]], parent: np.ndarray | None = None,
                 full_shape: tuple[int, ...] | None = (), dense_sets: tuple[str, ...] = (),
                 domains: dict[str, str | None] | None = None, repeat: int = 0) -> None:
        self.size = size
        self.bindings = bindings
        self._parent = parent
        self._repeat = repeat  # > 0: parent is each outer row repeated this many times, built on first use
        self.full_shape = full_shape
        self.dense_sets = dense_sets
        self.domains: dict[str, str | None] = {} if domains is None else domains

    @property
    def parent(self) -> np.ndarray | None:
        """The row of the enclosing frame for each row (``None`` at the top)."""
        if self._parent is None and self._repeat:
            self._parent = np.repeat(np.arange(self.size // self._repeat), self._repeat)
        return self._parent

    @parent.setter
    def parent(self, value: np.ndarray | None) -> None:
        self._parent = value
        self._repeat = 0

    @classmethod
    def root(cls) -> Frame:
        """The frame of a single row with nothing bound (objective, scalar constraints)."""
        return cls(1, {})

    def describe_row(self, row: int) -> str:
        """``i=3, j='b'`` for messages."""
        parts = []
        for name, components in self.bindings.items():
            values = [component[row].item() if hasattr(component[row], "item") else component[row] for component in components]
            parts.append(f"{name}={values[0]!r}" if len(values) == 1 else f"{name}={tuple(values)!r}")
        return ", ".join(parts)


class Compiler:
    """Evaluates expression trees over frames and collects rows, columns and auxiliaries."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.location = Location()
        self.blocks: dict[str, Block] = {}
        # Per variable family: an array, or one float for a family-wide bound (filled in once by bounds()).
        self.column_lower: list[np.ndarray | float] = []
        self.column_upper: list[np.ndarray | float] = []
        self.column_sizes: list[int] = []
        self.column_integer: list[np.ndarray] = []
        self.column_semicontinuous: list[tuple[int, int]] = []  # (first column, count) of semi-continuous families
        self.piecewise_formulation = "incremental"  # or "sos2" (see ormodel.piecewise_linear)
        self.special_sets: list[SpecialOrderedSets] = []
        self.num_columns = 0
        self.auxiliary_rows: list[tuple[str, Affine, np.ndarray, np.ndarray]] = []
        self.auxiliary_count = 0
        self._lower_cache: np.ndarray | None = None
        self._upper_cache: np.ndarray | None = None
        self.variable_blocks: list[Block] = []
        self._declare_variables()

    # ---- columns ---------------------------------------------------------------------------

    def _declare_variables(self) -> None:
        for variable in self.problem.variables.values():
            location = Location(element="variables", item=variable.name)
            index_sets = [self.problem.sets[name] for name in variable.index]
            shape = tuple(index_set.size for index_set in index_sets)
            size = math.prod(shape)
            check_elements(size, f"variable family {variable.name!r}", location)
            # Family-wide bounds stay scalars here (no passes over per-column arrays).
            lower = self._bound_array(variable.lower, variable.index, size, location, "lower", scalar_ok=True)
            upper = self._bound_array(variable.upper, variable.index, size, location, "upper", scalar_ok=True)
            integer = variable.domain != Domain.CONTINUOUS
            if variable.domain == Domain.BINARY:
                lower, upper = np.maximum(lower, 0.0), np.minimum(upper, 1.0)
            if integer:
                lower, upper = np.ceil(lower - 1e-9), np.floor(upper + 1e-9)
            for label, values, wrong in (("lower", lower, np.inf), ("upper", upper, -np.inf)):
                if np.any(values == wrong):
                    raise ModelError(f"the {label} bound is {wrong}", location, "a lower bound can be -inf and an upper bound +inf, not the reverse")
            lower = float(lower) if np.ndim(lower) == 0 else lower
            upper = float(upper) if np.ndim(upper) == 0 else upper
            crossing = np.flatnonzero(np.broadcast_to(np.asarray(lower) > np.asarray(upper), (size,)))
            if len(crossing):
                block = Block(variable.name, 0, size, shape, tuple(index_set.columns for index_set in index_sets))
                low, high = np.broadcast_to(lower, (size,))[crossing[0]], np.broadcast_to(upper, (size,))[crossing[0]]
                raise ModelError(f"lower bound {low:g} exceeds upper bound {high:g} for {block.label(int(crossing[0]))}",
                                 location, "fix the bounds; the model would be infeasible")
            block = Block(variable.name, self.num_columns, size, shape, tuple(index_set.columns for index_set in index_sets))
            if getattr(variable, "semicontinuous", False):
                _check_semicontinuous(block, lower, upper, size, location)
                self.column_semicontinuous.append((self.num_columns, size))
            self.blocks[variable.name] = block
            self.variable_blocks.append(block)
            self._append_columns(lower, upper, np.full(size, integer))

    def _append_columns(self, lower: np.ndarray | float, upper: np.ndarray | float, integer: np.ndarray) -> np.ndarray:
        start = self.num_columns
        self.column_lower.append(lower)
        self.column_upper.append(upper)
        self.column_sizes.append(len(integer))
        self.column_integer.append(integer)
        self.num_columns += len(integer)
        self._lower_cache = self._upper_cache = None
        return np.arange(start, self.num_columns, dtype=np.int64)

    def _bound_array(self, bound: Any, index: tuple[str, ...], size: int, location: Location, label: str,
                     scalar_ok: bool = False) -> np.ndarray | float:
        """The bound of each column of a family (one float when ``scalar_ok`` and the bound is family-wide)."""
        if isinstance(bound, str):
            parameter = self.problem.parameters.get(bound)
            if parameter is None:
                raise ModelError(f"{label} bound {bound!r} is not a parameter", location, self.problem.suggest(bound))
            if parameter.is_scalar:
                return float(parameter.values) if scalar_ok else np.full(size, float(parameter.values))
            axes = _subsequence_axes(tuple(parameter.index), tuple(index))
            if axes is None:
                raise ModelError(f"{label} bound parameter {bound!r} is indexed by {parameter.index}, the variable by {index}",
                                 location, "a bound parameter must be scalar or indexed by some of the variable's index sets, "
                                 "in the variable's order (it is repeated over the others)")
            shape = tuple(self.problem.sets[name].size for name in index)
            spread = [1] * len(index)
            for axis, set_name in zip(axes, parameter.index):
                spread[axis] = self.problem.sets[set_name].size
            values = np.broadcast_to(np.asarray(parameter.values, dtype=np.float64).reshape(spread), shape).ravel()
            if np.isnan(values).any():
                raise ModelError(f"{label} bound parameter {bound!r} has missing entries and no default", location)
            return values
        try:
            value = float(bound)
        except (TypeError, ValueError):
            raise ModelError(f"{label} bound {bound!r} is not a number", location) from None
        if math.isnan(value):
            raise ModelError(f"{label} bound is NaN", location)
        return value if scalar_ok else np.full(size, value)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Current column bounds (auxiliary columns included)."""
        if self._lower_cache is None or self._upper_cache is None:
            self._lower_cache = self._filled(self.column_lower)
            self._upper_cache = self._filled(self.column_upper)
        return self._lower_cache, self._upper_cache

    def _filled(self, pieces: list[np.ndarray | float]) -> np.ndarray:
        """One array from per-family arrays and family-wide floats, written once."""
        array = np.empty(self.num_columns, dtype=np.float64)
        start = 0
        for piece, size in zip(pieces, self.column_sizes):
            array[start : start + size] = piece
            start += size
        return array

    def add_auxiliary(self, kind: str, size: int, lower: float | np.ndarray, upper: float | np.ndarray, integer: bool) -> np.ndarray:
        """New columns for linearizations; returns their column numbers."""
        self.auxiliary_count += 1
        name = f"_{kind}{self.auxiliary_count}"
        lower_array = np.broadcast_to(np.asarray(lower, dtype=np.float64), (size,)).copy()
        upper_array = np.broadcast_to(np.asarray(upper, dtype=np.float64), (size,)).copy()
        columns = self._append_columns(lower_array, upper_array, np.full(size, integer))
        block = Block(name, int(columns[0]) if size else self.num_columns, size, (size,), ((np.arange(size),),))
        self.blocks[name] = block
        self.variable_blocks.append(block)
        return columns

    def add_auxiliary_rows(self, kind: str, expression: Affine, lower: np.ndarray, upper: np.ndarray) -> None:
        """Rows for linearizations: ``lower <= expression <= upper`` (constant moved to the bounds)."""
        self.auxiliary_rows.append((kind, expression, lower - expression.const, upper - expression.const))

    # ---- errors ----------------------------------------------------------------------------

    def error(self, message: str, node: Node | None = None, hint: str | None = None, index: tuple[Any, ...] | None = None) -> ExpressionError:
        location = Location(column=node.column if node is not None and node.column else None, index=index)
        return ExpressionError(message, location.merged(self.location), hint)

    def check_size(self, count: int, what: str, node: Node | None = None) -> None:
        """Refuse to allocate more than ``max_elements`` entries for one frame or term list."""
        try:
            check_elements(count, what)
        except InputLimitError as error:
            column = node.column if node is not None and node.column else None
            raise error.at(Location(column=column).merged(self.location)) from None

    # ---- frames ----------------------------------------------------------------------------

    def expand(self, frame: Frame, generator: Generator) -> Frame:
        """A frame with one row per (row of ``frame``, member of the generator's domain) passing its conditions."""
        for target in generator.targets:
            if target in frame.bindings:
                raise self.error(f"index name {target!r} is already in use here", generator, "pick a new name for the inner index")
            if target in self.problem.sets or target in self.problem.parameters or target in self.problem.variables:
                raise self.error(f"index name {target!r} is also the name of a set, parameter or variable", generator, "use a lowercase letter such as i, j, k")
        if isinstance(generator.domain, RangeDomain):
            start = self.integers(self.evaluate(generator.domain.start, frame), generator.domain.start, "range start")
            stop = self.integers(self.evaluate(generator.domain.stop, frame), generator.domain.stop, "range stop")
            counts = np.maximum(stop - start, 0)
            self.check_size(int(counts.sum(dtype=np.float64)), f"range(...) over index {generator.targets[0]!r}", generator)
            parent = np.repeat(np.arange(frame.size), counts)
            offsets = np.concatenate(([0], np.cumsum(counts)[:-1])) if frame.size else np.zeros(0, dtype=np.int64)
            values = start[parent] + (np.arange(len(parent)) - offsets[parent])
            if len(generator.targets) != 1:
                raise self.error("range(...) binds one index name", generator)
            new_bindings = {generator.targets[0]: (values.astype(np.int64),)}
            conditions = generator.conditions
            full_shape = None
            dense: tuple[str, ...] = ()
            domain_set: str | None = None
        elif isinstance(generator.domain, MemberList):  # for c in ['a', 'b']: the members as written, in order
            if len(generator.targets) != 1:
                raise self.error("a list of members binds one index name", generator)
            listed = IndexSet.from_members("the list after 'in'", [member.value for member in generator.domain.members])
            self.check_size(frame.size * listed.size, f"the index frame 'for {generator.targets[0]} in [...]'", generator)
            parent = np.repeat(np.arange(frame.size), listed.size)
            member = np.tile(np.arange(listed.size), frame.size)
            new_bindings = {generator.targets[0]: (listed.columns[0][member],)}
            conditions = generator.conditions
            full_shape, dense, domain_set = None, (), None
        else:
            set_name = generator.domain.id
            domain_set = set_name
            index_set = self.problem.sets.get(set_name)
            if index_set is None:
                if set_name in self.problem.parameters or set_name in self.problem.variables:
                    kind = "parameter" if set_name in self.problem.parameters else "variable"
                    raise self.error(f"{set_name!r} is a {kind}, not a set; 'for ... in' needs a set", generator.domain)
                raise self.error(f"undefined set {set_name!r} after 'in'", generator.domain,
                                 self.problem.suggest(set_name) or "define it under sets")
            members = index_set.size
            if generator.unpack and len(generator.targets) != index_set.dimen:
                raise self.error(f"set {set_name} has members of {index_set.dimen} components, the generator unpacks {len(generator.targets)}", generator)
            join = self._equality_join(frame, generator, index_set) if generator.unpack else None
            conditions = generator.conditions
            if join is not None:
                parent, member, used = join
                conditions = tuple(condition for position, condition in enumerate(conditions) if position != used)
                full_shape, dense = None, ()
            else:
                self.check_size(frame.size * members, f"the index frame 'for {', '.join(generator.targets)} in {set_name}'", generator)
                if frame.full_shape is not None and (isinstance(frame.bindings, CartesianBindings) or not frame.bindings):
                    outer = frame.bindings if isinstance(frame.bindings, CartesianBindings) else CartesianBindings(frame.full_shape, {})
                    names: dict[str, tuple[np.ndarray, ...]] = (
                        {target: (column,) for target, column in zip(generator.targets, index_set.columns)} if generator.unpack
                        else {generator.targets[0]: tuple(index_set.columns)})
                    crossed = Frame(frame.size * members, outer.with_axis(members, names), None, (*frame.full_shape, members),
                                    (*frame.dense_sets, set_name), {**frame.domains, **{target: set_name for target in generator.targets}},
                                    repeat=members)
                    return self._filtered(crossed, conditions)
                parent = np.repeat(np.arange(frame.size), members)
                member = np.tile(np.arange(members), frame.size)
                full_shape = None if frame.full_shape is None else (*frame.full_shape, members)
                dense = (*frame.dense_sets, set_name)
            if generator.unpack:
                new_bindings = {target: (column[member],) for target, column in zip(generator.targets, index_set.columns)}
            else:
                new_bindings = {generator.targets[0]: tuple(column[member] for column in index_set.columns)}
        bindings = {name: tuple(component[parent] for component in components) for name, components in frame.bindings.items()}
        bindings.update(new_bindings)
        domains = {**frame.domains, **{target: domain_set for target in generator.targets}}
        return self._filtered(Frame(len(parent), bindings, parent, full_shape, dense, domains), conditions)

    def _filtered(self, expanded: Frame, conditions: Sequence[Node]) -> Frame:
        """The rows of ``expanded`` that pass every condition."""
        for condition in conditions:
            mask = self.condition(condition, expanded)
            if not mask.all():
                keep = np.flatnonzero(mask)
                expanded = Frame(len(keep), {name: tuple(component[keep] for component in components) for name, components in expanded.bindings.items()},
                                 expanded.parent[keep] if expanded.parent is not None else None, None, (), expanded.domains)
        return expanded

    def _equality_join(self, frame: Frame, generator: Generator, index_set: Any) -> tuple[np.ndarray, np.ndarray, int] | None:
        """For ``for (i, j) in A if j == n`` with ``n`` bound outside: only the matching members, by a sorted join.

        Returns (parent row, member position, position of the condition used) or ``None`` when no
        condition equates a generator target with an outer index.
        """
        for position, condition in enumerate(generator.conditions):
            if not (isinstance(condition, Compare) and condition.ops == ("==",)):
                continue
            left, right = condition.operands
            if not (isinstance(left, Name) and isinstance(right, Name)):
                continue
            if right.id in generator.targets and left.id in frame.bindings:
                left, right = right, left
            if left.id not in generator.targets or right.id not in frame.bindings or len(frame.bindings[right.id]) != 1:
                continue
            column = index_set.columns[generator.targets.index(left.id)]
            outer = frame.bindings[right.id][0]
            if (column.dtype.kind == "U") != (outer.dtype.kind == "U"):
                continue
            order = np.argsort(column, kind="stable")
            ordered = column[order]
            low = np.searchsorted(ordered, outer, side="left")
            high = np.searchsorted(ordered, outer, side="right")
            counts = high - low
            self.check_size(int(counts.sum(dtype=np.float64)), f"the index frame over {index_set.name}", generator)
            parent = np.repeat(np.arange(frame.size), counts)
            offsets = np.cumsum(counts) - counts
            member = order[low[parent] + (np.arange(len(parent)) - offsets[parent])]
            return parent, member, position
        return None

    def frame_for(self, generators: Sequence[Generator]) -> Frame:
        """The frame of a constraint family's ``for`` clause."""
        frame = Frame.root()
        for generator in generators:
            expanded = self.expand(frame, generator)
            expanded.parent = None
            frame = expanded
        return frame

    def integers(self, value: Value, node: Node, what: str) -> np.ndarray:
        numbers = self.numbers(value, node)
        if not np.all(numbers == np.round(numbers)):
            raise self.error(f"{what} must be an integer", node)
        if np.any(np.abs(numbers) > 2.0**62):
            raise self.error(f"{what} is beyond ±4.6e18", node, "a range runs over integers of moderate size")
        return numbers.astype(np.int64)

    # ---- conditions ------------------------------------------------------------------------

    def condition(self, node: Node, frame: Frame) -> np.ndarray:
        """A boolean per row."""
        if isinstance(node, BoolOp):
            masks = [self.condition(value, frame) for value in node.values]
            return np.logical_and.reduce(masks) if node.op == "and" else np.logical_or.reduce(masks)
        if isinstance(node, Not):
            return ~self.condition(node.operand, frame)
        if isinstance(node, Compare):
            result = np.ones(frame.size, dtype=bool)
            for op, left_node, right_node in zip(node.ops, node.operands[:-1], node.operands[1:]):
                if op in ("in", "not in"):
                    inside = self.membership(left_node, right_node, frame)
                    result &= inside if op == "in" else ~inside
                    continue
                left, right = self.evaluate(left_node, frame), self.evaluate(right_node, frame)
                if isinstance(left, Affine) or isinstance(right, Affine):
                    raise self.error("a condition cannot depend on variables", node, "conditions filter by indices and parameters only")
                result &= self.compare_values(op, left, right, node)
            return result
        value = self.evaluate(node, frame)
        if isinstance(value, Affine):
            raise self.error("a condition cannot depend on variables", node)
        return self.numbers(value, node) != 0

    def compare_values(self, op: str, left: Value, right: Value, node: Node) -> np.ndarray:
        first, second = self.comparable(left), self.comparable(right)
        if first.dtype.kind == "U" or second.dtype.kind == "U":
            if op not in ("==", "!="):
                raise self.error("text indices can only be compared with == or !=", node)
            first, second = first.astype(str), second.astype(str)
        operations = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal}
        return operations[op](first, second)

    def comparable(self, value: Value) -> np.ndarray:
        if isinstance(value, IndexValue):
            if len(value.components) != 1:
                raise self.error(f"index {value.name!r} is a tuple; compare its parts by unpacking it: for (a, b) in ...")
            return value.components[0]
        assert isinstance(value, Numeric)
        return value.values

    def membership(self, left_node: Node, right_node: Node, frame: Frame) -> np.ndarray:
        if not isinstance(right_node, Name) or right_node.id not in self.problem.sets:
            raise self.error("the right side of 'in' must be a set name", right_node)
        index_set = self.problem.sets[right_node.id]
        items = left_node.items if isinstance(left_node, TupleValue) else (left_node,)
        components = self.index_components(items, frame)
        if len(components) != index_set.dimen:
            raise self.error(f"set {index_set.name} has members of {index_set.dimen} components, got {len(components)}", left_node)
        return index_set.lookup(components)[1]

    # ---- evaluation ------------------------------------------------------------------------

    def numbers(self, value: Value, node: Node | None) -> np.ndarray:
        """Numbers per row, or a clear error when the value holds variables or text."""
        if isinstance(value, Numeric):
            return value.values
        if isinstance(value, IndexValue):
            if len(value.components) != 1 or value.components[0].dtype.kind not in "iuf":
                raise self.error(f"index {value.name!r} takes non-numeric values and cannot be used in arithmetic", node)
            return value.components[0].astype(np.float64)
        raise self.error("a number is needed here, but the expression contains variables", node)

    def as_affine(self, value: Value, node: Node, size: int) -> Affine:
        if isinstance(value, Affine):
            return value
        return Affine(size, [], np.broadcast_to(self.numbers(value, node), (size,)).astype(np.float64))

    def evaluate(self, node: Node, frame: Frame, polarity: int = 0) -> Value:
        """Evaluate a node for every row of ``frame``.

        ``polarity`` is +1 where the surrounding optimization wants the value small (a
        minimized objective, the left of ``<=``), -1 where it wants it large, 0 where both
        directions matter; it decides how ``min``/``max``/``abs`` are linearized.
        """
        if isinstance(node, Const):
            if isinstance(node.value, str):
                return IndexValue((np.full(frame.size, node.value),), repr(node.value))
            return Numeric(uniform(node.value, frame.size))
        if isinstance(node, Name):
            return self.symbol(node, frame)
        if isinstance(node, Index):
            return self.indexed(node, frame)
        if isinstance(node, Unary):
            return self.negate(self.evaluate(node.operand, frame, -polarity), node)
        if isinstance(node, Binary):
            return self.binary(node, frame, polarity)
        if isinstance(node, Reduce):
            return self.reduce(node, frame, polarity)
        if isinstance(node, Call):
            return self.call(node, frame, polarity)
        if isinstance(node, Piecewise):
            from ormodel.piecewise_linear import piecewise_value

            return piecewise_value(self, node, frame)
        if isinstance(node, (Compare, BoolOp, Not)):
            return Numeric(self.condition(node, frame).astype(np.float64))
        if isinstance(node, TupleValue):
            raise self.error("a tuple is only allowed on the left of 'in'", node)
        raise self.error(f"unsupported expression {type(node).__name__}", node)

    def symbol(self, node: Name, frame: Frame) -> Value:
        name = node.id
        if name in frame.bindings:
            return IndexValue(frame.bindings[name], name)
        if name in self.problem.parameters:
            parameter = self.problem.parameters[name]
            if not parameter.is_scalar:
                raise self.error(f"parameter {name!r} is indexed by {', '.join(parameter.index)}; write {name}[...]", node)
            return Numeric(uniform(float(parameter.values), frame.size))
        if name in self.problem.variables:
            variable = self.problem.variables[name]
            if variable.index:
                raise self.error(f"variable {name!r} is indexed by {', '.join(variable.index)}; write {name}[...]", node)
            column = self.blocks[name].start
            return Affine(frame.size, [Part.one_per_row(uniform(column, frame.size, np.int64), uniform(1.0, frame.size))],
                          uniform(0.0, frame.size), families=frozenset({name}), unique=True, covered=frozenset(frame.bindings))
        if name in self.problem.sets:
            raise self.error(f"set {name!r} is used as a value", node, f"iterate over it: sum(... for i in {name})")
        raise self.error(f"undefined symbol {name!r}", node, self.problem.suggest(name) or "define it under sets, parameters or variables, or bind it with 'for'")

    def index_components(self, items: Sequence[Node], frame: Frame) -> list[np.ndarray]:
        components: list[np.ndarray] = []
        for item in items:
            value = self.evaluate(item, frame)
            if isinstance(value, IndexValue):
                components.extend(value.components)
            elif isinstance(value, Numeric):
                numbers = value.values
                integral = np.all(numbers == np.round(numbers)) and np.all(np.abs(numbers) < 2.0**62)
                components.append(numbers.astype(np.int64) if integral else numbers)
            else:
                raise self.error("an index cannot contain variables", item)
        return components

    def indexed(self, node: Index, frame: Frame) -> Value:
        name = node.name
        if name in self.problem.parameters:
            index, kind = self.problem.parameters[name].index, "parameter"
        elif name in self.problem.variables:
            index, kind = self.problem.variables[name].index, "variable"
        elif name in self.problem.sets:
            raise self.error(f"set {name!r} cannot be indexed", node)
        else:
            raise self.error(f"undefined symbol {name!r}", node, self.problem.suggest(name))
        if not index:
            raise self.error(f"{kind} {name!r} has no index; write {name} without brackets", node)
        if kind == "variable":
            columns = self._columns_by_axis(node, frame, index)
            if columns is not None:
                covered = frozenset(item.id for item in node.items if isinstance(item, Name) and item.id in frame.bindings)
                return Affine(frame.size, [Part.one_per_row(columns, uniform(1.0, frame.size))], uniform(0.0, frame.size),
                              unique=True, covered=covered, families=frozenset({name}))
        components = self.index_components(node.items, frame)
        expected = self.problem.dimen_of(index)
        if len(components) != expected:
            raise self.error(f"{kind} {name!r} takes {expected} indices ({', '.join(index)}), got {len(components)}", node)
        positions = []
        shape = []
        cursor = 0
        for set_name in index:
            index_set = self.problem.sets[set_name]
            part = components[cursor : cursor + index_set.dimen]
            cursor += index_set.dimen
            position, valid = index_set.lookup(part)
            if not valid.all():
                bad = int(np.flatnonzero(~valid)[0])
                value = tuple(component[bad].item() if hasattr(component[bad], "item") else component[bad] for component in part)
                shown = value[0] if len(value) == 1 else value
                raise self.error(f"index {shown!r} of {to_text(node)} is not in set {set_name} {index_set.describe_members()}", node,
                                 "add a condition (if ...) to skip it, or fix the index", index=self._row_key(frame, bad))
            positions.append(position)
            shape.append(index_set.size)
        flat = np.ravel_multi_index(positions, shape) if len(positions) > 1 else positions[0]
        if kind == "parameter":
            values = self.problem.parameters[name].values.ravel()[flat]
            missing = np.isnan(values)
            if missing.any():
                bad = int(np.flatnonzero(missing)[0])
                member = tuple(component[bad].item() if hasattr(component[bad], "item") else component[bad] for component in components)
                raise self.error(f"parameter {name!r} has no value at {member!r} and no default", node,
                                 f"give {name} a value there or a default", index=self._row_key(frame, bad))
            return Numeric(values)
        block = self.blocks[name]
        covered = frozenset(item.id for item in node.items if isinstance(item, Name) and item.id in frame.bindings)
        if len(positions) > 1 and flat.dtype == np.int64:
            flat += block.start  # a fresh array from ravel_multi_index: offset in place
            columns = flat
        else:
            columns = flat.astype(np.int64) + block.start
        return Affine(frame.size, [Part.one_per_row(columns, uniform(1.0, frame.size))], uniform(0.0, frame.size),
                      unique=True, covered=covered, families=frozenset({name}))

    def _columns_by_axis(self, node: Index, frame: Frame, index: tuple[str, ...]) -> np.ndarray | None:
        """The column of ``x[...]`` per row of a cross-product frame, looked up once per member of each axis.

        Applies when every item is a bound index name or a constant and each index set of the
        variable takes its components from one axis; ``None`` otherwise, and wherever a lookup
        fails (the row-wise path then reports the bad index with its row).
        """
        bindings = frame.bindings
        if not isinstance(bindings, CartesianBindings) or frame.full_shape is None:
            return None
        components: list[tuple[int | None, np.ndarray]] = []
        for item in node.items:
            if isinstance(item, Name) and item.id in bindings:
                axis, values = bindings.axes[item.id]
                components.extend((axis, value) for value in values)
            elif isinstance(item, Const) and not isinstance(item.value, bool):
                value = item.value
                if isinstance(value, str):
                    components.append((None, np.asarray([value])))
                elif float(value).is_integer() and abs(value) < 2.0**62:
                    components.append((None, np.asarray([int(value)], dtype=np.int64)))
                else:
                    return None
            else:
                return None
        if len(components) != self.problem.dimen_of(index):
            return None
        shape = frame.full_shape
        strides = np.cumprod([1] + [self.problem.sets[set_name].size for set_name in reversed(index)])[::-1][1:]
        total: Any = np.int64(self.blocks[node.name].start)
        cursor = 0
        for set_name, stride in zip(index, strides):
            index_set = self.problem.sets[set_name]
            part = components[cursor : cursor + index_set.dimen]
            cursor += index_set.dimen
            axes = {axis for axis, _ in part if axis is not None}
            if len(axes) > 1:
                return None
            position, valid = index_set.lookup([values for _, values in part])
            if not valid.all():
                return None
            view = [1] * len(shape)
            if axes:
                axis = axes.pop()
                view[axis] = shape[axis]
            total = total + (position * np.int64(stride)).reshape(view)
        return _along_axes(np.asarray(total, dtype=np.int64), shape)

    def _row_key(self, frame: Frame, row: int) -> tuple[Any, ...] | None:
        if not frame.bindings:
            return None
        key: list[Any] = []
        for components in frame.bindings.values():
            key.extend(component[row].item() if hasattr(component[row], "item") else component[row] for component in components)
        return tuple(key)

    def negate(self, value: Value, node: Node) -> Value:
        if isinstance(value, Affine):
            return value.scaled(uniform(-1.0, value.size))
        return Numeric(-self.numbers(value, node))

    def binary(self, node: Binary, frame: Frame, polarity: int) -> Value:
        op = node.op
        if op in ("+", "-"):
            return self.additive(node, frame, polarity)
        if op == "*":
            left = self.evaluate(node.left, frame, 0)
            if not isinstance(left, Affine):
                factor = self.numbers(left, node.left)
                right = self.evaluate(node.right, frame, polarity * _sign(factor))
                if isinstance(right, Affine):
                    return right.scaled(factor)
                return Numeric(factor * self.numbers(right, node.right))
            right = self.evaluate(node.right, frame, 0)
            if not isinstance(right, Affine):
                factor = self.numbers(right, node.right)
                if polarity and _sign(factor) != 1 and self._has_piecewise(node.left):
                    left = self.evaluate(node.left, frame, polarity * _sign(factor))
                assert isinstance(left, Affine)
                return left.scaled(factor)
            return self.multiply(left, right, node)
        if op == "/":
            right = self.evaluate(node.right, frame, 0)
            if isinstance(right, Affine):
                raise self.error("division by an expression with variables is nonlinear", node, "multiply through, or use solver='scip' with a nonlinear model")
            divisor = self.numbers(right, node.right)
            if np.any(divisor == 0):
                bad = int(np.flatnonzero(divisor == 0)[0])
                raise self.error(f"division by zero in {to_text(node)}", node, index=self._row_key(frame, bad))
            left = self.evaluate(node.left, frame, polarity * _sign(divisor))
            if isinstance(left, Affine):
                return left.scaled(1.0 / divisor)
            return Numeric(self.numbers(left, node.left) / divisor)
        if op == "**":
            exponent_value = self.evaluate(node.right, frame)
            if isinstance(exponent_value, Affine):
                raise self.error("a variable exponent is nonlinear", node)
            exponent = self.numbers(exponent_value, node.right)
            base = self.evaluate(node.left, frame, 0)
            if not isinstance(base, Affine):
                return Numeric(self.numbers(base, node.left) ** exponent)
            if np.all(exponent == 1):
                return base
            if np.all(exponent == 2):
                return self.multiply(base, base, node)
            raise self.error("only squares (**2) of expressions with variables are supported", node,
                             "higher powers need a nonlinear backend (solver='scip')")
        raise self.error(f"unsupported operator {op}", node)

    def _has_piecewise(self, node: Node) -> bool:
        from ormodel.expressions import walk

        return any(isinstance(item, Call) and item.function in ("min", "max", "abs") or isinstance(item, Reduce) and item.kind != "sum" for item in walk(node))

    def additive(self, node: Binary, frame: Frame, polarity: int) -> Value:
        """A chain ``a + b - c + …`` evaluated term by term (no recursion along the chain, one n-ary sum)."""
        constant: np.ndarray | None = None
        affines: list[Affine] = []
        terms = additive_terms(node)
        if len(terms) > _GROUP_TERMS_ABOVE:
            terms, affines = self._constant_index_terms(terms, frame)
        for sign, term in terms:
            value = self.evaluate(term, frame, polarity * sign)
            if isinstance(value, Affine):
                affines.append(value if sign > 0 else value.scaled(uniform(-1.0, frame.size)))
                continue
            numbers = self.numbers(value, term)
            numbers = numbers if sign > 0 else -numbers
            constant = numbers if constant is None else constant + numbers
        if not affines:
            assert constant is not None
            return Numeric(constant)
        if len(affines) == 2 and constant is None:
            return self.add(affines[0], affines[1])
        return self.add_many(affines, constant, frame.size)

    def _constant_index_terms(self, terms: list[tuple[int, Node]], frame: Frame) -> tuple[list[tuple[int, Node]], list[Affine]]:
        """Terms ``c * x[3, 'a']`` (constant indices) of a long sum, looked up in one pass per variable; the other terms are returned.

        A long explicit sum (written out by a program or an LLM) would otherwise cost one
        evaluation per term; a group whose lookup fails is left to the per-term path and its errors.
        """
        groups: dict[str, list[tuple[float, tuple[Any, ...], tuple[int, Node]]]] = {}
        rest: list[tuple[int, Node]] = []
        for sign, term in terms:
            factor, target = float(sign), term
            if isinstance(target, Binary) and target.op == "*":
                if isinstance(target.left, Const) and not isinstance(target.left.value, str):
                    factor, target = factor * float(target.left.value), target.right
                elif isinstance(target.right, Const) and not isinstance(target.right.value, str):
                    factor, target = factor * float(target.right.value), target.left
            if (isinstance(target, Index) and target.name in self.problem.variables and target.name not in frame.bindings
                    and all(isinstance(item, Const) for item in target.items)):
                key = tuple(item.value for item in target.items if isinstance(item, Const))
                groups.setdefault(target.name, []).append((factor, key, (sign, term)))
            else:
                rest.append((sign, term))
        affines: list[Affine] = []
        for name, entries in groups.items():
            found = self._constant_columns(name, [key for _, key, _ in entries])
            if found is None:
                rest.extend(original for _, _, original in entries)
                continue
            columns, valid = found
            if not valid.all():  # the per-term path reports the first bad index with its place
                bad = int(np.flatnonzero(~valid)[0])
                rest.append(entries[bad][2])
                entries = [entry for entry, keep in zip(entries, valid) if keep]
                columns = columns[valid]
                if not entries:
                    continue
            count = len(entries)
            rows = np.tile(np.arange(frame.size, dtype=np.int64), count)
            part = Part(rows, np.repeat(columns, frame.size), np.repeat(np.array([factor for factor, _, _ in entries]), frame.size))
            unique = len(np.unique(columns)) == count
            affines.append(Affine(frame.size, [part], np.zeros(frame.size), unique=unique, families=frozenset({name})))
        return rest, affines

    def _constant_columns(self, name: str, keys: list[tuple[Any, ...]]) -> tuple[np.ndarray, np.ndarray] | None:
        """Columns of ``name[key]`` for constant keys and a mask of the valid keys, or ``None`` when the keys cannot be looked up together."""
        variable = self.problem.variables[name]
        if not variable.index or any(len(key) != self.problem.dimen_of(variable.index) for key in keys):
            return None
        positions = []
        valid = np.ones(len(keys), dtype=bool)
        cursor = 0
        for set_name in variable.index:
            index_set = self.problem.sets[set_name]
            components = []
            for offset in range(index_set.dimen):
                values = [key[cursor + offset] for key in keys]
                if all(isinstance(value, float) and value.is_integer() and abs(value) < 2.0**62 for value in values):
                    components.append(np.asarray(values, dtype=np.int64))
                elif all(isinstance(value, str) for value in values):
                    components.append(np.asarray(values, dtype=str))
                else:
                    return None
            cursor += index_set.dimen
            position, found = index_set.lookup(components)
            valid &= found
            positions.append(np.where(found, position, 0))
        shape = tuple(self.problem.sets[set_name].size for set_name in variable.index)
        flat = np.ravel_multi_index(positions, shape) if len(positions) > 1 else positions[0]
        return np.asarray(flat, dtype=np.int64) + self.blocks[name].start, valid

    def add_many(self, affines: list[Affine], constant: np.ndarray | None, size: int) -> Affine:
        """The sum of several affine values and a constant per row."""
        parts: list[Part] = []
        quadratic: list[QuadraticPart] = []
        const = uniform(0.0, size) if constant is None else np.broadcast_to(np.asarray(constant, dtype=np.float64), (size,))
        families: set[str] = set()
        unique = True
        covered: frozenset[str] | None = None
        for affine in affines:
            parts.extend(affine.parts)
            quadratic.extend(affine.quadratic)
            const = plus(const, affine.const)
            unique = unique and affine.unique and not (families & affine.families)
            families |= affine.families
            if affine.parts:
                covered = affine.covered if covered is None else covered & affine.covered
        if covered is None:
            covered = affines[-1].covered
        return Affine(size, parts, const, quadratic, unique=unique, covered=covered, families=frozenset(families))

    def add(self, left: Affine, right: Affine) -> Affine:
        overlap = bool(left.families & right.families)
        return Affine(
            left.size, left.parts + right.parts, plus(left.const, right.const), left.quadratic + right.quadratic,
            unique=left.unique and right.unique and not overlap,
            covered=left.covered & right.covered if left.parts and right.parts else (left.covered if left.parts else right.covered),
            families=left.families | right.families,
        )

    def multiply(self, left: Affine, right: Affine, node: Node) -> Affine:
        if left.quadratic or right.quadratic:
            raise self.error("products of more than two variables are not supported", node, "use solver='scip' with a nonlinear model")
        left_rows, left_cols, left_coefs = left.linear_arrays()
        right_rows, right_cols, right_coefs = right.linear_arrays()
        left_order = np.argsort(left_rows, kind="stable")
        right_order = np.argsort(right_rows, kind="stable")
        left_rows, left_cols, left_coefs = left_rows[left_order], left_cols[left_order], left_coefs[left_order]
        right_rows, right_cols, right_coefs = right_rows[right_order], right_cols[right_order], right_coefs[right_order]
        size = left.size
        right_count = np.bincount(right_rows, minlength=size)
        right_start = np.concatenate(([0], np.cumsum(right_count)[:-1]))
        pair_count = right_count[left_rows]
        self.check_size(int(pair_count.sum(dtype=np.float64)), "the quadratic terms of this product", node)
        first_index = np.repeat(np.arange(len(left_rows)), pair_count)
        offsets = np.arange(len(first_index)) - np.repeat(np.cumsum(pair_count) - pair_count, pair_count)
        second_index = right_start[left_rows[first_index]] + offsets
        quadratic = QuadraticPart(left_rows[first_index], left_cols[first_index], right_cols[second_index],
                                  left_coefs[first_index] * right_coefs[second_index])
        linear = self.add(left.scaled(right.const), right.scaled(left.const))
        product = Affine(size, linear.parts, left.const * right.const, [quadratic], unique=False, families=left.families | right.families)
        return product

    def explicit_sum(self, node: Reduce, frame: Frame) -> Reduce:
        """``sum(x)`` of an indexed symbol with its generators written out; other sums without 'for' refused with the fix."""
        if node.generators:
            return node
        try:
            return explicit_sum(self.problem, node, frame.domains)
        except ExpressionError as error:
            raise error.at(self.location) from None

    def whole_number_rows(self, relation: Compare, expression: Affine, frame: Frame) -> None:
        """Refuse a strict relation unless every row's terms take whole-number values (integer columns, integer coefficients)."""
        integer = np.concatenate(self.column_integer).astype(bool) if self.column_integer else np.zeros(0, dtype=bool)
        rows, cols, coefs = expression.linear_arrays()
        for quadratic in expression.quadratic:
            rows = np.concatenate([rows, quadratic.rows, quadratic.rows])
            cols = np.concatenate([cols, quadratic.first, quadratic.second])
            coefs = np.concatenate([coefs, quadratic.coefs, quadratic.coefs])
        continuous = ~integer[cols] & (coefs != 0)
        fractional = np.abs(coefs - np.round(coefs)) > 1e-9 * np.maximum(1.0, np.abs(coefs))
        if not (continuous.any() or fractional.any()):
            return
        position = int(np.flatnonzero(continuous)[0]) if continuous.any() else int(np.flatnonzero(fractional)[0])
        column = int(cols[position])
        label = self.column_label(column)
        fixed = to_text(non_strict(relation))
        if continuous.any():
            reason, family = f"{label} is continuous", label.split("[")[0]
            more = f", or make {family} integer if it counts whole units" if family in self.problem.variables else ""
        else:
            reason, more = f"{label} has the coefficient {coefs[position]:g}", ""
        strict = " and ".join(dict.fromkeys(op for op in relation.ops if op in STRICT_OPERATORS))
        raise self.error(f"a strict {strict} is exact only when both sides are whole numbers (integer variables with integer "
                         f"coefficients), and {reason}", relation,
                         f"write {fixed} (the usual reading of 'less than' and 'more than' in a model){more}",
                         index=self._row_key(frame, int(rows[position])))

    def column_label(self, column: int) -> str:
        """``make['chair', 3]`` for a declared column, or what an auxiliary column stands for."""
        for block in self.variable_blocks:
            if block.start <= column < block.start + block.size:
                return block.label(column - block.start)
        return "an auxiliary variable of min/max/abs"

    def expand_all(self, frame: Frame, generators: Sequence[Generator]) -> tuple[Frame, np.ndarray]:
        """The frame expanded by every generator in turn, and the row of ``frame`` each of its rows belongs to."""
        inner = frame
        for generator in generators:
            expanded = self.expand(inner, generator)
            if inner is not frame:
                assert expanded.parent is not None and inner.parent is not None
                expanded.parent = inner.parent[expanded.parent]
            inner = expanded
        parent = inner.parent if inner.parent is not None else np.zeros(inner.size, dtype=np.int64)
        return inner, parent

    def reduce(self, node: Reduce, frame: Frame, polarity: int) -> Value:
        if node.kind in SOS_KINDS:
            raise self.error(f"{node.kind}() is a constraint of its own, not a value", node,
                             f"write it as a whole constraint: expression: \"{node.kind}(x[k] for k in K)\"")
        node = self.explicit_sum(node, frame)
        if not node.generators:  # sum(expr) of single numbers (ormodel.idioms): one term
            return self.evaluate(node.body, frame, polarity)
        inner, parent = self.expand_all(frame, node.generators)
        if node.kind in ("min", "max"):
            return self.extremum(node.kind, [(node.body, inner, parent)], frame, polarity, node)
        body = self.evaluate(node.body, inner, polarity)
        if not isinstance(body, Affine):
            return Numeric(np.bincount(parent, weights=self.numbers(body, node.body), minlength=frame.size)[: frame.size])
        targets = {target for generator in node.generators for target in generator.targets}
        parts = [Part(parent if part.dense else parent[part.rows], part.cols, part.coefs) for part in body.parts]
        quadratic = [QuadraticPart(parent[q.rows], q.first, q.second, q.coefs) for q in body.quadratic]
        const = np.bincount(parent, weights=body.const, minlength=frame.size)[: frame.size]
        unique = body.unique and targets <= body.covered
        return Affine(frame.size, parts, const, quadratic, unique, body.covered - targets, body.families)

    def call(self, node: Call, frame: Frame, polarity: int) -> Value:
        function = node.function
        if function in ("min", "max"):
            parent = np.arange(frame.size, dtype=np.int64)
            return self.extremum(function, [(argument, frame, parent) for argument in node.args], frame, polarity, node)
        if function == "abs":
            value = self.evaluate(node.args[0], frame, 0)
            if not isinstance(value, Affine):
                return Numeric(np.abs(self.numbers(value, node.args[0])))
            negative = Unary(node.args[0], column=node.column)
            return self.extremum("max", [(node.args[0], frame, np.arange(frame.size)), (negative, frame, np.arange(frame.size))], frame, polarity, node)
        argument = self.evaluate(node.args[0], frame, 0)
        if isinstance(argument, Affine):
            raise self.error(f"{function}() of variables is nonlinear", node, "use solver='scip', which takes nonlinear models")
        numbers = self.numbers(argument, node.args[0])
        with np.errstate(all="ignore"):
            result = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos}[function](numbers)
        if not np.all(np.isfinite(result)):
            raise self.error(f"{function}() is undefined for some values here", node)
        return Numeric(result)

    def interval(self, value: Affine) -> tuple[np.ndarray, np.ndarray]:
        """Row-wise lower and upper bounds of a linear expression from the column bounds."""
        lower_bounds, upper_bounds = self.bounds()
        rows, cols, coefs = value.linear_arrays()
        return linear_interval(rows, cols, coefs, value.const, lower_bounds, upper_bounds)

    def extremum(self, kind: str, arguments: list[tuple[Node, Frame, np.ndarray]], frame: Frame, polarity: int, node: Node) -> Value:
        """``max``/``min`` of arguments per parent row, linearized (``min(a) = -max(-a)``)."""
        sign = 1.0 if kind == "max" else -1.0
        evaluated = []
        for argument, argument_frame, parent in arguments:
            value = self.evaluate(argument, argument_frame, 0)
            evaluated.append((value, argument, argument_frame, parent))
        if all(not isinstance(value, Affine) for value, *_ in evaluated):
            best = np.full(frame.size, -np.inf)
            for value, argument, _, parent in evaluated:
                np.maximum.at(best, parent, sign * self.numbers(value, argument))
            if np.isinf(best).any():
                raise self.error(f"{kind}() over an empty set", node)
            return Numeric(sign * best)
        for value, argument, argument_frame, _ in evaluated:
            if isinstance(value, Affine) and not value.is_linear:
                raise self.error(f"{kind}() of quadratic terms is not supported", argument)
        # Work with t = max(sign * argument); the caller sees sign * t.
        epigraph = polarity * sign > 0
        pieces = []
        for value, argument, argument_frame, parent in evaluated:
            affine = self.as_affine(value, argument, argument_frame.size).scaled(np.full(argument_frame.size, sign))
            pieces.append((affine, parent))
        low_bound = np.full(frame.size, -np.inf)
        high_bound = np.full(frame.size, -np.inf)
        for affine, parent in pieces:
            lower, upper = self.interval(affine)
            np.maximum.at(low_bound, parent, lower)
            np.maximum.at(high_bound, parent, upper)
        columns = self.add_auxiliary(kind, frame.size, low_bound, high_bound, integer=False)
        for affine, parent in pieces:
            # t[parent] - argument >= 0
            t_part = Part(np.arange(affine.size, dtype=np.int64), columns[parent], np.ones(affine.size))
            row = Affine(affine.size, [t_part] + [Part(part.rows, part.cols, -part.coefs) for part in affine.parts], -affine.const, unique=False)
            self.add_auxiliary_rows(f"{kind}_lower", row, np.zeros(affine.size), np.full(affine.size, np.inf))
        if not epigraph:
            self.exact_extremum(kind, pieces, columns, high_bound, frame, node)
        result_parts = [Part(np.arange(frame.size, dtype=np.int64), columns, np.full(frame.size, sign))]
        return Affine(frame.size, result_parts, np.zeros(frame.size), unique=True, covered=frozenset(frame.bindings), families=frozenset({f"_{kind}{self.auxiliary_count}"}))

    def exact_extremum(self, kind: str, pieces: list[tuple[Affine, np.ndarray]], columns: np.ndarray, high_bound: np.ndarray, frame: Frame, node: Node) -> None:
        """``t <= argument + M (1 - choose)`` with one binary per argument and ``sum choose = 1``."""
        choice_rows: list[np.ndarray] = []
        choice_cols: list[np.ndarray] = []
        for affine, parent in pieces:
            lower, _ = self.interval(affine)
            big_m = high_bound[parent] - lower
            if not np.all(np.isfinite(big_m)):
                raise self.error(f"cannot linearize {kind}() here: an argument has no finite bounds (unbounded big-M)", node,
                                 f"give the variables in {kind}() finite bounds, or use {kind}() only where it is minimized (max/abs) or maximized (min)")
            choose = self.add_auxiliary(f"{kind}_choice", affine.size, 0.0, 1.0, integer=True)
            t_part = Part(np.arange(affine.size, dtype=np.int64), columns[parent], np.ones(affine.size))
            choose_part = Part(np.arange(affine.size, dtype=np.int64), choose, big_m)
            row = Affine(affine.size, [t_part, choose_part] + [Part(part.rows, part.cols, -part.coefs) for part in affine.parts], -affine.const, unique=False)
            self.add_auxiliary_rows(f"{kind}_upper", row, np.full(affine.size, -np.inf), big_m)
            choice_rows.append(parent)
            choice_cols.append(choose)
        rows = np.concatenate(choice_rows)
        selection = Affine(frame.size, [Part(rows, np.concatenate(choice_cols), np.ones(len(rows)))], np.zeros(frame.size), unique=True)
        self.add_auxiliary_rows(f"{kind}_select", selection, np.ones(frame.size), np.ones(frame.size))


def _sign(values: np.ndarray) -> int:
    """+1 when all values are >= 0, -1 when all <= 0, 0 when mixed."""
    if np.all(values >= 0):
        return 1
    if np.all(values <= 0):
        return -1
    return 0


# --------------------------------------------------------------------------------------------
# Assembling rows.


@dataclass
class RowBlock:
    """The rows of one constraint family before assembly.

    Either ``width`` terms in every row, one column and coefficient array per term position
    (``cols[p][r]`` is the p-th term of row ``r``; written into the matrix without an
    intermediate copy), or ``counts`` terms per row with ``cols[0]``/``coefs[0]`` in row order.
    """

    name: str
    size: int
    counts: np.ndarray | None
    cols: list[np.ndarray]
    coefs: list[np.ndarray]
    lower: np.ndarray
    upper: np.ndarray
    block: Block

    @property
    def width(self) -> int:
        """Terms per row when every row has the same number (0 when ``counts`` varies)."""
        return len(self.cols) if self.counts is None else 0

    @property
    def nonzeros(self) -> int:
        """Number of stored terms."""
        return self.size * len(self.cols) if self.counts is None else len(self.cols[0])

    def first_row_where(self, bad: Any) -> int | None:
        """The first row holding a coefficient for which ``bad(coefs)`` is true, or ``None``."""
        if self.counts is None:
            hits = [np.flatnonzero(bad(compact(coefs))) for coefs in self.coefs]
            found = [int(hit[0]) for hit in hits if len(hit)]
            return min(found) if found else None
        flags = bad(self.coefs[0])
        if not flags.any():
            return None
        return int(np.searchsorted(np.cumsum(self.counts), int(np.flatnonzero(flags)[0]), side="right"))


def _row_terms(expression: Affine) -> tuple[np.ndarray | None, list[np.ndarray], list[np.ndarray]]:
    """``(counts, cols, coefs)`` of a :class:`RowBlock`: repeated (row, column) pairs merged where they
    can occur, zeros dropped; one array per term position (``counts`` None) when every row keeps
    exactly one term of each part."""
    parts = expression.parts
    if parts and all(part.dense for part in parts):
        if expression.unique and not any((compact(part.coefs) == 0).any() for part in parts):
            return None, [part.cols for part in parts], [part.coefs for part in parts]
        cols = np.stack([part.cols for part in parts], axis=1).ravel() if len(parts) > 1 else parts[0].cols
        coefs = np.stack([part.coefs for part in parts], axis=1).ravel() if len(parts) > 1 else parts[0].coefs
        rows = np.repeat(np.arange(expression.size, dtype=np.int64), len(parts))
    else:
        rows, cols, coefs = expression.linear_arrays()
        if len(rows) > 1 and np.any(rows[1:] < rows[:-1]):
            order = np.argsort(rows, kind="stable")
            rows, cols, coefs = rows[order], cols[order], coefs[order]
    if not expression.unique and len(rows):
        order = np.lexsort((cols, rows))
        rows, cols, coefs = rows[order], cols[order], coefs[order]
        starts = np.flatnonzero(np.concatenate(([True], (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1]))))
        coefs = np.add.reduceat(coefs, starts)
        rows, cols = rows[starts], cols[starts]
    zero = coefs == 0
    if zero.any():
        keep = ~zero
        rows, cols, coefs = rows[keep], cols[keep], coefs[keep]
    return np.bincount(rows, minlength=expression.size)[: expression.size], [cols], [coefs]


def _relation_rows(compiler: Compiler, name: str, relation: Compare, frame: Frame) -> tuple[Affine, np.ndarray, np.ndarray]:
    """The expression and bounds of a relation: ``lower <= expression <= upper``, constant folded.

    A strict ``<``/``>`` is exact on whole-number terms (``e < b`` is ``e <= ceil(b) - 1``) and refused otherwise.
    """
    if not any(op in STRICT_OPERATORS for op in relation.ops):
        return _non_strict_rows(compiler, relation, frame)
    expression, lower, upper = _non_strict_rows(compiler, non_strict(relation), frame)
    compiler.whole_number_rows(relation, expression, frame)
    lower, upper = strict_bounds(relation, lower, upper)
    return expression, lower, upper


def _non_strict_rows(compiler: Compiler, relation: Compare, frame: Frame) -> tuple[Affine, np.ndarray, np.ndarray]:
    ops = relation.ops
    if len(ops) == 2:
        low_node, middle_node, high_node = relation.operands
        if ops[0] == ">=":
            low_node, high_node = high_node, low_node
        middle = compiler.evaluate(middle_node, frame, 0)
        low_value = compiler.evaluate(low_node, frame, 0)
        high_value = compiler.evaluate(high_node, frame, 0)
        if isinstance(low_value, Affine) or isinstance(high_value, Affine):
            raise compiler.error("the outer terms of a range constraint lo <= expr <= hi must not contain variables", relation,
                                 "split it into two constraints")
        expression = compiler.as_affine(middle, middle_node, frame.size)
        return expression, compiler.numbers(low_value, low_node) - expression.const, compiler.numbers(high_value, high_node) - expression.const
    op = ops[0]
    left_node, right_node = relation.operands
    left_polarity = {"<=": 1, ">=": -1, "==": 0}[op]
    left = compiler.as_affine(compiler.evaluate(left_node, frame, left_polarity), left_node, frame.size)
    right = compiler.as_affine(compiler.evaluate(right_node, frame, -left_polarity), right_node, frame.size)
    expression = compiler.add(left, right.scaled(uniform(-1.0, frame.size)))
    infinite = uniform(np.inf, frame.size)
    bound = -expression.const
    if op == "<=":
        return expression, -infinite, bound
    if op == ">=":
        return expression, bound, infinite
    return expression, bound, bound  # one array for both sides: the assembly copies each into its own


def _indicator_literal(compiler: Compiler, when: Compare, frame: Frame) -> tuple[Part, np.ndarray]:
    """The binary column part and the 0/1 value of a ``when: b == value`` condition, checked."""
    if len(when.ops) != 1 or when.ops[0] != "==":
        raise compiler.error("'when' must read binary_variable == 0 or binary_variable == 1", when)
    left = compiler.evaluate(when.operands[0], frame)
    right = compiler.evaluate(when.operands[1], frame)
    if isinstance(right, Affine) and not isinstance(left, Affine):
        left, right = right, left
    if not isinstance(left, Affine) or isinstance(right, Affine) or len(left.parts) != 1 or np.any(left.const != 0):
        raise compiler.error("'when' must compare one binary variable with 0 or 1", when)
    target = compiler.numbers(right, when.operands[1])
    part = left.parts[0]
    lower_bounds, upper_bounds = compiler.bounds()
    integer = np.concatenate(compiler.column_integer)
    if not (np.all(integer[part.cols]) and np.all(lower_bounds[part.cols] >= 0) and np.all(upper_bounds[part.cols] <= 1) and np.all(part.coefs == 1)):
        raise compiler.error("the variable in 'when' must be binary", when)
    if not np.all(np.isin(target, (0.0, 1.0))):
        raise compiler.error("'when' compares with 0 or 1 only", when)
    return part, target


def _native_indicator(compiler: Compiler, when: Compare, frame: Frame, first_row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, columns, values)`` of a ``when:`` family whose rows start at ``first_row``, for a backend that enforces them natively."""
    part, target = _indicator_literal(compiler, when, frame)
    rows = np.asarray(part.rows, dtype=np.int64)
    if len(np.unique(rows)) != len(rows) or len(rows) != frame.size:
        raise compiler.error("'when' must name one binary variable per constraint row", when)
    return rows + first_row, np.asarray(part.cols, dtype=np.int64), target[rows].astype(np.int64)


def _indicator(compiler: Compiler, constraint_name: str, when: Compare, frame: Frame, expression: Affine,
               lower: np.ndarray, upper: np.ndarray) -> tuple[Affine, np.ndarray, np.ndarray]:
    """Make ``lower <= expression <= upper`` hold only when a binary variable takes a value (by big-M)."""
    part, target = _indicator_literal(compiler, when, frame)
    low_activity, high_activity = compiler.interval(Affine(expression.size, expression.parts, np.zeros(expression.size)))
    # active(b) = b when target is 1, 1 - b when target is 0; relax by M * (1 - active).
    rows = part.rows
    parts = list(expression.parts)
    finite_upper = np.isfinite(upper)
    finite_lower = np.isfinite(lower)
    with np.errstate(invalid="ignore"):
        big_upper = np.where(finite_upper, high_activity - upper, 0.0)
        big_lower = np.where(finite_lower, lower - low_activity, 0.0)
    if np.any(~np.isfinite(big_upper)) or np.any(~np.isfinite(big_lower)):
        raise compiler.error(f"cannot linearize the 'when' condition of {constraint_name!r}: its expression has no finite bounds (unbounded big-M)", when,
                             "give the variables in this constraint finite bounds")
    if np.any(finite_upper & finite_lower):
        raise compiler.error("'when' works on one-sided constraints (<= or >=); split an equality or range into two constraints", when)
    big_upper = np.maximum(big_upper, 0.0)
    big_lower = np.maximum(big_lower, 0.0)
    # expression <= upper + M (1 - active)  and  expression >= lower - M (1 - active)
    big = np.where(finite_upper, big_upper, -big_lower)
    on_one = target[rows] == 1
    coefficient = np.where(on_one, big[rows], -big[rows])
    parts.append(Part(rows, part.cols, coefficient))
    shift = np.where(target == 1, big, 0.0)
    new_upper = np.where(finite_upper, upper + shift, upper)
    new_lower = np.where(finite_lower, lower + shift, lower)
    return Affine(expression.size, parts, expression.const, unique=False), new_lower, new_upper


def _row_block(name: str, start: int, frame: Frame, generators: Sequence[Generator], problem: Problem) -> Block:
    if frame.full_shape is not None and frame.full_shape and len(frame.dense_sets) == len(generators) and all(
        not isinstance(generator.domain, RangeDomain) for generator in generators
    ):
        members = tuple(problem.sets[set_name].columns for set_name in frame.dense_sets)
        return Block(name, start, frame.size, tuple(frame.full_shape), members)
    if not frame.bindings:
        return Block(name, start, frame.size)
    columns = tuple(component for components in frame.bindings.values() for component in components)
    return Block(name, start, frame.size, (frame.size,), (), key_columns=columns)


_GROUP_TERMS_ABOVE = 64  # sums longer than this look up constant-index terms in one pass

_FINITE_HINT = ("coefficients and right-hand sides must be finite numbers; for a variable without an upper bound "
                "write `upper: .inf` on the variable instead of an infinite coefficient")


def compile_problem(problem: Problem, native_indicators: bool = False, piecewise: str = "incremental") -> StandardForm:
    """Compile a five-element Problem into matrix form; errors name the file, line, element, item, index and column.

    With ``native_indicators`` the ``when:`` rows keep their plain form (no big-M, so their variables need
    no finite bounds) and :attr:`StandardForm.indicators` says which binary enforces each; only a backend
    that enforces them itself may take such a form.

    ``piecewise`` is the formulation of ``piecewise(...)`` terms: ``"incremental"`` (binaries, any MIP
    backend) or ``"sos2"`` (SOS2 sets in :attr:`StandardForm.sos`, for backends that take them).
    """
    from ormodel.piecewise_linear import FORMULATIONS

    if piecewise not in FORMULATIONS:
        raise ValueError(f"unknown piecewise formulation {piecewise!r}; choose one of {', '.join(FORMULATIONS)}")
    try:
        return _compile(problem, native_indicators, piecewise)
    except ModelError as error:
        raise error.at(problem.source_location(error.location.element, error.location.item)) from None
    except RecursionError:
        raise InputLimitError("the model is nested too deeply to compile", problem.source_location(None),
                              "nest fewer brackets and function calls; long sums are fine") from None
    except MemoryError:
        raise InputLimitError("the model does not fit in memory", problem.source_location(None),
                              "make the sets smaller or the model sparser (use conditions or tuple sets), "
                              "or lower max_elements so that such models are refused before they are built",
                              limit="max_elements") from None


def _not_finite(values: np.ndarray) -> np.ndarray:
    return ~np.isfinite(values)


def _check_family(compiler: Compiler, name: str, frame: Frame, node: Node, rows: RowBlock) -> None:
    """Refuse NaN or infinite coefficients and NaN bounds, naming the row."""
    row = rows.first_row_where(_not_finite)
    if row is not None:
        values = _row_coefficients(rows, row)
        value = values[~np.isfinite(values)][0]
        raise compiler.error(f"a coefficient of constraint {name!r} is {value}", node, _FINITE_HINT, index=compiler._row_key(frame, row))
    lower, upper = rows.lower, rows.upper
    for label, bounds in (("right-hand side", lower), ("right-hand side", upper)):
        missing = np.isnan(bounds)
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise compiler.error(f"the {label} of constraint {name!r} is NaN (e.g. inf - inf)", node, _FINITE_HINT, index=compiler._row_key(frame, row))


def _row_coefficients(rows: RowBlock, row: int) -> np.ndarray:
    """The coefficients stored in one row of a block."""
    if rows.counts is None:
        return np.array([coefs[row] for coefs in rows.coefs])
    ends = np.cumsum(rows.counts)
    return rows.coefs[0][ends[row] - rows.counts[row] : ends[row]]


def _compile(problem: Problem, native_indicators: bool = False, piecewise: str = "incremental") -> StandardForm:
    compiler = Compiler(problem)
    compiler.piecewise_formulation = piecewise
    row_blocks: list[RowBlock] = []
    row_count = 0
    indicators: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for constraint in problem.constraints:
        compiler.location = Location(element="constraints", item=constraint.name, text=constraint.text or None)
        try:
            frame = compiler.frame_for(constraint.generators)
            expression, lower, upper = _relation_rows(compiler, constraint.name, constraint.relation, frame)
            if not expression.is_linear:
                raise compiler.error("quadratic constraint: the HiGHS backend and the matrix form take linear constraints only", constraint.relation,
                                     "use solver='scip', which solves quadratic constraints from the Problem")
            if constraint.when is not None and native_indicators:
                indicators.append(_native_indicator(compiler, constraint.when, frame, row_count))
            elif constraint.when is not None:
                expression, lower, upper = _indicator(compiler, constraint.name, constraint.when, frame, expression, lower, upper)
        except ModelError:
            raise
        counts, cols, coefs = _row_terms(expression)
        block = _row_block(constraint.name, row_count, frame, constraint.generators, problem)
        row_blocks.append(RowBlock(constraint.name, frame.size, counts, cols, coefs, lower, upper, block))
        _check_family(compiler, constraint.name, frame, constraint.relation, row_blocks[-1])
        row_count += frame.size
        compiler.check_size(row_count, "the constraint rows of the model")
    # A feasibility model (no objective) minimizes the constant 0.
    objective_spec = problem.objective_or_zero()
    compiler.location = Location(element="objective", text=objective_spec.text or None)
    objective_value = compiler.evaluate(objective_spec.expression, Frame.root(), 1 if objective_spec.sense == Sense.MINIMIZE else -1)
    objective_affine = compiler.as_affine(objective_value, objective_spec.expression, 1)
    for family in getattr(problem, "sos_sets", ()):
        compiler.location = Location(element="constraints", item=family.name, text=family.text or None)
        compiler.special_sets.append(_special_ordered_sets(compiler, family))
    compiler.location = Location(element="constraints")
    linearized_finite = True
    for kind, expression, lower, upper in compiler.auxiliary_rows:
        counts, cols, coefs = _row_terms(expression)
        linearized_finite = linearized_finite and all(np.isfinite(compact(values)).all() for values in coefs)
        name = f"_{kind}{len(row_blocks)}"
        block = Block(name, row_count, expression.size, (expression.size,), ((np.arange(expression.size),),))
        row_blocks.append(RowBlock(name, expression.size, counts, cols, coefs, lower, upper, block))
        row_count += expression.size
    columns = compiler.num_columns
    objective = np.zeros(columns)  # calloc'd: the pages of columns without an objective term are never touched
    _, objective_cols, objective_coefs = objective_affine.linear_arrays()
    if len(objective_cols):
        np.add.at(objective, objective_cols, objective_coefs)  # repeated columns summed in order, as bincount would
    compiler.location = Location(element="objective", text=objective_spec.text or None)
    if not np.all(np.isfinite(objective[objective_cols])) or not np.all(np.isfinite(objective_affine.const)):
        bad_columns = np.flatnonzero(~np.isfinite(objective))
        what = f"the objective coefficient of column {int(bad_columns[0])}" if len(bad_columns) else "the objective constant"
        for block in compiler.variable_blocks:
            if len(bad_columns) and block.start <= bad_columns[0] < block.start + block.size:
                what = f"the objective coefficient of {block.label(int(bad_columns[0] - block.start))}"
        raise compiler.error(f"{what} is not finite", objective_spec.expression, _FINITE_HINT)
    quadratic = None
    if objective_affine.quadratic:
        first = np.concatenate([q.first for q in objective_affine.quadratic])
        second = np.concatenate([q.second for q in objective_affine.quadratic])
        values = np.concatenate([q.coefs for q in objective_affine.quadratic])
        quadratic = sp.coo_array((np.concatenate([values, values]), (np.concatenate([first, second]), np.concatenate([second, first]))),
                                 shape=(columns, columns)).tocsc()
        quadratic.sum_duplicates()
        if not np.all(np.isfinite(quadratic.data)):
            raise compiler.error("a quadratic objective coefficient is not finite", objective_spec.expression, _FINITE_HINT)
    matrix = _assemble(row_blocks, row_count, columns)
    if not linearized_finite:  # the constraint families' own coefficients were checked above
        raise ModelError("a linearization (min/max/abs or 'when') produced a coefficient that is not finite", Location(element="constraints"),
                         "give the variables involved finite bounds of moderate size")
    lower_bounds, upper_bounds = compiler.bounds()
    names = NameMap(variables=compiler.variable_blocks, constraints=[block.block for block in row_blocks])
    empty = np.zeros(0)
    form = StandardForm(
        objective=objective,
        matrix=matrix,
        row_lower=np.concatenate([block.lower for block in row_blocks]).astype(np.float64, copy=False) if row_blocks else empty,
        row_upper=np.concatenate([block.upper for block in row_blocks]).astype(np.float64, copy=False) if row_blocks else empty,
        column_lower=lower_bounds,
        column_upper=upper_bounds,
        integrality=np.concatenate(compiler.column_integer).astype(bool, copy=False) if compiler.column_integer else np.zeros(0, dtype=bool),
        sense=objective_spec.sense,
        objective_offset=float(objective_affine.const[0]),
        quadratic=quadratic,
        names=names,
        name=problem.name,
        indicators=tuple(np.concatenate(arrays) for arrays in zip(*indicators)) if indicators else None,  # type: ignore[arg-type]
        feasibility=problem.objective is None,
        semicontinuous=_semicontinuous_mask(compiler),
        sos=SpecialOrderedSets.concatenate(compiler.special_sets) if compiler.special_sets else None,
    )
    return form


def _semicontinuous_mask(compiler: Compiler) -> np.ndarray | None:
    if not compiler.column_semicontinuous:
        return None
    mask = np.zeros(compiler.num_columns, dtype=bool)
    for start, size in compiler.column_semicontinuous:
        mask[start : start + size] = True
    return mask


def _check_semicontinuous(block: Block, lower: np.ndarray | float, upper: np.ndarray | float, size: int, location: Location) -> None:
    """A semi-continuous family is 0 or within ``[lower, upper]``: it needs ``0 <= lower`` and a finite ``upper``."""
    uppers = np.broadcast_to(np.asarray(upper, dtype=np.float64), (size,))
    lowers = np.broadcast_to(np.asarray(lower, dtype=np.float64), (size,))
    infinite = np.flatnonzero(~np.isfinite(uppers))
    if len(infinite):
        raise ModelError(f"a semi-continuous variable needs a finite upper bound; {block.label(int(infinite[0]))} has none", location,
                         "give the variable an upper bound (the largest value it may take when it is on)")
    negative = np.flatnonzero(lowers < 0)
    if len(negative):
        raise ModelError(f"a semi-continuous variable is 0 or between lower and upper, with lower >= 0; "
                         f"{block.label(int(negative[0]))} has lower bound {lowers[negative[0]]:g}", location)


def _special_ordered_sets(compiler: Compiler, family: Any) -> SpecialOrderedSets:
    """One SOS per row of the family's ``for`` frame: the body's columns over the inner generators, in their order."""
    node = family.members
    frame = compiler.frame_for(family.generators)
    inner, parent = compiler.expand_all(frame, node.generators)
    body = compiler.evaluate(node.body, inner)
    if not isinstance(body, Affine) or len(body.parts) != 1 or not body.is_linear or np.any(body.const != 0):
        raise compiler.error(f"{node.kind}() lists variables, one per member, e.g. {node.kind}(x[k] for k in K)", node.body)
    part = body.parts[0]
    if len(part.rows) != inner.size or len(np.unique(part.rows)) != inner.size:
        raise compiler.error(f"{node.kind}() lists one variable per member of its generator", node.body)
    order = np.lexsort((part.rows, parent[part.rows]))
    columns = part.cols[order]
    owners = parent[part.rows][order]
    counts = np.bincount(owners, minlength=frame.size)[: frame.size]
    block = _row_block(family.name, 0, frame, family.generators, compiler.problem)
    labels = [block.label(row) for row in range(frame.size)]
    kind = 1 if node.kind == "sos1" else 2
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    weights = (np.arange(len(columns)) - np.repeat(indptr[:-1], counts) + 1).astype(np.float64)
    return SpecialOrderedSets(np.full(frame.size, kind, dtype=np.int8), indptr, columns.astype(np.int64), weights, labels)


def _assemble(row_blocks: Sequence[RowBlock], row_count: int, columns: int) -> sp.csr_array:
    """One CSR matrix from the families' row terms (families are already in row order).

    Each array is allocated once in its final dtype and every family writes its terms straight
    into it (no nnz-sized intermediate, no int64 copy of the column indices).
    """
    if not row_blocks:
        return sp.csr_array((0, columns))
    nonzeros = sum(block.nonzeros for block in row_blocks)
    index_type = np.int32 if max(columns, nonzeros) < 2**31 - 1 else np.int64
    indptr = np.empty(row_count + 1, dtype=index_type)
    indptr[0] = 0
    cols, coefs = np.empty(nonzeros, dtype=index_type), np.empty(nonzeros, dtype=np.float64)
    row, offset = 0, 0
    for block in row_blocks:
        end = offset + block.nonzeros
        if block.counts is None:
            width = block.width
            indptr[row + 1 : row + block.size + 1] = np.arange(offset + width, end + 1, width, dtype=index_type)
            cols_view = cols[offset:end].reshape(block.size, width)
            coefs_view = coefs[offset:end].reshape(block.size, width)
            for position in range(width):
                cols_view[:, position] = block.cols[position]
                coefs_view[:, position] = block.coefs[position]
        else:
            indptr[row + 1 : row + block.size + 1] = np.cumsum(block.counts) + offset
            cols[offset:end] = block.cols[0]
            coefs[offset:end] = block.coefs[0]
        row += block.size
        offset = end
    return sp.csr_array((coefs, cols, indptr), shape=(row_count, columns), copy=False)


def as_standard_form(model: Any) -> StandardForm:
    """A StandardForm as is; a Problem compiled; anything else a clear error."""
    if isinstance(model, StandardForm):
        return model
    if isinstance(model, Problem):
        return compile_problem(model)
    raise TypeError(f"expected a Problem or a StandardForm, got {type(model).__name__}")


def _subsequence_axes(part: tuple[str, ...], whole: tuple[str, ...]) -> list[int] | None:
    """Positions in ``whole`` of the names of ``part``, matched in order; ``None`` when ``part`` is not a subsequence."""
    axes: list[int] = []
    position = 0
    for name in part:
        while position < len(whole) and whole[position] != name:
            position += 1
        if position == len(whole):
            return None
        axes.append(position)
        position += 1
    return axes
