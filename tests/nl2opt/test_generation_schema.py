"""The schema sent to grammar-constrained servers: keys required in the order the system prompt writes them.

Built from Qwen2.5-Coder-1.5B's answers in the local benchmark (MAMO ComplexLP 121, 166, 41, 63, 91; MAMO
EasyLP 79): under a schema that required only ``variables``, llama.cpp's grammar made every answer open with
``variables``, and the model never wrote ``sets``, ``parameters`` or an objective ``sense``.
"""

from __future__ import annotations

import jsonschema
from ormodel.nl2opt.client import five_element_response_format, generation_schema

from ormodel.io import json_schema, problem_from_dict

# MAMO ComplexLP 166, round 1 (shortened): no sets, no parameters, no sense.
VARIABLES_FIRST = {
    "variables": {"open": {"index": ["centers"], "type": "binary"}},
    "objective": {"expression": "sum(open[c] * opening_cost[c] for c in centers)"},
    "constraints": [{"name": "one", "expression": "sum(open[c] for c in centers) >= 1"}],
}

# The same model with its data declared first, as the prompt shows it.
DECLARED = {
    "name": "facility_location",
    "description": "which centers to open",
    "sets": {"centers": ["A", "B"]},
    "parameters": {"opening_cost": {"index": ["centers"], "values": {"A": 3, "B": 5}}},
    "variables": {"open": {"index": ["centers"], "type": "binary"}},
    "objective": {"sense": "minimize", "expression": "sum(open[c] * opening_cost[c] for c in centers)"},
    "constraints": [{"name": "one", "expression": "sum(open[c] for c in centers) >= 1"}],
}


def errors(schema: dict, document: dict) -> list[str]:
    return [error.message for error in jsonschema.Draft202012Validator(schema).iter_errors(document)]


def test_the_document_is_required_in_prompt_order_so_data_comes_before_variables() -> None:
    schema = generation_schema()
    assert schema["required"] == ["name", "description", "sets", "parameters", "variables", "objective", "constraints"]
    assert list(schema["properties"]) == schema["required"], "a grammar emits required keys in this order"
    assert schema["properties"]["objective"]["required"] == ["sense"]
    assert five_element_response_format("json_schema")["json_schema"]["schema"] == schema


def test_a_variables_first_answer_no_longer_fits_the_schema_sent() -> None:
    missing = errors(generation_schema(), VARIABLES_FIRST)
    for key in ("name", "description", "sets", "parameters"):
        assert f"'{key}' is a required property" in missing
    assert "'sense' is a required property" in missing
    assert errors(json_schema(), VARIABLES_FIRST) == [], "the reader's own schema stays as lenient as before"


def test_a_declared_answer_fits_and_reads() -> None:
    document = {**DECLARED, "constraints": [{"name": "one", "expression": "sum(open[c] for c in centers) >= 1"}]}
    assert errors(generation_schema(), document) == []
    problem = problem_from_dict(document)
    assert list(problem.sets) == ["centers"]


def test_a_constraint_may_put_for_before_its_expression() -> None:
    # With "name" and "expression" required, the grammar forced "expression" right after "name" (MAMO ComplexLP 166:
    # "sum(... for s in stores) == demand[s]" with s unbound); with all keys optional, "for" can come first.
    schema = generation_schema()
    constraint = {"name": "demand", "for": "s in stores", "expression": "sum(x[c, s] for c in centers) == demand[s]"}
    for definition in ("constraint", "constraint_body"):
        assert "required" not in schema["$defs"][definition]
    assert errors(schema, {**DECLARED, "constraints": [constraint]}) == []


def test_empty_sets_and_parameters_read_as_a_model_without_data() -> None:
    # A small problem under the required keys: the model writes "sets": {} and "parameters": {}.
    document = {"name": "two", "description": "d", "sets": {}, "parameters": {},
                "variables": {"x": {"lower": 0, "upper": 4}}, "objective": {"sense": "maximize", "expression": "x"},
                "constraints": []}
    assert errors(generation_schema(), document) == []
    problem = problem_from_dict(document)
    assert list(problem.variables) == ["x"] and not problem.sets
