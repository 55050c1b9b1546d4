"""Balans: bandit-driven adaptive large-neighbourhood search over any MIP backend (``ormodel.learned.balans``).

Cai, Kadioglu & Dilkina, "Balans: Multi-Armed Bandits-based Adaptive Large Neighborhood Search
for Mixed-Integer Programming Problems" (IJCAI 2025). The ALNS loop and acceptance rules come
from the ``alns`` package, the bandits from ``mabwiser``; the sub-MIPs run on a persistent HiGHS
or SCIP model (:mod:`ormodel.solvers.persistent`).

Example:
    >>> from ormodel.learned.balans import solve, BalansConfig
    >>> BalansConfig(selector={"policy": "thompson"}, scores=(1, 1, 0, 0)).selector["policy"]
    'thompson'
"""

from ormodel.learned.balans.config import DEFAULT_OPERATORS, OPERATOR_KINDS, PAPER_OPERATORS, BalansConfig
from ormodel.learned.balans.solver import solve

__all__ = ["DEFAULT_OPERATORS", "OPERATOR_KINDS", "PAPER_OPERATORS", "BalansConfig", "solve"]
