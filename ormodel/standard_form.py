"""The matrix form every backend consumes: ``min/max c'x + x'Qx/2 + c0`` s.t. ``row_lower <= A x <= row_upper``.

A :class:`StandardForm` is what :func:`ormodel.compile` produces from a five-element
:class:`~ormodel.problem.Problem`, and what MPS/LP import produces directly. It carries a
:class:`NameMap` so that solver vectors can be mapped back to indexed names
(``x[a,b]``) and constraint families (``capacity[3]``).

Example:
    >>> import numpy as np, scipy.sparse as sp
    >>> form = StandardForm.from_arrays(
    ...     objective=np.array([1.0, 2.0]), matrix=sp.csr_array([[1.0, 1.0]]),
    ...     row_lower=np.array([1.0]), row_upper=np.array([np.inf]))
    >>> form.num_columns, form.num_rows
    (2, 1)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["Sense", "Block", "NameMap", "StandardForm"]


class Sense(str, Enum):
    """Optimization direction."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    @classmethod
    def parse(cls, text: str) -> "Sense":
        """Read ``min``/``minimize``/``max``/``maximize`` (any case)."""
        lowered = str(text).strip().lower()
        if lowered in ("min", "minimize", "minimise", "minimization"):
            return cls.MINIMIZE
        if lowered in ("max", "maximize", "maximise", "maximization"):
            return cls.MAXIMIZE
        raise ValueError(f"objective sense must be 'minimize' or 'maximize', got {text!r}")


