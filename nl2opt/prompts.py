"""The prompts of the formulation agent: the system prompt, few-shot examples and feedback messages.

The system prompt teaches the five-element document (LLMOPT's Sets, Parameters, Variables,
Objective, Constraints) as JSON and the expression language; feedback messages pass parser,
compiler and solver findings back verbatim, in the manner of LLMOPT's self-correction and
OptiMUS's debugging loop.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ormodel.nl2opt.client import Message
from ormodel.nl2opt.normalize import has_no_data

__all__ = [
    "SYSTEM_PROMPT",
    "build_messages",
    "cut_off_feedback",
    "defined_twice_hint",
    "dense_shape_hint",
    "error_hints",
    "example_messages",
    "findings_feedback",
    "model_error_feedback",
    "needs_declarations",
    "not_a_member_hint",
    "parse_feedback",
    "repeated_feedback",
    "row_length_hint",
    "unknown_set_hint",
]

SYSTEM_PROMPT = """\
You are an operations-research modeling expert. Turn the user's problem into a five-element \
optimization model (Sets, Parameters, Variables, Objective, Constraints) written as ONE JSON object:

{
  "name": "short_snake_case_name",
  "description": "one sentence: what is decided and why",
  "sets": {"products": ["chair", "table"], "months": {"from": 1, "to": 6}, "arcs": [[1, 2], [2, 3]]},
  "parameters": {
    "budget": 1000,
    "profit": {"index": ["products"], "values": {"chair": 30, "table": 50}},
    "hours": {"index": ["products", "months"], "values": [[2, 2, 2, 2, 2, 2], [3, 3, 3, 3, 3, 3]]},
    "capacity": {"index": ["arcs"], "rows": [[1, 2, 15], [2, 3, 10]]}
  },
  "variables": {
    "make": {"index": ["products", "months"], "type": "integer", "lower": 0, "upper": "inf",
             "description": "units of each product made each month"}
  },
  "objective": {"sense": "maximize", "expression": "sum(profit[p] * make[p, t] for p in products for t in months)",
                "description": "total profit"},
  "constraints": [
    {"name": "labor", "for": "t in months", "expression": "sum(hours[p, t] * make[p, t] for p in products) <= 160",
     "description": "monthly labor hours"}
  ]
}

Rules:
- Put every number from the problem in "parameters" (scalars, or tables indexed by sets; "default" fills missing entries).
- Variable "type" is continuous, integer or binary; "lower"/"upper" are numbers, "inf", or a parameter with the same index.
  Use integer for countable things (people, vehicles, machines, units of indivisible goods) unless the problem allows fractions.
- Expressions use + - * / **, sum(... for i in S if condition), min, max, abs, and indexing x[i, j]. Quote text members:
  x['chair']. Sets of integers allow arithmetic on indices: stock[t - 1]. Text members can only be compared with == and !=.
- A constraint has a unique "name", an optional "for" clause ("i in S, j in T if i != j"), and one relation (<=, >=, ==).
  An optional "when": "flag[i] == 1" makes it conditional on a binary variable.
- When the problem only asks for a plan that satisfies every rule (a schedule, timetable or assignment, with nothing to
  minimize or maximize), write "objective": {"sense": "feasibility"} without an expression.
- Nonlinear functions exp, log, sqrt, sin, cos, powers (x**3, x**0.5) and products of variables are allowed only where
  the problem needs them; prefer linear models (linearize with binaries and big-M).
