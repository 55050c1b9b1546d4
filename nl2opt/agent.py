"""The formulation agent: English → five-element model → solved, checked, corrected → explained answer.

One *attempt* is LLMOPT's loop with OptiMUS-style feedback: the LLM writes the model as JSON
(structured output, or a fenced block); it is parsed, validated and compiled, and any error text
goes back verbatim; the model is solved, and an infeasible model comes back with its
irreducible infeasible subset, an unbounded one with its improving ray, a suspicious one
(unused data, all-zero optimum, constant objective) with a note; the LLM revises, up to
``max_rounds`` answers. With ``samples > 1`` several attempts run in parallel (the first at
temperature 0, the rest sampled) and vote on the optimal objective (self-consistency); the
answer reports how many agreed.

Example (with a recorded or scripted chat model)::

    agent = Agent(ChatClient(load_config()), AgentOptions(max_rounds=4))
    answer = agent.solve("A bakery makes bread and cake ...")
    print(answer.to_markdown())
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ormodel.nl2opt.checks import Finding, feedback_text, result_findings, structural_findings
from ormodel.nl2opt.client import ChatModel, LLMError, Message
from ormodel.nl2opt.extract import FormulationParseError, extract_document
from ormodel.nl2opt.problem_text import states_tables
from ormodel.nl2opt.prompts import (
    build_messages,
    cut_off_feedback,
    findings_feedback,
    model_error_feedback,
    needs_declarations,
    parse_feedback,
    readings_feedback,
    repeated_feedback,
)
from ormodel.nl2opt.retrieval import ExampleLibrary

__all__ = ["Agent", "AgentOptions", "Answer", "Attempt", "Round", "backend_for", "describe_changes", "solution_text"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentOptions:
    """How the agent works.

    Attributes:
        max_rounds: most LLM answers per attempt (the first formulation plus corrections).
        samples: parallel attempts for self-consistency (1: a single attempt).
        examples: worked examples retrieved into the prompt (0: zero-shot).
        exclude_examples: ``suite/id`` keys never used as examples (the problem being benchmarked).
        solver: backend name, or ``auto`` to pick one by problem class (SCIP for nonlinear models).
        time_limit: seconds per solve.
        sample_temperature: temperature of attempts after the first.
        seed: base seed sent to the server (attempt ``k`` uses ``seed + k``).
        vote_tolerance: relative tolerance under which two objectives count as the same vote.
        workers: threads for parallel attempts.
        resample_from_round: from this round on (a second correction), and in any round after an answer that
            repeats an earlier one word for word, the first attempt is sampled at ``sample_temperature`` with a
            seed of its own (0: never). At temperature 0 a small model resends its last answer: Qwen2.5-Coder-1.5B
            did so in round 3 in 8 of the 16 problems of the v4 run that reached it, and no third round was accepted.
        tables_first: when the problem text lists data over named items
            (:func:`ormodel.nl2opt.problem_text.states_tables`), the first answer is asked for with its sets and
            parameters before its variables, as the round after an undeclared set is. Under the plain grammar
            (``variables`` first) 12 of the 16 MAMO ComplexLP/IndustryOR first answers of the v5 run declared no
            sets and the data came a round later.
    """

    max_rounds: int = 5
    samples: int = 1
    examples: int = 3
    exclude_examples: tuple[str, ...] = ()
    solver: str = "auto"
    time_limit: float = 60.0
    sample_temperature: float = 0.7
    seed: int = 0
    vote_tolerance: float = 1e-6
    workers: int = 4
    resample_from_round: int = 3
    tables_first: bool = True

    def __post_init__(self) -> None:
        if self.max_rounds < 1:
            raise ValueError(f"max_rounds must be at least 1, got {self.max_rounds}")
        if self.samples < 1:
            raise ValueError(f"samples must be at least 1, got {self.samples}")
        if self.resample_from_round < 0:
            raise ValueError(f"resample_from_round must be 0 (never) or a round number, got {self.resample_from_round}")


@dataclass
class Round:
    """One LLM answer and what became of it.

    ``outcome`` is ``llm_error``, ``looped`` or ``cut_off`` (the client stopped a looping answer,
    or the server cut it at ``max_tokens``: the client's finding is fed back), ``parse_error``,
    ``model_error``, ``solver_error``, ``infeasible``, ``unbounded``, ``warnings`` (fed back once)
    or ``accepted``.
    """

    number: int
    outcome: str
    response: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency: float = 0.0
    attempts: int = 1
    error: str | None = None
    status: str | None = None
    objective: float | None = None
    findings: list[Finding] = field(default_factory=list)
    feedback: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"number": self.number, "outcome": self.outcome, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "latency": self.latency, "attempts": self.attempts, "error": self.error,
                "status": self.status, "objective": _finite(self.objective), "findings": [item.to_dict() for item in self.findings],
                "feedback": self.feedback, "notes": self.notes}


@dataclass
class Attempt:
    """One formulation attempt (one self-consistency sample) with all its rounds."""

    sample: int
    rounds: list[Round] = field(default_factory=list)
    status: str = "failed"
    objective: float | None = None
    document: dict[str, Any] | None = None
    first_document: dict[str, Any] | None = None
    problem: Any = None
    result: Any = None
    error: str | None = None

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens over all rounds."""
        return sum(item.prompt_tokens for item in self.rounds)

    @property
    def completion_tokens(self) -> int:
        """Completion tokens over all rounds."""
        return sum(item.completion_tokens for item in self.rounds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"sample": self.sample, "status": self.status, "objective": _finite(self.objective), "error": self.error,
                "rounds": [item.to_dict() for item in self.rounds], "document": self.document}


@dataclass
class Answer:
    """The agent's answer to one question.

    Attributes:
        question: the problem text.
        status: ``solved`` (a checked model and its optimum), ``infeasible`` or ``unbounded`` (the
            final model, after corrections, has no optimum), or ``failed`` (no usable model).
        objective: optimal objective of the chosen attempt.
        sense: ``minimize``/``maximize``, or ``feasibility`` for a model without objective.
        document: the chosen five-element document.
        formulation: the model in Markdown (LLMOPT's five sections).
        solution: the solution in the problem's own words.
        changes: what changed during correction, one line each.
        rounds: LLM answers the chosen attempt took.
        attempts: every attempt.
        agreement: share of attempts that voted for the chosen objective.
        votes: objective values of the solved attempts, in sample order.
        prompt_tokens, completion_tokens: over all attempts.
        llm_time: seconds in chat calls; total_time: seconds overall.
        error: why the answer failed.
    """

    question: str
    status: str
    objective: float | None = None
    sense: str | None = None
    document: dict[str, Any] | None = None
    formulation: str = ""
    solution: str = ""
    changes: list[str] = field(default_factory=list)
    rounds: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    agreement: float | None = None
    votes: list[float | None] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_time: float = 0.0
    total_time: float = 0.0
    error: str | None = None
    values: dict[str, float] = field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``ormodel ask --json`` and benchmark records)."""
        return {"status": self.status, "objective": _finite(self.objective), "sense": self.sense, "document": self.document,
                "formulation": self.formulation, "solution": self.solution, "changes": self.changes, "rounds": self.rounds,
                "agreement": self.agreement, "votes": [_finite(vote) for vote in self.votes], "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "llm_time": self.llm_time, "total_time": self.total_time,
                "error": self.error, "values": self.values, "attempts": [attempt.to_dict() for attempt in self.attempts]}

    def to_markdown(self) -> str:
        """Formulation, solution and correction history as one Markdown text."""
        lines = []
        if self.formulation:
            lines += [self.formulation.rstrip(), ""]
        lines += ["## Solution", "", self.solution or f"No solution: {self.error or self.status}", ""]
        if self.changes:
            lines += ["## Corrections", ""] + [f"- {change}" for change in self.changes] + [""]
        if len(self.attempts) > 1 and self.agreement is not None:
            shown = ", ".join("—" if vote is None else f"{vote:.10g}" for vote in self.votes)
            agreeing = round(self.agreement * len(self.attempts))
            lines += [f"Self-consistency: {agreeing} of {len(self.attempts)} attempts agree on the objective (votes: {shown}).", ""]
        lines.append(f"{self.rounds} round(s), {self.total_tokens} tokens, {self.total_time:.1f} s.")
        return "\n".join(lines) + "\n"


MAX_ANSWER_CHARS = 200_000  # longer LLM answers are refused before they are parsed
MAX_ECHO_CHARS = 20_000  # the last answer as resent to the LLM
MAX_FEEDBACK_CHARS = 4_000  # an error or check text as fed back


def _clip(text: str, limit: int = MAX_FEEDBACK_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit:,} more characters cut)"


def _read_answer(text: str) -> tuple[dict[str, Any], list[str]]:
    """The five-element document in an LLM answer, its one-meaning shorthands written out, and a note per rewrite.

    The answer is measured before anything walks it; every failure is a FormulationParseError.
    """
    from ormodel.nl2opt.normalize import normalize_document

    from ormodel.documents import check_document
    from ormodel.errors import ModelError

    if len(text) > MAX_ANSWER_CHARS:
        raise FormulationParseError(f"the answer is longer than {MAX_ANSWER_CHARS:,} characters; "
                                    "write the model compactly (sets as ranges, parameters as lists) and leave out any explanation")
    try:
        document, notes = normalize_document(extract_document(text))
        check_document(document)
    except FormulationParseError:
        raise
    except ModelError as error:
        raise FormulationParseError(str(error)) from None
    except RecursionError:
        raise FormulationParseError("the answer is nested too deeply to read; write the model as a flat JSON object") from None
    except MemoryError:
        raise FormulationParseError("the answer does not fit in memory; write the model compactly") from None
    except Exception as error:  # noqa: BLE001 - whatever the answer text breaks is fed back, never raised
        raise FormulationParseError(f"the answer could not be read: {type(error).__name__}: {error}") from None
    return document, notes


def _same_answer(text: str, earlier: Sequence[str]) -> int | None:
    """The round (from 1) whose answer ``text`` repeats, ignoring white space; None when it is new."""
    squeezed = "".join(text.split())
    for number, previous in enumerate(earlier, start=1):
        if "".join(previous.split()) == squeezed:
            return number
    return None


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _format(value: float) -> str:
    if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
        return str(round(value))
    return f"{value:.6g}"


def backend_for(problem: Any, solver: str = "auto") -> str:
    """The backend for a formulation: ``solver``, except that ``auto`` sends nonlinear models to SCIP."""
    if solver != "auto":
        return solver
    from ormodel.solvers.elementwise import uses_nonlinear_terms

    return "scip" if uses_nonlinear_terms(problem) else "auto"


def solution_text(problem: Any, result: Any, limit: int = 20) -> tuple[str, dict[str, float]]:
    """The optimum in the problem's words (objective and variable descriptions) and the non-zero values by label."""
    objective = problem.objective
    if objective is None:
        lines = ["A feasible point (a feasibility model: every constraint holds, there is no objective)."]
    else:
        lines = [f"Optimal {objective.description or 'objective'}: **{_format(result.objective)}** ({objective.sense.value})."]
    values: dict[str, float] = {}
    for name, variable in problem.variables.items():
        entries = result.variable(name)
        shown = [(key, value) for key, value in entries.items() if abs(value) > 1e-9]
        for key, value in shown:
            label = f"{name}[{','.join(map(str, key))}]" if key else name
            values[label] = float(value)
        title = variable.description or name
        if not shown:
            lines.append(f"- {title}: all zero")
            continue
        if not variable.index:
            lines.append(f"- {title}: {_format(shown[0][1])}")
            continue
        parts = [f"{','.join(map(str, key))} = {_format(value)}" for key, value in shown[:limit]]
        more = f", … ({len(shown) - limit} more)" if len(shown) > limit else ""
        lines.append(f"- {title} (`{name}`): " + ", ".join(parts) + more)
    return "\n".join(lines), values


