"""The agent against a real HTTP server on 127.0.0.1 that answers from a script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ormodel.nl2opt.agent import Agent, AgentOptions
from ormodel.nl2opt.client import LLMError
from ormodel.nl2opt.records import RecordingClient, ReplayClient, ReplayMismatch, RunRecorder
from ormodel.nl2opt.testing import Reply

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, fast_client, production

OPTIONS = AgentOptions(max_rounds=4, examples=0)


def last_user_message(request: dict) -> str:
    return [message for message in request["messages"] if message["role"] == "user"][-1]["content"]


def test_correct_formulation_first_try(chat_server) -> None:
    server = chat_server([Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), OPTIONS).solve(QUESTION)
    assert answer.status == "solved"
    assert answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    assert answer.rounds == 1 and answer.changes == []
    assert answer.prompt_tokens > 0 and answer.completion_tokens > 0
    assert answer.values == {"make[a]": pytest.approx(2.0), "make[b]": pytest.approx(6.0)}
    assert "total profit" in answer.solution and "units made of each product" in answer.solution
    assert "## Constraints" in answer.formulation and "capacity" in answer.formulation
    request = server.requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert QUESTION in last_user_message(request)


def test_invalid_json_is_fed_back_and_corrected(chat_server) -> None:
    broken = as_json(PRODUCTION)[:-20]
    server = chat_server([Reply(broken), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), OPTIONS).solve(QUESTION)
    assert answer.status == "solved" and answer.rounds == 2
    first_round = answer.attempts[0].rounds[0]
    assert first_round.outcome == "parse_error"
    feedback = last_user_message(server.requests[1])
    assert first_round.error in feedback and "invalid JSON" in feedback
    assert server.requests[1]["messages"][-2] == {"role": "assistant", "content": broken}
    assert answer.changes[0].startswith("round 1: the answer could not be read")


def test_undefined_symbol_error_is_fed_back_verbatim(chat_server) -> None:
    wrong = production(objective={"sense": "maximize", "expression": "sum(proft[p] * make[p] for p in products)"})
    server = chat_server([Reply(as_json(wrong)), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), OPTIONS).solve(QUESTION)
    assert answer.status == "solved" and answer.rounds == 2
    error = answer.attempts[0].rounds[0].error
    assert error is not None and "proft" in error
    assert error in last_user_message(server.requests[1])
    assert "changed the objective" in answer.changes


def test_infeasible_model_gets_its_iis_and_is_corrected(chat_server) -> None:
    infeasible = production(constraints=PRODUCTION["constraints"] + [{"name": "need_a", "expression": "make['a'] >= 10"}])
    server = chat_server([Reply(as_json(infeasible)), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), OPTIONS).solve(QUESTION)
    assert answer.status == "solved" and answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    first_round = answer.attempts[0].rounds[0]
    assert first_round.outcome == "infeasible"
    feedback = last_user_message(server.requests[1])
    assert "infeasible" in feedback and "need_a" in feedback and "capacity[wood]" in feedback
    assert "removed constraint `need_a`" in answer.changes


def test_unbounded_model_gets_its_ray_and_is_corrected(chat_server) -> None:
    unbounded = production(constraints=[PRODUCTION["constraints"][1]])
    server = chat_server([Reply(as_json(unbounded)), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), OPTIONS).solve(QUESTION)
    assert answer.status == "solved" and answer.rounds == 2
    assert answer.attempts[0].rounds[0].outcome == "unbounded"
    feedback = last_user_message(server.requests[1])
    assert "unbounded" in feedback and "make[a]" in feedback
    assert "added constraint `capacity`" in answer.changes


def test_warnings_are_fed_back_once_then_accepted(chat_server) -> None:
    unused = production(parameters={**PRODUCTION["parameters"], "shelf_life": 7})
    server = chat_server([Reply(as_json(unused)), Reply(as_json(unused))])
    answer = Agent(fast_client(server), OPTIONS).solve(QUESTION)
    assert answer.status == "solved" and answer.rounds == 2
    assert answer.attempts[0].rounds[0].outcome == "warnings"
    assert "shelf_life" in last_user_message(server.requests[1])
    assert len(server.requests) == 2


def test_a_failed_revision_after_warnings_keeps_the_model_that_solved(chat_server) -> None:
    # NL4Opt 233 (Qwen2.5-Coder-1.5B): told that total_sand was unused, the model removed its other variables instead;
    # the revisions were rejected, and the answer was "failed" although round 1 had solved with only a warning.
    unused = production(variables={**PRODUCTION["variables"], "total_sand": {"type": "integer", "lower": 0, "upper": 9}})
    revised = {**unused, "variables": {"total_sand": {"type": "integer"}}}  # make[...] now undefined
    server = chat_server([Reply(as_json(unused)), Reply(as_json(revised)), Reply(as_json(revised))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=3, examples=0)).solve(QUESTION)
    assert [item.outcome for item in answer.attempts[0].rounds] == ["warnings", "model_error", "model_error"]
    assert answer.status == "solved" and answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    assert "total_sand" in answer.attempts[0].document["variables"] and "make" in answer.attempts[0].document["variables"]


def test_without_a_solved_round_the_attempt_still_fails(chat_server) -> None:
    broken = {**PRODUCTION, "variables": {"total_sand": {"type": "integer"}}}
    server = chat_server([Reply(as_json(broken))] * 2)
    answer = Agent(fast_client(server), AgentOptions(max_rounds=2, examples=0)).solve(QUESTION)
    assert answer.status == "failed" and answer.objective is None


def test_rate_limit_and_server_error_are_retried(chat_server) -> None:
    server = chat_server([Reply(status=429, error="slow down", headers={"Retry-After": "0"}),
                          Reply(status=500, error="boom"), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), OPTIONS).solve(QUESTION)
    assert answer.status == "solved"
    first_round = answer.attempts[0].rounds[0]
    assert first_round.attempts == 3 and len(server.requests) == 3


def test_timeouts_are_retried(chat_server) -> None:
    server = chat_server([Reply(as_json(PRODUCTION), delay=1.5), Reply(as_json(PRODUCTION))])
    client = fast_client(server, timeout=0.4)
    response = client.complete([{"role": "user", "content": "Problem:\nx"}])
    assert response.attempts == 2
    assert "Timeout" in response.errors[0]
    assert json.loads(response.text)["name"] == "two_products"


def test_retries_give_up_with_an_honest_failure(chat_server) -> None:
    server = chat_server([Reply(status=503, error="overloaded")] * 3)
    client = fast_client(server, max_retries=2)
    with pytest.raises(LLMError, match="gave up after 3 attempt"):
        client.complete([{"role": "user", "content": "hi"}])
    answer = Agent(fast_client(chat_server([Reply(status=503)] * 5), max_retries=1), OPTIONS).solve(QUESTION)
    assert answer.status == "failed" and "503" in (answer.error or "")


def test_non_retryable_error_stops_at_once(chat_server) -> None:
    server = chat_server([Reply(status=401, error="bad key"), Reply(as_json(PRODUCTION))])
    with pytest.raises(LLMError, match="stopped after 1 attempt"):
        fast_client(server).complete([{"role": "user", "content": "hi"}])
    assert len(server.requests) == 1


def test_round_limit_is_respected_with_an_honest_failure(chat_server) -> None:
    infeasible = production(constraints=PRODUCTION["constraints"] + [{"name": "need_a", "expression": "make['a'] >= 10"}])
    server = chat_server([Reply(as_json(infeasible))] * 5)
    answer = Agent(fast_client(server), AgentOptions(max_rounds=3, examples=0)).solve(QUESTION)
    assert len(server.requests) == 3 and answer.rounds == 3
    assert answer.status == "infeasible" and answer.objective is None
    assert "within 3 round(s)" in (answer.error or "")
    assert "No solution" not in answer.to_markdown() or answer.error


def test_server_without_structured_output_falls_back_to_a_fenced_block(chat_server) -> None:
    fenced = "Here is the model:\n```json\n" + json.dumps(PRODUCTION, indent=1) + "\n```\nDone."
    server = chat_server([Reply(fenced, refuse_response_format=True), Reply(fenced, refuse_response_format=True)])
    client = fast_client(server)
    answer = Agent(client, OPTIONS).solve(QUESTION)
    assert answer.status == "solved"
    assert "response_format" in server.requests[0] and "response_format" not in server.requests[1]
    assert client.structured_mode == "none"
    assert answer.attempts[0].rounds[0].attempts == 2


def test_streaming_answers_and_usage(chat_server) -> None:
    server = chat_server([Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server, stream=True), OPTIONS).solve(QUESTION)
    assert answer.status == "solved" and answer.completion_tokens > 0
    assert server.requests[0]["stream"] is True


def test_self_consistency_votes_on_the_objective(chat_server) -> None:
    other = production(parameters={**PRODUCTION["parameters"], "b_limit": 5})

    def script(request: dict, index: int) -> Reply:
        return Reply(as_json(other if request.get("seed") == 1 else PRODUCTION))

    server = chat_server(script)
    answer = Agent(fast_client(server), AgentOptions(max_rounds=2, examples=0, samples=3)).solve(QUESTION)
    assert answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    assert answer.agreement == pytest.approx(2 / 3)
    assert sorted(answer.votes) == pytest.approx(sorted([36.0, 36.0, 33.0]))
    temperatures = sorted(request["temperature"] for request in server.requests)
    assert temperatures == [0.0, 0.7, 0.7]
    assert "2 of 3 attempts agree" in answer.to_markdown()


def test_recorded_run_replays_without_an_llm(chat_server, tmp_path: Path) -> None:
    wrong = production(objective={"sense": "maximize", "expression": "sum(proft[p] * make[p] for p in products)"})
    server = chat_server([Reply("{oops"), Reply(as_json(wrong)), Reply(as_json(PRODUCTION))])
    record = tmp_path / "run.jsonl"
    recorder = RunRecorder(record)
    live = Agent(RecordingClient(fast_client(server), recorder), OPTIONS).solve(QUESTION)
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [line["round"] for line in lines] == [1, 2, 3]
    assert all(line["response"]["prompt_tokens"] > 0 and line["messages"] for line in lines)
    server.stop()
    replayer = ReplayClient.from_file(record)
    replayed = Agent(replayer, OPTIONS).solve(QUESTION)
    assert replayer.replayed == 3
    assert replayed.to_dict()["document"] == live.to_dict()["document"]
    assert (replayed.status, replayed.objective, replayed.rounds, replayed.changes) == (live.status, live.objective, live.rounds, live.changes)
    assert replayed.total_tokens == live.total_tokens
    with pytest.raises(ReplayMismatch):
        Agent(ReplayClient.from_file(record), OPTIONS).solve("a different question")


def test_nonlinear_formulation_is_solved_by_scip(chat_server) -> None:
    disk = {"name": "disk", "description": "largest x + y on a disk",
            "variables": {"x": {"lower": -5, "upper": 5, "description": "first coordinate"},
                          "y": {"lower": -5, "upper": 5, "description": "second coordinate"}},
            "objective": {"sense": "maximize", "expression": "x + y", "description": "sum of coordinates"},
            "constraints": [{"name": "inside", "expression": "sqrt(x ** 2 + y ** 2) <= 2"}]}
    server = chat_server([Reply(as_json(disk))])
    answer = Agent(fast_client(server), OPTIONS).solve("Maximize x + y inside the disk of radius 2.")
    assert answer.status == "solved" and answer.rounds == 1
    assert answer.objective == pytest.approx(2 * 2 ** 0.5, rel=1e-6)
    assert answer.attempts[0].result.solver == "scip"


def test_a_feasibility_model_is_accepted_and_told_as_such(chat_server) -> None:
    """A scheduling question with nothing to optimize: the schema allows no objective, the answer has none."""
    schedule = {"name": "two_shifts", "sets": {"people": ["ann", "bob"], "shifts": [1, 2]},
                "variables": {"works": {"index": ["people", "shifts"], "type": "binary", "description": "who works which shift"}},
                "objective": {"sense": "feasibility"},
                "constraints": [{"name": "covered", "for": "s in shifts", "expression": "sum(works[p, s] for p in people) == 1"},
                                {"name": "one_each", "for": "p in people", "expression": "sum(works[p, s] for s in shifts) == 1"},
                                {"name": "ann_late", "expression": "works['ann', 2] == 1"}]}
    server = chat_server([Reply(as_json(schedule))])
    answer = Agent(fast_client(server), OPTIONS).solve("Ann and Bob cover two shifts, one each; Ann takes the late one.")
    assert answer.status == "solved" and answer.sense == "feasibility" and answer.objective is None
    assert answer.values == {"works[ann,2]": pytest.approx(1.0), "works[bob,1]": pytest.approx(1.0)}
    assert answer.solution.startswith("A feasible point") and "feasibility (no objective" in answer.formulation
    assert '"feasibility"' in server.requests[0]["messages"][0]["content"]  # the system prompt teaches it
