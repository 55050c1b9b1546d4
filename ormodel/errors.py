"""Errors that say what is wrong, where, and what to do: one hierarchy rooted in :class:`OrmodelError`.

* :class:`ModelError` (and :class:`ExpressionError`): bad input, with its location.
* :class:`OptionError`: a solve option that is out of range or unknown to the backend.
* :class:`SolverNotAvailable`: an unknown solver name, or a backend whose package is missing
  (the message names the pip extra to install).
* :class:`UnsupportedProblem`: the chosen backend cannot solve this class of problem.
* :class:`SolverError`: the solver itself failed (not infeasibility or a limit, which are results).

``ormodel solve`` maps each to an exit code (:data:`EXIT_CODES`). Every error raised for bad model input is a :class:`ModelError` carrying its location: the
file and line (when read from a file), the element (``sets``, ``parameters``, ``variables``,
``objective``, ``constraints``), the item name (e.g. the constraint ``capacity``), the index
(e.g. ``(3, 'b')``) and the column in the expression text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "EXIT_CODES", "ExpressionError", "Location", "ModelError", "OptionError", "OrmodelError", "SolverError",
    "SolverNotAvailable", "UnsupportedProblem", "exit_code",
]


class OrmodelError(Exception):
    """The root of every error ormodel raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where in a model something is."""

    file: str | None = None
    line: int | None = None
    element: str | None = None
    item: str | None = None
    index: tuple[Any, ...] | None = None
    column: int | None = None
    text: str | None = None

    def merged(self, outer: "Location") -> "Location":
        """Fill unset fields from an enclosing location."""
        return Location(
            file=self.file or outer.file,
            line=self.line if self.line is not None else outer.line,
            element=self.element or outer.element,
            item=self.item or outer.item,
            index=self.index if self.index is not None else outer.index,
            column=self.column if self.column is not None else outer.column,
            text=self.text or outer.text,
        )

    def describe(self) -> str:
        """``file:line: constraints 'capacity' at index (3,) (column 12)``."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line is not None else ""))
        where = []
        if self.element:
            where.append(self.element)
        if self.item:
            where.append(repr(self.item))
        if self.index is not None:
            where.append("at index " + repr(tuple(self.index)))
        if where:
            parts.append(" ".join(where))
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


class ModelError(OrmodelError, ValueError):
    """Bad model input, with its location and a hint on what to do."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None) -> None:
        self.reason = message
        self.location = location or Location()
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.location.describe()
        text = f"{where}: {self.reason}" if where else self.reason
        if self.location.text and self.location.column is not None:
            pointer = " " * max(self.location.column - 1, 0) + "^"
            text += f"\n    {self.location.text}\n    {pointer}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def at(self, location: Location) -> "ModelError":
        """The same error with unset location fields filled from ``location``."""
        return type(self)(self.reason, self.location.merged(location), self.hint)


class ExpressionError(ModelError):
    """An expression that cannot be parsed or compiled."""


class OptionError(ModelError):
    """A solve option out of its range, or one the backend does not know."""


class SolverNotAvailable(OrmodelError, ValueError):
    """An unknown solver name, or a backend whose Python package is not installed.

    Attributes:
        solver: the name asked for.
        extra: the pip extra that installs it (``None`` for an unknown name).
    """

    def __init__(self, message: str, solver: str = "", extra: str | None = None) -> None:
        self.solver = solver
        self.extra = extra
        super().__init__(message)


class UnsupportedProblem(OrmodelError, ValueError):
    """The chosen backend cannot solve this class of problem (e.g. a QP on CP-SAT)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.reason = message
        self.hint = hint
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))


class SolverError(OrmodelError, RuntimeError):
    """The solver failed on its own terms (crashed, rejected a valid model, returned garbage)."""


# Exit codes of ``ormodel solve``; 0 is a solution, 2 is a command-line usage error (argparse).
EXIT_CODES: dict[type[BaseException], int] = {
    ModelError: 1,
    SolverNotAvailable: 1,
    UnsupportedProblem: 1,
    SolverError: 4,
}


def exit_code(error: BaseException) -> int:
    """The documented exit code of an error (1 for bad input and anything unclassified)."""
    for kind, code in EXIT_CODES.items():
        if isinstance(error, kind):
            return code
    return 1
