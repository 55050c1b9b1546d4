"""The bipartite variable–constraint observation of the node LP (Gasse et al. 2019; Ecole ``NodeBipartite``).

One constraint node per LP row *side*: a row with a finite left-hand side gives a ``-row >= ...``
node turned into ``<=`` form (coefficients and bias negated), a row with a finite right-hand side
gives a ``<=`` node; an equality or ranged row gives both. One variable node per LP column; an
edge per nonzero coefficient.

Constraint features (5), in order — :data:`CONSTRAINT_FEATURES`:
``obj_cosine_similarity`` (cosine of row and objective, sign of the side), ``bias`` (side value /
row norm), ``is_tight`` (LP activity at that side), ``dualsol_val_normalized`` (dual / (row norm ·
objective norm), sign of the side), ``age`` (row age / (LPs solved + 5)).

Edge feature (1): ``coef_normalized`` (coefficient / row norm, negated for left-hand-side nodes).

Variable features (19), in order — :data:`VARIABLE_FEATURES`: type one-hot (binary, integer,
implicit integer, continuous), ``coef_normalized`` (c_j / ||c||), ``has_lb``, ``has_ub`` (finite
local bounds), ``sol_is_at_lb``, ``sol_is_at_ub``, ``sol_frac`` (0 for continuous columns), basis
status one-hot (lower, basic, upper, zero), ``reduced_cost`` (/ ||c||), ``age`` (column age / (LPs
+ 5)), ``sol_val``, ``inc_val`` (value in the incumbent, 0 without one), ``avg_inc_val`` (SCIP's
average over found solutions).

Everything that cannot change while the LP keeps the same rows (the edge list, row norms, sides,
constants, objective parallelism, column types and objective, the column objects) is cached; at
each node only the dynamic values are read from SCIP (a handful of calls per row and column) and
assembled with numpy. Rows are recognised by their SCIP pointer (one cheap call per row); the
columns of a MIP without pricing never change, so they are re-read only when the LP's column count
or its rows change (re-reading 10,000 facility-location columns costs ~10 ms of CPU per node).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "CONSTRAINT_FEATURES",
    "EDGE_FEATURES",
    "VARIABLE_FEATURES",
    "BipartiteObservation",
    "ObservationExtractor",
]

CONSTRAINT_FEATURES: tuple[str, ...] = ("obj_cosine_similarity", "bias", "is_tight", "dualsol_val_normalized", "age")
EDGE_FEATURES: tuple[str, ...] = ("coef_normalized",)
VARIABLE_FEATURES: tuple[str, ...] = (
    "type_binary", "type_integer", "type_implicit_integer", "type_continuous",
    "coef_normalized", "has_lb", "has_ub", "sol_is_at_lb", "sol_is_at_ub", "sol_frac",
    "basis_lower", "basis_basic", "basis_upper", "basis_zero",
    "reduced_cost", "age", "sol_val", "inc_val", "avg_inc_val",
)

_TYPE_INDEX = {"BINARY": 0, "INTEGER": 1, "IMPLINT": 2, "CONTINUOUS": 3}
_BASIS_INDEX = {"lower": 0, "basic": 1, "upper": 2, "zero": 3}
_FEASIBILITY_TOLERANCE = 1e-6


@dataclass
class BipartiteObservation:
    """Feature matrices of one node: constraints (m, 5), edges (2, E) + (E, 1), variables (n, 19)."""

    constraint_features: np.ndarray
    edge_indices: np.ndarray
    edge_features: np.ndarray
    variable_features: np.ndarray

    @property
    def num_constraints(self) -> int:
        """Constraint nodes (row sides)."""
        return int(self.constraint_features.shape[0])

    @property
    def num_variables(self) -> int:
        """Variable nodes (LP columns)."""
        return int(self.variable_features.shape[0])


@dataclass
class _StaticPart:
    """What stays fixed while the LP keeps the same rows and columns."""

    row_keys: list[int]
    column_count: int
    lhs_rows: np.ndarray  # positions of rows with a finite left-hand side
    rhs_rows: np.ndarray  # positions of rows with a finite right-hand side
    lhs: np.ndarray
    rhs: np.ndarray
    row_norms: np.ndarray
    row_constants: np.ndarray
    side_static: np.ndarray  # (m, 2): obj_cosine_similarity, bias per side node
    edge_indices: np.ndarray
    edge_features: np.ndarray
    columns: list[Any]
    variables: list[Any]
    column_static: np.ndarray  # (n, 5): type one-hot, coef_normalized
    objective_norm: float


class ObservationExtractor:
    """Reads :class:`BipartiteObservation` from a pyscipopt ``Model`` at the current node.

    Keep one extractor per model: it caches row data across nodes (rows are keyed by their SCIP
    pointer), so after the root only dynamic values are read.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget all cached data (call when the extractor moves to another model)."""
        self._static: _StaticPart | None = None
        self._row_cache: dict[tuple[int, str], tuple[np.ndarray, np.ndarray, float, float, float, float]] = {}
        self._incumbent_key: Any = None
        self._incumbent_values: np.ndarray | None = None

    def extract(self, model: Any) -> BipartiteObservation:
        """The observation of the current node's LP (the LP must be solved)."""
        rows = model.getLPRowsData()
        static = self._static_part(model, rows)
        constraint_features = self._constraint_features(model, rows, static)
        variable_features = self._variable_features(model, static)
        return BipartiteObservation(constraint_features, static.edge_indices, static.edge_features, variable_features)

    # -- static part ---------------------------------------------------------------------------------

    def _static_part(self, model: Any, rows: list[Any]) -> _StaticPart:
        row_keys = list(map(hash, rows))
        static = self._static
        if static is not None and static.column_count == model.getNLPCols() and static.row_keys == row_keys:
            return static
        columns = model.getLPColsData()
        column_static, variables, objective_norm = self._column_static(columns)
        self._static = self._build_static(model, rows, row_keys, columns, variables, column_static, objective_norm)
        return self._static

    @staticmethod
    def _column_static(columns: list[Any]) -> tuple[np.ndarray, list[Any], float]:
        count = len(columns)
        variables = [column.getVar() for column in columns]
        objective = np.fromiter((column.getObjCoeff() for column in columns), dtype=np.float64, count=count)
        objective_norm = float(np.linalg.norm(objective)) or 1.0
        static = np.zeros((count, 5), dtype=np.float64)
        type_index = np.fromiter((_TYPE_INDEX.get(variable.vtype(), 3) for variable in variables), dtype=np.int64, count=count)
        static[np.arange(count), type_index] = 1.0
        static[:, 4] = objective / objective_norm
        return static, variables, objective_norm

    def _build_static(self, model: Any, rows: list[Any], row_keys: list[int], columns: list[Any],
                      variables: list[Any], column_static: np.ndarray, objective_norm: float) -> _StaticPart:
        row_count = len(rows)
        normalized_objective = column_static[:, 4]
        lhs = np.empty(row_count)
        rhs = np.empty(row_count)
        norms = np.empty(row_count)
        constants = np.empty(row_count)
        parallelism = np.empty(row_count)
        row_of_nonzero: list[np.ndarray] = []
        column_of_nonzero: list[np.ndarray] = []
        value_of_nonzero: list[np.ndarray] = []
        for position, (row, pointer) in enumerate(zip(rows, row_keys)):
            key = (pointer, row.name)  # the name guards against a freed row's address being reused
            cached = self._row_cache.get(key)
            if cached is None:
                row_columns = row.getCols()
                lp_positions = np.fromiter((column.getLPPos() for column in row_columns), dtype=np.int64,
                                           count=len(row_columns))
                values = np.asarray(row.getVals(), dtype=np.float64)
                keep = lp_positions >= 0
                constant = row.getConstant()
                cached = (lp_positions[keep], values[keep], row.getLhs() - constant, row.getRhs() - constant,
                          row.getNorm(), constant)
                self._row_cache[key] = cached
            row_columns_positions, values, lhs[position], rhs[position], norms[position], constants[position] = cached
            # Signed cosine with the objective (SCIP's getRowObjParallelism is unsigned).
            parallelism[position] = float(values @ normalized_objective[row_columns_positions])
            row_of_nonzero.append(np.full(row_columns_positions.size, position, dtype=np.int64))
            column_of_nonzero.append(row_columns_positions)
            value_of_nonzero.append(values)
        norms[norms <= 0] = 1.0
        parallelism /= norms
        infinity = model.infinity()
        lhs_rows = np.flatnonzero(lhs > -infinity)
        rhs_rows = np.flatnonzero(rhs < infinity)
        side_static = np.concatenate([
            np.stack([-parallelism[lhs_rows], -lhs[lhs_rows] / norms[lhs_rows]], axis=1),
            np.stack([parallelism[rhs_rows], rhs[rhs_rows] / norms[rhs_rows]], axis=1),
        ]).reshape(-1, 2)
        if row_count:
            nonzero_rows = np.concatenate(row_of_nonzero)
            nonzero_columns = np.concatenate(column_of_nonzero)
            nonzero_values = np.concatenate(value_of_nonzero) / norms[nonzero_rows]
        else:
            nonzero_rows = nonzero_columns = np.zeros(0, dtype=np.int64)
            nonzero_values = np.zeros(0)
        # Side node of each row: lhs nodes come first (0..len(lhs_rows)-1), then rhs nodes.
        lhs_node = np.full(row_count, -1, dtype=np.int64)
        lhs_node[lhs_rows] = np.arange(lhs_rows.size)
        rhs_node = np.full(row_count, -1, dtype=np.int64)
        rhs_node[rhs_rows] = lhs_rows.size + np.arange(rhs_rows.size)
        in_lhs = lhs_node[nonzero_rows] >= 0
        in_rhs = rhs_node[nonzero_rows] >= 0
        edge_constraints = np.concatenate([lhs_node[nonzero_rows[in_lhs]], rhs_node[nonzero_rows[in_rhs]]])
        edge_variables = np.concatenate([nonzero_columns[in_lhs], nonzero_columns[in_rhs]])
        edge_values = np.concatenate([-nonzero_values[in_lhs], nonzero_values[in_rhs]])
        return _StaticPart(
            row_keys=row_keys,
            column_count=len(columns),
            lhs_rows=lhs_rows,
            rhs_rows=rhs_rows,
            lhs=lhs,
            rhs=rhs,
            row_norms=norms,
            row_constants=constants,
            side_static=side_static,
            edge_indices=np.stack([edge_constraints, edge_variables]).astype(np.int64),
            edge_features=edge_values.reshape(-1, 1).astype(np.float32),
            columns=columns,
            variables=variables,
            column_static=column_static,
            objective_norm=objective_norm,
        )

    # -- dynamic part --------------------------------------------------------------------------------

    @staticmethod
    def _constraint_features(model: Any, rows: list[Any], static: _StaticPart) -> np.ndarray:
        count = len(rows)
        activity = np.fromiter((model.getRowLPActivity(row) for row in rows), dtype=np.float64, count=count)
        duals = np.fromiter((row.getDualsol() for row in rows), dtype=np.float64, count=count)
        ages = np.fromiter((row.getAge() for row in rows), dtype=np.float64, count=count)
        activity -= static.row_constants  # getRowLPActivity includes the row constant; cached sides exclude it
        lhs_rows, rhs_rows = static.lhs_rows, static.rhs_rows
        tolerance = _FEASIBILITY_TOLERANCE * np.maximum(1.0, np.abs(activity))
        at_lhs = np.abs(activity - static.lhs) <= tolerance
        at_rhs = np.abs(activity - static.rhs) <= tolerance
        age_scale = 1.0 / (model.getNLPs() + 5)
        normalized_duals = duals / (static.row_norms * static.objective_norm)
        features = np.empty((lhs_rows.size + rhs_rows.size, 5), dtype=np.float32)
        features[:, 0:2] = static.side_static
        features[:, 2] = np.concatenate([at_lhs[lhs_rows], at_rhs[rhs_rows]])
        features[:, 3] = np.concatenate([-normalized_duals[lhs_rows], normalized_duals[rhs_rows]])
        features[:, 4] = np.concatenate([ages[lhs_rows], ages[rhs_rows]]) * age_scale
        return features

    def _variable_features(self, model: Any, static: _StaticPart) -> np.ndarray:
        columns = static.columns
        count = len(columns)
        infinity = model.infinity()
        solution = np.fromiter((column.getPrimsol() for column in columns), dtype=np.float64, count=count)
        lower = np.fromiter((column.getLb() for column in columns), dtype=np.float64, count=count)
        upper = np.fromiter((column.getUb() for column in columns), dtype=np.float64, count=count)
        basis = np.fromiter((_BASIS_INDEX[column.getBasisStatus()] for column in columns), dtype=np.int64, count=count)
        reduced = np.fromiter((model.getColRedCost(column) for column in columns), dtype=np.float64, count=count)
        ages = np.fromiter((column.getAge() for column in columns), dtype=np.float64, count=count)
        average = np.fromiter((variable.getAvgSol() for variable in static.variables), dtype=np.float64, count=count)
        incumbent = self._incumbent(model, static)

        features = np.zeros((count, 19), dtype=np.float32)
        features[:, 0:5] = static.column_static
        has_lower = lower > -infinity
        has_upper = upper < infinity
        features[:, 5] = has_lower
        features[:, 6] = has_upper
        tolerance = _FEASIBILITY_TOLERANCE * np.maximum(1.0, np.abs(solution))
        features[:, 7] = has_lower & (np.abs(solution - lower) <= tolerance)
        features[:, 8] = has_upper & (np.abs(solution - upper) <= tolerance)
        fractionality = solution - np.floor(solution + _FEASIBILITY_TOLERANCE)
        fractionality[static.column_static[:, 3] == 1.0] = 0.0
        features[:, 9] = np.clip(fractionality, 0.0, 1.0)
        features[np.arange(count), 10 + basis] = 1.0
        features[:, 14] = reduced / static.objective_norm
        features[:, 15] = ages / (model.getNLPs() + 5)
        features[:, 16] = solution
        features[:, 17] = incumbent
        features[:, 18] = average
        return features

    def _incumbent(self, model: Any, static: _StaticPart) -> np.ndarray:
        """Values of the LP columns' variables in the incumbent (zeros before the first solution)."""
        if model.getNSols() == 0:
            return np.zeros(len(static.variables))
        best = model.getBestSol()
        key = (model.getNSolsFound(), model.getSolObjVal(best), len(static.variables))
        if key != self._incumbent_key or self._incumbent_values is None:
            self._incumbent_values = np.fromiter((model.getSolVal(best, variable) for variable in static.variables),
                                                 dtype=np.float64, count=len(static.variables))
            self._incumbent_key = key
        return self._incumbent_values
