"""Shorthands with one meaning in a real model's answers, written out before the check (ormodel.nl2opt.normalize).

Each document is Qwen2.5-Coder-1.5B's recorded answer (benchmarks/nl_local.py, seed-0 sample), trimmed.
"""

from __future__ import annotations

import json

import pytest
from ormodel.nl2opt.agent import Agent, AgentOptions, _read_answer
from ormodel.nl2opt.extract import FormulationParseError, extract_document
from ormodel.nl2opt.normalize import normalize_document
from ormodel.nl2opt.testing import Reply

import ormodel as om
from ormodel.errors import ModelError
from ormodel.io import problem_from_dict

from .conftest import as_json, fast_client

# NL4Opt 114, round 1 (every run): the bound repeats a constraint the answer also wrote.
ORCHARD = ('{"variables":{"apples":{"type":"integer","lower":"5","upper":"50"},"pears":{"type":"integer","lower":"10",'
           '"upper":"2 * apples"}},"objective":{"sense":"maximize","expression":"2 * apples + 4 * pears"},"constraints":['
           '{"name":"min_apples","expression":"apples >= 5"},{"name":"min_pears","expression":"pears >= 10"},'
           '{"name":"max_pears","expression":"pears <= 2 * apples"}]}')
# NL4Opt 74, round 1: a space before the name; the expressions say "telecom".
INVESTMENT = ('{"variables":{" telecom":{"type":"integer"},"healthcare":{"type":"integer"}},"objective":{"sense":"maximize",'
              '"expression":"0.03 * telecom + 0.01 * healthcare"},"constraints":[{"name":"total_investment","expression":'
              '"telecom + healthcare == 100000"},{"name":"telecom_max","expression":"telecom <= 70000"}]}')
# MAMO EasyLP 79, round 1 (label 20000): an index over 'projects', a set declared nowhere, and every use without an index.
WORKERS = {
    "variables": {"workers_X": {"index": ["projects"], "type": "integer", "lower": 0, "upper": "inf"},
                  "workers_Y": {"index": ["projects"], "type": "integer", "lower": 0, "upper": "inf"}},
    "objective": {"sense": "minimize", "expression": "5000 * workers_X + 3000 * workers_Y"},
    "constraints": [{"name": "mix_requirement", "expression": "2 * workers_X + workers_Y >= 8"},
                    {"name": "budget_constraint", "expression": "workers_X + 3 * workers_Y <= 15"}],
}


def solved(document: dict) -> om.Result:
    return om.solve(problem_from_dict(document))


def test_a_bound_that_repeats_a_constraint_is_dropped() -> None:
    document, notes = _read_answer(ORCHARD)
    assert "upper" not in document["variables"]["pears"]
    assert len(document["constraints"]) == 3  # 'pears <= 2 * apples' is there already
    assert notes == ["dropped the upper bound '2 * apples' of variable 'pears': constraint 'pears <= 2 * apples' already says it"]
    assert solved(document).objective == pytest.approx(500.0)  # the answer's own model (it left out the 50 acres)


def test_a_bound_of_variables_becomes_its_constraint() -> None:
    raw = json.loads(ORCHARD)
    raw["constraints"] = raw["constraints"][:2]  # round 2 of the improved arm (v1) dropped max_pears and kept the bound
    document, notes = normalize_document(raw)
    assert document["constraints"][-1] == {"name": "pears_upper", "expression": "pears <= 2 * apples"}
    assert notes == ["read the upper bound '2 * apples' of variable 'pears' as constraint 'pears_upper': pears <= 2 * apples"]
    assert raw["variables"]["pears"]["upper"] == "2 * apples"  # the input is not changed
    assert solved(document).objective == pytest.approx(500.0)


def test_a_bound_naming_something_undeclared_is_left_to_the_validator() -> None:
    raw = json.loads(ORCHARD)
    raw["variables"]["pears"]["upper"] = "2 * acres"  # 'acres' is declared nowhere: not a reading with one meaning
    document, notes = normalize_document(raw)
    assert notes == [] and document["variables"]["pears"]["upper"] == "2 * acres"
    with pytest.raises(ModelError, match="upper bound '2 \\* acres' is not a number or a parameter"):
        problem_from_dict(document)


def test_an_indexed_variables_bound_expression_is_not_rewritten() -> None:
    raw = {"sets": {"K": [1, 2]}, "variables": {"x": {"index": ["K"]}, "y": {"index": ["K"], "upper": "2 * x"}},
           "objective": {"sense": "maximize", "expression": "sum(y[k] for k in K)"}}
    assert normalize_document(raw) == (raw, [])


def test_a_name_with_spaces_is_the_name_without_them() -> None:
    document, notes = _read_answer(INVESTMENT)
    assert set(document["variables"]) == {"telecom", "healthcare"}
    assert notes == ["read variable ' telecom' as 'telecom' (the name without its spaces)"]
    result = solved(document)
    assert result.status == om.Status.OPTIMAL and result.objective == pytest.approx(0.03 * 70000 + 0.01 * 30000)


