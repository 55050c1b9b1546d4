"""Balans settings: which destroy operators, which bandit, which acceptance rule, and how time is split.

A :class:`BalansConfig` can be built in Python or read from a plain dict (JSON/YAML), e.g.::

    {"operators": ["mutation_50", "rins_25", "local_branching_10"],
     "selector": {"policy": "softmax", "tau": 1.0},
     "scores": [8, 4, 2, 1],
     "accept": {"name": "HillClimbing"}}

Operator names are ``<kind>`` or ``<kind>_<percent>`` (``proximity_0.5`` is 0.5 %); kinds are
listed in :data:`OPERATOR_KINDS`. Defaults follow the Balans paper where it applies (operator
family, rewards, acceptance rules); the time split is scaled to the run's budget, because the
paper's 60 s per sub-MIP does not fit short runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "DEFAULT_OPERATORS",
    "OPERATOR_KINDS",
    "PAPER_OPERATORS",
    "SELECTOR_POLICIES",
    "BalansConfig",
    "parse_operator",
]

# Destroy operator kinds (Balans, Cai et al. 2025, Section 3).
OPERATOR_KINDS: tuple[str, ...] = (
    "crossover",
    "dins",
    "local_branching",
    "mutation",
    "proximity",
    "rens",
    "rins",
    "random_objective",
)

# Kinds without a neighbourhood size.
_UNSIZED = {"crossover", "dins", "random_objective"}

# The 16 operators of the paper's experiments (Balans v1.0.1 defaults), plus DINS and Random Objective.
PAPER_OPERATORS: tuple[str, ...] = (
    "crossover",
    "dins",
    "local_branching_10", "local_branching_25", "local_branching_50",
    "mutation_25", "mutation_50", "mutation_75",
    "proximity_0.5", "proximity_1.5", "proximity_3",
    "rens_25", "rens_50", "rens_75",
    "rins_25", "rins_50", "rins_75",
    "random_objective",
)

# Every kind but proximity, at one or two sizes: fewer arms than the paper's set, so that a short
# run can learn. Mutation comes first: the first pull takes the first operator, and Mutation only
# fixes columns, so its sub-MIPs are the cheapest (measured on the 9000-node instances: 0.3 s where
# local branching needs the full model's root LP, 3-15 s). rins_100 is classic RINS (every column
# where incumbent and LP differ is free). Proximity is left out of the defaults: its sub-MIP (dense
# objective-bound row, Hamming objective, the full model) overran a 0.5 s limit by 8-29 s in HiGHS
# 1.12 on the 16000-column multiple knapsack (validation seeds); it stays available by name.
DEFAULT_OPERATORS: tuple[str, ...] = (
    "mutation_25", "mutation_50",
    "rins_50", "rins_100",
    "rens_50", "rens_75",
    "dins",
    "crossover",
    "local_branching_10",
    "random_objective",
)

SELECTOR_POLICIES: tuple[str, ...] = ("thompson", "epsilon_greedy", "softmax", "ucb")


def parse_operator(name: str) -> tuple[str, float | None]:
    """``"rins_25"`` → ``("rins", 0.25)``; ``"proximity_0.5"`` → ``("proximity", 0.005)``; ``"dins"`` → ``("dins", None)``."""
    text = name.strip().lower()
    if text in _UNSIZED or text in OPERATOR_KINDS:
        if text not in _UNSIZED:
            raise ValueError(f"operator {name!r} needs a neighbourhood size in percent, e.g. {text}_25")
        return text, None
    kind, separator, size = text.rpartition("_")
    if not separator or kind not in OPERATOR_KINDS:
        raise ValueError(f"unknown operator {name!r}; kinds are {', '.join(OPERATOR_KINDS)} (sized ones as kind_percent)")
    if kind in _UNSIZED:
        raise ValueError(f"operator {kind!r} takes no size; write {kind!r}")
    try:
        percent = float(size)
    except ValueError:
        raise ValueError(f"operator {name!r}: size {size!r} is not a number of percent") from None
    if not 0 < percent <= 100:
        raise ValueError(f"operator {name!r}: size must be in (0, 100] percent")
    return kind, percent / 100.0


@dataclass
class BalansConfig:
    """Everything a Balans run can be told.

    Attributes:
        operators: destroy operators (arms), see :func:`parse_operator`; the first pull takes the first one.
        selector: bandit policy ``{"policy": "thompson"|"epsilon_greedy"|"softmax"|"ucb", ...}``
            with ``epsilon``, ``tau`` or ``alpha``.
        scores: rewards for a new global best, better than current, accepted, rejected
            (Thompson sampling needs 0/1 rewards).
        time_aware_rewards: scale a reward by ``min(1, allowed time / seconds the iteration took)``,
            so that an arm whose sub-MIPs overrun their limit looks worse (not for Thompson sampling,
            whose rewards must stay 0/1). Balans itself does not scale.
        accept: acceptance criterion: ``{"name": <alns.accept class>, **its arguments}``.
        iteration_time: time limit of one sub-MIP in seconds (``None``: 12 % of the budget for HiGHS, 20 % for SCIP, within 0.5..60 s).
        local_branching_factor: local branching gets this multiple of ``iteration_time`` (paper: 150/60).
        initial: ``"auto"`` (trivial points improved by greedy one-opt shifts, then the backend if
            none is feasible), ``"trivial"`` (trivial points only, then the backend) or ``"backend"``
            (always ask the backend for its first feasible solution).
        initial_fraction: most of the budget the shifting pass or the backend's first-feasible solve may use.
        lp_fraction: most of the budget the (lazy, once) LP relaxation may use.
        big_m: penalty of the proximity operator's slack.
        pool_size: solutions kept for crossover.
        seed: seed of operator randomness, the bandit and the backend.
        threads: threads per sub-MIP.
        parallel: number of concurrent configurations/seeds sharing the incumbent (1: sequential).
        parallel_configs: per-worker overrides for parallel mode (default: seeds differ).
    """

    operators: tuple[str, ...] = DEFAULT_OPERATORS
    selector: dict[str, Any] = field(default_factory=lambda: {"policy": "softmax", "tau": 1.0})
    scores: tuple[float, float, float, float] = (8.0, 4.0, 2.0, 1.0)
    time_aware_rewards: bool = True
    accept: dict[str, Any] = field(default_factory=lambda: {"name": "HillClimbing"})
    iteration_time: float | None = None
    local_branching_factor: float = 2.5
    initial: str = "auto"
    initial_fraction: float = 0.3
    lp_fraction: float = 0.2
    big_m: float = 1000.0
    pool_size: int = 10
    seed: int = 0
    threads: int = 1
    parallel: int = 1
    parallel_configs: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        self.operators = tuple(self.operators)
        self.scores = tuple(float(score) for score in self.scores)  # type: ignore[assignment]
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the setting that is wrong."""
        if not self.operators:
            raise ValueError("config.operators is empty; give at least one destroy operator")
        for name in self.operators:
            parse_operator(name)
        if len(set(self.operators)) != len(self.operators):
            raise ValueError("config.operators lists an operator twice")
        policy = str(self.selector.get("policy", "")).lower()
        if policy not in SELECTOR_POLICIES:
            raise ValueError(f"config.selector.policy must be one of {', '.join(SELECTOR_POLICIES)}, got {policy!r}")
        if len(self.scores) != 4 or any(score < 0 for score in self.scores):
            raise ValueError("config.scores needs four non-negative rewards: [best, better, accepted, rejected]")
        if policy == "thompson" and any(score not in (0.0, 1.0) for score in self.scores):
            raise ValueError("Thompson sampling needs 0/1 rewards; set config.scores to e.g. [1, 1, 0, 0]")
        if "name" not in self.accept:
            raise ValueError("config.accept needs a 'name', e.g. {'name': 'HillClimbing'}")
        if self.initial not in ("auto", "trivial", "backend"):
            raise ValueError(f"config.initial must be 'auto', 'trivial' or 'backend', got {self.initial!r}")
        for label in ("initial_fraction", "lp_fraction"):
            value = getattr(self, label)
            if not 0 < value <= 1:
                raise ValueError(f"config.{label} must be in (0, 1], got {value}")
        if self.iteration_time is not None and self.iteration_time <= 0:
            raise ValueError("config.iteration_time must be positive seconds")
        if self.parallel < 1:
            raise ValueError("config.parallel must be at least 1")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> BalansConfig:
        """A config from a plain dict; unknown keys are an error that lists the known ones."""
        data = dict(data or {})
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown Balans config key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
        for key in ("operators", "scores", "parallel_configs"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (round-trips through :meth:`from_dict`)."""
        return {
            item.name: (list(value) if isinstance(value := getattr(self, item.name), tuple) else value)
            for item in fields(self)
        }

    def replace(self, **changes: Any) -> BalansConfig:
        """A copy with some settings changed."""
        data = self.to_dict()
        data.update(changes)
        return BalansConfig.from_dict(data)
