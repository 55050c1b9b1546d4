"""Reading untrusted five-element documents safely: text, YAML/JSON parsing and shape checks.

Everything here runs before a document is walked by anything else (the JSON Schema, the
reader): the file is decoded as UTF-8 with a located error, parsed with the safe YAML loader
or ``json`` (deep nesting and exhausted memory become :class:`~ormodel.errors.ModelError`), and
:func:`check_document` measures the parsed data without recursion — nesting depth, node count
with YAML aliases expanded, alias uses, cycles — against :mod:`ormodel.limits`. A "billion
laughs" document is refused after one linear pass over its distinct nodes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import yaml

from ormodel.errors import Location, ModelError
from ormodel.limits import InputLimitError, get_limits

__all__ = ["SAFE_LOADER", "check_document", "parse_document", "read_text"]

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: str) -> str:
    """The file's text, decoded as UTF-8; size and encoding problems are located errors."""
    limit = get_limits().max_document_bytes
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise ModelError(f"cannot read the file: {error.strerror or error}", Location(file=path)) from None
    if size > limit:
        raise InputLimitError(f"the file has {size:,} bytes, more than the limit of {limit:,}", Location(file=path),
                              limit="max_document_bytes")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ModelError(f"cannot read the file: {error.strerror or error}", Location(file=path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ModelError(f"the file is not UTF-8 text: byte 0x{data[error.start]:02x} at line {line}, column {column} cannot be decoded",
                         Location(file=path, line=line, column=column),
                         "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.yaml > out.yaml)") from None


def parse_document(text: str, source: str | None = None, as_json: bool = False) -> Any:
    """Parse YAML (or JSON) text into Python data; every parser failure is a located ModelError."""
    limit = get_limits().max_document_bytes
    if len(text) > limit:
        raise InputLimitError(f"the document has {len(text):,} characters, more than the limit of {limit:,}",
                              Location(file=source), limit="max_document_bytes")
    try:
        if as_json:
            return json.loads(text)
        return yaml.load(text, Loader=SAFE_LOADER)
    except json.JSONDecodeError as error:
        raise ModelError(f"invalid JSON: {error.msg}", Location(file=source, line=error.lineno, column=error.colno)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ModelError(f"invalid YAML: {problem}",
                         Location(file=source, line=None if mark is None else mark.line + 1,
                                  column=None if mark is None else mark.column + 1)) from None
    except RecursionError:
        raise InputLimitError("the document is nested too deeply to read", Location(file=source),
                              "real models nest a few levels; flatten the document", limit=None) from None
    except MemoryError:
        raise InputLimitError("the document does not fit in memory", Location(file=source),
                              "make the document smaller", limit=None) from None
    except (ValueError, TypeError, OverflowError) as error:  # e.g. YAML timestamps out of range
        raise ModelError(f"invalid document: {error}", Location(file=source)) from None


def check_document(document: Any, source: str | None = None) -> None:
    """Measure a parsed document without recursion and refuse one past a limit.

    Checks the nesting depth, the node count with shared (aliased) mappings and lists counted
    every time they are used, the number of such uses, and cycles (recursive aliases).
    """
    limits = get_limits()
    if not isinstance(document, (dict, list)):
        return
    sizes: dict[int, int] = {}  # finished containers: expanded node count
    active: set[int] = set()
    alias_uses = 0
    unique_nodes = 0
    # Each stack entry: [container, its child containers, next child position, node count so far, element name]
    stack: list[list[Any]] = []

    def open_container(container: Any, element: str | None) -> None:
        nonlocal unique_nodes
        values = container.values() if isinstance(container, dict) else container
        children = [value for value in values if isinstance(value, (dict, list))]
        own = 1 + len(container) - len(children)
        unique_nodes += own
        if unique_nodes > limits.max_document_nodes:
            raise InputLimitError(f"the document has more than {limits.max_document_nodes:,} nodes",
                                  Location(file=source, element=element), limit="max_document_nodes")
        if len(stack) >= limits.max_document_depth:
            raise InputLimitError(f"the document nests more than {limits.max_document_depth} levels deep",
                                  Location(file=source, element=element), "real models nest a few levels; flatten the document",
                                  limit="max_document_depth")
        active.add(id(container))
        stack.append([container, children, 0, own, element])

    open_container(document, None)
    top_keys = list(document.keys()) if isinstance(document, dict) else []
    alias_nodes = 0
    while stack:
        entry = stack[-1]
        container, children, position, _, element = entry
        if position < len(children):
            entry[2] = position + 1
            child = children[position]
            key = id(child)
            if key in sizes:
                alias_uses += 1
                alias_nodes += sizes[key]
                entry[3] += sizes[key]
                if alias_uses > limits.max_aliases:
                    raise InputLimitError(f"the document uses YAML aliases more than {limits.max_aliases:,} times",
                                          Location(file=source, element=element), limit="max_aliases")
                if alias_nodes > limits.max_alias_expansion:
                    raise InputLimitError(
                        f"YAML aliases expand the document by more than {limits.max_alias_expansion:,} nodes",
                        Location(file=source, element=element),
                        "write the data out once instead of repeating it through aliases (a 'billion laughs' document is refused here)",
                        limit="max_alias_expansion")
                continue
            if key in active:
                raise ModelError("the document refers to itself (a recursive YAML alias)", Location(file=source, element=element),
                                 "write the data out instead of referring back to an enclosing anchor")
            child_element = element
            if len(stack) == 1 and isinstance(document, dict):
                child_element = _element_of(document, child, top_keys)
            open_container(child, child_element)
            continue
        stack.pop()
        active.discard(id(container))
        sizes[id(container)] = entry[3]
        if stack:
            stack[-1][3] += entry[3]


def _element_of(document: Mapping[Any, Any], child: Any, keys: list[Any]) -> str | None:
    for key in keys:
        if document[key] is child:
            return str(key)
    return None