- Give every variable and the objective a "description" in the problem's own words.
Reply with the JSON object only."""


def example_messages(examples: Sequence[tuple[str, dict[str, Any]]]) -> list[Message]:
    """Few-shot turns: each example's summary as the user's problem, its document as the answer."""
    messages: list[Message] = []
    for summary, document in examples:
        messages.append({"role": "user", "content": f"Problem:\n{summary}"})
        messages.append({"role": "assistant", "content": json.dumps(document, separators=(",", ":"))})
    return messages


def build_messages(question: str, examples: Sequence[tuple[str, dict[str, Any]]] = ()) -> list[Message]:
    """The opening conversation: system prompt, few-shot examples, the question."""
    return [{"role": "system", "content": SYSTEM_PROMPT}, *example_messages(examples),
            {"role": "user", "content": f"Problem:\n{question.strip()}"}]


def parse_feedback(error: str) -> str:
    """The message after an answer that could not be read."""
    return f"Your answer could not be read as a model.\n{error}\nReply with the complete corrected model as one JSON object."


def cut_off_feedback(finding: str) -> str:
    """The message after an answer the client stopped (a loop) or the server cut (the token limit)."""
    return f"{finding}\nReply with the complete model as one JSON object, each key and each value written once."


_BOUND = re.compile(r"variables '(?P<variable>[^']+)': (?P<side>lower|upper) bound '(?P<value>[^']*)' is not a number or a parameter")
_UNKNOWN_SET = re.compile(r"unknown set '(?P<set>[^']+)' in the index")
_SCALAR_USE = re.compile(r"variable '(?P<variable>[^']+)' is indexed by (?P<sets>[^;\n]+); write (?P=variable)\[\.\.\.\]")
_SPACED_NAME = re.compile(r"(?P<element>\w+): '(?P<name>\s*[A-Za-z_][A-Za-z0-9_]*\s*)' does not match '\^\[A-Za-z_\]")
_CONDITIONAL = re.compile(r"syntax error in constraint[^\n]*\n\s+if\s")
_IN_NOT_A_SET = re.compile(r"the right side of 'in' must be a set name\n(?P<text>[^\n]*)\n(?P<pad> *)\^")
_NO_VALUE = re.compile(r"parameter '(?P<parameter>[^']+)' has no value at ")
_KEY_NOT_MEMBER = re.compile(r"parameters '(?P<parameter>[^']+)': '(?P<key>[^']*)' is not a member of set (?P<set>\w+) ")
_DENSE_SHAPE = re.compile(r"parameters '(?P<parameter>[^']+)': dense 'values' have shape \((?P<given>[^)]*)\), the index sets give")
_NOT_IN_SET = re.compile(r"index (?P<value>'[^']*'|\"[^\"]*\"|[^\s']+) of (?P<use>[\w.]+\[[^\]]*\]) is not in set (?P<set>\w+) ")
_DEFINED_TWICE = re.compile(r"variables '(?P<name>[^']+)': '(?P=name)' is already defined as a parameter")
_ROW_LENGTH = re.compile(r"parameters '(?P<parameter>[^']+)': row (?P<row>\d+) must list (?P<count>\d+) index values and then the "
                         r"value, got (?P<got>\[[^\n]*\])")


def error_hints(error: str, document: Mapping[str, Any] | None = None) -> list[str]:
    """What to do about errors that small models make often, in the model's own terms (one meaning each).

    ``document`` (the rejected answer, when it could be read) lets a hint quote the model's own entries.
    """
    hints = []
    for match in _BOUND.finditer(error):  # (a number in quotes is read as the number: ormodel.io)
        variable, side, value = match["variable"], match["side"], match["value"]
        relation = ">=" if side == "lower" else "<="
        hints.append(f"A bound is a number or a parameter name. If '{value}' involves a variable, it is a constraint: remove "
                     f"\"{side}\" from variable {variable!r} and add {{\"name\": \"{variable}_{side}\", \"expression\": "
                     f"\"{variable} {relation} {value}\"}} to \"constraints\"; if it is data, declare it under \"parameters\"."
                     + _entry_without(document, variable, side))
    for match in _UNKNOWN_SET.finditer(error):
        members = members_as_index_hints(document)
        covered = [hint for names, hint in members if match["set"] in names]
        hints += covered or [unknown_set_hint(match["set"], document)]
    for match in _SCALAR_USE.finditer(error):  # (MAMO EasyLP 79: workers_X indexed by projects, used as one number)
        variable = match["variable"]
        hints.append(f"Variable {variable!r} has an \"index\" ({match['sets']}) but is used as one number. If it is one "
                     f"quantity, remove \"index\" from variable {variable!r}.{_entry_without(document, variable, 'index')} "
                     f"Otherwise write {variable}[...] with an index bound by \"for\" or by a sum over {match['sets']}.")
    if _CONDITIONAL.search(error):  # (IndustryOR 80 "if m == 'B' then ...", MAMO ComplexLP 63 "if route[i] != 0: ...")
        hints.append("A constraint has no 'if': a condition on indices goes into \"for\" (\"for\": \"m in methods if m == "
                     "'B'\", the expression then only the comparison); a condition on a binary variable goes into \"when\" "
                     "(\"when\": \"flag[i] == 1\"). A condition on any other variable needs a binary variable and a big-M.")
    for match in _IN_NOT_A_SET.finditer(error):  # (IndustryOR 51: "for t in time if t not in contract", contract a variable)
        hints.append(in_not_a_set_hint(match["text"], len(match["pad"]), document))
    for match in _NO_VALUE.finditer(error):  # (IndustryOR 32: "production_capacity": {"index": ["workshops"], "values": {}})
        hint = empty_table_hint(match["parameter"], document)
        hints += [hint] if hint else []
    for match in _KEY_NOT_MEMBER.finditer(error):  # (MAMO ComplexLP 91, v5 round 3: keys "from_0" for members 0..4)
        hints.append(key_not_member_hint(match["parameter"], match["key"], match["set"], document))
    for match in _DENSE_SHAPE.finditer(error):  # (MAMO ComplexLP 121, 166, 28: the same table sent again unchanged)
        hints.append(dense_shape_hint(match["parameter"], match["given"], document))
    for match in _NOT_IN_SET.finditer(error):  # (MAMO ComplexLP 63 route[0] over cities 1..4, 92 cost[0, 0] over A..E)
        hints.append(not_a_member_hint(match["value"], match["use"], match["set"], document))
    for match in _DEFINED_TWICE.finditer(error):  # (MAMO ComplexLP 91 and IndustryOR 32: one name for data and decision)
        hints.append(defined_twice_hint(match["name"], document))
    for match in _ROW_LENGTH.finditer(error):  # (IndustryOR 100: "rows": [[0, 90], ...] on a table indexed by two sets)
        hints.append(row_length_hint(match["parameter"], int(match["count"]), match["got"], document))
    for match in _SPACED_NAME.finditer(error):  # (NL4Opt 74: the model then dropped its other variable instead)
        name = match["name"]
        if name != name.strip():
            hints.append(f"The name {name!r} in \"{match['element']}\" has a space in it: write {name.strip()!r}, and keep "
                         "every other entry as it was.")
    return hints


def _members(document: Mapping[str, Any] | None, set_name: str) -> list[Any] | None:
    """The members of a set as the answer declares them (a list, or a ``from``/``to`` range), None when unknown."""
    entry = _section(document, "sets").get(set_name)
    if isinstance(entry, list):
        return [tuple(member) if isinstance(member, list) else member for member in entry]
    if isinstance(entry, Mapping) and isinstance(entry.get("from"), int) and isinstance(entry.get("to"), int):
        first, last = entry["from"], entry["to"]
        return list(range(first, last + 1)) if last - first < 100_000 else None
    return None


def _listed(members: Sequence[Any], limit: int = 8) -> str:
    """Members as the model would write them in an expression: quoted text, bare numbers, cut in the middle when long."""
    shown = [repr(member) if isinstance(member, str) else str(member) for member in members]
    if len(shown) > limit:
        shown = [*shown[: limit - 2], "…", shown[-1]]
    return ", ".join(shown)


def _set_sizes(document: Mapping[str, Any] | None, index: list[str]) -> list[tuple[str, list[Any]]] | None:
    found = []
    for set_name in index:
        members = _members(document, set_name)
        if members is None:
            return None
        found.append((set_name, members))
    return found


def dense_shape_hint(parameter: str, given: str, document: Mapping[str, Any] | None = None) -> str:
    """What a dense table must look like for its index sets: how many lists of how many numbers, in which member order."""
    entry = _section(document, "parameters").get(parameter)
    sizes = _set_sizes(document, _index_names(entry))
    if not sizes:
        return f"Table {parameter!r}: list one value per member of each index set, in the order the set lists them."
    counts = [int(item) for item in re.findall(r"\d+", given)]
    described = " and ".join(f"set {name!r} has {len(members)} member{'s' if len(members) != 1 else ''} ({_listed(members)})"
                             for name, members in dict(sizes).items())
    if len(sizes) == 1:
        (name, members), = sizes
        need = f"\"values\" must be a list of {len(members)} numbers, one per member of {name!r} in that order"
    else:
        (rows, row_members), (columns, column_members) = sizes[0], sizes[1]
        need = (f"\"values\" must be {len(row_members)} lists (one per member of {rows!r}, in that order) of "
                f"{len(column_members)} numbers each (one per member of {columns!r})") if len(sizes) == 2 else \
            f"\"values\" must nest one level per index set ({', '.join(repr(name) for name, _ in sizes)}), one entry per member"
    gave = (f"{counts[0]} number{'s' if counts[0] != 1 else ''}" if len(counts) == 1 else
            f"{counts[0]} lists of {counts[1]} numbers" if len(counts) == 2 else f"shape {tuple(counts)}")
    text = (f"Table {parameter!r} is indexed by {', '.join(repr(name) for name, _ in sizes)}: {described}, so {need}; "
            f"you gave {gave}.")
    if len(counts) == 2 and len(sizes) == 2 and counts == [len(sizes[1][1]), len(sizes[0][1])] and counts[0] != counts[1]:
        text += f" Your lists run the other way: write one list per member of {sizes[0][0]!r}."
    if counts == [1] and len(sizes) == 1:
        text += (f" If every member of {sizes[0][0]!r} has the same value, write \"default\": that value instead of "
                 "\"values\".")
    elif any(count < len(members) for count, (_, members) in zip(counts, sizes)):
        text += (" If the problem gives no number for some pairs, write the entries it gives as \"rows\": [[member, ..., "
                 "value], ...] with a \"default\" for the rest.")
    if any(count > len(members) for count, (_, members) in zip(counts, sizes)):
        text += " If the table is right, the set is missing members: list every member in \"sets\"."
    return text


def in_not_a_set_hint(text: str, column: int, document: Mapping[str, Any] | None = None) -> str:
    """After ``in``, a name that is no set: what it is, and the sets there are."""
    found = re.match(r"\s*(?:not\s+)?in\s+([A-Za-z_]\w*)", text[column:]) or re.match(r"([A-Za-z_]\w*)", text[column:])
    sets = ", ".join(repr(name) for name in _section(document, "sets")) or "none declared"
    if found is None:
        return f"After 'in' write the name of a declared set (sets: {sets})."
    name = found[1]
    kind = next((element[:-1] for element in ("variables", "parameters") if name in _section(document, element)), None)
    what = f"{name!r} is a {kind}, not a set" if kind else f"{name!r} is not a declared set"
    return (f"{what}: after 'in' write a declared set (sets: {sets}). A condition cannot test a variable's value; "
            "if the term depends on a decision, multiply by the variable instead of filtering.")


def empty_table_hint(parameter: str, document: Mapping[str, Any] | None = None) -> str | None:
    """For a table the answer declares with no numbers at all: the entries it needs, in the answer's names (else None)."""
    entry = _section(document, "parameters").get(parameter)
    if not has_no_data(entry):
        return None
    sizes = _set_sizes(document, _index_names(entry))
    if not sizes or len(sizes) != 1:
        return (f"Parameter {parameter!r} has no numbers at all: give its \"values\" from the problem, one per member of "
                "its index sets.")
    (name, members), = sizes
    return (f"Parameter {parameter!r} has no numbers at all: write \"values\" as a list of {len(members)} numbers from the "
            f"problem, one per member of {name!r} in order ({_listed(members)}).")


