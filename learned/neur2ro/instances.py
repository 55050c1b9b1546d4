"""Build robust problems by class name, from generator parameters or dataset instances."""

from __future__ import annotations

from typing import Any

from ormodel.learned.neur2ro.capital_budgeting import RobustCapitalBudgeting
from ormodel.learned.neur2ro.knapsack import RobustKnapsack
from ormodel.learned.neur2ro.problem import TwoStageRobustProblem

__all__ = ["PROBLEM_KINDS", "make_problem", "as_robust_problem", "TRAINING_SIZES"]

PROBLEM_KINDS = ("knapsack", "capital_budgeting")

#: instance sizes sampled for training data (the paper: KP 20..80, CB 10..50)
TRAINING_SIZES = {"knapsack": (20, 30, 40, 50, 60, 70, 80), "capital_budgeting": (10, 20, 30, 40, 50)}


def make_problem(kind: str, size: int, seed: int, **options: Any) -> TwoStageRobustProblem:
    """A generated instance of ``kind`` with ``size`` items/projects (generator parameters in ``options``)."""
    from ormodel.datasets.robust import generate_capital_budgeting, generate_knapsack

    kind = normalize_kind(kind)
    if kind == "knapsack":
        return RobustKnapsack(generate_knapsack(int(size), seed=int(seed), **options))
    return RobustCapitalBudgeting(generate_capital_budgeting(int(size), seed=int(seed), **options))


def normalize_kind(kind: str) -> str:
    """``kp``/``knapsack`` → ``knapsack``; ``cb``/``capital_budgeting`` → ``capital_budgeting``."""
    key = str(kind).lower().replace("-", "_")
    if key in ("kp", "knapsack"):
        return "knapsack"
    if key in ("cb", "capital_budgeting"):
        return "capital_budgeting"
    raise ValueError(f"unknown robust problem class {kind!r}; choose one of: {', '.join(PROBLEM_KINDS)} (or kp, cb)")


def as_robust_problem(model: Any) -> TwoStageRobustProblem:
    """A robust problem from a problem, a dataset instance, or a published knapsack instance file path."""
    import os

    from ormodel.datasets.robust import CapitalBudgetingInstance, RobustKnapsackInstance, read_knapsack_instance

    if isinstance(model, TwoStageRobustProblem):
        return model
    if isinstance(model, RobustKnapsackInstance):
        return RobustKnapsack(model)
    if isinstance(model, CapitalBudgetingInstance):
        return RobustCapitalBudgeting(model)
    if isinstance(model, (str, os.PathLike)):
        return RobustKnapsack(read_knapsack_instance(model))
    raise TypeError(
        f"neur2ro: expected a two-stage robust problem, a RobustKnapsackInstance, a CapitalBudgetingInstance "
        f"or a knapsack instance file path, got {type(model).__name__}"
    )
