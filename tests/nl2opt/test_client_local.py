"""The client against what local servers do: refuse response_format with a 500, loop, get cut at max_tokens.

Every test talks real HTTP to the scripted server on 127.0.0.1 (``ormodel.nl2opt.testing``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from ormodel.nl2opt.agent import Agent, AgentOptions
from ormodel.nl2opt.client import LLMError
from ormodel.nl2opt.config import DEFAULT_MAX_TOKENS, load_config
from ormodel.nl2opt.loop_guard import LoopGuard, find_loop
from ormodel.nl2opt.records import RecordingClient, ReplayClient, RunRecorder
from ormodel.nl2opt.retrieval import load_golden
from ormodel.nl2opt.testing import Reply

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, fast_client

OPTIONS = AgentOptions(max_rounds=3, examples=0)
LLAMA_CPP_PYTHON_REFUSAL = "1 validation error: response_format.type Input should be 'text' or 'json_object'"
LOOPING_START = '{"name": "p", "parameters": {'
LOOPING_PIECE = '"cost": 1, '


def user_messages(request: dict) -> list[str]:
    return [message["content"] for message in request["messages"] if message["role"] == "user"]


# -- refusals of response_format ------------------------------------------------------------------

def test_a_500_that_names_the_format_falls_back_once_and_is_remembered(chat_server) -> None:
    fenced = "```json\n" + as_json(PRODUCTION) + "\n```"
    refusing = Reply(fenced, refuse_response_format=True, refusal_status=500, refusal_error=LLAMA_CPP_PYTHON_REFUSAL)
    server = chat_server([refusing, refusing, refusing])
    client = fast_client(server, max_retries=4)
    first = client.complete([{"role": "user", "content": "Problem:\nx"}])
    assert len(server.requests) == 2, "one refusal, one request without the format: no retries of the refusal"
    assert "response_format" in server.requests[0] and "response_format" not in server.requests[1]
    assert first.attempts == 2 and "retrying once without response_format" in first.errors[0]
    assert "json_object" in first.errors[0] and not first.structured
    client.complete([{"role": "user", "content": "Problem:\ny"}])
    assert len(server.requests) == 3 and "response_format" not in server.requests[2]
    assert client.structured_mode == "none"


def test_a_500_about_something_else_is_retried_not_taken_for_a_refusal(chat_server) -> None:
    server = chat_server([Reply(status=500, error="out of memory"), Reply(as_json(PRODUCTION))])
    client = fast_client(server)
    response = client.complete([{"role": "user", "content": "Problem:\nx"}])
    assert response.structured and all("response_format" in request for request in server.requests)
    assert client.structured_mode == "json_schema"


def test_a_400_that_persists_without_the_format_stops_and_keeps_structured_output(chat_server) -> None:
    too_long = Reply(status=400, error="the request exceeds the available context size")
    server = chat_server([too_long, too_long, too_long])
    client = fast_client(server)
    with pytest.raises(LLMError, match="stopped after 2 attempt.*context size"):
        client.complete([{"role": "user", "content": "Problem:\nx"}])
    assert len(server.requests) == 2
    assert client.structured_mode == "json_schema", "the format was not the problem: keep asking for it"


# -- max_tokens ----------------------------------------------------------------------------------

def test_a_default_max_tokens_is_sent_and_can_be_changed_or_switched_off(chat_server, tmp_path: Path) -> None:
    server = chat_server([Reply(as_json(PRODUCTION))] * 3)
    fast_client(server).complete([{"role": "user", "content": "hi"}])
    fast_client(server, max_tokens=300).complete([{"role": "user", "content": "hi"}])
    config_file = tmp_path / "llm.toml"
    config_file.write_text(f'base_url = "{server.url}"\nmodel = "m"\nmax_tokens = 0\n')
    config = load_config(config_path=config_file, environ={})
    assert config.max_tokens is None
    fast_client(server, max_tokens=None).complete([{"role": "user", "content": "hi"}])
    assert [request.get("max_tokens") for request in server.requests] == [DEFAULT_MAX_TOKENS, 300, None]


@pytest.mark.parametrize("stream", [False, True])
def test_an_answer_cut_at_max_tokens_always_carries_a_finding(chat_server, stream: bool) -> None:
    server = chat_server([Reply(as_json(PRODUCTION))])
    response = fast_client(server, max_tokens=7, stream=stream).complete([{"role": "user", "content": "hi"}])
    assert response.finish_reason == "length" and response.completion_tokens == 7
    assert response.finding is not None and "cut off after 7 tokens (the limit is 7)" in response.finding


def test_the_agent_sends_the_cut_off_finding_back_and_recovers(chat_server) -> None:
    server = chat_server([Reply(as_json(PRODUCTION) + " " + "padding " * 50), Reply(as_json(PRODUCTION))])
    long_answer = len(as_json(PRODUCTION).split()) + 50
    answer = Agent(fast_client(server, max_tokens=long_answer - 10), OPTIONS).solve(QUESTION)
    assert answer.status == "solved" and answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    first = answer.attempts[0].rounds[0]
    assert first.outcome == "cut_off" and first.feedback is not None
    assert "cut off after" in user_messages(server.requests[1])[-1]
    assert answer.changes[0].startswith("round 1: the answer was cut at the token limit")


# -- loops ---------------------------------------------------------------------------------------

def test_a_looping_stream_is_stopped_early_and_the_server_stops_sending(chat_server) -> None:
    looping = Reply(LOOPING_START, repeat=LOOPING_PIECE, repeat_limit=20_000, token_delay=0.0005)
    server = chat_server([looping])
    started = time.perf_counter()
    response = fast_client(server, stream=True, max_tokens=None).complete([{"role": "user", "content": "Problem:\nx"}])
    elapsed = time.perf_counter() - started
    assert response.finish_reason == "loop"
    assert response.text == LOOPING_START + LOOPING_PIECE * 2 + '"cost"', "the answer is cut where the loop was seen"
    assert response.finding is not None and '"cost" 3 times' in response.finding and "inside parameters" in response.finding
    assert response.usage_estimated and response.completion_tokens == 4 + 3  # the opening tokens and three pieces
    time.sleep(0.2)
    assert server.sent_tokens[0] < 2_000, "the server noticed the hang-up and stopped writing"
    assert elapsed < 5.0  # all 20,000 tokens would take over 10 s


def test_a_loop_is_found_after_the_fact_without_streaming(chat_server) -> None:
    server = chat_server([Reply(LOOPING_START, repeat=LOOPING_PIECE)])
    response = fast_client(server, max_tokens=200).complete([{"role": "user", "content": "Problem:\nx"}])
    assert response.finish_reason == "loop" and response.finding is not None
    assert response.text.count('"cost"') == 3 and response.completion_tokens == 200


def test_the_loop_guard_can_be_switched_off(chat_server) -> None:
    server = chat_server([Reply(LOOPING_START, repeat=LOOPING_PIECE)])
    response = fast_client(server, max_tokens=50, loop_guard=False).complete([{"role": "user", "content": "hi"}])
    assert response.finish_reason == "length" and response.text.count('"cost"') > 3
    assert response.finding is not None and "cut off" in response.finding


def test_the_agent_feeds_the_loop_back_and_the_record_replays_it(chat_server, tmp_path: Path) -> None:
    server = chat_server([Reply(LOOPING_START, repeat=LOOPING_PIECE), Reply(as_json(PRODUCTION))])
    recorder = RunRecorder(tmp_path / "run.jsonl")
    live = Agent(RecordingClient(fast_client(server, stream=True), recorder), OPTIONS).solve(QUESTION)
    assert live.status == "solved" and live.rounds == 2
    first = live.attempts[0].rounds[0]
    assert first.outcome == "looped" and '"cost" 3 times' in (first.error or "")
    feedback = user_messages(server.requests[1])[-1]
    assert '"cost" 3 times' in feedback and "each key and each value written once" in feedback
    assert server.requests[1]["messages"][-2]["content"].count('"cost"') == 3, "only the cut answer goes back"
    replayed = Agent(ReplayClient.from_file(tmp_path / "run.jsonl"), OPTIONS).solve(QUESTION)
    assert [item.outcome for item in replayed.attempts[0].rounds] == ["looped", "accepted"]
    assert replayed.objective == live.objective


def test_repeated_lines_and_whitespace_are_loops() -> None:
    lines = find_loop("constraints:\n" + "  - x[1] <= 5\n" * 12)
    assert lines is not None and lines.kind == "repeated_line" and lines.count == 10 and "x[1] <= 5" in lines.message()
    spaces = find_loop('{"name": "p",' + " \n" * 150)
    assert spaces is not None and spaces.kind == "whitespace"
    assert find_loop("}\n" * 30) is None, "closing brackets repeat in sound documents"


def test_a_phrase_repeated_inside_a_text_value_is_a_loop() -> None:
    # What SmolLM2-135M wrote under the five-element schema, in every round, until the context was full.
    answer = ('{"variables": {"make": {"description": "A chair gives 30, so it can only make 120 chairs and 120 tables, '
              + "but it can only make 120 chairs and 120 tables, " * 5)
    loop = find_loop(answer)
    assert loop is not None and loop.kind == "repeated_phrase" and loop.where == "variables → make → description"
    assert "make 120 chairs and 120 tables" in loop.message() and loop.position < len(answer)
    assert find_loop('{"data": {"d": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}}') is None
    assert find_loop('{"description": "sum(x[i] for i in S) + sum(y[i] for i in S) + sum(z[i] for i in S)"}') is None


def test_integers_listed_one_by_one_are_a_loop() -> None:
    # MAMO ComplexLP 28 (Qwen2.5-Coder-1.5B, the round without the grammar): "sets": {"days": [1, 2, 3, ... 258 ...
    answer = '{\n  "sets": {"days": [' + ", ".join(str(day) for day in range(1, 400))
    guard = LoopGuard()
    loop = next(found for start in range(0, len(answer), 5) if (found := guard.feed(answer[start:start + 5])) is not None)
    assert (loop.kind, loop.where, loop.count) == ("counting", "sets → days", 60)
    assert loop.message() == ("Your answer was stopped because it was listing integers one by one (inside sets → days): "
                              "1, 2, 3, …, 60 (60 so far). Write a range of integers as {\"from\": first, \"to\": last} "
                              "with the numbers the problem gives, or index by the set that is meant.")
    listed = '{"sets": {"t": [' + ", ".join(str(day) for day in range(1, 60)) + ']}, "d": [[1, 2], [3, 4]], "e": [5, 6]}'
    assert find_loop(listed) is None, "59 members written out, then nested and short lists: no loop"
    assert find_loop('{"w": [' + ", ".join(str(2 * day) for day in range(300)) + "]}") is None


def test_no_golden_formulation_looks_like_a_loop() -> None:
    for example in load_golden():
        for text in (json.dumps(example.document), json.dumps(example.document, indent=2)):
            guard = LoopGuard()
            for start in range(0, len(text), 7):  # fed in small pieces, as a stream arrives
                assert guard.feed(text[start:start + 7]) is None, f"{example.key}: {guard.finding}"