def key_not_member_hint(parameter: str, key: str, set_name: str, document: Mapping[str, Any] | None = None) -> str:
    """A key of a table's mapping that is no member of its set: the members, and the member the key spells when it does."""
    members = _members(document, set_name) or []
    text = f"The keys of {parameter!r} are the members of {set_name!r} themselves"
    text += f" ({_listed(members, 12)})" if members else ""
    spelled = [member for member in members if str(member) != key and key.endswith(str(member))
               and key[: len(key) - len(str(member))].rstrip("_- ") in (set_name, set_name.rstrip("_"), set_name[:-1])]
    if len(spelled) == 1:
        return text + f": write {json.dumps(str(spelled[0]))} where you wrote {json.dumps(key)}, and the same for every key."
    return text + f"; {json.dumps(key)} is none of them."


def not_a_member_hint(value: str, use: str, set_name: str, document: Mapping[str, Any] | None = None) -> str:
    """An index value that is no member of its set: the members, and that an index is a member, not a position."""
    members = _members(document, set_name)
    if not members:
        return f"In {use}, {value} is not a member of set {set_name!r}: write a member of {set_name!r} there."
    first = repr(members[0]) if isinstance(members[0], str) else str(members[0])
    position = (f" An index is a member, not a position: the first member of {set_name!r} is {first}."
                if value.strip("'\"") not in map(str, members) else "")
    return (f"In {use}, {value} is not a member of set {set_name!r}, whose members are {_listed(members, 12)}. Write one of "
            f"these members there (text members in quotes), or leave the term out.{position}")


