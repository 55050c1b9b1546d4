"""Read and write models: five-element YAML/JSON documents, MPS and LP files.

A five-element document is a mapping with ``sets``, ``parameters``, ``variables``,
``objective`` and ``constraints`` (and optional ``name``/``description``); its JSON Schema is
``ormodel/schema/problem.schema.json`` (:func:`json_schema`). Errors name the file, the line, the
element and the item. MPS and LP files go through HiGHS and come back as a
:class:`~ormodel.standard_form.StandardForm`.

Document shape::

    sets:
      I: [a, b]                 # members
      T: {from: 1, to: 12}      # integers, both ends included
      A: [[a, 1], [b, 2]]       # tuples (a sparse index set)
    parameters:
      budget: 100               # scalar
      cost: {index: [I, T], values: {a: {1: 3.5}}, default: 0}   # nested mapping
      demand: {index: [T], values: [5, 6, 7, ...]}               # dense list in set order
      weight: {index: [A], rows: [[a, 1, 2.0], [b, 2, 1.5]]}     # one row per entry
    variables:
      x: {index: [I, T], type: continuous, lower: 0, upper: cap}  # bounds: number or parameter
    objective: {sense: minimize, expression: "sum(cost[i,t] * x[i,t] for i in I for t in T)"}
    constraints:
      - {name: meet, for: "t in T", expression: "sum(x[i,t] for i in I) >= demand[t]"}
      - {name: open_only, for: "i in I, t in T", expression: "x[i,t] <= 10", when: "open[i] == 1"}
"""

from __future__ import annotations

import json
import math
import os
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

import numpy as np
import yaml

from ormodel.atomic import write_text_atomic
from ormodel.documents import SAFE_LOADER, check_document, parse_document, read_text
from ormodel.errors import Location, ModelError
from ormodel.limits import check_elements
from ormodel.expressions import generators_text, to_text
from ormodel.problem import Constraint, Domain, IndexSet, Objective, Parameter, Problem, Variable
from ormodel.standard_form import StandardForm

__all__ = [
    "load", "load_problem", "problem_from_dict", "problem_to_dict", "save", "dumps_yaml", "json_schema",
    "validate_document", "FIVE_ELEMENT_SUFFIXES", "MATRIX_SUFFIXES", "read_number", "check_finite_table", "check_finite_form",
    "SourceMap", "FEASIBILITY", "MARKDOWN_SUFFIXES",
]

FIVE_ELEMENT_SUFFIXES = (".yaml", ".yml", ".json")
MARKDOWN_SUFFIXES = (".md", ".markdown")  # five-element models in the Markdown that ormodel.markdown writes and reads
MATRIX_SUFFIXES = (".mps", ".lp", ".mps.gz", ".lp.gz", ".mps.bz2")


