"""Read a five-element document out of an LLM answer: plain JSON, or a fenced JSON/YAML block.

Structured-output servers return bare JSON; others wrap the model in a fenced block amid prose.
The answer is data, never code: JSON and YAML are parsed with safe loaders only.

Example:
    >>> extract_document('Here it is:\\n```yaml\\nvariables: {x: {type: integer}}\\n```')
    {'variables': {'x': {'type': 'integer'}}}
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

__all__ = ["FormulationParseError", "extract_document"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)```", re.DOTALL)
_ELEMENTS = ("sets", "parameters", "variables", "objective", "constraints")


class FormulationParseError(ValueError):
    """The answer holds no readable five-element document; the message says why (fed back verbatim)."""


def _looks_like_model(document: Any) -> bool:
    return isinstance(document, dict) and any(key in document for key in _ELEMENTS)


def _parse(text: str, language: str) -> tuple[Any, str | None]:
    """The parsed document and None, or None and the parser's error."""
    if language in ("json", ""):
        try:
            return json.loads(text), None
        except json.JSONDecodeError as error:
            closed = _closed_early(text, error)
            if closed is not None:
                return closed, None
            json_error = f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
            if language == "json":
                return None, json_error
    try:
        return yaml.safe_load(text), None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return None, f"invalid YAML{where}: {getattr(error, 'problem', None) or error}"


def _closed_early(text: str, error: json.JSONDecodeError) -> Any:
    """The object before ``Extra data`` when all that follows it is closing brackets (one brace too many), else None.

    IndustryOR 100 (Qwen2.5-Coder-1.5B) ended a complete model with one more ``}``; what the
    object holds does not depend on where the extra bracket stood, since nothing follows it.
    """
    if error.msg != "Extra data" or text[error.pos:].strip(" \t\r\n}]"):
        return None
    try:
        document, _ = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))
    except json.JSONDecodeError:
        return None
    return document


def extract_document(text: str) -> dict[str, Any]:
    """The five-element mapping in ``text``; raises :class:`FormulationParseError` with the reason."""
    stripped = text.strip()
    if not stripped:
        raise FormulationParseError("the answer is empty; reply with the five-element model as one JSON object")
    problems: list[str] = []
    if stripped.startswith("{"):
        document, error = _parse(stripped, "json")
        if error is None and _looks_like_model(document):
            return document
        problems.append(error or "the JSON object has none of sets/parameters/variables/objective/constraints")
    blocks = _FENCE.findall(text)
    for language, body in sorted(blocks, key=lambda block: block[0].lower() not in ("json", "yaml", "yml")):
        language = language.lower()
        document, error = _parse(body, "json" if language == "json" else ("" if language not in ("yaml", "yml") else "yaml"))
        if error is None and _looks_like_model(document):
            return document
        problems.append(f"the ```{language or ''} block: " + (error or "has none of sets/parameters/variables/objective/constraints"))
    if not blocks and not stripped.startswith("{"):
        document, error = _parse(stripped, "yaml")
        if error is None and _looks_like_model(document):
            return document
        problems.append(error or "no JSON object or fenced ```json/```yaml block with the five elements was found")
    raise FormulationParseError("could not read the model: " + "; ".join(problems) +
                                ". Reply with the complete five-element model as one JSON object.")