def defined_twice_hint(name: str, document: Mapping[str, Any] | None = None) -> str:
    """One name under both "parameters" and "variables": which entry to delete or rename, in the answer's terms."""
    parameter = _section(document, "parameters").get(name)
    data = "with no data" if has_no_data(parameter) else "with data"
    return (f"{name!r} is both a parameter ({data}) and a variable; a name means one thing. If {name!r} is a number the "
            f"problem gives, delete the variable {name!r}; if it is decided by the model, delete the parameter {name!r} "
            f"(or rename the variable, e.g. {name + '_amount'!r}, everywhere the decision is meant). Keep the other entries.")


def row_length_hint(parameter: str, count: int, got: str, document: Mapping[str, Any] | None = None) -> str:
    """What one row of a "rows" table lists: a member of each index set, then the value."""
    entry = _section(document, "parameters").get(parameter)
    sizes = _set_sizes(document, _index_names(entry)) or []
    if len(sizes) == count and all(members for _, members in sizes):
        example = "[" + ", ".join(json.dumps(members[0]) if isinstance(members[0], (str, int, float)) else json.dumps(list(members[0]))
                                  for _, members in sizes) + ", value]"
        names = ", ".join(f"a member of {name!r}" for name, _ in sizes)
        return (f"Each row of {parameter!r} lists {names}, then the value: {count + 1} entries, e.g. {example}; you wrote "
                f"{got}. Or write \"values\" as {len(sizes[0][1])} lists, one per member of {sizes[0][0]!r}.")
    return f"Each row of {parameter!r} lists {count} index members, then the value ({count + 1} entries); you wrote {got}."