@lru_cache(maxsize=1)
def json_schema() -> dict[str, Any]:
    """The JSON Schema of the five-element document."""
    text = resources.files("ormodel").joinpath("schema/problem.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


_SAFE_LOADER: Any = SAFE_LOADER


class SourceMap:
    """Where a Problem's elements and items stand in the file it was read from (lines found on demand)."""

    def __init__(self, source: str | None, lines: _Lines) -> None:
        self.source = source
        self.lines = lines
        self.paths: dict[tuple[str, str], tuple[Any, ...]] = {}

    def location(self, element: str | None, item: str | None) -> Location:
        """File and line of an element's item (or of the element when the item is unknown)."""
        if element is None:
            return Location(file=self.source)
        path = self.paths.get((element, str(item)), (element, item) if item is not None else (element,))
        return Location(file=self.source, line=self.lines.line(*path))


class _Lines:
    """Line numbers of the document's elements and items (YAML and JSON alike), found only when an error needs one."""

    def __init__(self, text: str | None) -> None:
        self.text = text
        self._table: dict[tuple[Any, ...], int] | None = None

    @classmethod
    def from_table(cls, table: Mapping[tuple[Any, ...], int]) -> "_Lines":
        """Lines known in advance, by document path."""
        lines = cls(None)
        lines._table = dict(table)
        return lines

    @property
    def table(self) -> dict[tuple[Any, ...], int]:
        if self._table is None:
            self._table = {}
            if self.text is not None:
                try:
                    root = yaml.compose(self.text, Loader=_SAFE_LOADER)
                except (yaml.YAMLError, RecursionError, MemoryError, ValueError):
                    root = None
                self._visit(root)
        return self._table

    def _visit(self, root: Any) -> None:
        """Lines of elements (depth 1), items (depth 2) and constraint entries; aliases are not followed twice."""
        if root is None:
            return
        table = self._table
        assert table is not None
        table[()] = root.start_mark.line + 1
        seen: set[int] = set()
        stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
        while stack:
            node, path = stack.pop()
            if id(node) in seen or len(path) > 4:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if not isinstance(key, yaml.ScalarNode):
                        continue
                    key_path = (*path, key.value)
                    table.setdefault(key_path, key.start_mark.line + 1)
                    stack.append((value, key_path))
            elif isinstance(node, yaml.SequenceNode) and len(path) == 1:
                for position, value in enumerate(node.value):
                    table.setdefault((*path, position), value.start_mark.line + 1)
                    stack.append((value, (*path, position)))

    def line(self, *path: Any) -> int | None:
        table = self.table
        path = tuple(str(part) if not isinstance(part, int) else part for part in path)
        while path:
            if path in table:
                return table[path]
            path = path[:-1]
        return None


_SAMPLE_ABOVE = 64


def _shape(value: Any) -> Any:
    """What the schema can tell apart in a list item: its JSON type, and for a list its items' types."""
    if isinstance(value, list):
        return ("list", tuple(_shape(item) if not isinstance(item, list) else "list" for item in value))
    if isinstance(value, Mapping):
        return ("mapping", id(value))  # mappings are always validated one by one
    return type(value)


def _schema_sample(document: Any) -> Any:
    """The document with each long list cut to one item of every shape in it.

    The schema constrains list items only by type and length, so a list validates exactly when
    one item of each shape does; this keeps validation of 10^5-member sets and tables fast.
    """
    if isinstance(document, Mapping):
        sampled = {key: _schema_sample(value) for key, value in document.items()}
        return document if all(sampled[key] is document[key] for key in document) else sampled
    if isinstance(document, list):
        if len(document) <= _SAMPLE_ABOVE:
            items = [_schema_sample(item) for item in document]
            return document if all(new is old for new, old in zip(items, document)) else items
        seen: dict[Any, Any] = {}
        for item in document:
            seen.setdefault(_shape(item), item)
        return [_schema_sample(item) for item in seen.values()]
    return document


def validate_document(document: Any, source: str | None = None, lines: _Lines | None = None) -> None:
    """Check a document against the JSON Schema; the first problem becomes a located ModelError."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json_schema())
    sample = _schema_sample(document)
    error = jsonschema.exceptions.best_match(validator.iter_errors(sample))
    if error is None:
        return
    if sample is not document:  # report against the whole document, so paths and indices are the real ones
        error = jsonschema.exceptions.best_match(validator.iter_errors(document))
        if error is None:
            return
    while error.validator in ("oneOf", "anyOf") and error.context:
        # Descend into the alternative that got furthest (e.g. the mapping form of a variable).
        deepest = [item for item in error.context if item.validator != "type"] or list(error.context)
        error = max(deepest, key=lambda item: len(list(item.absolute_path)))
    path = list(error.absolute_path)
    element = str(path[0]) if path else None
    item = str(path[1]) if len(path) > 1 else None
    line = lines.line(*path) if lines else None
    where = "/".join(str(part) for part in path) or "the document"
    raise ModelError(f"{where}: {_schema_message(error)}", Location(file=source, line=line, element=element, item=item),
                     "see the document format in `ormodel validate --help` or ormodel/schema/problem.schema.json")


def _schema_message(error: Any) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "required":
        return error.message
    if error.validator in ("oneOf", "anyOf"):
        return f"{json.dumps(error.instance)[:80]} is not a valid entry here"
    return error.message


def problem_from_dict(document: Mapping[str, Any], source: str | None = None, text: str | None = None,
                      line_table: Mapping[tuple[Any, ...], int] | None = None) -> Problem:
    """Build a Problem from a parsed five-element document.

    Errors name lines of ``text`` (the YAML/JSON it was parsed from), or of ``line_table`` (line
    numbers by document path such as ``("constraints", 0)``, for documents read from other formats).
    """
    lines = _Lines(text) if line_table is None else _Lines.from_table(line_table)
    if not isinstance(document, Mapping):
        raise ModelError("a five-element document is a mapping with sets, parameters, variables, objective, constraints",
                         Location(file=source, line=1))
    try:
        check_document(document, source)
    except ModelError as error:
        raise error.at(Location(line=lines.line(error.location.element) if error.location.element else None)) from None
    validate_document(document, source, lines)
    problem = Problem(name=str(document.get("name", "model")), description=str(document.get("description", "")))
    problem.origin = SourceMap(source, lines)

    def located(error: ModelError, *path: Any) -> ModelError:
        return error.at(Location(file=source, line=lines.line(*path)))

    for name, spec in (document.get("sets") or {}).items():
        try:
            problem.add_set(_read_set(name, spec))
        except ModelError as error:
            raise located(error, "sets", name) from None
    for name, spec in (document.get("parameters") or {}).items():
        try:
            problem.add_parameter(_read_parameter(problem, name, spec))
        except ModelError as error:
            raise located(error, "parameters", name) from None
    for name, spec in (document.get("variables") or {}).items():
        try:
            problem.add_variable(_read_variable(name, spec or {}))
        except ModelError as error:
            raise located(error, "variables", name) from None
    objective = document.get("objective")
    if objective is not None:
        try:
            _read_objective(problem, objective)
        except ModelError as error:
            raise located(error, "objective", "expression" if "expression" in objective else "sense") from None
    constraints = document.get("constraints") or []
    entries = list(constraints.items()) if isinstance(constraints, Mapping) else [(entry.get("name"), entry) for entry in constraints]
    for position, (name, spec) in enumerate(entries):
        path = ("constraints", name) if isinstance(constraints, Mapping) else ("constraints", position)
        problem.origin.paths[("constraints", str(name))] = path
        try:
            if not name:
                raise ModelError(f"constraint number {position + 1} has no name", Location(element="constraints"))
            problem.add_constraint(Constraint.parse(str(name), str(spec["expression"]), spec.get("for"), spec.get("when"), spec.get("description", "")))
        except ModelError as error:
            raise located(error, *path) from None
    return problem


FEASIBILITY = "feasibility"
"""The objective sense of a feasibility model (no expression): any feasible point is an answer."""


def _read_objective(problem: Problem, spec: Mapping[str, Any]) -> None:
    """Set the objective from its document entry; ``sense: feasibility`` (no expression) leaves none."""
    sense = str(spec.get("sense", "minimize"))
    location = Location(element="objective")
    if sense.strip().lower() == FEASIBILITY:
        if "expression" in spec:
            raise ModelError("a feasibility objective has no expression", location,
                             "remove 'expression' for a feasibility model, or give sense minimize or maximize")
        return
    if "expression" not in spec:
        raise ModelError("the objective has no 'expression'", location,
                         "give an expression to minimize or maximize, or write `sense: feasibility` (or leave the objective out) for a feasibility model")
    problem.set_objective(Objective.parse(sense, str(spec["expression"]), spec.get("description", "")))


def _read_set(name: str, spec: Any) -> IndexSet:
    location = Location(element="sets", item=name)
    if isinstance(spec, Mapping):
        if "members" in spec:
            return IndexSet.from_members(name, spec["members"])
        start, stop = spec.get("from"), spec.get("to")
        if isinstance(start, bool) or isinstance(stop, bool) or not isinstance(start, int) or not isinstance(stop, int):
            raise ModelError("a range set needs integer 'from' and 'to' (both included)", location)
        if not -2**62 < start < 2**62 or not -2**62 < stop < 2**62:
            raise ModelError("a range set's 'from' and 'to' must lie within ±4.6e18", location)
        step = spec.get("step", 1)
        if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
            raise ModelError("'step' must be a positive integer", location)
        check_elements(max(0, (stop - start) // step + 1), f"set {name!r}", location)
        return IndexSet.from_range(name, start, stop + 1, step)
    if isinstance(spec, list):
        return IndexSet.from_members(name, spec)
    raise ModelError("a set is a list of members or {from: a, to: b}", location)


def _member_key(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lstrip("-").isdigit():
            return int(stripped)
    return value


def _read_parameter(problem: Problem, name: str, spec: Any) -> Parameter:
    location = Location(element="parameters", item=name)
    if not isinstance(spec, Mapping):
        value = read_number(spec, location)
        return Parameter(name, (), np.asarray(value, dtype=np.float64), origin=spec)
    index = tuple(spec.get("index") or ())
    if isinstance(spec.get("index"), str):
        index = (spec["index"],)
    shape = problem.shape_of(index, location)
    check_elements(math.prod(shape), f"the table of parameter {name!r}", location)
    default = spec.get("default")
    default_value = None if default is None else read_number(default, location, what="default")
    table = np.full(shape, np.nan if default_value is None else default_value, dtype=np.float64)
    if not index:
        if "value" not in spec and "values" not in spec:
            raise ModelError("a scalar parameter needs 'value'", location)
        return Parameter(name, (), np.asarray(read_number(spec.get("value", spec.get("values")), location), dtype=np.float64), default_value, spec)
    index_sets = [problem.sets[set_name] for set_name in index]
    if "rows" in spec:
        _fill_rows(table, index_sets, spec["rows"], location)
    elif "values" in spec:
        values = spec["values"]
        if isinstance(values, Mapping):
            _fill_mapping(table, index_sets, values, location)
        elif isinstance(values, list):
            _fill_dense(table, values, location)
        else:
            table[...] = read_number(values, location)
    elif default_value is None:
        raise ModelError("an indexed parameter needs 'values', 'rows' or a 'default'", location)
    return Parameter(name, index, table, default_value, spec)


_INFINITE_HINT = ("a coefficient or right-hand side must be a finite number; for a variable without an upper bound "
                  "write `upper: .inf` on the variable instead of an infinite coefficient, and drop a constraint that never binds")


def read_number(value: Any, location: Location, allow_infinite: bool = False, what: str = "value") -> float:
    """A finite float (or ±inf where ``allow_infinite``); NaN, booleans and text are located errors."""
    if isinstance(value, bool) or value is None:
        raise ModelError(f"{what} {value!r} is not a number", location)
    if isinstance(value, str) and value.strip().lower() in ("inf", "+inf", "infinity", "+infinity", "-inf", "-infinity"):
        number = float(value.strip().lower().replace("infinity", "inf"))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)
        except OverflowError:
            raise ModelError(f"{what} {value!r} is too large for a floating-point number", location) from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ModelError(f"{what} {_short(value)} is not a number", location) from None
    if math.isnan(number):
        raise ModelError(f"{what} is NaN (not a number)", location,
                         "give a real number; leave an entry out (with a 'default') when it has no value")
    if math.isinf(number) and not allow_infinite:
        raise ModelError(f"{what} is infinite", location, _INFINITE_HINT)
    return number


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_finite_table(array: np.ndarray, location: Location, index_sets: list[IndexSet] | None = None) -> None:
    """Refuse NaN and ±inf in parameter data, naming the first bad entry."""
    bad = ~np.isfinite(array)
    if not bad.any():
        return
    flat = int(np.flatnonzero(bad.ravel())[0])
    value = float(array.ravel()[flat])
    where = ""
    if index_sets and array.ndim == len(index_sets):
        positions = np.unravel_index(flat, array.shape)
        key = [index_set.member(int(position)) for index_set, position in zip(index_sets, positions)]
        where = f" at {key[0]!r}" if len(key) == 1 else f" at {tuple(key)!r}"
    if math.isnan(value):
        raise ModelError(f"entry{where} is NaN (not a number)", location, "give a real number, or leave the entry out and give a 'default'")
    raise ModelError(f"entry{where} is infinite", location, _INFINITE_HINT)


def _fill_dense(table: np.ndarray, values: list[Any], location: Location) -> None:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ModelError("dense 'values' must be a (nested) list of numbers with one entry per member", location) from None
    if array.shape != table.shape:
        raise ModelError(f"dense 'values' have shape {array.shape}, the index sets give {table.shape}", location,
                         "list one value per member in set order, or use a mapping / 'rows'")
    check_finite_table(array, location)
    table[...] = array


def _fill_mapping(table: np.ndarray, index_sets: list[IndexSet], values: Mapping[Any, Any], location: Location) -> None:
    total = sum(index_set.dimen for index_set in index_sets)
    keys: list[tuple[Any, ...]] = []
    numbers: list[float] = []

    def visit(node: Any, prefix: tuple[Any, ...]) -> None:
        if len(prefix) == total:
            keys.append(prefix)
            numbers.append(read_number(node, location, what=f"the value at {prefix[0] if len(prefix) == 1 else prefix!r}"))
            return
        if not isinstance(node, Mapping):
            raise ModelError(f"expected a mapping below {prefix!r} ({total} levels of keys, one per index)", location)
        for key, child in node.items():
            parts = tuple(_member_key(part) for part in str(key).split(",")) if isinstance(key, str) and "," in key else (_member_key(key),)
            visit(child, prefix + parts)

    visit(values, ())
    store_many(table, index_sets, keys, numbers, location)


def store_many(table: np.ndarray, index_sets: list[IndexSet], keys: list[tuple[Any, ...]], values: list[float], location: Location) -> None:
    """Write values at member keys (one tuple of index components per value), looked up in one pass per set."""
    if not keys:
        return
    total = sum(index_set.dimen for index_set in index_sets)
    wrong = next((key for key in keys if len(key) != total), None)
    if wrong is not None:
        raise ModelError(f"key {wrong!r} has {len(wrong)} components, the index has {total}", location)
    positions = []
    cursor = 0
    for index_set in index_sets:
        components = [_column([key[cursor + offset] for key in keys]) for offset in range(index_set.dimen)]
        position, valid = index_set.lookup(components)
        if not valid.all():
            bad = keys[int(np.flatnonzero(~valid)[0])][cursor : cursor + index_set.dimen]
            shown = bad[0] if len(bad) == 1 else bad
            raise ModelError(f"{shown!r} is not a member of set {index_set.name} {index_set.describe_members()}", location)
        positions.append(position)
        cursor += index_set.dimen
    array = np.asarray(values, dtype=np.float64)
    check_finite_table(array, location)
    table[tuple(positions)] = array


def _column(values: list[Any]) -> np.ndarray:
    if all(isinstance(value, (int, np.integer)) and not isinstance(value, bool) for value in values):
        return np.asarray(values, dtype=np.int64)
    if all(isinstance(value, (int, float, np.integer, np.floating)) for value in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray([str(value) for value in values], dtype=str)


def _fill_rows(table: np.ndarray, index_sets: list[IndexSet], rows: Iterable[Any], location: Location) -> None:
    total = sum(index_set.dimen for index_set in index_sets)
    keys, numbers = [], []
    for number, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != total + 1:
            raise ModelError(f"row {number + 1} must list {total} index values and then the value, got {_short(row)}", location)
        keys.append(tuple(_member_key(part) for part in row[:-1]))
        numbers.append(read_number(row[-1], location, what=f"the value of row {number + 1}"))
    store_many(table, index_sets, keys, numbers, location)


_QUOTED_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def _read_variable(name: str, spec: Mapping[str, Any]) -> Variable:
    location = Location(element="variables", item=name)
    index = spec.get("index") or ()
    index = (index,) if isinstance(index, str) else tuple(index)
    domain = Domain.parse(spec.get("type", "continuous"), location)

    def bound(key: str, default: float) -> float | str:
        value = spec.get(key, default)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lower() not in ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
            if not _QUOTED_NUMBER.match(value):
                return value.strip()  # a parameter name
            # A number in quotes ("lower": "5") can only mean the number: no name starts with a digit or sign.
        return read_number(value, location, allow_infinite=True, what=f"{key} bound")

    return Variable(name, index, domain, bound("lower", 0.0), bound("upper", math.inf), str(spec.get("description", "")))


def load_problem(path: str | os.PathLike[str]) -> Problem:
    """Read a five-element YAML or JSON file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    text = read_text(path)
    document = parse_document(text, path, as_json=path.lower().endswith(".json"))
    if document is None:
        raise ModelError("the file is empty", Location(file=path, line=1))
    problem = problem_from_dict(document, source=path, text=text)
    return problem


def load(path: str | os.PathLike[str]) -> Problem | StandardForm:
    """Read any supported model file: YAML/JSON/Markdown → Problem, MPS/LP → StandardForm."""
    path = os.fspath(path)
    lowered = path.lower()
    if lowered.endswith(FIVE_ELEMENT_SUFFIXES):
        return load_problem(path)
    if lowered.endswith(MARKDOWN_SUFFIXES):
        from ormodel.markdown import read_markdown

        return read_markdown(path)
    if lowered.endswith(MATRIX_SUFFIXES):
        from ormodel.formats import read_model_file

        form = read_model_file(path)
        check_finite_form(form, path)
        return form
    raise ModelError(f"unknown file type of {os.path.basename(path)!r}", Location(file=path),
                     "use .yaml/.yml/.json/.md (five-element model) or .mps/.lp")


def _member_list(index_set: IndexSet) -> Any:
    if index_set.range_start is not None and index_set.origin == "range":
        return {"from": index_set.range_start, "to": index_set.range_start + index_set.size - 1}
    return [list(member) if isinstance(member, tuple) else member for member in index_set.members()]


def _number_out(value: float) -> float | int | str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The five-element document of a Problem (the inverse of :func:`problem_from_dict`)."""
    document: dict[str, Any] = {"name": problem.name}
    if problem.description:
        document["description"] = problem.description
    document["sets"] = {name: _member_list(index_set) for name, index_set in problem.sets.items()}
    parameters: dict[str, Any] = {}
    for name, parameter in problem.parameters.items():
        if parameter.is_scalar:
            parameters[name] = _number_out(float(parameter.values))
            continue
        entry: dict[str, Any] = {"index": list(parameter.index)}
        if parameter.default is not None:
            entry["default"] = _number_out(parameter.default)
        if not np.isnan(parameter.values).any() and parameter.default is None:
            entry["values"] = np.vectorize(_number_out, otypes=[object])(parameter.values).tolist()
        else:
            entry["rows"] = [[*key, _number_out(value)] for key, value in problem.parameter_table(name).items()
                             if parameter.default is None or value != parameter.default]
        parameters[name] = entry
    document["parameters"] = parameters
    variables: dict[str, Any] = {}
    for name, variable in problem.variables.items():
        entry = {}
        if variable.index:
            entry["index"] = list(variable.index)
        entry["type"] = variable.domain.value
        if variable.domain != Domain.BINARY:
            entry["lower"] = variable.lower if isinstance(variable.lower, str) else _number_out(variable.lower)
            entry["upper"] = variable.upper if isinstance(variable.upper, str) else _number_out(variable.upper)
        if variable.description:
            entry["description"] = variable.description
        variables[name] = entry
    document["variables"] = variables
    if problem.objective is not None:
        document["objective"] = {"sense": problem.objective.sense.value, "expression": to_text(problem.objective.expression)}
        if problem.objective.description:
            document["objective"]["description"] = problem.objective.description
    else:
        document["objective"] = {"sense": FEASIBILITY}
    constraints = []
    for constraint in problem.constraints:
        entry = {"name": constraint.name}
        if constraint.generators:
            entry["for"] = generators_text(constraint.generators)
        entry["expression"] = to_text(constraint.relation)
        if constraint.when is not None:
            entry["when"] = to_text(constraint.when)
        if constraint.description:
            entry["description"] = constraint.description
        constraints.append(entry)
    document["constraints"] = constraints
    return document


class _FlowLists(yaml.SafeDumper):
    """Writes short lists of scalars inline."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(item, (dict, list)) for item in data) or all(
        isinstance(item, list) and all(not isinstance(part, (dict, list)) for part in item) for item in data
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow and len(data) < 60)


