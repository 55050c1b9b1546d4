"""The normalized NL benchmark record, its answer tolerance, and answer parsing."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ABSOLUTE_001",
    "ABSOLUTE_1E4",
    "RELATIVE_5PCT",
    "ROUNDED_2DP",
    "STRICT",
    "TOLERANCES",
    "AnswerStatus",
    "NLDataError",
    "NLRecord",
    "TolerancePolicy",
    "parse_answer",
]


class NLDataError(ValueError):
    """A suite file is missing, malformed, or lacks a field; the message names file, line and fix."""


class AnswerStatus:
    """What the gold answer says about the problem."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    NO_BEST_SOLUTION = "no_best_solution"
    MISSING = "missing"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"


@dataclass(frozen=True)
class TolerancePolicy:
    """Accept a predicted objective ``p`` for gold ``t`` when ``|p - t| <= absolute + relative * max(1, |t|)``.

    The suites were judged with different rules (NL_ANCHORS.md section 2); each suite carries
    the policy that fits its labels, and a harness may pass another one.
    """

    name: str
    relative: float = 0.0
    absolute: float = 0.0
    note: str = ""

    def accepts(self, predicted: float | None, expected: float | None) -> bool:
        """True when ``predicted`` matches ``expected`` under this policy (both ``None`` also matches)."""
        if expected is None or predicted is None:
            return expected is None and predicted is None
        if not (math.isfinite(predicted) and math.isfinite(expected)):
            return predicted == expected
        return abs(predicted - expected) <= self.absolute + self.relative * max(1.0, abs(expected))


STRICT = TolerancePolicy("strict", relative=1e-6, note="|p-t| <= 1e-6 max(1,|t|) (SIRL/OptiMind style, project default)")
ROUNDED_2DP = TolerancePolicy(
    "rounded-2dp", relative=1e-6, absolute=0.005 + 1e-9, note="labels rounded to 2 decimals (LLMOPT): half a cent of slack"
)
ABSOLUTE_1E4 = TolerancePolicy("absolute-1e-4", absolute=1e-4, note="OptiBench: values within 1e-4")
ABSOLUTE_001 = TolerancePolicy("absolute-0.01", absolute=0.01, note="ORThought: |p-t| < 0.01")
RELATIVE_5PCT = TolerancePolicy("relative-5pct", relative=0.05, note="ORLM/OptMATH scripts: 5 % relative (lenient)")
TOLERANCES = {policy.name: policy for policy in (STRICT, ROUNDED_2DP, ABSOLUTE_1E4, ABSOLUTE_001, RELATIVE_5PCT)}


@dataclass
class NLRecord:
    """One natural-language optimization problem with its gold answer, from one suite file.

    Attributes:
        id: identifier unique within the suite (the source's own id when it has one).
        suite: registry name of the suite (e.g. ``mamo-easylp-sirl-fixed``).
        text: the problem statement given to a model.
        answer: gold optimal objective value, or ``None`` (no numeric answer, see ``answer_status``).
        tolerance: how close a predicted objective must be to count as correct.
        reference_formulation: a gold model as text (model.txt, gt_model.txt, NL4Opt annotations,
            NLP4LP problem_info), when the suite ships one.
        source: ``repo@commit:path`` the suite file was copied from.
        known_issues: flags about this record's label (corrections, removals, markers).
        answer_status: ``optimal``, ``infeasible``, ``no_best_solution`` or ``missing``.
        expected_values: named gold values when the suite gives more than the objective (OptiBench).
        metadata: other source fields (difficulty, category, problem type, sample input data, ...).
    """

    id: str
    suite: str
    text: str
    answer: float | None
    tolerance: TolerancePolicy
    reference_formulation: str | None
    source: str
    known_issues: list[str] = field(default_factory=list)
    answer_status: str = AnswerStatus.OPTIMAL
    expected_values: dict[str, float | str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def is_correct(self, predicted: float | None) -> bool:
        """Judge a predicted objective against the gold answer with this record's tolerance."""
        return self.tolerance.accepts(predicted, self.answer)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the normalized JSONL schema)."""
        return {
            "id": self.id,
            "suite": self.suite,
            "text": self.text,
            "answer": self.answer,
            "answer_status": self.answer_status,
            "tolerance": {"name": self.tolerance.name, "relative": self.tolerance.relative, "absolute": self.tolerance.absolute},
            "reference_formulation": self.reference_formulation,
            "source": self.source,
            "known_issues": list(self.known_issues),
            "expected_values": self.expected_values,
            "metadata": self.metadata,
        }


_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
INFEASIBLE_MARKER = -99999.0


def parse_answer(value: Any) -> tuple[float | None, str, list[str]]:
    """Read a gold answer in any of the suites' spellings.

    Returns ``(answer, status, flags)``: numbers and numeric strings (also ``"[18.0]"`` and
    ``"1,234"``) give ``optimal``; ``"No Best Solution"`` and the ORLM infeasibility marker
    ``-99999`` give ``None`` with their status; anything else is ``missing`` with a flag.
    """
    if isinstance(value, dict) and "obj" in value:
        status = re.sub(r"[^a-z]+", "_", str(value.get("status", "optimal")).lower()).strip("_")
        answer, parsed_status, flags = parse_answer(value["obj"])
        if status != "optimal":
            return None if answer is None else answer, status, flags + [f"answer-status-{status}"]
        return answer, parsed_status, flags
    if isinstance(value, list) and len(value) == 1:
        return parse_answer(value[0])
    if value is None:
        return None, AnswerStatus.MISSING, ["missing-answer"]
    if isinstance(value, bool):
        return None, AnswerStatus.MISSING, [f"unparsed-answer: {value!r}"]
    if isinstance(value, (int, float)):
        number = float(value)
        if number == INFEASIBLE_MARKER:
            return None, AnswerStatus.INFEASIBLE, ["infeasible-marker--99999"]
        return number, AnswerStatus.OPTIMAL, []
    text = str(value).strip()
    if text.lower().replace(" ", "") in ("nobestsolution", "nooptimalsolution"):
        return None, AnswerStatus.NO_BEST_SOLUTION, ["no-best-solution"]
    if text.lower() in ("infeasible", "unbounded"):
        return None, AnswerStatus.INFEASIBLE if text.lower() == "infeasible" else text.lower(), [f"answer-{text.lower()}"]
    if text.startswith("[") and text.endswith("]"):
        try:
            inner = json.loads(text)
        except json.JSONDecodeError:
            inner = None
        if isinstance(inner, list) and len(inner) == 1:
            return parse_answer(inner[0])
    cleaned = text.replace(",", "")
    if _NUMBER.match(cleaned):
        return parse_answer(float(cleaned))
    return None, AnswerStatus.MISSING, [f"unparsed-answer: {text[:60]}"]
