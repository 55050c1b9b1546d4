"""Markdown rendering of a five-element Problem in the LLMOPT style (for prompts and reports)."""

from __future__ import annotations

import math


from ormodel.expressions import generators_text, to_text
from ormodel.problem import Domain, Problem

__all__ = ["to_markdown"]


def _bound(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:g}"


def _parameter_line(problem: Problem, name: str, limit: int) -> str:
    parameter = problem.parameters[name]
    if parameter.is_scalar:
        return f"- `{name}` = {float(parameter.values):g}"
    table = problem.parameter_table(name)
    shown = list(table.items())[:limit]
    entries = ", ".join(f"{','.join(map(str, key))}: {value:g}" for key, value in shown)
    more = f", … ({len(table)} entries)" if len(table) > limit else ""
    default = f"; default {parameter.default:g}" if parameter.default is not None else ""
    return f"- `{name}[{', '.join(parameter.index)}]`: {entries}{more}{default}"


def to_markdown(problem: Problem, limit: int = 8) -> str:
    """Sets, Parameters, Variables, Objective and Constraints as Markdown sections."""
    lines = [f"# {problem.name}", ""]
    if problem.description:
        lines += [problem.description, ""]
    lines += ["## Sets", ""]
    for name, index_set in problem.sets.items():
        lines.append(f"- `{name}` ({index_set.size} members): {index_set.describe_members(limit)}")
    lines += ["", "## Parameters", ""]
    lines += [_parameter_line(problem, name, limit) for name in problem.parameters] or ["(none)"]
    lines += ["", "## Variables", ""]
    for name, variable in problem.variables.items():
        index = f"[{', '.join(variable.index)}]" if variable.index else ""
        bounds = "" if variable.domain == Domain.BINARY else f", {_bound(variable.lower)} ≤ {name} ≤ {_bound(variable.upper)}"
        note = f" — {variable.description}" if variable.description else ""
        lines.append(f"- `{name}{index}`: {variable.domain.value}{bounds}{note}")
    lines += ["", "## Objective", ""]
    if problem.objective is not None:
        lines.append(f"{problem.objective.sense.value} `{to_text(problem.objective.expression)}`")
    lines += ["", "## Constraints", ""]
    for constraint in problem.constraints:
        scope = f" for {generators_text(constraint.generators)}" if constraint.generators else ""
        when = f" when `{to_text(constraint.when)}`" if constraint.when is not None else ""
        note = f" — {constraint.description}" if constraint.description else ""
        lines.append(f"- **{constraint.name}**{scope}: `{to_text(constraint.relation)}`{when}{note}")
    return "\n".join(lines) + "\n"


