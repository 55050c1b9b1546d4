"""Shorthands in an LLM's five-element answer that have one meaning, written out before the answer is checked.

Each rule reads the document as data (JSON values, and expression text split into tokens; nothing
is evaluated) and rewrites only what admits a single reading; each rewrite comes back as a note
that the agent reports among the answer's changes. Everything else is left for the validator and
the compiler, whose errors are fed back with hints (``ormodel.nl2opt.prompts``).

* **A name with spaces around it** (``" telecom"`` in ``variables``, used as ``telecom`` in the
  expressions) is the name without them, when that name is free.
* **A bound written as an expression of variables** (``"upper": "2 * apples"`` on the scalar
  variable ``pears``) is the constraint ``pears <= 2 * apples``; a constraint already saying
  exactly that is not added twice.
* **An index over sets declared nowhere, on a variable never written with an index** (``workers_X``
  indexed by ``projects``, a set with no members anywhere, used only as ``5000 * workers_X``) is a
  single number: under any other reading the model has no data for its index and no valid use.
* **A variable declared under "parameters"** (an entry with a variable's ``type`` and no data:
  ``"min_separation": {"type": "continuous"}``) is a variable: a parameter has no type.
* **A parameter with no data named like a variable** (``"component_1": {"index": ["workshops"],
  "values": {}}`` beside the variable ``component_1``): it gives no number, so every use of the name
  is the variable's; the empty entry is dropped.
* **A scalar parameter given only a "default"** (``"min_separation": {"default": 0}``): with no
  index there is nothing else to fill, so the default is its value.
* **A member written bare inside brackets** (``children[Harry]`` with ``children`` indexed by a set
  that lists ``"Harry"``): a name that is declared nowhere and bound by no ``for`` can only be that
  member, so it is quoted (``children['Harry']``).
* **Comparisons joined by "and"** in one constraint (``x['G'] == 1 and x['F'] == 1``): each must
  hold, so each is its own constraint (``NAME_1``, ``NAME_2``).
* **Binary conditions joined by "or"** (``x['H'] == 0 or x['F'] == 0``, every side a binary variable
  compared with 0 or 1): at least one holds, which is ``(1 - x['H']) + (1 - x['F']) >= 1``.
* **"if CONDITION then RELATION [else True]"** (or ``if CONDITION: RELATION``) as a constraint's
  expression, where the condition names no variable: it picks the rows of the constraint's "for",
  which becomes ``"m in methods if m == 'B'"`` with the relation alone.
* **A "for" that names one scalar variable** (``"for": "small"`` on ``small == 3 * large``) binds
  nothing: the constraint without it.
* **A "for" whose every index the expression binds again** (``"for": "i in cities"`` on
  ``sum(route[i] for i in cities) == 4``): the inner ``for`` hides the outer index, so every row of
  the family is the same constraint; it is that constraint once.
* **A reserved word as a name** (``for from in warehouses``, ``cost[from, to]``, a set called
  ``from``): no expression can use ``from`` as a keyword, so it is the name ``from_`` everywhere.

Seen with Qwen2.5-Coder-1.5B on NL4Opt 74, 114 and 233, MAMO EasyLP 79, MAMO ComplexLP 41, 63, 91
and 181 and IndustryOR 32 (the recorded answers of ``benchmarks/nl_local.py``).
"""

from __future__ import annotations