def needs_declarations(error: str) -> bool:
    """Whether the fix for ``error`` needs keys before ``variables``, which the plain generation grammar does not allow.

    That grammar opens every answer with ``variables``; a set the answer forgot has to be declared before
    them, so the next round is asked for under the schema that requires ``sets`` and ``parameters`` first
    (``declare_first`` of :func:`ormodel.nl2opt.client.generation_schema`; MAMO ComplexLP 41, 121, 166: three
    rounds each of the same variables-first answer under the plain grammar).
    """
    return _UNKNOWN_SET.search(error) is not None


def _entry_without(document: Mapping[str, Any] | None, variable: str, side: str) -> str:
    """The variable's own entry with the bad bound left out, as a sentence (empty when the document is unknown)."""
    entry = _section(document, "variables").get(variable)
    if not isinstance(entry, Mapping) or side not in entry:
        return ""
    kept = {key: value for key, value in entry.items() if key != side}
    return f" The variable then reads \"{variable}\": {json.dumps(kept)}."


def _section(document: Mapping[str, Any] | None, element: str) -> Mapping[str, Any]:
    section = document.get(element) if isinstance(document, Mapping) else None
    return section if isinstance(section, Mapping) else {}


def _index_names(entry: Any) -> list[str]:
    index = entry.get("index") if isinstance(entry, Mapping) else None
    return [index] if isinstance(index, str) else [name for name in index if isinstance(name, str)] if isinstance(index, list) else []


