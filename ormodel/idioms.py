"""Shorthands that real models write: accepted where they have one meaning, refused with the fix where not.

* ``sum(x)`` of an indexed variable or parameter is the sum of all its members:
  :func:`explicit_sum` writes it out as ``sum(x[i, j] for i in I for j in J)``. Inside a ``for``
  that binds an index over one of x's sets it could also mean only that index's members, so it is
  refused with both forms written out in the model's own names.
* ``sum(expr)`` of a compound of single numbers (scalar variables and parameters, constants, index
  names bound around it: ``sum(salmon * 3.2 + beef * 2.7)``) adds up one term: it is ``expr``. A
  lone name (``sum(spare)``) is still refused: the model took it for a collection.
* ``sum(expr)`` of anything else without ``for`` (``sum(profit * make)``, ``sum(x[i])``) is
  refused with the generator form to write, when the names' sets make that form unique.
* A strict ``e < b`` (or ``>``) is exact when ``e`` takes whole-number values only (integer
  variables with integer coefficients): it is ``e <= ceil(b) - 1`` (:func:`strict_bounds`).
  Otherwise there is no largest value below ``b``, and the message names the ``<=`` form
  (:func:`non_strict`).

The compiler calls these; they only read the Problem's declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ormodel.errors import ExpressionError, Location
from ormodel.expressions import Compare, Const, Generator, Index, Name, Node, Reduce, to_text, walk
from ormodel.problem import Problem

__all__ = ["STRICT_OPERATORS", "explicit_sum", "non_strict", "strict_bounds"]

STRICT_OPERATORS = {"<": "<=", ">": ">="}


def _indexed_symbol(problem: Problem, name: str) -> tuple[str, tuple[str, ...]] | None:
    """("variable"/"parameter", its index sets) of an indexed symbol, else None."""
    if name in problem.variables and problem.variables[name].index:
        return "variable", problem.variables[name].index
    if name in problem.parameters and problem.parameters[name].index:
        return "parameter", problem.parameters[name].index
    return None


def _fresh_name(set_name: str, taken: set[str]) -> str:
    """An index name for a set: its first letter in lower case (``products`` → ``p``), numbered when taken."""
    letters = [character for character in set_name if character.isalpha()]
    base = letters[0].lower() if letters else "k"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}{number}", number + 1
    taken.add(name)
    return name


def _written_out(name: str, index: tuple[str, ...], bound: Mapping[str, str], taken: set[str]) -> tuple[Node, tuple[Generator, ...]]:
    """``name[...]`` and the generators over its sets; positions in ``bound`` (set → index name) use that index."""
    items: list[Node] = []
    generators: list[Generator] = []
    for set_name in index:
        if set_name in bound:
            items.append(Name(bound[set_name]))
            continue
        target = _fresh_name(set_name, taken)
        items.append(Name(target))
        generators.append(Generator((target,), Name(set_name), (), unpack=False))
    return Index(name, tuple(items)), tuple(generators)


def _as_text(body: Node, generators: tuple[Generator, ...]) -> str:
    return to_text(Reduce("sum", body, generators)) if generators else to_text(body)


def explicit_sum(problem: Problem, node: Reduce, domains: Mapping[str, str | None]) -> Reduce:
    """``node`` with its generators written out; ``node`` itself when it has them.

    ``domains`` maps each index name bound around ``node`` to the set it runs over (None for
    ``range``). Raises :class:`ExpressionError` with the form to write when the sum has no
    single meaning.
    """
    if node.generators or _single_numbers(problem, node.body, domains):
        return node  # with no generators, the compiler reads it as its body
    taken = set(problem.symbols()) | set(domains) | {item.id for item in walk(node.body) if isinstance(item, Name)}
    body = node.body
    shown = to_text(node)
    location = Location(column=node.column or None)
    if isinstance(body, Name) and body.id not in domains:
        symbol = _indexed_symbol(problem, body.id)
        if symbol is not None:
            kind, index = symbol
            whole, generators = _written_out(body.id, index, {}, set(taken))
            bound = {set_name: target for target, set_name in domains.items() if set_name in index}
            if not bound:
                return Reduce("sum", whole, generators, column=node.column)
            part, part_generators = _written_out(body.id, index, bound, set(taken))
            names = ", ".join(bound.values())
            scope = ", ".join(f"{target} in {set_name}" for set_name, target in bound.items())
            raise ExpressionError(
                f"{shown} inside 'for {scope}' has two readings: {kind} {body.id} is indexed by {', '.join(index)}, so it "
                f"could mean all its members or only those of this {names}", location,
                f"write {_as_text(part, part_generators)} for the members of this {names}, or {_as_text(whole, generators)} "
                "for all of them")
        if body.id in problem.variables or body.id in problem.parameters:
            kind = "variable" if body.id in problem.variables else "parameter"
            raise ExpressionError(f"{shown} adds up a collection, but {kind} {body.id} has no index", location, f"write {body.id}")
        if body.id in problem.sets:
            target = _fresh_name(body.id, set(taken))
            raise ExpressionError(f"{shown} sums a set", location,
                                  f"to count its members write sum(1 for {target} in {body.id}); to add them up, "
                                  f"sum({target} for {target} in {body.id})")
    suggestion = _generator_form(problem, body, domains, taken)
    listed = _index_list(problem, body)
    raise ExpressionError(f"{shown} has no 'for': sum() needs a generator" + (f" ({listed})" if listed else ""), location,
                          f"write {suggestion}" if suggestion else "write sum(... for i in SET), e.g. sum(x[i] for i in I)")


def _single_numbers(problem: Problem, body: Node, domains: Mapping[str, str | None]) -> bool:
    """Whether ``body`` is a compound of constants, scalar variables and parameters, index names bound around it, and
    entries whose every index is such a name or a constant (``x[w]`` inside ``for w in W``: IndustryOR 32)."""
    if isinstance(body, (Name, Index)):
        return False
    for item in walk(body):
        if isinstance(item, Index):
            symbol = _indexed_symbol(problem, item.name)
            if symbol is None or len(symbol[1]) != len(item.items) or not all(
                    isinstance(part, Const) or (isinstance(part, Name) and part.id in domains) for part in item.items):
                return False
            continue
        if isinstance(item, (Reduce, Generator)):
            return False
        if isinstance(item, Name):
            scalar = (item.id in problem.variables and not problem.variables[item.id].index) or \
                     (item.id in problem.parameters and not problem.parameters[item.id].index)
            if not (scalar or item.id in domains):
                return False
    return True


def _index_list(problem: Problem, body: Node) -> str:
    """``make is indexed by products, months; profit by products`` for the indexed names in ``body``."""
    seen: dict[str, tuple[str, ...]] = {}
    for item in walk(body):
        name = item.id if isinstance(item, Name) else item.name if isinstance(item, Index) else None
        symbol = _indexed_symbol(problem, name) if name else None
        if name and symbol is not None and name not in seen:
            seen[name] = symbol[1]
    pieces = [f"{name} by {', '.join(index)}" for name, index in seen.items()]
    return ("; ".join(pieces)).replace(" by ", " is indexed by ", 1) if pieces else ""


def _generator_form(problem: Problem, body: Node, domains: Mapping[str, str | None], taken: set[str]) -> str | None:
    """The one generator form of a sum written without ``for``, or None when the names' sets do not fix it.

    Bare indexed names (``profit``) must share one index; free index names inside brackets
    (``x[i]`` with ``i`` unbound) take the set of their position.
    """
    free: dict[str, str] = {}  # free index name → its set
    bare: dict[str, tuple[str, ...]] = {}
    for item in walk(body):
        if isinstance(item, Name) and item.id not in domains and _indexed_symbol(problem, item.id) is not None:
            bare[item.id] = _indexed_symbol(problem, item.id)[1]  # type: ignore[index]
        if isinstance(item, Index) and _indexed_symbol(problem, item.name) is not None:
            index = _indexed_symbol(problem, item.name)[1]  # type: ignore[index]
            if len(item.items) != len(index) or any(problem.sets[set_name].dimen != 1 for set_name in index):
                continue
            for component, set_name in zip(item.items, index):
                if not isinstance(component, Name) or component.id in domains or component.id in problem.symbols():
                    continue
                if free.setdefault(component.id, set_name) != set_name:
                    return None
    if len(set(bare.values())) > 1 or not (bare or free):
        return None
    index = next(iter(bare.values()), ())
    if len(set(index)) != len(index):
        return None
    names = {set_name: target for target, set_name in free.items()}
    if len(names) != len(free):
        return None
    generators = [Generator((target,), Name(set_name), (), unpack=False) for target, set_name in free.items()]
    targets: list[Node] = []
    for set_name in index:
        if set_name not in names:
            names[set_name] = _fresh_name(set_name, taken)
            generators.append(Generator((names[set_name],), Name(set_name), (), unpack=False))
        targets.append(Name(names[set_name]))
    rewritten = _substitute(body, {name: Index(name, tuple(targets)) for name in bare})
    return to_text(Reduce("sum", rewritten, tuple(generators)))


def _substitute(node: Node, replacements: Mapping[str, Node]) -> Node:
    """``node`` with bare names replaced (expression trees of a sum's body are small: plain recursion)."""
    import dataclasses

    if isinstance(node, Name):
        return replacements.get(node.id, node)
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, Node):
            changes[field.name] = _substitute(value, replacements)
        elif isinstance(value, tuple) and value and all(isinstance(item, Node) for item in value):
            changes[field.name] = tuple(_substitute(item, replacements) for item in value)
    return dataclasses.replace(node, **changes) if changes else node