import copy
import io
import keyword
import re
import tokenize
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["has_no_data", "normalize_document"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_INFINITE = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")
_NAMED = ("sets", "parameters", "variables")
_VARIABLE_TYPES = ("continuous", "integer", "binary", "semicontinuous", "semi-continuous", "semiinteger", "semi-integer")
_VARIABLE_KEYS = {"index", "type", "lower", "upper", "description"}
# Python keywords that no expression of the language uses: written where a name belongs, they can only be a name.
_RESERVED = frozenset(keyword.kwlist) - {"for", "in", "if", "else", "and", "or", "not", "True", "False", "None", "is", "lambda"}


def normalize_document(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The document with its one-meaning shorthands written out, and a note for each rewrite (the input is not changed)."""
    if not isinstance(document, Mapping):
        return document, []  # type: ignore[return-value]
    result = copy.deepcopy(dict(document))
    notes: list[str] = []
    notes += _strip_spaced_names(result)
    notes += _reserved_words(result)
    notes += _variables_under_parameters(result)
    notes += _empty_parameters_named_like_variables(result)
    notes += _scalar_defaults(result)
    notes += _bare_members(result)
    notes += _logical_constraints(result)
    notes += _conditions_on_indices(result)
    notes += _bounds_as_constraints(result)
    notes += _scalars_with_phantom_index(result)
    notes += _for_naming_a_variable(result)
    notes += _hidden_for(result)
    return result, notes


def _section(document: Mapping[str, Any], element: str) -> dict[str, Any]:
    section = document.get(element)
    return section if isinstance(section, dict) else {}


def _expressions(document: Mapping[str, Any]) -> Iterator[str]:
    """Every expression text of the document: objective, constraints (expression, for, when), string bounds."""
    objective = document.get("objective")
    if isinstance(objective, str):
        yield objective
    elif isinstance(objective, Mapping) and isinstance(objective.get("expression"), str):
        yield objective["expression"]
    constraints = document.get("constraints")
    entries = constraints.values() if isinstance(constraints, Mapping) else constraints if isinstance(constraints, list) else []
    for entry in entries:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, Mapping):
            for key in ("expression", "for", "when"):
                if isinstance(entry.get(key), str):
                    yield entry[key]


def _tokens(text: str) -> list[tokenize.TokenInfo] | None:
    """The Python tokens of an expression text (None when it does not tokenize)."""
    try:
        return [token for token in tokenize.generate_tokens(io.StringIO(text).readline)
                if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def _offsets(text: str) -> Callable[[tokenize.TokenInfo], int]:
    """The character offset in ``text`` of a token of it."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return lambda token: starts[token.start[0] - 1] + token.start[1]


def _uses(texts: list[str], name: str) -> tuple[int, int] | None:
    """(bare uses, subscripted uses) of ``name`` in the texts; None when a text does not tokenize."""
    bare = subscripted = 0
    for text in texts:
        tokens = _tokens(text)
        if tokens is None:
            return None
        for position, token in enumerate(tokens):
            if token.type != tokenize.NAME or token.string != name:
                continue
            if position > 0 and tokens[position - 1].string == ".":
                continue
            following = tokens[position + 1].string if position + 1 < len(tokens) else ""
            if following == "[":
                subscripted += 1
            else:
                bare += 1
    return bare, subscripted


# -- names with spaces ------------------------------------------------------------------------


def _strip_spaced_names(document: dict[str, Any]) -> list[str]:
    notes = []
    for element in _NAMED:
        section = _section(document, element)
        for name in list(section):
            if not isinstance(name, str):
                continue
            stripped = name.strip()
            if stripped == name or not _NAME.match(stripped) or keyword.iskeyword(stripped) or stripped in section:
                continue
            section[stripped] = section.pop(name)
            notes.append(f"read {element[:-1]} {name!r} as {stripped!r} (the name without its spaces)")
    return notes


# -- bounds that are constraints --------------------------------------------------------------


def _relation_key(text: str) -> str:
    return "".join(text.split())


def _bounds_as_constraints(document: dict[str, Any]) -> list[str]:
    variables = _section(document, "variables")
    parameters = _section(document, "parameters")
    constraints = document.get("constraints")
    if constraints is None:
        constraints = []
    if not isinstance(constraints, list):
        return []  # a mapping of constraints: left as written
    notes = []
    for name, entry in variables.items():
        if not isinstance(entry, dict) or entry.get("index"):
            continue  # an indexed variable's bound expression would need its index: not rewritten
        for side, relation in (("lower", ">="), ("upper", "<=")):
            value = entry.get(side)
            if not isinstance(value, str) or _NUMBER.match(value) or value.strip().lower() in _INFINITE:
                continue
            if value.strip() in parameters:
                continue
            tokens = _tokens(value)
            if tokens is None:
                continue
            names = {token.string for token in tokens if token.type == tokenize.NAME}
            if not names & set(variables) or names - set(variables) - set(parameters):
                continue  # no variable in it, or a name declared nowhere: the validator's error and hint stay
            text = f"{name} {relation} {value.strip()}"
            del entry[side]
            existing = {_relation_key(item.get("expression", "")) for item in constraints if isinstance(item, Mapping)
                        and isinstance(item.get("expression"), str) and not item.get("for")}
            if _relation_key(text) in existing:
                notes.append(f"dropped the {side} bound '{value}' of variable {name!r}: constraint '{text}' already says it")
                continue
            taken = {item.get("name") for item in constraints if isinstance(item, Mapping)}
            label, number = f"{name}_{side}", 2
            while label in taken:
                label, number = f"{name}_{side}_{number}", number + 1
            constraints.append({"name": label, "expression": text})
            document["constraints"] = constraints
            notes.append(f"read the {side} bound '{value}' of variable {name!r} as constraint {label!r}: {text}")
    return notes


# -- an index over sets declared nowhere -------------------------------------------------------


def _index_list(entry: Mapping[str, Any]) -> list[str] | None:
    index = entry.get("index")
    if isinstance(index, str):
        return [index]
    if isinstance(index, list) and index and all(isinstance(item, str) for item in index):
        return index
    return None


def _scalars_with_phantom_index(document: dict[str, Any]) -> list[str]:
    sets = _section(document, "sets")
    variables = _section(document, "variables")
    declared = set(sets) | set(_section(document, "parameters")) | set(variables)
    texts = list(_expressions(document))
    notes = []
    for name, entry in variables.items():
        if not isinstance(entry, dict):
            continue
        index = _index_list(entry)
        if index is None or any(set_name in declared for set_name in index):
            continue
        uses = _uses(texts, name)
        if uses is None or uses[0] == 0 or uses[1] > 0:
            continue  # a text we cannot split, never used, or used with an index somewhere: the error and its hint stay
        del entry["index"]
        shown = ", ".join(index)
        notes.append(f"read variable {name!r} as one number: its index ({shown}) is declared nowhere and every use "
                     f"writes {name} without an index")
    return notes


# -- variables under "parameters" ---------------------------------------------------------------


def _variables_under_parameters(document: dict[str, Any]) -> list[str]:
    parameters = _section(document, "parameters")
    notes = []
    for name, entry in list(parameters.items()):
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str) or set(entry) - _VARIABLE_KEYS:
            continue
        if entry["type"].strip().lower() not in _VARIABLE_TYPES:
            continue
        variables = document.get("variables")
        if variables is None:
            variables = document["variables"] = {}
        if not isinstance(variables, dict) or name in variables:
            continue
        variables[name] = parameters.pop(name)
        notes.append(f"read parameter {name!r} as a variable: it has a variable's \"type\" ({entry['type']}) and no data")
    return notes


# -- parameters without data ----------------------------------------------------------------------

_DATA_KEYS = ("value", "values", "rows", "default")


def has_no_data(entry: Any) -> bool:
    """Whether an entry under "parameters" gives no number at all (``{"index": [...], "values": {}}``)."""
    return isinstance(entry, Mapping) and all(entry.get(key) in (None, {}, []) for key in _DATA_KEYS)


def _empty_parameters_named_like_variables(document: dict[str, Any]) -> list[str]:
    parameters, variables = _section(document, "parameters"), _section(document, "variables")
    notes = []
    for name in [name for name, entry in parameters.items() if name in variables and has_no_data(entry)]:
        del parameters[name]
        notes.append(f"dropped parameter {name!r}: it has no data, and {name!r} is also a variable, which is what the "
                     "expressions use")
    return notes


def _scalar_defaults(document: dict[str, Any]) -> list[str]:
    notes = []
    for name, entry in _section(document, "parameters").items():
        if (isinstance(entry, dict) and not entry.get("index") and entry.get("default") is not None
                and all(entry.get(key) is None for key in ("value", "values", "rows"))):
            entry["value"] = entry.pop("default")
            entry.pop("index", None)
            notes.append(f"read the \"default\" of scalar parameter {name!r} as its value ({entry['value']!r}): a number "
                         "without an index has no other entries to fill")
    return notes


# -- members written bare -------------------------------------------------------------------------


def _constraint_entries(document: Mapping[str, Any]) -> list[Any]:
    constraints = document.get("constraints")
    return constraints if isinstance(constraints, list) else list(constraints.values()) if isinstance(constraints, dict) else []


def _text_slots(document: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """(the dict, the key) of every expression text that can be rewritten in place."""
    objective = document.get("objective")
    if isinstance(objective, dict) and isinstance(objective.get("expression"), str):
        yield objective, "expression"
    for entry in _constraint_entries(document):
        if isinstance(entry, dict):
            for key in ("expression", "for", "when"):
                if isinstance(entry.get(key), str):
                    yield entry, key


def _bound_names(texts: list[str]) -> set[str]:
    """Every name a text binds (``for NAME in``, ``NAME in`` at the start of a "for" clause or after a comma)."""
    bound: set[str] = set()
    for text in texts:
        tokens = _tokens(text) or []
        for position, token in enumerate(tokens):
            if token.type != tokenize.NAME or position + 1 >= len(tokens):
                continue
            before = tokens[position - 1].string if position else ""
            if tokens[position + 1].string == "in" or before == "for":
                bound.add(token.string)
    return bound


def _bare_members(document: dict[str, Any]) -> list[str]:
    sets = _section(document, "sets")
    indexed = {name: _index_list(entry) or [] for element in ("parameters", "variables")
               for name, entry in _section(document, element).items() if isinstance(entry, Mapping)}
    declared = {name for element in _NAMED for name in _section(document, element)}
    bound = _bound_names(list(_expressions(document)))
    quoted: list[str] = []
    for holder, key in _text_slots(document):
        text = holder[key]
        tokens = _tokens(text)
        if tokens is None:
            continue
        offset_of = _offsets(text)
        replacements: list[tuple[int, str]] = []
        stack: list[tuple[str | None, int]] = []  # (the indexed name, the position inside its brackets)
        for position, token in enumerate(tokens):
            if token.string in ("[", "(", "{"):
                owner = tokens[position - 1].string if token.string == "[" and position else None
                stack.append((owner if owner in indexed else None, 0))
            elif token.string in ("]", ")", "}") and stack:
                stack.pop()
            elif token.string == "," and stack:
                stack[-1] = (stack[-1][0], stack[-1][1] + 1)
            elif token.type == tokenize.NAME and stack and stack[-1][0] is not None:
                owner, slot = stack[-1]
                index = indexed[owner]
                alone = tokens[position - 1].string in ("[", ",") and position + 1 < len(tokens) and \
                    tokens[position + 1].string in ("]", ",")
                name = token.string
                if (not alone or slot >= len(index) or name in declared or name in bound or keyword.iskeyword(name)):
                    continue
                members = sets.get(index[slot])
                if isinstance(members, list) and name in members:
                    replacements.append((offset_of(token), name))
        quoted += [name for name in dict.fromkeys(name for _, name in replacements) if name not in quoted]
        for offset, name in reversed(replacements):
            text = text[:offset] + repr(name) + text[offset + len(name):]
        holder[key] = text
    if not quoted:
        return []
    return [(f"quoted the member{'s' if len(quoted) > 1 else ''} {', '.join(quoted)} written bare inside brackets: "
            f"{'they are' if len(quoted) > 1 else 'it is'} no declared name and no index, only a member of the set there")]


# -- 'and' / 'or' between comparisons --------------------------------------------------------------


def _top_level_split(text: str, word: str) -> list[str] | None:
    """``text`` split at ``word`` (``and``/``or``) outside every bracket; None when it does not tokenize."""
    tokens = _tokens(text)
    if tokens is None:
        return None
    offset_of = _offsets(text)
    depth, cuts = 0, []
    for token in tokens:
        if token.string in ("(", "[", "{"):
            depth += 1
        elif token.string in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and token.type == tokenize.NAME and token.string == word:
            offset = offset_of(token)
            cuts.append((offset, offset + len(word)))
    pieces, position = [], 0
    for start, end in cuts:
        pieces.append(text[position:start].strip())
        position = end
    pieces.append(text[position:].strip())
    return pieces


_LITERAL = re.compile(r"^(?P<ref>[A-Za-z_]\w*(\s*\[[^\[\]]*\])?)\s*==\s*(?P<value>[01])(\.0*)?$")


def _logical_constraints(document: dict[str, Any]) -> list[str]:
    from ormodel.errors import ModelError
    from ormodel.expressions import parse_relation

    constraints = document.get("constraints")
    if not isinstance(constraints, list):
        return []
    binaries = {name for name, entry in _section(document, "variables").items()
                if isinstance(entry, Mapping) and str(entry.get("type", "")).strip().lower() == "binary"}
    names = {entry.get("name") for entry in constraints if isinstance(entry, dict)}
    notes: list[str] = []
    rewritten: list[Any] = []
    for entry in constraints:
        expression = entry.get("expression") if isinstance(entry, dict) else None
        if not isinstance(expression, str):
            rewritten.append(entry)
            continue
        conjuncts = _top_level_split(expression, "and") or [expression]
        disjuncts = _top_level_split(expression, "or") or [expression]
        if len(conjuncts) > 1 and len(disjuncts) == 1:
            try:
                for part in conjuncts:
                    parse_relation(part)
            except (ModelError, RecursionError, MemoryError):
                rewritten.append(entry)
                continue
            base = str(entry.get("name", "constraint"))
            for number, part in enumerate(conjuncts, start=1):
                name = f"{base}_{number}"
                while name in names:
                    name += "_"
                names.add(name)
                rewritten.append({**entry, "name": name, "expression": part})
            notes.append(f"split constraint {base!r} at 'and' into {len(conjuncts)} constraints: each comparison must hold")
            continue
        literals = [_LITERAL.match(part) for part in disjuncts] if len(disjuncts) > 1 and len(conjuncts) == 1 else []
        if literals and all(match and re.match(r"\w+", match["ref"])[0] in binaries for match in literals):  # type: ignore[index]
            terms = [match["ref"] if match["value"] == "1" else f"(1 - {match['ref']})" for match in literals]  # type: ignore[index]
            entry["expression"] = " + ".join(terms) + " >= 1"
            notes.append(f"read constraint {entry.get('name', '?')!r} ({expression}) as {entry['expression']}: on binary "
                         "variables, at least one of the conditions holds")
        rewritten.append(entry)
    constraints[:] = rewritten
    return notes


# -- 'if ... then ...' on indices ------------------------------------------------------------------

_CONDITIONAL = re.compile(r"^\s*if\s+(?P<condition>.+?)\s*(?:\bthen\b|:)\s*(?P<relation>.+?)"
                          r"(?:\s+else\s+(?:True|true|1|0\s*==\s*0))?\s*$", re.DOTALL)


def _conditions_on_indices(document: dict[str, Any]) -> list[str]:
    from ormodel.errors import ModelError
    from ormodel.expressions import parse_generators, parse_relation

    variables = set(_section(document, "variables"))
    notes = []
    for entry in _constraint_entries(document):
        if not isinstance(entry, dict) or not isinstance(entry.get("expression"), str) or not isinstance(entry.get("for"), str):
            continue
        match = _CONDITIONAL.match(entry["expression"])
        tokens = _tokens(entry["for"]) if match else None
        if match is None or tokens is None or any(token.string == "if" for token in tokens):
            continue
        condition_tokens = _tokens(match["condition"]) or []
        if not condition_tokens or any(token.type == tokenize.NAME and token.string in variables for token in condition_tokens):
            continue  # a condition on a decision is no filter on the rows
        clause = f"{entry['for']} if {match['condition']}"
        try:
            parse_generators(clause)
            parse_relation(match["relation"])
        except (ModelError, RecursionError, MemoryError):
            continue
        written = entry["expression"]
        entry["for"], entry["expression"] = clause, match["relation"]
        notes.append(f"read constraint {entry.get('name', '?')!r} ({written}) as \"for\": {clause!r} with "
                     f"{match['relation']!r}: the condition is on indices only, so it picks the rows")
    return notes


# -- a 'for' that binds nothing -------------------------------------------------------------------


def _for_naming_a_variable(document: dict[str, Any]) -> list[str]:
    variables = _section(document, "variables")
    constraints = document.get("constraints")
    entries = constraints if isinstance(constraints, list) else list(constraints.values()) if isinstance(constraints, dict) else []
    notes = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("for"), str):
            continue
        named = entry["for"].strip()
        variable = variables.get(named)
        if not _NAME.match(named) or not isinstance(variable, Mapping) or variable.get("index"):
            continue
        del entry["for"]
        notes.append(f"dropped \"for\": {named!r} from constraint {entry.get('name', '?')!r}: it names the single variable "
                     f"{named!r} and binds no index")
    return notes


# -- reserved words as names --------------------------------------------------------------------


def _renamed_text(text: str, renames: Mapping[str, str]) -> str:
    """``text`` with each NAME token in ``renames`` replaced (strings and everything else kept as written)."""
    tokens = _tokens(text)
    if tokens is None:
        return text
    offset_of = _offsets(text)
    pieces, position = [], 0
    for token in tokens:
        if token.type != tokenize.NAME or token.string not in renames:
            continue
        offset = offset_of(token)
        pieces += [text[position:offset], renames[token.string]]
        position = offset + len(token.string)
    return "".join(pieces) + text[position:]


def _reserved_words(document: dict[str, Any]) -> list[str]:
    used: set[str] = set()  # only words an expression writes: a set called "from" that no expression names parses as it is
    for text in _expressions(document):
        tokens = _tokens(text) or []
        used |= {token.string for token in tokens if token.type == tokenize.NAME and token.string in _RESERVED}
    taken = {name for element in _NAMED for name in _section(document, element)}
    renames = {}
    for word in sorted(used):
        new = word + "_"
        while new in taken:
            new += "_"
        renames[word] = new
    if not renames:
        return []
    for element in _NAMED:
        section = _section(document, element)
        for name in [name for name in section if name in renames]:
            section[renames[name]] = section.pop(name)
        if element == "sets":
            continue  # a set's {"from": 1, "to": n} keeps its keys
        for entry in section.values():
            index = entry.get("index") if isinstance(entry, dict) else None
            if isinstance(index, list):
                entry["index"] = [renames.get(item, item) if isinstance(item, str) else item for item in index]
            elif isinstance(index, str) and index in renames:
                entry["index"] = renames[index]
            for side in ("lower", "upper"):
                if isinstance(entry, dict) and isinstance(entry.get(side), str):
                    entry[side] = _renamed_text(entry[side], renames)
    objective = document.get("objective")
    if isinstance(objective, str):
        document["objective"] = _renamed_text(objective, renames)
    elif isinstance(objective, dict) and isinstance(objective.get("expression"), str):
        objective["expression"] = _renamed_text(objective["expression"], renames)
    constraints = document.get("constraints")
    entries = constraints if isinstance(constraints, list) else list(constraints.values()) if isinstance(constraints, dict) else []
    for position, entry in enumerate(entries):
        if isinstance(entry, str) and isinstance(constraints, list):
            constraints[position] = _renamed_text(entry, renames)
        elif isinstance(entry, dict):
            for key in ("expression", "for", "when"):
                if isinstance(entry.get(key), str):
                    entry[key] = _renamed_text(entry[key], renames)
    shown = ", ".join(f"{word!r} as {new!r}" for word, new in renames.items())
    several = len(renames) > 1
    note = (f"read the reserved word{'s' if several else ''} {shown}: an expression cannot use "
            f"{'them' if several else 'it'} as a keyword, so {'they are names' if several else 'it is a name'}")
    return [note]


# -- a 'for' hidden by the expression's own generators --------------------------------------------


def _free_uses(root: Any, name: str) -> int:
    """How many times ``name`` stands in ``root`` outside every sum/min/max that binds it again."""
    from ormodel.expressions import Name, Reduce, walk

    hidden = {id(node) for reduce in walk(root) if isinstance(reduce, Reduce)
              and any(name in generator.targets for generator in reduce.generators) for node in walk(reduce)}
    return sum(isinstance(node, Name) and node.id == name and id(node) not in hidden for node in walk(root))


def _hidden_for(document: dict[str, Any]) -> list[str]:
    from ormodel.errors import ModelError
    from ormodel.expressions import parse_generators, parse_relation

    constraints = document.get("constraints")
    entries = constraints if isinstance(constraints, list) else list(constraints.values()) if isinstance(constraints, dict) else []
    notes = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("for"), str) or not isinstance(entry.get("expression"), str):
            continue
        if entry.get("when"):
            continue  # a condition may use the outer index
        try:
            generators = parse_generators(entry["for"])
            relation = parse_relation(entry["expression"])
        except (ModelError, RecursionError, MemoryError):
            continue
        targets = [target for generator in generators for target in generator.targets]
        if not targets or any(generator.conditions for generator in generators):
            continue
        from ormodel.expressions import Reduce, walk

        rebound = {target for reduce in walk(relation) if isinstance(reduce, Reduce)
                   for generator in reduce.generators for target in generator.targets}
        if not set(targets) <= rebound or any(_free_uses(relation, target) for target in targets):
            continue
        written = entry.pop("for")
        notes.append(f"dropped \"for\": {written!r} from constraint {entry.get('name', '?')!r}: its sum binds "
                     f"{', '.join(targets)} again, so every row was the same constraint")
    return notes