def _members_from_parameters(name: str, document: Mapping[str, Any] | None) -> tuple[list[Any], list[str]] | None:
    """The keys that the parameters indexed first by ``name`` give in ``values`` as a mapping, when they all agree.

    Only a suggestion for the model to check: a parameter's keys need not be the whole set (a ``default``
    fills entries left out), so the language does not infer the set from them.
    """
    found: list[tuple[str, list[Any]]] = []
    for parameter, entry in _section(document, "parameters").items():
        index = _index_names(entry)
        values = entry.get("values") if isinstance(entry, Mapping) else None
        if index[:1] == [name] and isinstance(values, Mapping) and values:
            found.append((parameter, list(values)))
    if not found or any(keys != found[0][1] for _, keys in found):
        return None
    return found[0][1], [parameter for parameter, _ in found]


def unknown_set_hint(name: str, document: Mapping[str, Any] | None = None) -> str:
    """Which set to declare, where the answer uses it, and the ``sets`` entry to add, in the answer's own names."""
    users = [f"{element[:-1]} {entry_name!r}" for element in ("variables", "parameters")
             for entry_name, entry in _section(document, element).items() if name in _index_names(entry)]
    used = f" is used in the index of {', '.join(users)} but" if users else ""
    missing = (" Your model has no \"sets\": write \"sets\" (and \"parameters\" for the data) before \"variables\"."
               if isinstance(document, Mapping) and "sets" not in document else "")
    members = _members_from_parameters(name, document)
    if members is not None:
        keys, parameters = members
        source = ", ".join(repr(parameter) for parameter in parameters)
        return (f"Set {name!r}{used} is not declared.{missing} The keys of parameter {source} give "
                f"\"sets\": {{{json.dumps(name)}: {json.dumps(keys)}}}; add it (with any member those keys leave out), or "
                "index by a set that is declared." + _other_undeclared(name, document) + _undeclared_tables(document))
    return (f"Set {name!r}{used} is not declared.{missing} Declare it first: \"sets\": {{\"{name}\": [its members]}} "
            "(or {\"from\": 1, \"to\": n}), or index by a set that is declared." + _other_undeclared(name, document)
            + _undeclared_tables(document))


