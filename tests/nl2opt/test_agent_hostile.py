"""Hostile LLM answers over real HTTP: every input error goes back to the LLM, and requests and records stay bounded."""

from __future__ import annotations

import json

import pytest
from ormodel.nl2opt.agent import MAX_ANSWER_CHARS, MAX_ECHO_CHARS, Agent, AgentOptions
from ormodel.nl2opt.records import MAX_RECORDED_TEXT, RecordingClient, RunRecorder
from ormodel.nl2opt.testing import Reply

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, fast_client, production

BILLION_LAUGHS = "```yaml\n" + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]\n" for level in range(1, 10)) + "sets: {I: *a9}\n```"

HOSTILE_ANSWERS = {
    "alias_bomb": BILLION_LAUGHS,
    "huge_answer": "{" + '"name": "' + "x" * (MAX_ANSWER_CHARS + 10) + '"}',
    "deep_json": "[" * 100_000 + "]" * 100_000,
    "deep_expression": as_json(production(objective={"sense": "maximize", "expression": "-" * 10_000 + "make['a']"})),
    "huge_range": as_json(production(sets={"products": {"from": 0, "to": 10**12}, "resources": ["wood", "labor"]})),
    "nan_data": as_json(production(parameters={**PRODUCTION["parameters"], "b_limit": "nan"})),
    "range_in_sum": as_json(production(objective={"sense": "maximize", "expression": "sum(make['a'] for k in range(0, 10**9))"})),
    "not_a_model": json.dumps({"sets": [1, 2, 3], "objective": None}),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_ANSWERS))
def test_hostile_answer_is_fed_back_and_corrected(chat_server, kind: str, tmp_path) -> None:
    server = chat_server([Reply(HOSTILE_ANSWERS[kind]), Reply(as_json(PRODUCTION))])
    recorder = RunRecorder(tmp_path / "record.jsonl")
    answer = Agent(RecordingClient(fast_client(server), recorder), AgentOptions(max_rounds=3, examples=0)).solve(QUESTION)
    assert answer.status == "solved" and answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    first = answer.attempts[0].rounds[0]
    assert first.outcome in ("parse_error", "model_error"), first
    assert first.error and len(first.error) < 5_000
    feedback = server.requests[1]["messages"][-1]["content"]
    assert first.error[:200] in feedback
    assert len(json.dumps(server.requests[1])) < MAX_ECHO_CHARS + 20_000
    assert json.dumps(answer.to_dict())  # the answer serializes (no exploding document kept)
    assert (tmp_path / "record.jsonl").stat().st_size < 2 * MAX_RECORDED_TEXT + 100_000


def test_history_stays_bounded_over_many_rounds(chat_server) -> None:
    wrong = as_json(production(objective={"sense": "maximize", "expression": "sum(proft[p] * make[p] for p in products)"}))
    padding = " " * 50_000
    server = chat_server([Reply(wrong + padding)] * 5 + [Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=6, examples=0)).solve(QUESTION)
    assert answer.status == "solved" and answer.rounds == 6
    sizes = [len(json.dumps(request)) for request in server.requests]
    assert max(sizes[1:]) - min(sizes[1:]) < 1_000, sizes  # problem + last answer + last error, not the whole history
    assert all(len(request["messages"]) <= 4 for request in server.requests)