def describe_changes(first: dict[str, Any] | None, last: dict[str, Any] | None) -> list[str]:
    """Element-level differences between the first and the final document."""
    if first is None or last is None or first == last:
        return []
    changes = []
    for element in ("sets", "parameters", "variables"):
        before, after = first.get(element) or {}, last.get(element) or {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        for name in after:
            if name not in before:
                changes.append(f"added {element[:-1]} `{name}`")
            elif before[name] != after[name]:
                changes.append(f"changed {element[:-1]} `{name}`")
        changes += [f"removed {element[:-1]} `{name}`" for name in before if name not in after]
    if first.get("objective") != last.get("objective"):
        changes.append("changed the objective")

    def by_name(document: dict[str, Any]) -> dict[str, Any]:
        entries = document.get("constraints") or []
        if isinstance(entries, dict):
            return dict(entries)
        return {str(entry.get("name")): entry for entry in entries if isinstance(entry, dict)}

    before_constraints, after_constraints = by_name(first), by_name(last)
    for name, entry in after_constraints.items():
        if name not in before_constraints:
            changes.append(f"added constraint `{name}`")
        elif before_constraints[name] != entry:
            changes.append(f"changed constraint `{name}`")
    changes += [f"removed constraint `{name}`" for name in before_constraints if name not in after_constraints]
    return changes


class Agent:
    """Formulates, solves, checks and corrects; see the module docstring."""

    def __init__(self, client: ChatModel, options: AgentOptions | None = None, library: ExampleLibrary | None = None) -> None:
        self.client = client
        self.options = options or AgentOptions()
        self.library = library

    # -- one attempt ------------------------------------------------------------------------

    def _set_context(self, sample: int, number: int) -> None:
        context = getattr(self.client, "context", None)
        if isinstance(context, threading.local):
            context.sample = sample
            context.round = number

    def _evaluate(self, document: dict[str, Any]) -> tuple[str, Any, Any, list[Finding], str | None]:
        """Outcome, problem, result, findings and error text of one document."""
        from ormodel.errors import ModelError
        from ormodel.io import problem_from_dict
        from ormodel.solve import solve

        try:
            problem = problem_from_dict(document)
            solver = backend_for(problem, self.options.solver)
        except ModelError as error:
            return "model_error", None, None, [], _clip(str(error))
        except RecursionError:
            return "model_error", None, None, [], "the model is nested too deeply to read; nest fewer brackets, signs and powers"
        except MemoryError:
            return "model_error", None, None, [], "the model does not fit in memory; use smaller sets and sparse (tuple) index sets"
        except Exception as error:  # noqa: BLE001 - whatever the model text breaks is fed back, never raised
            return "model_error", None, None, [], _clip(f"the model could not be read: {type(error).__name__}: {error}")
        try:
            # One pipeline: compiles once, and diagnoses infeasible/unbounded results (IIS or ray) itself.
            result = solve(problem, solver=solver, time_limit=self.options.time_limit)
        except ModelError as error:
            return "model_error", problem, None, [], _clip(str(error))
        except (RecursionError, MemoryError) as error:
            return "model_error", problem, None, [], f"the model is too large or too deeply nested to solve ({type(error).__name__})"
        except Exception as error:  # noqa: BLE001 - a solver that rejects the model is feedback too
            return "solver_error", problem, None, [], _clip(f"the solver rejected the model: {error}")
        findings = result_findings(problem, result)
        if not any(item.severity == "error" for item in findings):
            findings = structural_findings(problem) + findings
        errors = [item for item in findings if item.severity == "error"]
        if errors:
            kind = errors[0].kind
            outcome = kind if kind in ("infeasible", "unbounded") else "solver_error"
            return outcome, problem, result, findings, None
        return ("warnings" if findings else "accepted"), problem, result, findings, None

    def attempt(self, question: str, sample: int = 0) -> Attempt:
        """One formulate–check–revise loop."""
        options = self.options
        examples = self.library.few_shot(question, options.examples, options.exclude_examples) if self.library else []
        opening: list[Message] = build_messages(question, examples)
        exchange: list[Message] = []  # the last answer and its feedback: the history resent is bounded
        temperature = None if sample == 0 else options.sample_temperature
        attempt = Attempt(sample=sample)
        warned = False
        # True from a round whose fix needs keys before "variables" (see generation_schema), or from the first
        # when the problem lists tables
        declare_first = options.tables_first and states_tables(question)
        checked: tuple[dict[str, Any], Any, Any] | None = None  # the last model solved with only warnings
        answers: list[str] = []  # every answer of this attempt, to see one sent again word for word
        repeated = False
        for number in range(1, options.max_rounds + 1):
            self._set_context(sample, number)
            resample = repeated or 0 < options.resample_from_round <= number
            try:
                response = self.client.complete(opening + exchange, declare_first=declare_first,
                                                temperature=options.sample_temperature if resample else temperature,
                                                seed=options.seed + sample + (1000 * number if resample else 0))
            except LLMError as error:
                attempt.rounds.append(Round(number, "llm_error", error=str(error), attempts=error.attempts))
                attempt.error = str(error)
                attempt.status = "failed"
                return attempt
            current = Round(number, "", response=_clip(response.text, MAX_ECHO_CHARS), prompt_tokens=response.prompt_tokens,
                            completion_tokens=response.completion_tokens, latency=response.latency, attempts=response.attempts)
            attempt.rounds.append(current)
            exchange = [{"role": "assistant", "content": _clip(response.text, MAX_ECHO_CHARS)}]
            earlier = _same_answer(response.text, answers)
            answers.append(response.text)
            repeated = earlier is not None
            finding = getattr(response, "finding", None)
            if finding:
                current.outcome = "looped" if response.finish_reason == "loop" else "cut_off"
                current.error, current.feedback = finding, cut_off_feedback(finding)
                exchange.append({"role": "user", "content": current.feedback})
                continue
            try:
                document, current.notes = _read_answer(response.text)
            except FormulationParseError as error:
                current.outcome, current.error = "parse_error", _clip(str(error))
                current.feedback = parse_feedback(current.error)
                exchange.append({"role": "user", "content": current.feedback})
                continue
            if attempt.first_document is None:
                attempt.first_document = document
            outcome, problem, result, findings, error_text = self._evaluate(document)
            current.outcome, current.error, current.findings = outcome, error_text, findings
            logger.info("sample %d round %d: %s%s", sample, number, outcome, f" ({_clip(error_text, 200)})" if error_text else "")
            if result is not None:
                current.status = result.status.value
                current.objective = _finite(result.objective) if result.has_solution else None
            if outcome in ("model_error", "solver_error") and error_text is not None:
                current.feedback = model_error_feedback(error_text, document)
                # once declaring first, stay so: under the plain grammar the answer opens with "variables" again and loses its sets
                declare_first = declare_first or needs_declarations(error_text)
            elif outcome in ("infeasible", "unbounded", "solver_error"):
                current.feedback = findings_feedback(current.status or "unknown", current.objective, _clip(feedback_text(findings)),
                                                     errors=True)
            elif outcome == "warnings" and not warned and number < options.max_rounds:
                warned = True
                checked = (document, problem, result)
                current.feedback = findings_feedback(current.status or "unknown", current.objective, _clip(feedback_text(findings)))
            else:
                current.outcome = "accepted"
                attempt.status, attempt.objective = "solved", _finite(result.objective)
                attempt.document, attempt.problem, attempt.result = document, problem, result
                return attempt
            attempt.document, attempt.problem, attempt.result = document, problem, result
            if current.feedback is not None:
                current.feedback = readings_feedback(current.notes, current.feedback)
                if earlier is not None:
                    current.notes.append(f"the answer repeats round {earlier}'s word for word")
                    current.feedback = repeated_feedback(earlier, current.feedback)
            if number < options.max_rounds:
                exchange.append({"role": "user", "content": current.feedback})
        last = attempt.rounds[-1]
        if checked is not None:  # the revision asked for by a warning was worse: keep the model that solved (NL4Opt 233)
            logger.info("sample %d: the revisions after the warnings failed; answering with the model that had only warnings", sample)
            attempt.document, attempt.problem, attempt.result = checked
            attempt.status = "solved"
            attempt.objective = _finite(attempt.result.objective) if attempt.result.has_solution else None
            return attempt
        attempt.status = last.outcome if last.outcome in ("infeasible", "unbounded") else "failed"
        attempt.error = (f"no acceptable model within {options.max_rounds} round(s); last round: {last.outcome}"
                         + (f" — {last.error}" if last.error else ""))
        return attempt

    # -- the answer -------------------------------------------------------------------------

    def _vote(self, attempts: Sequence[Attempt]) -> tuple[Attempt, float | None]:
        solved = [attempt for attempt in attempts if attempt.status == "solved" and attempt.objective is not None]
        if not solved:
            order = {"solved": -1, "infeasible": 0, "unbounded": 1, "failed": 2}  # solved without objective: a feasibility model
            return min(attempts, key=lambda attempt: (order.get(attempt.status, 3), attempt.sample)), None
        groups: list[list[Attempt]] = []
        for attempt in solved:
            for group in groups:
                reference = group[0].objective
                assert reference is not None and attempt.objective is not None
                if abs(attempt.objective - reference) <= self.options.vote_tolerance * max(1.0, abs(reference)):
                    group.append(attempt)
                    break
            else:
                groups.append([attempt])
        best = max(groups, key=lambda group: (len(group), -group[0].sample))
        return best[0], len(best) / len(attempts)

    def solve(self, question: str) -> Answer:
        """Answer one question (``samples`` attempts, voted)."""
        started = time.perf_counter()
        if self.options.samples == 1:
            attempts = [self.attempt(question, 0)]
        else:
            with ThreadPoolExecutor(max_workers=max(1, min(self.options.workers, self.options.samples))) as pool:
                attempts = list(pool.map(lambda sample: self.attempt(question, sample), range(self.options.samples)))
        chosen, agreement = self._vote(attempts)
        answer = Answer(question=question, status=chosen.status, attempts=attempts, rounds=len(chosen.rounds),
                        agreement=agreement, error=chosen.error,
                        votes=[attempt.objective if attempt.status == "solved" else None for attempt in attempts])
        answer.prompt_tokens = sum(attempt.prompt_tokens for attempt in attempts)
        answer.completion_tokens = sum(attempt.completion_tokens for attempt in attempts)
        answer.llm_time = sum(item.latency for attempt in attempts for item in attempt.rounds)
        if chosen.document is not None:
            answer.document = chosen.document
            answer.changes = self._history(chosen) + describe_changes(chosen.first_document, chosen.document)
        if chosen.problem is not None:
            from ormodel.markdown import to_markdown

            answer.formulation = to_markdown(chosen.problem)
            answer.sense = chosen.problem.objective.sense.value if chosen.problem.objective is not None else "feasibility"
        if chosen.status == "solved":
            answer.objective = chosen.objective
            answer.solution, answer.values = solution_text(chosen.problem, chosen.result)
        elif chosen.status in ("infeasible", "unbounded"):
            answer.solution = f"The final model is {chosen.status}: {chosen.rounds[-1].findings[0].message if chosen.rounds[-1].findings else ''}"
        answer.total_time = time.perf_counter() - started
        return answer

    @staticmethod
    def _history(attempt: Attempt) -> list[str]:
        notes = {"looped": "the answer looped and was stopped", "cut_off": "the answer was cut at the token limit",
                 "parse_error": "the answer could not be read", "model_error": "the model was rejected",
                 "solver_error": "the solver failed", "infeasible": "the model was infeasible",
                 "unbounded": "the model was unbounded", "warnings": "the check raised warnings"}
        lines = []
        for item in attempt.rounds:
            lines += [f"round {item.number}: {note}" for note in item.notes]
            if item.outcome in notes:
                detail = item.error or (item.findings[0].message if item.findings else "")
                first_line = detail.splitlines()[0] if detail else ""
                lines.append(f"round {item.number}: {notes[item.outcome]}" + (f" ({first_line[:200]})" if first_line else ""))
        return lines
