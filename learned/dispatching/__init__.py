"""Learned dispatching for the job shop: environment, static rules, attention policy, CP-SAT improver.

Anchors: Tassel, Gebser & Schekotihin (ICAPS 2023), end-to-end CP-based RL dispatching; Zhang et
al. (NeurIPS 2020), L2D. Importing this package does not import torch; the policy modules do.
"""

from ormodel.learned.dispatching.env import DECISION_MODES, DispatchEnvironment
from ormodel.learned.dispatching.rules import RULES, Schedule, dispatch_batch_with_rule, dispatch_with_rule

__all__ = [
    "DECISION_MODES",
    "RULES",
    "DispatchEnvironment",
    "Schedule",
    "dispatch_batch_with_rule",
    "dispatch_with_rule",
]
