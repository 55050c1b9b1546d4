"""Neur2RO: two-stage robust optimisation with a learned value function, on open solvers.

Dumouchelle, Julien, Kurtz, Khalil (ICLR 2024), ported from Gurobi/gurobi-ml to ormodel's
backends: a two-stage robust problem interface with the robust knapsack and capital budgeting
classes (:mod:`.problem`, :mod:`.knapsack`, :mod:`.capital_budgeting`), exact evaluation and
exact CCG (:mod:`.exact`, :mod:`.ccg`), labelled data and training (:mod:`.data`, :mod:`.train`),
the set-based value network (:mod:`.network`), its big-M MIP embedding (:mod:`.embedding`) and
the Neur2RO loop (:mod:`.neural_ccg`). See ``docs/neur2ro.md``.
"""

from ormodel.learned.neur2ro.capital_budgeting import RobustCapitalBudgeting
from ormodel.learned.neur2ro.ccg import solve_ccg, solve_nominal
from ormodel.learned.neur2ro.exact import solve_second_stage, worst_case
from ormodel.learned.neur2ro.instances import as_robust_problem, make_problem
from ormodel.learned.neur2ro.knapsack import RobustKnapsack
from ormodel.learned.neur2ro.problem import Recourse, TwoStageRobustProblem
from ormodel.learned.neur2ro.solution import RobustSolution
from ormodel.learned.neur2ro.uncertainty import BoxSet, BudgetSet, UncertaintySet

__all__ = [
    "BoxSet", "BudgetSet", "Recourse", "RobustCapitalBudgeting", "RobustKnapsack", "RobustSolution",
    "TwoStageRobustProblem", "UncertaintySet", "as_robust_problem", "make_problem", "solve_ccg", "solve_nominal",
    "solve_second_stage", "worst_case",
]
