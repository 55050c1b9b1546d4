"""Check a solved formulation and say, in the model's own names, what looks wrong.

Errors (fed back until fixed): an infeasible model with its irreducible infeasible subset, an
unbounded model with the variables of its improving ray, a solver failure. Warnings (fed back
once, then accepted if the model comes back unchanged): parameters or variables the model never
uses, an objective without variables, an optimum where every variable is zero.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"parameters": {"spare": 3}, "variables": {"x": {}},
    ...     "objective": {"sense": "min", "expression": "x"}, "constraints": []})
    >>> [finding.kind for finding in structural_findings(problem)]
    ['unused_parameter']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ormodel.expressions import Index, Name, Node, walk
from ormodel.problem import Problem
from ormodel.result import Result, Status

__all__ = ["Finding", "feedback_text", "result_findings", "structural_findings"]


@dataclass(frozen=True)
class Finding:
    """One thing to tell the formulator.

    Attributes:
        kind: ``infeasible``, ``unbounded``, ``solver``, ``unused_parameter``, ``unused_variable``,
            ``constant_objective`` or ``all_zero``.
        severity: ``error`` (the answer cannot be accepted) or ``warning`` (worth a second look).
        message: the text sent back to the model.
    """

    kind: str
    severity: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"kind": self.kind, "severity": self.severity, "message": self.message}


def _names(node: Node | None) -> set[str]:
    if node is None:
        return set()
    found = set()
    for item in walk(node):
        if isinstance(item, Name):
            found.add(item.id)
        elif isinstance(item, Index):
            found.add(item.name)
    return found


def _used_names(problem: Problem) -> tuple[set[str], set[str]]:
    """Names used anywhere, and names used in the objective."""
    used: set[str] = set()
    objective_names: set[str] = set()
    if problem.objective is not None:
        objective_names = _names(problem.objective.expression)
        used |= objective_names
    for constraint in problem.constraints:
        used |= _names(constraint.relation)
        used |= _names(constraint.when)
        for generator in constraint.generators:
            used |= _names(generator)
    for variable in problem.variables.values():
        for bound in (variable.lower, variable.upper):
            if isinstance(bound, str):
                used.add(bound)
    return used, objective_names


def structural_findings(problem: Problem) -> list[Finding]:
    """Warnings visible without solving: unused parameters and variables, an objective without variables."""
    used, objective_names = _used_names(problem)
    findings = []
    unused_parameters = [name for name in problem.parameters if name not in used]
    if unused_parameters:
        findings.append(Finding("unused_parameter", "warning",
                                f"parameters {', '.join(unused_parameters)} are declared but never used; if the problem "
                                "statement gives these data for a reason, a constraint or objective term is missing"))
    unused_variables = [name for name in problem.variables if name not in used]
    if unused_variables:
        names = ", ".join(repr(name) for name in unused_variables)
        kept = [name for name in problem.variables if name in used]
        keep = f" and keep {', '.join(repr(name) for name in kept)} as {'they are' if len(kept) > 1 else 'it is'}" if kept else ""
        # (NL4Opt 233: told "variables total_sand appear in no constraint", Qwen2.5-Coder-1.5B deleted the other variables)
        findings.append(Finding("unused_variable", "warning",
                                f"variable{'s' if len(unused_variables) > 1 else ''} {names} appear{'' if len(unused_variables) > 1 else 's'} "
                                "in no constraint and not in the objective: use "
                                f"{'them' if len(unused_variables) > 1 else 'it'} where the problem needs "
                                f"{'them' if len(unused_variables) > 1 else 'it'}, or delete only {names}{keep}"))
    if problem.objective is not None and not (objective_names & set(problem.variables)):
        findings.append(Finding("constant_objective", "warning",
                                "the objective contains no variable, so every feasible point is optimal; "
                                "write the quantity the problem asks to minimize or maximize"))
    return findings


def result_findings(problem: Problem, result: Result) -> list[Finding]:
    """Errors and warnings from a solve: infeasibility (IIS), unboundedness (ray), failures, all-zero optima."""
    status = result.status
    if status == Status.INFEASIBLE:
        where = result.conflict.describe() if result.conflict is not None else "no irreducible subset could be computed"
        return [Finding("infeasible", "error",
                        f"the model is infeasible. Irreducible infeasible subset: {where}. Check these constraints and bounds "
                        "against the problem statement (direction of each inequality, right-hand sides, units, which "
                        "items are required) and fix the formulation")]
    if status == Status.UNBOUNDED:
        where = result.ray.describe() if result.ray is not None else "no improving ray could be computed"
        return [Finding("unbounded", "error",
                        f"the objective is unbounded: it improves without limit along {where}. A limit on these "
                        "variables from the problem statement is missing, or the objective sense is wrong")]
    if status == Status.INFEASIBLE_OR_UNBOUNDED:
        return [Finding("infeasible", "error", "the solver reports the model infeasible or unbounded; check the constraints "
                                               "and the objective sense against the problem statement")]
    if result.values is None or not result.has_solution:
        return [Finding("solver", "error", f"the solver found no solution (status {status.value}"
                                           f"{': ' + result.message if result.message else ''}); simplify or correct the model")]
    findings = []
    variable_columns = [result.array(name) for name in problem.variables]
    if variable_columns and all(np.allclose(np.nan_to_num(np.asarray(values, dtype=float)), 0.0) for values in variable_columns):
        findings.append(Finding("all_zero", "warning",
                                "every variable is zero at the optimum; check that the requirements of the problem "
                                "(demands, minimums, 'must' conditions) are all constraints"))
    return findings


def feedback_text(findings: list[Finding]) -> str:
    """The findings as one message to the formulator."""
    lines = [f"- [{finding.severity}] {finding.message}" for finding in findings]
    return "\n".join(lines)