def non_strict(relation: Compare) -> Compare:
    """The relation with ``<`` as ``<=`` and ``>`` as ``>=``."""
    return Compare(tuple(STRICT_OPERATORS.get(op, op) for op in relation.ops), relation.operands, column=relation.column)


def strict_bounds(relation: Compare, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a whole-number expression under the relation's strict sides: ``e < b`` → ``e <= ceil(b) - 1``.

    ``lower``/``upper`` are the bounds the relation gives with its strict operators read as
    ``<=``/``>=``; a bound within 1e-9 of a whole number counts as that number.
    """

    def whole(values: np.ndarray) -> np.ndarray:
        nearest = np.round(values)
        return np.where(np.abs(values - nearest) <= 1e-9 * np.maximum(1.0, np.abs(values)), nearest, values)

    ops = relation.ops
    if len(ops) == 1:
        strict_low, strict_high = ops[0] == ">", ops[0] == "<"
    elif ops[0] in ("<", "<="):  # lo < e <= hi
        strict_low, strict_high = ops[0] == "<", ops[1] == "<"
    else:  # hi > e >= lo
        strict_low, strict_high = ops[1] == ">", ops[0] == ">"
    if strict_low:
        lower = np.floor(whole(lower)) + 1.0
    if strict_high:
        upper = np.ceil(whole(upper)) - 1.0
    return lower, upper