def test_a_spaced_name_that_would_clash_is_left_as_written() -> None:
    raw = json.loads(INVESTMENT)
    raw["variables"]["telecom"] = {"type": "integer"}
    document, notes = normalize_document(raw)
    assert notes == [] and " telecom" in document["variables"]


def test_an_index_over_sets_declared_nowhere_on_a_variable_used_as_one_number_is_dropped() -> None:
    document, notes = normalize_document(WORKERS)
    assert "index" not in document["variables"]["workers_X"] and "index" not in document["variables"]["workers_Y"]
    assert notes[0] == ("read variable 'workers_X' as one number: its index (projects) is declared nowhere and every use "
                        "writes workers_X without an index")
    assert solved(document).objective == pytest.approx(20000.0)  # the label


@pytest.mark.parametrize("change", [
    # round 2: 'projects' declared; the index has members now, so the uses are the error (hint: ormodel.nl2opt.prompts)
    lambda document: document.update(sets={"projects": ["X", "Y"]}),
    # round 3: 'workers_X[0]' somewhere: the index is used, so it is not a phantom
    lambda document: document["constraints"].append({"name": "first", "expression": "workers_X[0] >= 1"}),
])
def test_an_index_that_is_declared_or_used_stays(change) -> None:
    raw = json.loads(json.dumps(WORKERS))
    change(raw)
    document, notes = normalize_document(raw)
    assert document["variables"]["workers_X"]["index"] == ["projects"]
    assert not any("workers_X" in note for note in notes)


def test_the_index_of_a_variable_written_in_a_quoted_member_is_not_counted_as_a_use() -> None:
    raw = json.loads(json.dumps(WORKERS))
    raw["constraints"].append({"name": "named", "expression": "workers_Y >= 0", "when": "'workers_X[1]' == 'a'"})
    assert len(normalize_document(raw)[1]) == 2  # the text inside quotes is a string, not a subscript


def test_one_closing_brace_too_many_after_a_complete_model_is_read() -> None:
    # IndustryOR 100, round 2: a complete object, then one more "}" on the last line.
    text = '{\n  "variables": {"x": {"type": "binary"}},\n  "objective": {"sense": "maximize", "expression": "x"}}\n}'
    assert extract_document(text)["objective"]["expression"] == "x"
    with pytest.raises(FormulationParseError, match="Extra data"):  # more than brackets after it: the keys' place is unknown
        extract_document('{"variables": {"x": {}}}, "objective": {"expression": "x"}}')


def test_the_agent_reports_the_readings_among_the_changes(chat_server) -> None:
    server = chat_server([Reply(as_json(WORKERS))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=1, examples=0)).solve("Workers X and Y ...")
    assert answer.status == "solved" and answer.rounds == 1 and answer.objective == pytest.approx(20000.0)
    assert answer.changes[0].startswith("round 1: read variable 'workers_X' as one number")
    assert answer.attempts[0].rounds[0].to_dict()["notes"] == answer.attempts[0].rounds[0].notes
    assert "index" not in answer.document["variables"]["workers_X"]


def test_a_variable_declared_under_parameters_is_a_variable() -> None:
    # MAMO ComplexLP 181, round 2: "min_separation": {"type": "continuous"} among the parameters, the objective maximizes it.
    raw = {"sets": {"flights": [1, 2, 3]},
           "parameters": {"min_separation": {"type": "continuous"}, "latest": 150},
           "variables": {"landing_time": {"index": ["flights"], "type": "continuous", "lower": 0, "upper": "latest"}},
           "objective": {"sense": "maximize", "expression": "min_separation"},
           "constraints": [{"name": "separation", "for": "i in flights, j in flights if i < j",
                            "expression": "landing_time[j] - landing_time[i] >= min_separation"}]}
    document, notes = normalize_document(raw)
    assert notes == ['read parameter \'min_separation\' as a variable: it has a variable\'s "type" (continuous) and no data']
    assert document["variables"]["min_separation"] == {"type": "continuous"} and "min_separation" not in document["parameters"]
    assert solved(document).objective == pytest.approx(75.0)  # three landings within 0..150
    with_data = json.loads(json.dumps(raw))
    with_data["parameters"]["min_separation"]["values"] = 3  # data: not a variable
    assert normalize_document(with_data)[1] == []


def test_a_for_that_names_one_variable_binds_nothing() -> None:
    # NL4Opt 233, round 3: {"name": "small_large_ratio", "for": "small", "expression": "small == 3 * large"}.
    raw = {"variables": {"small": {"type": "integer"}, "large": {"type": "integer"}},
           "objective": {"sense": "maximize", "expression": "20 * small + 50 * large"},
           "constraints": [{"name": "small_large_ratio", "for": "small", "expression": "small == 3 * large"},
                           {"name": "people", "expression": "small + large <= 100"}]}
    document, notes = normalize_document(raw)
    assert "for" not in document["constraints"][0]
    assert notes == [("dropped \"for\": 'small' from constraint 'small_large_ratio': it names the single variable 'small' "
                      "and binds no index")]
    assert solved(document).objective == pytest.approx(20 * 75 + 50 * 25)