def _undeclared_sets(document: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Each set named in an index but declared nowhere → the entries that use it, in the answer's order."""
    sets = _section(document, "sets")
    found: dict[str, list[str]] = {}
    for element in ("variables", "parameters"):
        for entry_name, entry in _section(document, element).items():
            for name in _index_names(entry):
                if name not in sets:
                    users = found.setdefault(name, [])
                    if f"{element[:-1]} {entry_name!r}" not in users:
                        users.append(f"{element[:-1]} {entry_name!r}")
    return found


def _other_undeclared(name: str, document: Mapping[str, Any] | None) -> str:
    """A sentence naming the other sets the answer indexes by and never declares (the model fixed one a round)."""
    others = {other: users for other, users in _undeclared_sets(document).items() if other != name}
    if not others:
        return ""
    listed = "; ".join(f"{other!r} (in the index of {', '.join(users)})" for other, users in others.items())
    entry = ", ".join(f"{json.dumps(other)}: [its members]" for other in [name, *others])
    return (f" Declared nowhere either: {listed}. Declare them all in one \"sets\": {{{entry}}}.")


def _undeclared_tables(document: Mapping[str, Any] | None) -> str:
    """A sentence naming the tables the expressions index (``cost[c]``) that the answer declares nowhere, when any."""
    declared = {name for element in ("sets", "parameters", "variables") for name in _section(document, element)}
    found: list[str] = []
    for text in _expression_texts(document):
        for match in re.finditer(r"(?<![\w.'\"])([A-Za-z_]\w*)\s*\[", text):
            if match[1] not in declared and match[1] not in found and not keyword.iskeyword(match[1]):  # "in [...]": members
                found.append(match[1])
    if not found:
        return ""
    listed = ", ".join(f"{name}[...]" for name in found)
    shapes = _table_shapes(found, document)
    return (f" The expressions also use {listed}, declared nowhere: put each under \"parameters\" with the numbers from "
            "the problem, e.g. {\"index\": [its sets], \"values\": [...]}." + (" By their use: " + "; ".join(shapes) + "."
                                                                          if shapes else ""))


def _table_shapes(names: list[str], document: Mapping[str, Any] | None) -> list[str]:
    """The entries the tables ``names`` need, each from the sets its indices run over in the expressions (where they agree)."""
    texts = _expression_texts(document)
    known = set(_section(document, "sets")) | set(_undeclared_sets(document))
    domains: dict[str, set[str]] = {}
    for text in texts:
        for match in re.finditer(r"(?:\bfor\s+|^\s*|,\s*)([A-Za-z_]\w*)\s+in\s+([A-Za-z_]\w*)\b(?!\s*\()", text):
            domains.setdefault(match[1], set()).add(match[2])
    shapes = [_table_shape(name, texts, known, domains) for name in names]
    return [shape for shape in shapes if shape]


def _table_shape(name: str, texts: list[str], known: set[str], domains: Mapping[str, set[str]]) -> str | None:
    """The entry table ``name`` needs, from the sets ``domains`` gives its indices in ``texts`` (None when they disagree)."""
    shapes = set()
    for text in texts:
        for match in re.finditer(rf"(?<![\w.'\"]){re.escape(name)}\s*\[([^\[\]]*)\]", text):
            items = [item.strip() for item in match[1].split(",")]
            sets = [next(iter(domains[item])) if len(domains.get(item, ())) == 1 else None for item in items]
            if all(item in known for item in sets):  # uses with members or unbound names say nothing about the index
                shapes.add(tuple(sets))
    if len(shapes) != 1:
        return None
    (index,) = shapes
    if len(index) == 1:
        layout = f"one number per member of {index[0]!r}"
    elif len(index) == 2:
        layout = f"one list per member of {index[0]!r}, each with one number per member of {index[1]!r}"
    else:
        return None
    return f"{json.dumps(name)}: {{\"index\": {json.dumps(list(index))}, \"values\": [...]}} ({layout})"


def _expression_texts(document: Mapping[str, Any] | None) -> list[str]:
    texts = []
    objective = document.get("objective") if isinstance(document, Mapping) else None
    if isinstance(objective, Mapping) and isinstance(objective.get("expression"), str):
        texts.append(objective["expression"])
    constraints = document.get("constraints") if isinstance(document, Mapping) else None
    for entry in constraints if isinstance(constraints, list) else []:
        if isinstance(entry, Mapping):
            texts += [entry[key] for key in ("expression", "for", "when") if isinstance(entry.get(key), str)]
    return texts


def members_as_index_hints(document: Mapping[str, Any] | None) -> list[tuple[set[str], str]]:
    """(the names, the hint) for each "index" that lists members instead of sets: undeclared names written bare inside the
    entry's own brackets.

    IndustryOR 53: ``"children": {"index": ["Harry", "Hermione", ...]}`` used as ``children[Harry]``;
    IndustryOR 100: ``"link": {"index": ["A", "B", "C", "D", "E"]}`` used as ``link[A,B]``. A name bound by ``for NAME in``
    somewhere is an index variable, so the entry names sets (MAMO ComplexLP 41: ``"index": ["from", "to"]`` with
    ``move[from_, to] for from_ in ...``).
    """
    sets = _section(document, "sets")
    texts = _expression_texts(document)
    bound = {match[1] for text in texts for match in re.finditer(r"(?:\bfor\s+|^\s*|,\s*)(\w+)\s+in\b", text)}
    hints = []
    for element in ("variables", "parameters"):
        for entry_name, entry in _section(document, element).items():
            undeclared = [name for name in _index_names(entry) if name not in sets]
            if any(name in bound for name in undeclared):
                continue
            if len(undeclared) < 2:
                continue
            positions = 0
            written: list[str] = []
            for text in texts:
                for match in re.finditer(rf"(?<![\w.]){re.escape(entry_name)}\s*\[([^\[\]]*)\]", text):
                    items = [item.strip() for item in match[1].split(",")]
                    if any(item in undeclared for item in items):
                        positions = max(positions, len(items))
                        written.append(match[0])
            if not written:
                continue
            members = json.dumps(_index_names(entry))
            index = json.dumps(["S"] * positions)
            quoted = re.sub(r"\b(" + "|".join(map(re.escape, undeclared)) + r")\b", r"'\1'", written[0])
            hint = (f"The \"index\" of {element[:-1]} {entry_name!r} lists members, not sets: {members} (you write "
                    f"{written[0]}). An index names sets. Declare the members as one set, e.g. \"sets\": {{\"S\": "
                    f"{members}}}, write \"index\": {index} on {entry_name!r}, and quote members in expressions: {quoted}.")
            hints.append((set(undeclared), hint))
    return hints


def model_error_feedback(error: str, document: Mapping[str, Any] | None = None) -> str:
    """The message after a document the validator or compiler rejected (the error text is verbatim, then hints)."""
    hints = "".join(f"\nHint: {hint}" for hint in error_hints(error, document))
    return (f"The model was rejected with this error:\n{error}{hints}\n"
            "Fix the cause (keep the rest of the model) and reply with the complete corrected model as one JSON object.")


def readings_feedback(notes: list[str], feedback: str) -> str:
    """``feedback`` after the readings the answer was taken with (the error's names are the read ones)."""
    if not notes:
        return feedback
    lines = "".join(f"\n- {note}" for note in notes)
    return f"Your answer was read with these changes:{lines}\n{feedback}"


def repeated_feedback(earlier: int, feedback: str) -> str:
    """``feedback`` after an answer that repeats an earlier one word for word: say so first, then what to change."""
    return (f"This answer is the same as your answer in round {earlier}, word for word, so it fails in the same place. "
            "Do not send it again: change the part that the message below names.\n" + feedback)


def findings_feedback(status: str, objective: float | None, findings_text: str, errors: bool = False) -> str:
    """The message after a solve whose result needs another look.

    Only warnings allow the model back unchanged; after an error (infeasible, unbounded) that sentence invited the
    same model again (NL4Opt 74, IndustryOR 5 and 64 in the v4 run: the infeasible answer resent word for word).
    """
    value = f", objective {objective:.10g}" if objective is not None else ""
    keep = ("Change the constraints or bounds that the message names; do not send the same model again." if errors else
            "If the model is right as it is, reply with it unchanged.")
    return (f"The model was solved (status {status}{value}), but a check found problems:\n{findings_text}\n"
            "Re-read the problem statement, correct the model where it is wrong, and reply with the complete model as one "
            f"JSON object. {keep}")
