"""Method specifications on the command line: ``[LABEL=]NAME[:KEY=VALUE,...]``.

* ``NAME`` is any name of :func:`ormodel.methods.method_names` (a backend such as ``highs`` or
  ``scip``, or a learned method such as ``balans``).
* ``KEY=VALUE`` pairs after the colon, separated by commas:

  - a field of :class:`~ormodel.solvers.base.SolveOptions` (``threads``, ``gap``, ``node_limit``,
    ``solution_limit``) sets that field;
  - ``param.KEY=VALUE`` goes into the method's ``params`` (e.g. ``balans:param.backend=scip``);
  - anything else is a raw solver option in ``SolveOptions.extra`` for a backend (e.g. HiGHS
    ``presolve=off``), and a method parameter for a learned method (``dispatch:rule=spt`` is
    ``dispatch:param.rule=spt``).

  Values are read as ``true``/``false``, integers, floats, or else kept as text.
* ``LABEL=`` names the method in tables and plots (default: the whole spec text), so one
  solver with two option sets can be compared: ``highs`` and ``nopresolve=highs:presolve=off``.

The time limit and seed are not part of a spec; the runner sets them for every run.

Example:
    >>> spec = MethodSpec.parse("cold=highs:threads=1,presolve=off")
    >>> spec.label, spec.name, spec.options, spec.extra
    ('cold', 'highs', {'threads': 1}, {'presolve': 'off'})
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from ormodel.backends import is_backend_name
from ormodel.solvers.base import SolveOptions

__all__ = ["MethodSpec", "parse_value"]

_OPTION_FIELDS = {"threads", "gap", "node_limit", "solution_limit", "verbose", "compute_conflict"}
_RESERVED = {"time_limit", "seed"}
_LABEL_PATTERN = re.compile(r"[A-Za-z0-9_.+\-]+")


def parse_value(text: str) -> Any:
    """``true``/``false`` → bool, integer text → int, float text → float, otherwise the text (``on``/``off`` stay text)."""
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip()


@dataclass(frozen=True)
class MethodSpec:
    """A method with its options: what one column of a benchmark compares."""

    label: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    spec: str = ""

    @classmethod
    def parse(cls, text: str) -> MethodSpec:
        """Read ``[LABEL=]NAME[:KEY=VALUE,...]`` (see the module docstring)."""
        original = text.strip()
        if not original:
            raise ValueError("empty method spec; write e.g. highs or highs:threads=1,presolve=off")
        label = None
        body = original
        first_equal, first_colon = body.find("="), body.find(":")
        if first_equal != -1 and (first_colon == -1 or first_equal < first_colon):
            label, body = body[:first_equal].strip(), body[first_equal + 1 :].strip()
            if not _LABEL_PATTERN.fullmatch(label):
                raise ValueError(f"method spec {original!r}: label {label!r} may only use letters, digits and _ . + -")
        name, _, option_text = body.partition(":")
        name = name.strip().lower()
        if not name:
            raise ValueError(f"method spec {original!r}: no method name before ':'")
        options: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        params: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in option_text.split(","))):
            key, equal, value = item.partition("=")
            key = key.strip()
            if not equal or not key:
                raise ValueError(f"method spec {original!r}: option {item!r} must be KEY=VALUE")
            if key in _RESERVED:
                raise ValueError(f"method spec {original!r}: {key} is set by the runner (--time-limit, --seeds), not in a spec")
            parsed = parse_value(value)
            if key.startswith("param."):
                params[key[len("param.") :]] = parsed
            elif key in _OPTION_FIELDS:
                options[key] = parsed
            else:
                extra[key] = parsed
        if extra and not is_backend_name(name):  # a learned/meta method takes them as parameters
            params = {**extra, **params}
            extra = {}
        return cls(label=label or original, name=name, options=options, extra=extra, params=params, spec=original)

    def solve_options(self, time_limit: float | None, seed: int | None) -> SolveOptions:
        """The SolveOptions of one run of this method."""
        known = {item.name for item in dataclasses.fields(SolveOptions)}
        arguments = {key: value for key, value in self.options.items() if key in known}
        return SolveOptions(time_limit=time_limit, seed=seed, extra=dict(self.extra), **arguments)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (inverse of :meth:`from_dict`)."""
        return {"label": self.label, "name": self.name, "options": self.options, "extra": self.extra, "params": self.params, "spec": self.spec}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MethodSpec:
        """Rebuild a spec from :meth:`to_dict` output."""
        return cls(
            label=data["label"], name=data["name"], options=dict(data.get("options") or {}),
            extra=dict(data.get("extra") or {}), params=dict(data.get("params") or {}), spec=data.get("spec", ""),
        )