_FlowLists.add_representer(list, _represent_list)


def dumps_yaml(problem: Problem) -> str:
    """The problem as a five-element YAML document."""
    return yaml.dump(problem_to_dict(problem), Dumper=_FlowLists, sort_keys=False, allow_unicode=True, width=100)


def save(model: Problem | StandardForm, path: str | os.PathLike[str]) -> None:
    """Write a model; the extension picks the format (.yaml/.yml/.json/.md/.mps/.lp). Nothing is left half-written."""
    path = os.fspath(path)
    lowered = path.lower()
    if lowered.endswith((".mps", ".lp")):
        from ormodel.compiler import as_standard_form
        from ormodel.formats import write_model_file

        write_model_file(as_standard_form(model), path)
        return
    if not lowered.endswith(FIVE_ELEMENT_SUFFIXES + MARKDOWN_SUFFIXES):
        raise ModelError(f"unknown output type of {os.path.basename(path)!r}", Location(file=path), "use .yaml, .json, .md, .mps or .lp")
    if not isinstance(model, Problem):
        raise ModelError("an MPS/LP model has no sets or parameters and cannot be written as a five-element document",
                         Location(file=path), "write it as .mps or .lp")
    if lowered.endswith(MARKDOWN_SUFFIXES):
        from ormodel.markdown import to_markdown

        text = to_markdown(model, limit=None)
    else:
        text = json.dumps(problem_to_dict(model), indent=2) if lowered.endswith(".json") else dumps_yaml(model)
    write_text_atomic(path, text)