@dataclass(frozen=True)
class Block:
    """A contiguous run of columns (a variable family) or rows (a constraint family).

    ``index_members`` lists, per index position, the member arrays of the family's index
    sets; element ``k`` of the block sits at ``np.unravel_index(k, shape)`` of that product.
    A block that comes from a sparse (filtered) family gives its element keys column-wise in
    ``key_columns`` instead: element ``k`` is ``tuple(column[k] for column in key_columns)``.
    """

    name: str
    start: int
    size: int
    shape: tuple[int, ...] = ()
    index_members: tuple[tuple[np.ndarray, ...], ...] = ()
    key_columns: tuple[np.ndarray, ...] | None = None

    def key(self, offset: int) -> tuple[Any, ...]:
        """The index tuple of the block's ``offset``-th element (``()`` for a scalar)."""
        if self.key_columns is not None:
            return tuple(_plain(column[offset]) for column in self.key_columns)
        if not self.shape:
            return ()
        positions = np.unravel_index(offset, self.shape)
        key: list[Any] = []
        for members, position in zip(self.index_members, positions):
            key.extend(_plain(column[position]) for column in members)
        return tuple(key)

    def label(self, offset: int) -> str:
        """``name[i,j]`` for the element at ``offset``; plain ``name`` for a scalar."""
        key = self.key(offset)
        if not key:
            return self.name
        return f"{self.name}[{','.join(str(part) for part in key)}]"

    def labels(self) -> list[str]:
        """Labels of all the block's elements, in offset order (one pass, no per-element lookups)."""
        if self.size == 0:
            return []
        if self.key_columns is not None:
            parts = zip(*(column[: self.size].tolist() for column in self.key_columns))
            return [f"{self.name}[{','.join(map(str, key))}]" for key in parts]
        if not self.shape:
            return [self.name] * self.size
        if len(self.index_members) != len(self.shape):
            return [self.label(offset) for offset in range(self.size)]
        per_axis = []
        for members, extent in zip(self.index_members, self.shape):
            texts = [",".join(map(str, key)) for key in zip(*(column[:extent].tolist() for column in members))]
            if len(texts) != extent:
                return [self.label(offset) for offset in range(self.size)]
            per_axis.append(texts)
        prefix = self.name + "["
        if len(per_axis) == 1:
            return [f"{prefix}{text}]" for text in per_axis[0][: self.size]]
        return [f"{prefix}{','.join(combo)}]" for combo in itertools.islice(itertools.product(*per_axis), self.size)]


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python ones so labels and JSON stay clean."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class NameMap:
    """Maps column and row positions back to model names, and names to positions.

    Names come either as :class:`Block` families (``variables``/``constraints``, from the
    compiler) or as flat label lists (``column_names``/``row_names``, from MPS/LP files, where
    every column has its own name). Lookups are O(log blocks) by position and O(1) by label;
    bulk labels are built once, lazily, in one linear pass, and cached.
    """

    variables: list[Block] = field(default_factory=list)
    constraints: list[Block] = field(default_factory=list)
    column_names: Sequence[str] | None = None
    row_names: Sequence[str] | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_labels(cls, column_names: Sequence[str] | None, row_names: Sequence[str] | None = None) -> "NameMap":
        """A name map of one label per column and per row (as MPS and LP files give them)."""
        return cls(column_names=list(column_names) if column_names else None, row_names=list(row_names) if row_names else None)

    @property
    def _memo(self) -> dict[Any, Any]:
        """Cached starts, labels and label indexes (also on maps unpickled from older versions)."""
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = self.__dict__["_cache"] = {}
        return cache

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}  # caches hold ids of lists; they do not survive pickling
        return state

    @property
    def has_column_names(self) -> bool:
        """True when columns have model names (not just ``c<j>``)."""
        return bool(self.variables) or bool(self.column_names)

    @property
    def has_row_names(self) -> bool:
        """True when rows have model names (not just ``r<i>``)."""
        return bool(self.constraints) or bool(self.row_names)

    def _starts(self, blocks: Sequence[Block]) -> np.ndarray:
        key = ("starts", id(blocks), len(blocks))
        starts = self._memo.get(key)
        if starts is None:
            starts = np.fromiter((block.start for block in blocks), dtype=np.int64, count=len(blocks))
            self._memo[key] = starts
        return starts

    def _find(self, blocks: Sequence[Block], position: int) -> tuple[Block, int]:
        starts = self._starts(blocks)
        index = int(np.searchsorted(starts, position, side="right")) - 1
        if index < 0 or position >= blocks[index].start + blocks[index].size:
            raise IndexError(f"position {position} is outside every block")
        block = blocks[index]
        return block, position - block.start

    def column_label(self, column: int) -> str:
        """Indexed name of a column, e.g. ``x[a,3]``."""
        if self.column_names is not None and 0 <= column < len(self.column_names):
            return str(self.column_names[column])
        if not self.variables:
            return f"c{column}"
        block, offset = self._find(self.variables, column)
        return block.label(offset)

    def row_label(self, row: int) -> str:
        """Indexed name of a row, e.g. ``capacity[3]``."""
        if self.row_names is not None and 0 <= row < len(self.row_names):
            return str(self.row_names[row])
        if not self.constraints:
            return f"r{row}"
        block, offset = self._find(self.constraints, row)
        return block.label(offset)

    def row_family(self, row: int) -> tuple[str, tuple[Any, ...]]:
        """(constraint family, index tuple) of a row."""
        if self.row_names is not None and not self.constraints:
            return self.row_label(row), ()
        block, offset = self._find(self.constraints, row)
        return block.name, block.key(offset)

    def column_family(self, column: int) -> tuple[str, tuple[Any, ...]]:
        """(variable family, index tuple) of a column."""
        if self.column_names is not None and not self.variables:
            return self.column_label(column), ()
        block, offset = self._find(self.variables, column)
        return block.name, block.key(offset)

    def variable_block(self, name: str) -> Block:
        """The column block of a variable family (a one-column block for a flat label)."""
        for block in self.variables:
            if block.name == name:
                return block
        if self.column_names is not None:
            column = self.column_index(name, len(self.column_names))
            if column is not None:
                return Block(name, column, 1)
        raise KeyError(f"no variable named {name!r}")

    def constraint_block(self, name: str) -> Block:
        """The row block of a constraint family (a one-row block for a flat label)."""
        for block in self.constraints:
            if block.name == name:
                return block
        if self.row_names is not None:
            row = self.row_index(name, len(self.row_names))
            if row is not None:
                return Block(name, row, 1)
        raise KeyError(f"no constraint named {name!r}")

    def _all_labels(self, kind: str, blocks: Sequence[Block], flat: Sequence[str] | None, count: int, prefix: str) -> list[str]:
        key = (kind, count, len(blocks), id(flat))
        labels = self._memo.get(key)
        if labels is not None:
            return labels
        if flat is not None and not blocks:
            labels = [str(label) for label in flat[:count]]
            labels.extend(f"{prefix}{position}" for position in range(len(labels), count))
        else:
            labels = [f"{prefix}{position}" for position in range(count)] if count else []
            for block in blocks:
                if block.start >= count:
                    continue
                block_labels = block.labels()[: count - block.start]
                labels[block.start : block.start + len(block_labels)] = block_labels
        self._memo[key] = labels
        return labels

    def column_labels(self, count: int) -> list[str]:
        """Labels of the first ``count`` columns (``c<j>`` where no name covers a column); cached."""
        return self._all_labels("columns", self.variables, self.column_names, count, "c")

    def row_labels(self, count: int) -> list[str]:
        """Labels of the first ``count`` rows (``r<i>`` where no name covers a row); cached."""
        return self._all_labels("rows", self.constraints, self.row_names, count, "r")

    def column_labels_at(self, columns: np.ndarray, count: int) -> list[str]:
        """Labels of selected columns: per-position lookups when few, one bulk pass when many."""
        if len(columns) * 8 < count and ("columns", count, len(self.variables), id(self.column_names)) not in self._memo:
            return [self.column_label(int(column)) for column in columns]
        labels = self.column_labels(count)
        return [labels[int(column)] for column in columns]

    def row_labels_at(self, rows: np.ndarray, count: int) -> list[str]:
        """Labels of selected rows (see :meth:`column_labels_at`)."""
        if len(rows) * 8 < count and ("rows", count, len(self.constraints), id(self.row_names)) not in self._memo:
            return [self.row_label(int(row)) for row in rows]
        labels = self.row_labels(count)
        return [labels[int(row)] for row in rows]

    def _index(self, kind: str, labels: list[str]) -> dict[str, int]:
        key = (kind + "-index", id(labels))
        index = self._memo.get(key)
        if index is None:
            index = {}
            for position, label in enumerate(labels):
                index.setdefault(label, position)
            self._memo[key] = index
        return index

    def column_index(self, label: str, count: int) -> int | None:
        """Position of the column labelled ``label`` among the first ``count`` (O(1) after one pass)."""
        return self._index("columns", self.column_labels(count)).get(label)

    def row_index(self, label: str, count: int) -> int | None:
        """Position of the row labelled ``label`` among the first ``count`` (O(1) after one pass)."""
        return self._index("rows", self.row_labels(count)).get(label)


