"""The schema sent to grammar-constrained servers, and the round after an undeclared set, asked for without it.

Built from Qwen2.5-Coder-1.5B's answers in the local benchmark: under llama.cpp's grammar (required keys
first) every answer opened with ``variables`` and had no objective ``sense`` (NL4Opt 238, a maximization,
was minimized); MAMO ComplexLP 41, 121, 166 then indexed variables over undeclared sets for three rounds,
since the grammar does not let ``sets`` come first. The round after an undeclared set is therefore asked for
under a schema that requires ``sets`` and ``parameters`` before ``variables``. (For every round, that schema made
the model invent members "A" … "Z" for NL4Opt 33, two scalar variables, as offering ``sets`` first had done;
requiring ``description`` made it copy the problem.)
"""

from __future__ import annotations

import jsonschema
import pytest
from ormodel.nl2opt.agent import Agent, AgentOptions
from ormodel.nl2opt.client import five_element_response_format, generation_schema
from ormodel.nl2opt.prompts import needs_declarations
from ormodel.nl2opt.testing import Reply

from ormodel.errors import ModelError
from ormodel.io import json_schema, problem_from_dict

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, fast_client, production

# MAMO ComplexLP 166, round 1 (shortened): no sets, no parameters, no sense.
VARIABLES_FIRST = {
    "variables": {"open": {"index": ["centers"], "type": "binary"}},
    "objective": {"expression": "sum(open[c] * opening_cost[c] for c in centers)"},
    "constraints": [{"name": "one", "expression": "sum(open[c] for c in centers) >= 1"}],
}

# The same model with its data declared.
DECLARED = {
    "sets": {"centers": ["A", "B"], "stores": [1, 2]},
    "parameters": {"opening_cost": {"index": ["centers"], "values": {"A": 3, "B": 5}},
                   "demand": {"index": ["stores"], "values": {"1": 1, "2": 1}}},
    "variables": {"open": {"index": ["centers"], "type": "binary"}, "x": {"index": ["centers", "stores"], "lower": 0}},
    "objective": {"sense": "minimize", "expression": "sum(open[c] * opening_cost[c] for c in centers)"},
    "constraints": [{"name": "one", "expression": "sum(open[c] for c in centers) >= 1"}],
}


def rejection_text(document: dict) -> str:
    with pytest.raises(ModelError) as caught:
        problem_from_dict(document)
    return str(caught.value)


def errors(schema: dict, document: dict) -> list[str]:
    return [error.message for error in jsonschema.Draft202012Validator(schema).iter_errors(document)]


def test_the_objective_must_state_its_sense_first() -> None:
    schema = generation_schema()
    assert schema["required"] == ["variables"] == json_schema()["required"]
    assert schema["properties"]["objective"]["required"] == ["sense"]
    assert five_element_response_format("json_schema")["json_schema"]["schema"] == schema
    assert errors(schema, VARIABLES_FIRST) == ["'sense' is a required property"]
    with_sense = {**VARIABLES_FIRST, "objective": {"sense": "minimize", **VARIABLES_FIRST["objective"]}}
    assert errors(schema, with_sense) == []
    assert errors(json_schema(), VARIABLES_FIRST) == [], "the reader's own schema stays as lenient as before"


def test_declare_first_asks_for_sets_and_parameters_before_the_variables() -> None:
    # llama.cpp's grammar writes an object's required keys first, in the order of "properties"; with only
    # "variables" required, MAMO ComplexLP 166 (and 30 other answers in 13 problems) opened with it and never
    # declared the sets and tables their expressions used.
    schema = generation_schema(declare_first=True)
    assert five_element_response_format("json_schema", declare_first=True)["json_schema"]["schema"] == schema
    assert schema["required"] == ["sets", "parameters", "variables"]
    assert list(schema["properties"])[:3] == ["sets", "parameters", "variables"]
    assert schema["properties"]["objective"]["required"] == ["sense"]
    assert sorted(errors(schema, VARIABLES_FIRST)) == ["'parameters' is a required property", "'sense' is a required property",
                                                        "'sets' is a required property"]
    assert errors(schema, DECLARED) == []
    scalar = {"sets": {}, "parameters": {}, "variables": {"x": {"lower": 0, "upper": 4}},
              "objective": {"sense": "maximize", "expression": "x"}}
    assert errors(schema, scalar) == [], "a problem with no index sets answers with empty objects"
    assert problem_from_dict(scalar).objective.sense.value == "maximize"
    assert json_schema()["required"] == ["variables"], "the reader's own schema stays as lenient as before"


def test_a_constraint_may_put_for_before_its_expression() -> None:
    # With "name" and "expression" required, the grammar forced "expression" right after "name" (MAMO ComplexLP 166:
    # "sum(... for s in stores) == demand[s]" with s unbound); with all keys optional, "for" can come first.
    schema = generation_schema()
    constraint = {"name": "demand", "for": "s in stores", "expression": "sum(x[c, s] for c in centers) == demand[s]"}
    for definition in ("constraint", "constraint_body"):
        assert "required" not in schema["$defs"][definition]
    document = {**DECLARED, "constraints": [constraint]}
    assert errors(schema, document) == []
    assert [constraint.name for constraint in problem_from_dict(document).constraints] == ["demand"]
    nameless = {**DECLARED, "constraints": [{"expression": "sum(open[c] for c in centers) >= 1"}]}
    assert errors(schema, nameless) == []
    assert "name" in rejection_text(nameless), "the reader still asks for the name the grammar no longer forces"


def test_the_round_after_an_undeclared_set_must_declare_first(chat_server) -> None:
    without_sets = {key: value for key, value in PRODUCTION.items() if key != "sets"}
    server = chat_server([Reply(as_json(without_sets)), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=2, examples=0)).solve(QUESTION)
    assert answer.status == "solved" and answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    first, second = server.requests
    assert first["response_format"]["json_schema"]["schema"] == generation_schema()
    assert second["response_format"]["json_schema"]["schema"] == generation_schema(declare_first=True)
    assert needs_declarations(rejection_text(without_sets))
    assert not needs_declarations("variables 'pears': upper bound '2 * apples' is not a number or a parameter")


def test_other_rejections_keep_the_grammar(chat_server) -> None:
    bound = production(variables={"make": {**PRODUCTION["variables"]["make"], "upper": "2 * b_limit"}})
    server = chat_server([Reply(as_json(bound)), Reply(as_json(PRODUCTION))])
    Agent(fast_client(server), AgentOptions(max_rounds=2, examples=0)).solve(QUESTION)
    assert [request["response_format"]["json_schema"]["schema"] for request in server.requests] == [generation_schema()] * 2


def test_once_declaring_first_the_attempt_stays_so(chat_server) -> None:
    # MAMO EasyLP 79: the round after the undeclared set declared its sets; the next round, under the plain grammar
    # again, opened with "variables" and dropped them.
    without_sets = {key: value for key, value in PRODUCTION.items() if key != "sets"}
    bound = production(variables={**PRODUCTION["variables"], "make": {**PRODUCTION["variables"]["make"], "upper": "2 * b"}})
    server = chat_server([Reply(as_json(without_sets)), Reply(as_json(bound)), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=3, examples=0)).solve(QUESTION)
    assert answer.status == "solved"
    schemas = [request["response_format"]["json_schema"]["schema"] for request in server.requests]
    assert schemas == [generation_schema(), generation_schema(declare_first=True), generation_schema(declare_first=True)]

