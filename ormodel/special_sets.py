"""Big-M reformulations of special ordered sets and semi-continuous columns, for backends without them.

Both take a :class:`~ormodel.standard_form.StandardForm` and return a larger one: the original
columns first (so a point of the larger form starts with a point of the original), then one binary
per set member (SOS1), per pair of neighbours (SOS2) or per semi-continuous column, then the
linking rows after the original rows. They need finite bounds on the columns they link; a column
without one is a :class:`~ormodel.errors.ModelError` naming the set or variable.

* SOS1 over ``x_1..x_n``: ``Σ y_j ≤ 1``, ``l_j y_j ≤ x_j ≤ u_j y_j``.
* SOS2 over ``x_1..x_n``: segment binaries ``y_1..y_{n-1}`` with ``Σ y_k ≤ 1`` and
  ``l_j (y_{j-1} + y_j) ≤ x_j ≤ u_j (y_{j-1} + y_j)``.
* semi-continuous ``x ∈ {0} ∪ [l, u]``: ``l y ≤ x ≤ u y`` and bounds ``[0, u]``.

Example:
    >>> import numpy as np, scipy.sparse as sp
    >>> form = StandardForm.from_arrays(objective=np.array([-1.0]), matrix=sp.csr_array((0, 1)), row_lower=np.zeros(0),
    ...     row_upper=np.zeros(0), column_lower=np.array([2.0]), column_upper=np.array([5.0]))
    >>> form.semicontinuous = np.array([True])
    >>> wider = semicontinuous_to_binaries(form)
    >>> wider.num_columns, wider.num_rows, wider.column_lower.tolist()
    (2, 2, [0.0, 0.0])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ormodel.errors import Location, ModelError
from ormodel.standard_form import Block, NameMap, SpecialOrderedSets, StandardForm

__all__ = ["semicontinuous_to_binaries", "sos_to_binaries", "without_special_constructs"]

_HINT = "give the variable finite bounds, or use a backend with native {what} (solver='{solver}')"


def _with_binaries(form: StandardForm, kind: str, count: int, rows: sp.csr_array, row_lower: np.ndarray, row_upper: np.ndarray,
                   column_lower: np.ndarray | None = None, sos: SpecialOrderedSets | None = None,
                   semicontinuous: np.ndarray | None = None) -> StandardForm:
    """``form`` with ``count`` binary columns appended and ``rows`` (over all columns) below its rows."""
    columns = form.num_columns
    matrix = sp.vstack([sp.hstack([form.matrix, sp.csr_array((form.num_rows, count))]), rows], format="csr")
    quadratic = None
    if form.quadratic is not None:
        quadratic = sp.csc_array(sp.block_diag([form.quadratic, sp.csc_array((count, count))], format="csc"))
    names = _extended_names(form.names, kind, columns, count, form.num_rows, rows.shape[0])
    return StandardForm(
        objective=np.concatenate([form.objective, np.zeros(count)]),
        matrix=sp.csr_array(matrix),
        row_lower=np.concatenate([form.row_lower, row_lower]),
        row_upper=np.concatenate([form.row_upper, row_upper]),
        column_lower=np.concatenate([form.column_lower if column_lower is None else column_lower, np.zeros(count)]),
        column_upper=np.concatenate([form.column_upper, np.ones(count)]),
        integrality=np.concatenate([form.integrality, np.ones(count, dtype=bool)]),
        sense=form.sense, objective_offset=form.objective_offset, quadratic=quadratic, names=names, name=form.name,
        indicators=form.indicators,
        semicontinuous=None if semicontinuous is None or not semicontinuous.any() else np.concatenate([semicontinuous, np.zeros(count, dtype=bool)]),
        sos=sos if sos is not None and len(sos) else None,
    )


def _extended_names(names: NameMap, kind: str, columns: int, count: int, rows: int, new_rows: int) -> NameMap:
    if names.column_names is not None and not names.variables:
        column_names = list(names.column_names) + [f"_{kind}[{position}]" for position in range(count)]
        row_names = list(names.row_names) + [f"_{kind}_link[{position}]" for position in range(new_rows)] if names.row_names else None
        return NameMap.from_labels(column_names, row_names)
    if not names.variables:
        return names
    variables = [*names.variables, Block(f"_{kind}", columns, count, (count,), ((np.arange(count),),))]
    constraints = [*names.constraints, Block(f"_{kind}_link", rows, new_rows, (new_rows,), ((np.arange(new_rows),),))]
    return NameMap(variables=variables, constraints=constraints)


def _finite(form: StandardForm, columns: np.ndarray, what: str, where: str, solver: str) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of ``columns`` (clipped to include 0), or an error naming an infinite one."""
    lower = np.minimum(form.column_lower[columns], 0.0)
    upper = np.maximum(form.column_upper[columns], 0.0)
    infinite = np.flatnonzero(~np.isfinite(lower) | ~np.isfinite(upper))
    if len(infinite):
        label = form.names.column_label(int(columns[infinite[0]]))
        raise ModelError(f"cannot reformulate {where} with big-M: {label} has no finite {'lower' if not np.isfinite(lower[infinite[0]]) else 'upper'} bound",
                         Location(element="constraints" if what.startswith("SOS") else "variables", item=where.split("[")[0]),
                         _HINT.format(what=what, solver=solver))
    return lower, upper