def check_finite_form(form: StandardForm, source: str | None = None) -> None:
    """Refuse a matrix model (read from MPS/LP) whose coefficients or bounds are NaN, or whose coefficients are infinite."""
    location = Location(file=source)
    names = form.names

    def column_label(column: int) -> str:
        try:
            return names.column_labels(form.num_columns)[column]
        except (IndexError, AttributeError, TypeError):
            return f"column {column}"

    objective = np.asarray(form.objective, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(objective))
    if len(bad):
        raise ModelError(f"the objective coefficient of {column_label(int(bad[0]))} is {objective[bad[0]]}", location, _INFINITE_HINT)
    if not math.isfinite(float(form.objective_offset)):
        raise ModelError(f"the objective constant is {form.objective_offset}", location, "give a finite objective constant")
    data = form.matrix.data if hasattr(form.matrix, "data") else np.zeros(0)
    if len(data) and not np.all(np.isfinite(data)):
        matrix = form.matrix.tocoo()
        position = int(np.flatnonzero(~np.isfinite(matrix.data))[0])
        raise ModelError(f"the coefficient of {column_label(int(matrix.col[position]))} in row {int(matrix.row[position])} is {matrix.data[position]}",
                         location, _INFINITE_HINT)
    for label, array in (("row lower bound", form.row_lower), ("row upper bound", form.row_upper),
                         ("column lower bound", form.column_lower), ("column upper bound", form.column_upper)):
        values = np.asarray(array, dtype=np.float64)
        if np.isnan(values).any():
            raise ModelError(f"a {label} is NaN (position {int(np.flatnonzero(np.isnan(values))[0])})", location, "give a number or ±inf")
    if form.quadratic is not None and len(form.quadratic.data) and not np.all(np.isfinite(form.quadratic.data)):
        raise ModelError("a quadratic objective coefficient is NaN or infinite", location, _INFINITE_HINT)
