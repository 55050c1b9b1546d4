"""Explicit size limits on model input, so that hostile or broken input fails fast with a clear error.

Every limit is a field of :class:`Limits`. The defaults keep a 24 GB machine alive and are far
above what real models need (fac-100, 4 M columns, passes). Raise them in one of three ways:

* in Python: ``ormodel.limits.set_limits(max_elements=10**9)`` or, for a block,
  ``with ormodel.limits.limits_raised(max_elements=10**9): ...``;
* on the command line: ``ormodel --limit max_elements=1e9 solve model.yaml`` (repeatable);
* in the environment: ``ORMODEL_LIMITS="max_elements=1e9,max_aliases=100000"``.

A limit that is exceeded raises :class:`InputLimitError`, a :class:`~ormodel.errors.ModelError`
that names the limit, the place and how to raise it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ormodel.errors import Location, ModelError

__all__ = ["ENVIRONMENT_VARIABLE", "InputLimitError", "Limits", "get_limits", "limits_raised", "parse_limit_settings", "set_limits"]

ENVIRONMENT_VARIABLE = "ORMODEL_LIMITS"


@dataclass(frozen=True)
class Limits:
    """Caps on the size and shape of model input.

    Attributes:
        max_document_bytes: size of a YAML/JSON document (or an LLM answer) in bytes.
        max_document_depth: nesting depth of mappings and lists in a document.
        max_document_nodes: mappings, lists and scalars in a document after YAML aliases are expanded.
        max_aliases: YAML alias uses (``*name``) in a document.
        max_alias_expansion: nodes that alias uses add to a document (the "billion laughs" guard).
        max_expression_length: characters in one expression, ``for`` clause or ``when`` condition.
        max_expression_depth: nesting depth of an expression (brackets, unary signs, ``*`` and ``**`` chains).
        max_elements: members of a set, entries of a parameter table, columns of a variable family,
            rows of a constraint family or of an index frame, and terms of one expression.
    """

    max_document_bytes: int = 512 * 1024 * 1024
    max_document_depth: int = 64
    max_document_nodes: int = 50_000_000
    max_aliases: int = 10_000
    max_alias_expansion: int = 100_000
    max_expression_length: int = 20_000_000
    max_expression_depth: int = 100
    max_elements: int = 50_000_000


class InputLimitError(ModelError):
    """Input larger or deeper than a :class:`Limits` field allows."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None, limit: str | None = None) -> None:
        self.limit = limit
        if hint is None and limit is not None:
            hint = (f"if the input is meant to be this large, raise the limit: ormodel --limit {limit}=N ..., "
                    f"{ENVIRONMENT_VARIABLE}=\"{limit}=N\", or ormodel.limits.set_limits({limit}=N)")
        super().__init__(message, location, hint)

    def at(self, location: Location) -> InputLimitError:
        """The same error with unset location fields filled from ``location``."""
        return InputLimitError(self.reason, self.location.merged(location), self.hint, self.limit)


def parse_limit_settings(text: str) -> dict[str, int]:
    """``"max_elements=1e9, max_aliases=100"`` → ``{"max_elements": 1000000000, "max_aliases": 100}``."""
    names = {item.name for item in dataclasses.fields(Limits)}
    settings: dict[str, int] = {}
    for piece in text.replace(";", ",").split(","):
        if not piece.strip():
            continue
        if "=" not in piece:
            raise ModelError(f"limit setting {piece.strip()!r} must read name=value", hint=f"names: {', '.join(sorted(names))}")
        name, value = (part.strip() for part in piece.split("=", 1))
        if name not in names:
            raise ModelError(f"unknown limit {name!r}", hint=f"names: {', '.join(sorted(names))}")
        try:
            number = float(value)
        except ValueError:
            raise ModelError(f"limit {name} must be a number, got {value!r}") from None
        if not 1 <= number < float("inf"):
            raise ModelError(f"limit {name} must be a finite number >= 1, got {value!r}")
        settings[name] = int(number)
    return settings


def _from_environment() -> Limits:
    text = os.environ.get(ENVIRONMENT_VARIABLE, "")
    return dataclasses.replace(Limits(), **parse_limit_settings(text)) if text.strip() else Limits()


_lock = threading.Lock()
_current: Limits | None = None


def get_limits() -> Limits:
    """The limits in force (defaults, changed by ``ORMODEL_LIMITS`` and :func:`set_limits`)."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = _from_environment()
    return _current


def set_limits(limits: Limits | None = None, /, **changes: int) -> Limits:
    """Replace the limits in force (``set_limits(max_elements=10**9)``); returns the previous ones."""
    global _current
    previous = get_limits()
    unknown = set(changes) - {item.name for item in dataclasses.fields(Limits)}
    if unknown:
        raise ModelError(f"unknown limit {sorted(unknown)[0]!r}")
    with _lock:
        _current = dataclasses.replace(limits or previous, **{name: int(value) for name, value in changes.items()})
    return previous


@contextlib.contextmanager
def limits_raised(**changes: int) -> Iterator[Limits]:
    """Change limits for a block: ``with limits_raised(max_elements=10**9): ...``."""
    previous = set_limits(**changes)
    try:
        yield get_limits()
    finally:
        set_limits(previous)


def check_elements(count: float, what: str, location: Location | None = None) -> None:
    """Raise :class:`InputLimitError` when ``count`` exceeds ``max_elements``; ``what`` says what is counted."""
    limit = get_limits().max_elements
    if count > limit:
        raise InputLimitError(f"{what} would have {_count(count)} elements, more than the limit of {_count(limit)}",
                              location, limit="max_elements")


def _count(value: float) -> str:
    value = float(value)
    if value < 1e6:
        return f"{int(value):,}"
    return f"{value:.3g}"


def settings_text(limits: Mapping[str, int]) -> str:
    """``max_elements=…, …`` for messages."""
    return ", ".join(f"{name}={value}" for name, value in limits.items())