def sos_to_binaries(form: StandardForm, kinds: frozenset[int] = frozenset({1, 2})) -> StandardForm:
    """The form with its SOS sets of the given kinds replaced by binaries and big-M rows."""
    sets = form.sos
    if sets is None or not len(sets):
        return form
    kept: list[int] = []
    entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, column, value) pieces
    lower_pieces: list[np.ndarray] = []
    upper_pieces: list[np.ndarray] = []
    binaries = 0
    row = 0
    base = form.num_columns
    for position in range(len(sets)):
        kind, members, _ = sets.members(position)
        if kind not in kinds:
            kept.append(position)
            continue
        label = sets.label(position)
        lower, upper = _finite(form, members, f"SOS{kind}", f"the SOS{kind} set {label}", "scip")
        size = len(members)
        if size < 2:
            kind = 1  # one member: nothing to order
        count = size if kind == 1 else size - 1
        flags = base + binaries + np.arange(count)
        binaries += count
        # at most one binary on
        entries.append((np.full(count, row), flags, np.ones(count)))
        lower_pieces.append(np.array([-np.inf]))
        upper_pieces.append(np.array([1.0]))
        row += 1
        # x_j - u_j * (flags covering j) <= 0 and x_j - l_j * (...) >= 0
        member_rows = row + np.arange(size)
        if kind == 1:
            cover_rows, cover_flags, cover_member = member_rows, flags, np.arange(size)
        else:
            # member j is covered by segment j-1 and segment j
            left = np.arange(1, size)
            right = np.arange(0, size - 1)
            cover_rows = np.concatenate([member_rows[left], member_rows[right]])
            cover_flags = np.concatenate([flags[left - 1], flags[right]])
            cover_member = np.concatenate([left, right])
        entries.append((member_rows, members, np.ones(size)))
        entries.append((cover_rows, cover_flags, -upper[cover_member]))
        lower_pieces.append(np.full(size, -np.inf))
        upper_pieces.append(np.zeros(size))
        row += size
        entries.append((row + np.arange(size), members, np.ones(size)))
        entries.append((row + cover_rows - member_rows[0], cover_flags, -lower[cover_member]))
        lower_pieces.append(np.zeros(size))
        upper_pieces.append(np.full(size, np.inf))
        row += size
    if not entries:
        return form
    rows_index, cols_index, values = (np.concatenate(parts) for parts in zip(*entries))
    links = sp.csr_array((values, (rows_index, cols_index)), shape=(row, base + binaries))
    remaining = _subset(sets, kept)
    return _with_binaries(form, "sos_on", binaries, links, np.concatenate(lower_pieces), np.concatenate(upper_pieces),
                          sos=remaining, semicontinuous=form.semicontinuous)


def _subset(sets: SpecialOrderedSets, positions: list[int]) -> SpecialOrderedSets | None:
    if not positions:
        return None
    parts = []
    for position in positions:
        kind, columns, weights = sets.members(position)
        parts.append(SpecialOrderedSets(np.array([kind], dtype=np.int8), np.array([0, len(columns)], dtype=np.int64), columns, weights,
                                        [sets.label(position)]))
    return SpecialOrderedSets.concatenate(parts)


def semicontinuous_to_binaries(form: StandardForm, integer: bool | None = None) -> StandardForm:
    """The form with its semi-continuous columns (``integer``: only semi-integer ones, or only
    semi-continuous ones; ``None``: both) made plain columns switched on by binaries."""
    if form.semicontinuous is None:
        return form
    chosen = form.semicontinuous.copy()
    if integer is not None:
        chosen &= form.integrality if integer else ~form.integrality
    columns = np.flatnonzero(chosen)
    if not len(columns):
        return form
    upper = form.column_upper[columns]
    lower = form.column_lower[columns]
    infinite = np.flatnonzero(~np.isfinite(upper))
    if len(infinite):
        label = form.names.column_label(int(columns[infinite[0]]))
        raise ModelError(f"cannot reformulate the semi-continuous variable {label} with big-M: it has no finite upper bound",
                         Location(element="variables", item=label.split("[")[0]), _HINT.format(what="semi-continuous columns", solver="highs"))
    count = len(columns)
    flags = form.num_columns + np.arange(count)
    own = np.arange(count)
    # x - u y <= 0 ;  x - l y >= 0
    rows = np.concatenate([own, own, count + own, count + own])
    cols = np.concatenate([columns, flags, columns, flags])
    values = np.concatenate([np.ones(count), -upper, np.ones(count), -np.maximum(lower, 0.0)])
    links = sp.csr_array((values, (rows, cols)), shape=(2 * count, form.num_columns + count))
    column_lower = form.column_lower.copy()
    column_lower[columns] = np.minimum(column_lower[columns], 0.0)
    remaining = form.semicontinuous & ~chosen
    return _with_binaries(form, "semicontinuous_on", count, links, np.concatenate([np.full(count, -np.inf), np.zeros(count)]),
                          np.concatenate([np.zeros(count), np.full(count, np.inf)]), column_lower=column_lower, sos=form.sos,
                          semicontinuous=remaining)


def without_special_constructs(form: StandardForm) -> StandardForm:
    """The form with every SOS set and semi-continuous column reformulated (for a backend that has neither)."""
    return semicontinuous_to_binaries(sos_to_binaries(form))