@dataclass
class StandardForm:
    """A linear or quadratic (mixed-integer) program in matrix form.

    Attributes:
        objective: linear objective coefficients, one per column.
        objective_offset: constant term of the objective.
        sense: minimize or maximize.
        matrix: constraint matrix in CSR form, shape (rows, columns).
        row_lower, row_upper: row activity bounds (``-inf``/``inf`` for one-sided rows).
        column_lower, column_upper: variable bounds.
        integrality: boolean mask of integer columns (binaries are integers in [0, 1]).
        quadratic: optional symmetric matrix ``Q`` (CSC); the objective adds ``x'Qx/2``.
        names: map back to indexed variable and constraint names.
        name: model name.
        indicators: for a form compiled without big-M (``native_indicators``), the conditional
            rows as ``(rows, columns, values)``: row ``rows[k]`` must hold only when column
            ``columns[k]`` (binary) equals ``values[k]``; ``None`` when every row always holds.
        feasibility: the model has no objective (a feasibility model, MathOptInterface's
            ``FEASIBILITY_SENSE``): ``objective`` is all zeros and any feasible point is an answer.
    """

    objective: np.ndarray
    matrix: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    column_lower: np.ndarray
    column_upper: np.ndarray
    integrality: np.ndarray
    sense: Sense = Sense.MINIMIZE
    objective_offset: float = 0.0
    quadratic: sp.csc_array | None = None
    names: NameMap = field(default_factory=NameMap)
    name: str = "model"
    indicators: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    feasibility: bool = False

    @property
    def has_indicators(self) -> bool:
        """True when some rows hold only under an indicator (a form compiled with ``native_indicators``)."""
        return self.indicators is not None and len(self.indicators[0]) > 0

    @classmethod
    def from_arrays(
        cls,
        objective: np.ndarray,
        matrix: Any,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        column_lower: np.ndarray | None = None,
        column_upper: np.ndarray | None = None,
        integrality: np.ndarray | None = None,
        sense: Sense | str = Sense.MINIMIZE,
        objective_offset: float = 0.0,
        quadratic: Any = None,
        names: NameMap | None = None,
        name: str = "model",
    ) -> "StandardForm":
        """Build a checked StandardForm; missing column bounds default to ``[0, inf)``."""
        objective = np.asarray(objective, dtype=np.float64)
        columns = objective.shape[0]
        form = cls(
            objective=objective,
            matrix=sp.csr_array(matrix, dtype=np.float64),
            row_lower=np.asarray(row_lower, dtype=np.float64),
            row_upper=np.asarray(row_upper, dtype=np.float64),
            column_lower=np.zeros(columns) if column_lower is None else np.asarray(column_lower, dtype=np.float64),
            column_upper=np.full(columns, np.inf) if column_upper is None else np.asarray(column_upper, dtype=np.float64),
            integrality=np.zeros(columns, dtype=bool) if integrality is None else np.asarray(integrality, dtype=bool),
            sense=sense if isinstance(sense, Sense) else Sense.parse(sense),
            objective_offset=float(objective_offset),
            quadratic=None if quadratic is None else sp.csc_array(quadratic, dtype=np.float64),
            names=names or NameMap(),
            name=name,
        )
        form.check()
        return form

    @property
    def num_columns(self) -> int:
        """Number of variables (columns)."""
        return int(self.objective.shape[0])

    @property
    def num_rows(self) -> int:
        """Number of constraints (rows)."""
        return int(self.row_lower.shape[0])

    @property
    def is_mip(self) -> bool:
        """True when some column is integer."""
        return bool(self.integrality.any())

    @property
    def is_quadratic(self) -> bool:
        """True when the objective has a quadratic part."""
        return self.quadratic is not None and self.quadratic.nnz > 0

    def problem_class(self) -> str:
        """One of ``LP``, ``MILP``, ``QP``, ``MIQP``."""
        if self.is_quadratic:
            return "MIQP" if self.is_mip else "QP"
        return "MILP" if self.is_mip else "LP"

    def check(self) -> None:
        """Raise ``ValueError`` when array shapes disagree or bounds cross."""
        rows, columns = self.matrix.shape
        if columns != self.num_columns:
            raise ValueError(f"matrix has {columns} columns but the objective has {self.num_columns}")
        for label, array, expected in (
            ("row_lower", self.row_lower, rows),
            ("row_upper", self.row_upper, rows),
            ("column_lower", self.column_lower, columns),
            ("column_upper", self.column_upper, columns),
            ("integrality", self.integrality, columns),
        ):
            if array.shape != (expected,):
                raise ValueError(f"{label} has shape {array.shape}, expected ({expected},)")
        if self.quadratic is not None and self.quadratic.shape != (columns, columns):
            raise ValueError(f"quadratic has shape {self.quadratic.shape}, expected ({columns}, {columns})")

    def objective_value(self, values: np.ndarray) -> float:
        """Objective at a point, offset and quadratic part included."""
        value = float(self.objective @ values) + self.objective_offset
        if self.quadratic is not None:
            value += 0.5 * float(values @ (self.quadratic @ values))
        return value

    def violations(self, values: np.ndarray, activity: np.ndarray | None = None) -> dict[str, float]:
        """Largest violation of rows, bounds and integrality at a point (``activity``: ``A @ values`` if known)."""
        if activity is None:
            activity = self.matrix @ values if self.num_rows else np.zeros(0)
        row = np.maximum(self.row_lower - activity, activity - self.row_upper) if self.num_rows else np.zeros(0)
        bound = np.maximum(self.column_lower - values, values - self.column_upper)
        integer = np.abs(values[self.integrality] - np.round(values[self.integrality]))
        return {
            "row": float(max(row.max(initial=0.0), 0.0)),
            "bound": float(max(bound.max(initial=0.0), 0.0)),
            "integrality": float(integer.max(initial=0.0)),
        }

    def worst_rows(self, values: np.ndarray, count: int = 5, tolerance: float = 1e-6) -> Iterator[tuple[str, float]]:
        """Labels and amounts of the most violated rows at a point."""
        activity = self.matrix @ values
        violation = np.maximum(self.row_lower - activity, activity - self.row_upper)
        for row in np.argsort(-violation)[:count]:
            if violation[row] > tolerance:
                yield self.names.row_label(int(row)), float(violation[row])
