"""Markdown of a five-element Problem in the LLMOPT style: written for prompts and reports, and read back.

:func:`to_markdown` writes the five sections (Sets, Parameters, Variables, Objective,
Constraints). With ``limit=None`` every member and table entry is written, numbers without
rounding, so :func:`problem_from_markdown` reads the same Problem back (``ormodel convert
model.yaml model.md``, ``ormodel solve model.md``). Reading never evaluates the text: set members
and keys are read as literals, expressions by the expression parser. Malformed Markdown is a
:class:`~ormodel.errors.ModelError` with its line.

Example:
    >>> from ormodel.io import problem_from_dict, problem_to_dict
    >>> problem = problem_from_dict({"sets": {"I": [1, 2]}, "parameters": {"w": {"index": "I", "values": [3, 4.5]}},
    ...     "variables": {"x": {"index": "I", "upper": 1}},
    ...     "objective": {"sense": "max", "expression": "sum(w[i] * x[i] for i in I)"},
    ...     "constraints": [{"name": "one", "expression": "sum(x[i] for i in I) <= 1"}]})
    >>> print(to_markdown(problem, limit=None), end="")
    # model
    <BLANKLINE>
    ## Sets
    <BLANKLINE>
    - `I` (2 members): {1, 2}
    <BLANKLINE>
    ## Parameters
    <BLANKLINE>
    - `w[I]`: 1: 3, 2: 4.5
    <BLANKLINE>
    ## Variables
    <BLANKLINE>
    - `x[I]`: continuous, 0 ≤ x ≤ 1
    <BLANKLINE>
    ## Objective
    <BLANKLINE>
    maximize `sum(w[i] * x[i] for i in I)`
    <BLANKLINE>
    ## Constraints
    <BLANKLINE>
    - **one**: `sum(x[i] for i in I) <= 1`
    >>> problem_to_dict(problem_from_markdown(to_markdown(problem, limit=None))) == problem_to_dict(problem)
    True
"""

from __future__ import annotations

import ast
import math
import os
import re
from typing import Any

from ormodel.errors import Location, ModelError
from ormodel.expressions import generators_text, to_text
from ormodel.io import MARKDOWN_SUFFIXES
from ormodel.problem import Domain, IndexSet, Problem, Variable

__all__ = ["MARKDOWN_SUFFIXES", "problem_from_markdown", "read_markdown", "to_markdown"]

_FEASIBILITY_LINE = "feasibility (no objective: any point that satisfies every constraint is an answer)"
_COMPLETE_HINT = ("this Markdown was written for reading, with long lists cut short; write a complete one with "
                  "`ormodel convert model.yaml model.md` or to_markdown(problem, limit=None)")


# ---- writing --------------------------------------------------------------------------------

