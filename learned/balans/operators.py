"""Destroy operators: each turns the current solution into a neighbourhood, i.e. a sub-MIP description.

A :class:`Neighborhood` says which integer columns stay fixed to the incumbent, which get new
bounds, which rows and columns are added, and whether the objective is replaced. The repair step
(:func:`ormodel.learned.balans.search.repair`) applies it to the one persistent model, solves,
and rolls the changes back.

Operators (Balans, Cai, Kadioglu & Dilkina, IJCAI 2025; see MIP_ANCHORS.md 1.2):

* **mutation(δ)**: free a random δ-share of the integer columns, fix the rest.
* **rins(δ)**: free a random δ-share of the integer columns where incumbent and LP differ, fix the rest.
* **rens(δ)**: bound a random δ-share of the LP-fractional integer columns to ``[floor, ceil]`` of
  the LP value, fix the rest.
* **dins**: integer columns with ``|x_lp - x_inc| >= 0.5`` get ``|x - x_lp| <= |x_inc - x_lp|``,
  the rest are fixed. (Balans only uses general integers and drops DINS on binary problems; here
  binaries take part, which makes DINS a rounding-distance variant of RINS on them.)
* **local_branching(δ)**: add ``Δ(x, x_inc) <= k`` over the binaries, ``k`` drawn from
  ``[0.05 |B|, δ |B|]``; longer time limit.
* **proximity(δ)**: minimise the Hamming distance to the incumbent subject to
  ``f(x) <= f_inc - δ |f_inc| + z`` with slack ``z`` penalised by ``big_m``.
* **crossover**: fix the integer columns where the incumbent agrees with a second solution (from
  the pool of earlier solutions, or else from a short random-objective solve), free the others.
* **random_objective**: a random objective ``U[-1, 1]`` (normalised), stop at the first solution.

Only integer columns are ever fixed; continuous columns stay free.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from ormodel.learned.balans.config import parse_operator

if TYPE_CHECKING:
    from ormodel.learned.balans.search import SearchContext

__all__ = ["DestroyOperator", "Neighborhood", "applicable", "make_operator"]


@dataclass
class Neighborhood:
    """A sub-MIP around the incumbent, as changes to the original model.

    Attributes:
        fix: integer columns fixed to the incumbent's values.
        bound_columns, bound_lower, bound_upper: columns whose bounds are tightened.
        rows: added rows ``(matrix over n + len(new_columns) columns, lower, upper)``.
        new_columns: added columns ``(cost, lower, upper, integer)`` (proximity's slack).
        new_column_start: warm-start values of the added columns.
        objective: replacement objective over all columns (``None``: keep the original), minimised.
        solution_limit: stop after this many solutions (``None``: no limit).
        time_factor: multiple of the iteration time limit this sub-MIP gets.
        warm_start: give the incumbent to the solver as a start.
        dense_rows: the added rows span most columns (local branching, proximity); HiGHS solves
            such sub-MIPs without presolve, which can otherwise overrun its time limit by far.
        empty: nothing to search (the operator does not apply to this incumbent); skip the solve.
    """

    fix: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bound_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bound_lower: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bound_upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rows: list[tuple[sp.csr_array, np.ndarray, np.ndarray]] = field(default_factory=list)
    new_columns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    new_column_start: np.ndarray | None = None
    objective: np.ndarray | None = None
    solution_limit: int | None = None
    time_factor: float = 1.0
    warm_start: bool = True
    dense_rows: bool = False
    empty: bool = False


DestroyFunction = Callable[["SearchContext", np.ndarray, np.random.Generator], Neighborhood]


@dataclass
class DestroyOperator:
    """A named destroy operator (one bandit arm)."""

    name: str
    kind: str
    size: float | None
    build: DestroyFunction
    needs_lp: bool = False
    needs_binaries: bool = False

    def __call__(self, context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
        """The neighbourhood of ``incumbent``."""
        return self.build(context, incumbent, rng)


def _free_share(candidates: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """A random ``share`` of ``candidates`` (at least one when there are any), without replacement."""
    if candidates.size == 0:
        return candidates
    count = max(1, math.ceil(share * candidates.size))
    return rng.choice(candidates, size=min(count, candidates.size), replace=False)


def _fix_all_but(context: SearchContext, free: np.ndarray) -> np.ndarray:
    mask = context.discrete.copy()
    mask[free] = False
    return np.flatnonzero(mask)


def _mutation(size: float) -> DestroyFunction:
    def build(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
        free = _free_share(np.flatnonzero(context.discrete), size, rng)
        return Neighborhood(fix=_fix_all_but(context, free))

    return build


def _rins(size: float) -> DestroyFunction:
    def build(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
        lp = context.lp_solution()
        if lp is None:
            return Neighborhood(empty=True)
        differing = np.flatnonzero(context.discrete & (np.abs(incumbent - lp) > 1e-6))
        if differing.size == 0:
            return Neighborhood(empty=True)
        free = _free_share(differing, size, rng)
        return Neighborhood(fix=_fix_all_but(context, free))

    return build


def _rens(size: float) -> DestroyFunction:
    def build(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
        lp = context.lp_solution()
        if lp is None:
            return Neighborhood(empty=True)
        fractional = np.flatnonzero(context.discrete & (np.abs(lp - np.round(lp)) > 1e-6))
        if fractional.size == 0:
            return Neighborhood(empty=True)
        chosen = _free_share(fractional, size, rng)
        lower = np.maximum(np.floor(lp[chosen]), context.form.column_lower[chosen])
        upper = np.minimum(np.ceil(lp[chosen]), context.form.column_upper[chosen])
        inside = np.all((incumbent[chosen] >= lower - 1e-9) & (incumbent[chosen] <= upper + 1e-9))
        return Neighborhood(fix=_fix_all_but(context, chosen), bound_columns=chosen, bound_lower=lower,
                            bound_upper=upper, warm_start=bool(inside))

    return build


def _dins(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
    lp = context.lp_solution()
    if lp is None:
        return Neighborhood(empty=True)
    distance = np.abs(incumbent - lp)
    chosen = np.flatnonzero(context.discrete & (distance >= 0.5))
    if chosen.size == 0:
        return Neighborhood(empty=True)
    lower = np.maximum(np.ceil(lp[chosen] - distance[chosen] - 1e-9), context.form.column_lower[chosen])
    upper = np.minimum(np.floor(lp[chosen] + distance[chosen] + 1e-9), context.form.column_upper[chosen])
    return Neighborhood(fix=_fix_all_but(context, chosen), bound_columns=chosen, bound_lower=lower, bound_upper=upper)


def _hamming_row(context: SearchContext, incumbent: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients of ``Δ(x, x_inc)`` over the binaries: ``+1`` where x_inc = 0, ``-1`` where x_inc = 1, and the constant."""
    binaries = np.flatnonzero(context.binary)
    at_one = np.round(incumbent[binaries]) >= 0.5
    coefficients = np.where(at_one, -1.0, 1.0)
    return binaries, coefficients, float(at_one.sum())


def _local_branching(size: float) -> DestroyFunction:
    def build(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
        binaries, coefficients, constant = _hamming_row(context, incumbent, context.form.num_columns)
        if binaries.size == 0:
            return Neighborhood(empty=True)
        low = max(1, int(0.05 * binaries.size))
        high = max(low, int(size * binaries.size))
        radius = int(rng.integers(low, high + 1))
        row = sp.csr_array((coefficients, (np.zeros(binaries.size, dtype=np.int64), binaries)),
                           shape=(1, context.form.num_columns))
        return Neighborhood(rows=[(row, np.array([-np.inf]), np.array([radius - constant]))],
                            time_factor=context.config.local_branching_factor, dense_rows=True)

    return build


def _proximity(size: float) -> DestroyFunction:
    def build(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
        form = context.form
        binaries, coefficients, _ = _hamming_row(context, incumbent, form.num_columns)
        if binaries.size == 0:
            return Neighborhood(empty=True)
        columns = form.num_columns
        current = context.internal_objective(incumbent)
        target = current - size * max(abs(current), 1.0)
        # sign * (c'x + offset) - z <= target  over columns 0..n-1 and the slack z at index n.
        linear = context.sign * form.objective
        nonzero = np.flatnonzero(linear)
        row = sp.csr_array(
            (np.concatenate([linear[nonzero], [-1.0]]),
             (np.zeros(nonzero.size + 1, dtype=np.int64), np.concatenate([nonzero, [columns]]))),
            shape=(1, columns + 1),
        )
        upper = target - context.sign * form.objective_offset
        objective = np.zeros(columns + 1)
        objective[binaries] = coefficients
        objective[columns] = context.config.big_m
        slack_start = max(current - target, 0.0)
        return Neighborhood(
            rows=[(row, np.array([-np.inf]), np.array([upper]))],
            new_columns=(np.array([context.config.big_m]), np.array([0.0]), np.array([np.inf]), np.array([False])),
            new_column_start=np.array([slack_start]),
            objective=objective,
            dense_rows=True,
        )

    return build


def _random_objective(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
    objective = rng.uniform(-1.0, 1.0, size=context.form.num_columns)
    objective /= max(float(np.linalg.norm(objective)), 1e-12)
    return Neighborhood(objective=objective, solution_limit=1, warm_start=False)


def _crossover(context: SearchContext, incumbent: np.ndarray, rng: np.random.Generator) -> Neighborhood:
    partner = context.crossover_partner(incumbent, rng)
    if partner is None:
        return Neighborhood(empty=True)
    differing = np.flatnonzero(context.discrete & (np.abs(incumbent - partner) > 1e-6))
    if differing.size == 0:
        return Neighborhood(empty=True)
    return Neighborhood(fix=_fix_all_but(context, differing))


def make_operator(name: str) -> DestroyOperator:
    """The destroy operator called ``name`` (see :func:`~ormodel.learned.balans.config.parse_operator`)."""
    kind, size = parse_operator(name)
    if kind == "mutation":
        assert size is not None
        return DestroyOperator(name, kind, size, _mutation(size))
    if kind == "rins":
        assert size is not None
        return DestroyOperator(name, kind, size, _rins(size), needs_lp=True)
    if kind == "rens":
        assert size is not None
        return DestroyOperator(name, kind, size, _rens(size), needs_lp=True)
    if kind == "dins":
        return DestroyOperator(name, kind, None, _dins, needs_lp=True)
    if kind == "local_branching":
        assert size is not None
        return DestroyOperator(name, kind, size, _local_branching(size), needs_binaries=True)
    if kind == "proximity":
        assert size is not None
        return DestroyOperator(name, kind, size, _proximity(size), needs_binaries=True)
    if kind == "crossover":
        return DestroyOperator(name, kind, None, _crossover)
    if kind == "random_objective":
        return DestroyOperator(name, kind, None, _random_objective)
    raise ValueError(f"unknown operator {name!r}")  # pragma: no cover - parse_operator rejects it first


def applicable(operator: DestroyOperator, has_binaries: bool, has_integers: bool) -> bool:
    """Whether an operator can do anything on a model (Balans drops binary-only operators without binaries)."""
    return has_integers and (has_binaries or not operator.needs_binaries)
