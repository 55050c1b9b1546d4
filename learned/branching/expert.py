"""The strong-branching expert: full strong branching scores without side effects on the search.

For every branching candidate SCIP solves the two child LPs (``SCIPgetVarStrongbranchFrac`` with
``idempotent=True``: no bound tightening, no pseudocost or statistics updates, no conflicts kept),
and the score is SCIP's own product score of the two dual-bound gains
(``SCIPgetBranchScoreMultiple``) — the same rule as SCIP's ``vanillafullstrong`` used by Gasse et
al. 2019 as the expert. An infeasible child counts as a gain up to the cutoff bound (or a large
constant before the first incumbent), so candidates that cut off a child score highest.

``iteration_limit`` caps the simplex iterations of each child LP. ``None`` is the full expert; a
limit gives a cheaper expert whose child bounds are still valid (dual simplex) but weaker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FULL_ITERATION_LIMIT", "ExpertDecision", "expert_decision", "strong_branching_scores"]

FULL_ITERATION_LIMIT = 2**31 - 1
_INFEASIBLE_GAIN = 1e10


@dataclass
class ExpertDecision:
    """Strong-branching scores of the candidates and the index of the best one."""

    scores: np.ndarray
    best: int
    lp_errors: int = 0


def strong_branching_scores(model: Any, candidates: Sequence[Any], iteration_limit: int | None = None) -> tuple[np.ndarray, int]:
    """Product scores of ``candidates`` (fractional LP branching candidates) and the number of LP errors."""
    limit = FULL_ITERATION_LIMIT if iteration_limit is None else int(iteration_limit)
    lp_value = model.getLPObjVal()
    cutoff = model.getCutoffbound()
    infeasible_gain = min(_INFEASIBLE_GAIN, cutoff - lp_value) if cutoff < model.infinity() else _INFEASIBLE_GAIN
    infeasible_gain = max(infeasible_gain, 1e-6)
    scores = np.full(len(candidates), -np.inf)
    errors = 0
    model.startStrongbranch()
    try:
        for index, variable in enumerate(candidates):
            down, up, _down_valid, _up_valid, down_infeasible, up_infeasible, _, _, lp_error = model.getVarStrongbranch(
                variable, limit, idempotent=True
            )
            if lp_error:
                errors += 1
                continue
            down_gain = infeasible_gain if down_infeasible else min(max(down - lp_value, 0.0), _INFEASIBLE_GAIN)
            up_gain = infeasible_gain if up_infeasible else min(max(up - lp_value, 0.0), _INFEASIBLE_GAIN)
            scores[index] = model.getBranchScoreMultiple(variable, [down_gain, up_gain])
    finally:
        model.endStrongbranch()
    return scores, errors


def expert_decision(model: Any, candidates: Sequence[Any], iteration_limit: int | None = None) -> ExpertDecision:
    """Run the expert at the current node; ties go to the first candidate (SCIP's order)."""
    scores, errors = strong_branching_scores(model, candidates, iteration_limit)
    if not np.isfinite(scores).any():
        # Every strong-branching LP failed: fall back to the first candidate, marked by errors.
        return ExpertDecision(np.zeros(len(candidates)), 0, errors)
    return ExpertDecision(scores, int(np.argmax(scores)), errors)