def _number(value: float) -> str:
    """A number written so that it reads back exactly (``3``, ``4.5``, ``0.1``, ``1e-07``)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _bound(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return _number(value)


_BARE = re.compile(r"^[A-Za-z0-9_.+-]+$")


def _key_part(member: Any) -> str:
    """One component of a table key: bare when it reads back unambiguously, quoted otherwise."""
    text = str(member)
    return text if isinstance(member, (int, float)) or _BARE.match(text) and not _looks_numeric(text) else repr(text)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _members_text(index_set: IndexSet, limit: int | None) -> str:
    if limit is not None:
        return index_set.describe_members(limit)
    if index_set.range_start is not None and index_set.origin == "range" and index_set.size:
        return f"{index_set.range_start}..{index_set.range_start + index_set.size - 1}"
    return "{" + ", ".join(repr(member) for member in index_set.members()) + "}"


def _parameter_line(problem: Problem, name: str, limit: int | None) -> str:
    parameter = problem.parameters[name]
    if parameter.is_scalar:
        return f"- `{name}` = {_number(float(parameter.values))}"
    table = problem.parameter_table(name)
    entries_all = [(key, value) for key, value in table.items() if limit is not None or parameter.default is None or value != parameter.default]
    shown = entries_all if limit is None else entries_all[:limit]
    entries = ", ".join(f"{','.join(_key_part(part) for part in key)}: {_number(value)}" for key, value in shown)
    more = f", … ({len(table)} entries)" if len(shown) < len(entries_all) else ""
    default = f"; default {_number(parameter.default)}" if parameter.default is not None else ""
    return f"- `{name}[{', '.join(parameter.index)}]`: {entries}{more}{default}"


def _variable_type(variable: Variable) -> str:
    """The type word the YAML reader also takes: ``semicontinuous``/``semiinteger`` for semi-continuous variables."""
    if variable.semicontinuous:
        return "semiinteger" if variable.domain == Domain.INTEGER else "semicontinuous"
    return variable.domain.value


def to_markdown(problem: Problem, limit: int | None = 8) -> str:
    """Sets, Parameters, Variables, Objective and Constraints as Markdown sections.

    ``limit`` cuts long member lists and tables for reading (prompts, ``ormodel show``);
    ``None`` writes everything, for a file that :func:`problem_from_markdown` reads back.
    """
    lines = [f"# {problem.name}", ""]
    if problem.description:
        lines += [problem.description, ""]
    lines += ["## Sets", ""]
    for name, index_set in problem.sets.items():
        lines.append(f"- `{name}` ({index_set.size} members): {_members_text(index_set, limit)}")
    lines += ["", "## Parameters", ""]
    lines += [_parameter_line(problem, name, limit) for name in problem.parameters] or ["(none)"]
    lines += ["", "## Variables", ""]
    for name, variable in problem.variables.items():
        index = f"[{', '.join(variable.index)}]" if variable.index else ""
        bounds = "" if variable.domain == Domain.BINARY else f", {_bound(variable.lower)} ≤ {name} ≤ {_bound(variable.upper)}"
        note = f" — {variable.description}" if variable.description else ""
        lines.append(f"- `{name}{index}`: {_variable_type(variable)}{bounds}{note}")
    lines += ["", "## Objective", ""]
    if problem.objective is not None:
        note = f" — {problem.objective.description}" if problem.objective.description else ""
        lines.append(f"{problem.objective.sense.value} `{to_text(problem.objective.expression)}`{note}")
    else:
        lines.append(_FEASIBILITY_LINE)
    lines += ["", "## Constraints", ""]
    for constraint in problem.constraints:
        scope = f" for {generators_text(constraint.generators)}" if constraint.generators else ""
        when = f" when `{to_text(constraint.when)}`" if constraint.when is not None else ""
        note = f" — {constraint.description}" if constraint.description else ""
        lines.append(f"- **{constraint.name}**{scope}: `{to_text(constraint.relation)}`{when}{note}")
    for family in problem.sos_sets:
        scope = f" for {generators_text(family.generators)}" if family.generators else ""
        note = f" — {family.description}" if family.description else ""
        lines.append(f"- **{family.name}**{scope}: `{to_text(family.members)}`{note}")
    return "\n".join(lines) + "\n"


# ---- reading --------------------------------------------------------------------------------

_SECTIONS = {"sets": "sets", "parameters": "parameters", "variables": "variables", "objective": "objective", "constraints": "constraints"}
_SET = re.compile(r"^- `(?P<name>[^`]+)` \((?P<count>\d+) members?\): (?P<members>.*)$")
_RANGE = re.compile(r"^(?P<start>-?\d+)\.\.(?P<stop>-?\d+)$")
_SCALAR = re.compile(r"^- `(?P<name>[^`\[]+)` = (?P<value>\S+)$")
_TABLE = re.compile(r"^- `(?P<name>[^`\[]+)\[(?P<index>[^\]]*)\]`: ?(?P<entries>.*?)(?:; default (?P<default>\S+))?$")
_VARIABLE = re.compile(r"^- `(?P<name>[^`\[]+)(?:\[(?P<index>[^\]]*)\])?`: (?P<domain>[A-Za-z]+)"
                       r"(?:, (?P<lower>\S+) ≤ (?P<again>[^ ]+) ≤ (?P<upper>\S+))?(?: — (?P<description>.*))?$")
_OBJECTIVE = re.compile(r"^(?P<sense>[A-Za-z]+) `(?P<expression>[^`]*)`(?: — (?P<description>.*))?$")
_CONSTRAINT = re.compile(r"^- \*\*(?P<name>[^*]+)\*\*(?: for (?P<for>[^`]*?))?: `(?P<relation>[^`]*)`"
                         r"(?: when `(?P<when>[^`]*)`)?(?: — (?P<description>.*))?$")
_KEY_PART = r"(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,:'\"\s]+)"
_ENTRY = re.compile(rf"\s*(?P<key>{_KEY_PART}(?:,{_KEY_PART})*): (?P<value>[^,\s]+)\s*(?:,|$)")
_KEY_PARTS = re.compile(_KEY_PART)


class _Reader:
    """Turns the Markdown's lines into a five-element document and a table of their line numbers."""

    def __init__(self, text: str, source: str | None) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.document: dict[str, Any] = {}
        self.line_of: dict[tuple[Any, ...], int] = {(): 1}
        self.number = 0
        self.section: str | None = None

    def error(self, message: str, hint: str | None = None, item: str | None = None) -> ModelError:
        return ModelError(message, Location(file=self.source, line=self.number or None, element=self.section, item=item), hint)

    def read(self) -> dict[str, Any]:
        description: list[str] = []
        seen: set[str] = set()
        for number, raw in enumerate(self.lines, start=1):
            self.number = number
            line = raw.rstrip()
            if not line.strip():
                continue
            if line.startswith("## "):
                title = line[3:].strip().lower()
                if title not in _SECTIONS:
                    self.section = None
                    raise self.error(f"unknown section {line[3:].strip()!r}", "the sections are Sets, Parameters, Variables, Objective and Constraints")
                if title in seen:
                    raise self.error(f"section {line[3:].strip()!r} appears twice", "give each of the five sections once")
                seen.add(title)
                self.section = _SECTIONS[title]
                self.line_of[(self.section,)] = self.number
                continue
            if line.startswith("# ") and self.section is None and "name" not in self.document:
                self.document["name"] = line[2:].strip()
                continue
            if self.section is None:
                if "name" not in self.document:
                    raise self.error("a model in Markdown starts with its title, '# name'", "see the format that `ormodel show` writes")
                description.append(line.strip())
                continue
            if line.strip() == "(none)":
                continue
            getattr(self, f"_{self.section}")(line.strip())
        if description:
            self.document["description"] = "\n".join(description)
        if "variables" not in seen:
            self.number = 0
            raise self.error("the Markdown has no '## Variables' section", "write the five sections: Sets, Parameters, Variables, Objective, Constraints")
        self.document.setdefault("variables", {})
        return self.document

    def _item(self, element: str, name: str) -> None:
        self.line_of[(element, name)] = self.number

    def _match(self, pattern: re.Pattern[str], line: str, shape: str) -> re.Match[str]:
        match = pattern.match(line)
        if match is None:
            raise self.error(f"cannot read this line as {shape}: {line[:80]!r}", f"write it as {_SHAPES[shape]}")
        return match

    def _sets(self, line: str) -> None:
        if "…" in line:
            raise self.error("the members are listed only in part (…)", _COMPLETE_HINT)
        match = self._match(_SET, line, "a set")
        name, text = match["name"], match["members"].strip()
        ranged = _RANGE.match(text)
        if ranged:
            members: Any = {"from": int(ranged["start"]), "to": int(ranged["stop"])}
            count = int(ranged["stop"]) - int(ranged["start"]) + 1
        else:
            values = self._literal(text, f"the members of set {name!r}")
            if not isinstance(values, (set, list)):
                raise self.error(f"the members of set {name!r} must be written {{a, b, …}} or start..end", item=name)
            members = [list(member) if isinstance(member, tuple) else member for member in values]
            count = len(members)
        if count != int(match["count"]):
            raise self.error(f"set {name!r} says {match['count']} members but lists {count}", "correct the count or the members", item=name)
        self.document.setdefault("sets", {})[name] = members
        self._item("sets", name)

    def _literal(self, text: str, what: str) -> Any:
        """Set members as Python literals, read from the syntax tree (never evaluated)."""
        try:
            tree = ast.parse(text, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise self.error(f"cannot read {what}: {text[:60]!r}", "write members as {1, 2} or {'a', 'b'} or {(1, 'a'), (2, 'b')}") from None
        if isinstance(tree, ast.Dict) and not tree.keys:
            return []
        if not isinstance(tree, ast.Set):
            raise self.error(f"cannot read {what}: {text[:60]!r}", "write members as {1, 2} or {'a', 'b'} or {(1, 'a'), (2, 'b')}")
        return [self._member(element, what) for element in tree.elts]

    def _member(self, node: ast.expr, what: str, nested: bool = False) -> Any:
        if isinstance(node, ast.Tuple) and not nested:
            return tuple(self._member(element, what, nested=True) for element in node.elts)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, (int, float)):
            return -node.operand.value
        raise self.error(f"{what}: {ast.unparse(node)[:40]!r} is not a number, a quoted name or a tuple of them")

    def _parameters(self, line: str) -> None:
        if "…" in line:
            raise self.error("the table is listed only in part (…)", _COMPLETE_HINT)
        scalar = _SCALAR.match(line)
        if scalar:
            self.document.setdefault("parameters", {})[scalar["name"]] = self._number(scalar["value"], f"parameter {scalar['name']!r}")
            self._item("parameters", scalar["name"])
            return
        match = self._match(_TABLE, line, "a parameter")
        name = match["name"]
        entry: dict[str, Any] = {"index": [part.strip() for part in match["index"].split(",") if part.strip()]}
        rows = []
        entries = match["entries"].strip()
        position = 0
        while position < len(entries):
            found = _ENTRY.match(entries, position)
            if found is None or found.end() == position:
                raise self.error(f"cannot read the entries of parameter {name!r} from {entries[position:position + 40]!r}",
                                 "write entries as key: value, separated by commas (keys of several parts as a,1: value)", item=name)
            key = [self._key_part(part) for part in _KEY_PARTS.findall(found["key"])]
            rows.append([*key, self._number(found["value"], f"parameter {name!r}")])
            position = found.end()
        entry["rows"] = rows
        if match["default"] is not None:
            entry["default"] = self._number(match["default"], f"the default of parameter {name!r}")
        self.document.setdefault("parameters", {})[name] = entry
        self._item("parameters", name)

    @staticmethod
    def _key_part(text: str) -> Any:
        if text[:1] in ("'", '"'):
            node = ast.parse(text, mode="eval").body  # a quoted string (the pattern admits nothing else), read from the tree
            return node.value if isinstance(node, ast.Constant) else text
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                continue
        return text

    def _number(self, text: str, what: str) -> float | int:
        try:
            value = float(text)
        except ValueError:
            raise self.error(f"{what}: {text!r} is not a number") from None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value

    def _variables(self, line: str) -> None:
        match = self._match(_VARIABLE, line, "a variable")
        name = match["name"]
        entry: dict[str, Any] = {}
        if match["index"]:
            entry["index"] = [part.strip() for part in match["index"].split(",")]
        entry["type"] = match["domain"]
        if match["lower"] is not None:
            if match["again"] != name:
                raise self.error(f"the bounds of {name!r} name {match['again']!r}", f"write them as lower ≤ {name} ≤ upper", item=name)
            entry["lower"], entry["upper"] = self._bound(match["lower"]), self._bound(match["upper"])
        if match["description"]:
            entry["description"] = match["description"].strip()
        self.document.setdefault("variables", {})[name] = entry
        self._item("variables", name)

    @staticmethod
    def _bound(text: str) -> Any:
        if text in ("∞", "+∞", "inf"):
            return "inf"
        if text in ("-∞", "-inf"):
            return "-inf"
        try:
            value = float(text)
        except ValueError:
            return text  # a parameter name; the reader checks it exists
        return int(value) if value.is_integer() and abs(value) < 2**53 else value

    def _objective(self, line: str) -> None:
        if "objective" in self.document:
            raise self.error("the objective section holds more than one objective", "write one line: minimize `expression`")
        self.line_of[("objective", "sense")] = self.line_of[("objective", "expression")] = self.number
        if line.split(" ", 1)[0].lower() == "feasibility" and "`" not in line:
            self.document["objective"] = {"sense": "feasibility"}
            return
        match = self._match(_OBJECTIVE, line, "the objective")
        entry = {"sense": match["sense"].lower(), "expression": match["expression"]}
        if match["description"]:
            entry["description"] = match["description"].strip()
        self.document["objective"] = entry

    def _constraints(self, line: str) -> None:
        match = self._match(_CONSTRAINT, line, "a constraint")
        entry = {"name": match["name"].strip()}
        if match["for"]:
            entry["for"] = match["for"].strip()
        entry["expression"] = match["relation"]
        if match["when"]:
            entry["when"] = match["when"]
        if match["description"]:
            entry["description"] = match["description"].strip()
        constraints = self.document.setdefault("constraints", [])
        self.line_of[("constraints", len(constraints))] = self.number
        constraints.append(entry)


_SHAPES = {
    "a set": "- `I` (3 members): {1, 2, 3}  or  - `T` (12 members): 1..12",
    "a parameter": "- `budget` = 100  or  - `cost[I, J]`: a,1: 3.5, b,2: 4; default 0",
    "a variable": "- `x[I]`: continuous, 0 ≤ x ≤ ∞ — what it means",
    "the objective": "minimize `sum(cost[i] * x[i] for i in I)`  or  " + _FEASIBILITY_LINE,
    "a constraint": "- **name** for i in I: `x[i] <= cap[i]` when `open[i] == 1` — what it means",
}


def problem_from_markdown(text: str, source: str | None = None) -> Problem:
    """The Problem that :func:`to_markdown` (with ``limit=None``) wrote; errors name the line."""
    from ormodel.documents import check_document
    from ormodel.io import problem_from_dict

    reader = _Reader(text, source)
    document = reader.read()
    check_document(document, source)
    return problem_from_dict(document, source=source, line_table=reader.line_of)


def read_markdown(path: str | os.PathLike[str]) -> Problem:
    """Read a five-element model from a Markdown file."""
    from ormodel.documents import read_text

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    return problem_from_markdown(read_text(path), source=path)