def test_a_reserved_word_as_a_name_is_that_name() -> None:
    # MAMO ComplexLP 91, round 1 (trimmed): 'from' names an index and a set; Python's parser refuses 'cost[from, to]'.
    raw = {"sets": {"from": {"from": 0, "to": 2}, "to": {"from": 0, "to": 2}},
           "parameters": {"cost": {"index": ["from", "to"], "values": [[0, 4, 7], [4, 0, 2], [7, 2, 0]]}},
           "variables": {"route": {"index": ["from", "to"], "type": "binary"}},
           "objective": {"sense": "minimize", "expression": "sum(cost[i, j] * route[i, j] for i in from for j in to)"},
           "constraints": [{"name": "leave", "for": "i in from", "expression": "sum(route[i, j] for j in to if j != i) == 1"},
                           {"name": "enter", "for": "j in to", "expression": "sum(route[i, j] for i in from if i != j) == 1"}]}
    document, notes = normalize_document(raw)
    assert notes == ["read the reserved word 'from' as 'from_': an expression cannot use it as a keyword, so it is a name"]
    assert document["sets"]["from_"] == {"from": 0, "to": 2}  # the range keeps its keys
    assert document["variables"]["route"]["index"] == ["from_", "to"]
    assert document["constraints"][0]["for"] == "i in from_"
    assert solved(document).objective == pytest.approx(4 + 2 + 7)
    quoted = json.loads(json.dumps(raw))
    quoted["constraints"][0]["expression"] = "sum(route[i, j] for j in to if j != i) == 1 + 0 * len('from')"
    assert "'from'" in normalize_document(quoted)[0]["constraints"][0]["expression"]  # text in quotes stays


def test_a_reserved_word_that_no_expression_writes_is_left_as_written() -> None:
    # MAMO ComplexLP 121, round 1: "index": ["from", "to"], expressions over i and j only: JSON names parse as they are.
    raw = {"variables": {"flow": {"index": ["from", "to"], "type": "continuous"}},
           "objective": {"sense": "maximize", "expression": "sum(flow[i, j] for i in range(9) for j in range(9))"}}
    assert normalize_document(raw) == (raw, [])


def test_the_feedback_after_a_rejected_answer_names_the_readings(chat_server) -> None:
    # NL4Opt 114, round 1 with the bound kept and no 'sense': the reading, then the checker's finding, are fed back.
    rewritten = {"variables": {"apples": {"type": "integer", "lower": 5, "upper": 50},
                               "pears": {"type": "integer", "lower": 10, "upper": "2 * apples"}},
                 "objective": {"sense": "maximize", "expression": "2 * apples + 4 * pears + spare"},
                 "constraints": [{"name": "min_apples", "expression": "apples >= 5"}]}
    server = chat_server([Reply(as_json(rewritten)), Reply(as_json(WORKERS))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=2, examples=0)).solve("Ben is growing apples and pears ...")
    feedback = [message for message in server.requests[1]["messages"] if message["role"] == "user"][-1]["content"]
    assert feedback.startswith("Your answer was read with these changes:\n- read the upper bound '2 * apples' of variable "
                               "'pears' as constraint 'pears_upper': pears <= 2 * apples\nThe model was rejected")
    assert "undefined symbol 'spare'" in feedback
    assert answer.status == "solved" and answer.objective == pytest.approx(20000.0)


def test_a_for_whose_index_the_sum_binds_again_is_one_constraint() -> None:
    # MAMO ComplexLP 63, round 2: {"for": "i in cities", "expression": "sum(route[i] for i in cities) == 4"}; told to pick a
    # new inner name, the model renamed both (round 3: "for": "j in cities", sum(route[j] for j in cities)).
    raw = {"sets": {"cities": [1, 2, 3, 4]},
           "variables": {"route": {"index": ["cities"], "type": "integer", "lower": 0, "upper": 3}},
           "objective": {"sense": "minimize", "expression": "sum(route[i] for i in cities)"},
           "constraints": [{"name": "visit_all", "for": "j in cities", "expression": "sum(route[j] for j in cities) == 4"},
                           {"name": "each", "for": "i in cities", "expression": "route[i] + sum(route[i] for i in cities) >= 4"}]}
    document, notes = normalize_document(raw)
    assert "for" not in document["constraints"][0] and document["constraints"][1]["for"] == "i in cities"  # 'each' uses i
    assert notes == [("dropped \"for\": 'j in cities' from constraint 'visit_all': its sum binds j again, so every row was the "
                      "same constraint")]
    document["constraints"].pop()  # 'each' stays the compiler's error: its outer i is used outside the sum
    assert solved(document).objective == pytest.approx(4.0)
