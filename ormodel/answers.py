"""When an answer counts as correct: one tolerance rule for every reader and every report.

Rule (NL_ANCHORS §2; absolute and relative together): an objective ``p`` matches the label ``a``
under a tolerance ``(atol, rtol)`` when

    |p − a| ≤ atol + rtol · max(1, |a|)

so a purely absolute tolerance has ``rtol = 0`` and a purely relative one ``atol = 0`` (the
``max(1, ·)`` keeps a relative tolerance meaningful for labels near zero). A label that says the
problem has no optimum (infeasible, "no best solution") is matched by an answer that says the
model is infeasible or unbounded. ``ormodel bench nl`` (``ormodel.nl2opt.benchmark``) and
``ormodel bench report`` both judge with :func:`judge_answer`, and name the rule of each
column with :attr:`AnswerTolerance.header`.

Example:
    >>> [tolerance.header for tolerance in ANSWER_TOLERANCES]
    ['|p−a| ≤ 0.01', '|p−a| ≤ 1e-06·max(1,|a|)', '|p−a| ≤ 0.05·max(1,|a|)']
    >>> judge_answer("optimal", 100.004, 100.0)
    {'abs_0.01': True, 'rel_1e-6': False, 'rel_5pct': True}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANSWER_RULE",
    "ANSWER_TOLERANCES",
    "NO_OPTIMUM_LABELS",
    "AnswerTolerance",
    "judge_answer",
    "row_verdicts",
]

ANSWER_RULE = "|p − a| ≤ atol + rtol·max(1, |a|)"

# Label statuses that say the problem has no optimum, and run statuses that claim so.
NO_OPTIMUM_LABELS = ("infeasible", "no_best_solution", "infeasible_or_unbounded")
_NO_OPTIMUM_ANSWERS = ("infeasible", "unbounded", "infeasible_or_unbounded")
# Run statuses whose objective is an answer (``solved`` is the NL agent's word for optimal).
_ANSWER_STATUSES = ("solved", "optimal", "feasible", "time_limit", "other_limit")


@dataclass(frozen=True)
class AnswerTolerance:
    """One tolerance: ``name`` keys it in tables and JSON; ``header`` states its rule."""

    name: str
    absolute: float = 0.0
    relative: float = 0.0

    def accepts(self, predicted: float | None, answer: float) -> bool:
        """True when ``predicted`` matches ``answer`` under :data:`ANSWER_RULE`."""
        if predicted is None or not math.isfinite(predicted):
            return False
        return abs(predicted - answer) <= self.absolute + self.relative * max(1.0, abs(answer))

    @property
    def header(self) -> str:
        """The rule in a table header, e.g. ``|p−a| ≤ 1e-06·max(1,|a|)``."""
        terms = []
        if self.absolute:
            terms.append(f"{self.absolute:g}")
        if self.relative:
            terms.append(f"{self.relative:g}·max(1,|a|)")
        return "|p−a| ≤ " + (" + ".join(terms) if terms else "0")

    @property
    def table_header(self) -> str:
        """:attr:`header` for a Markdown table cell (its ``|`` escaped, so the table keeps its columns)."""
        return self.header.replace("|", "\\|")


ANSWER_TOLERANCES = (
    AnswerTolerance("abs_0.01", absolute=0.01),
    AnswerTolerance("rel_1e-6", relative=1e-6),
    AnswerTolerance("rel_5pct", relative=0.05),
)


def judge_answer(status: str, objective: float | None, answer: float | None, label_status: str | None = "optimal",
                 tolerances: Sequence[AnswerTolerance] = ANSWER_TOLERANCES) -> dict[str, bool]:
    """Correctness of one answer under each tolerance.

    ``status`` is the run's status (a :class:`~ormodel.result.Status` value, or the NL agent's
    ``solved``/``infeasible``/``unbounded``/``failed``); ``label_status`` the label's
    (``optimal``, or one of :data:`NO_OPTIMUM_LABELS`).
    """
    if (label_status or "optimal") in NO_OPTIMUM_LABELS:
        return {tolerance.name: status in _NO_OPTIMUM_ANSWERS for tolerance in tolerances}
    if answer is None or status not in _ANSWER_STATUSES:
        return {tolerance.name: False for tolerance in tolerances}
    return {tolerance.name: tolerance.accepts(objective, float(answer)) for tolerance in tolerances}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def row_verdicts(row: Mapping[str, Any], tolerances: Sequence[AnswerTolerance] = ANSWER_TOLERANCES) -> dict[str, bool] | None:
    """The verdicts of one benchmark result row, or ``None`` when the row has no label to judge against.

    Reads the row's ``status`` and ``objective``, the answer from ``best_known`` (a record suite's
    label) and the label's status from ``extra["label_status"]`` when the method stored it (NL
    runs do); without one, a row with an answer has an ``optimal`` label.
    """
    extra = row.get("extra") or {}
    answer = _number(row.get("best_known"))
    if "label_status" in extra:
        label_status = extra.get("label_status") or "optimal"
    elif answer is not None:
        label_status = "optimal"
    else:
        return None
    return judge_answer(str(row.get("status")), _number(row.get("objective")), answer, label_status, tolerances)
