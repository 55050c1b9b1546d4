"""Feedback on an answer's data (table shapes, members, one name twice) and on answers sent again word for word.

Seen with Qwen2.5-Coder-1.5B in the v4 run of ``benchmarks/nl_local.py`` (seed-0 sample): the rejected tables came
back unchanged in the next round, and so did infeasible models.
"""

from __future__ import annotations

import pytest
from ormodel.nl2opt.agent import Agent, AgentOptions
from ormodel.nl2opt.normalize import normalize_document
from ormodel.nl2opt.prompts import error_hints
from ormodel.nl2opt.testing import Reply

from ormodel.io import problem_from_dict

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, fast_client, production
from .test_feedback_hints import rejection


def transport(cost_values: list, centers: int = 3, stores: int = 2) -> dict:
    """MAMO ComplexLP 166 in small: centers × stores shipping costs as a dense table."""
    return {"sets": {"centers": {"from": 1, "to": centers}, "stores": list(range(1, stores + 1))},
            "parameters": {"unit_cost": {"index": ["centers", "stores"], "values": cost_values}},
            "variables": {"ship": {"index": ["centers", "stores"]}},
            "objective": {"sense": "minimize", "expression": "sum(unit_cost[c, s] * ship[c, s] for c in centers for s in stores)"}}


def test_a_table_of_the_wrong_shape_is_told_how_many_lists_of_how_many_numbers() -> None:
    document = transport([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    [hint] = error_hints(rejection(document), document)
    assert hint.startswith("Table 'unit_cost' is indexed by 'centers', 'stores': set 'centers' has 3 members (1, 2, 3) and "
                           "set 'stores' has 2 members (1, 2), so \"values\" must be 3 lists (one per member of 'centers', "
                           "in that order) of 2 numbers each (one per member of 'stores'); you gave 3 lists of 3 numbers.")
    assert "the set is missing members" in hint


def test_a_transposed_table_and_a_short_one_are_named_as_such() -> None:
    transposed = transport([[1, 2, 3], [4, 5, 6]])
    [hint] = error_hints(rejection(transposed), transposed)
    assert "Your lists run the other way: write one list per member of 'centers'." in hint
    # MAMO ComplexLP 121: 8 × 8 capacities for 9 hubs (the model left out the diagonal)
    short = transport([[1, 2], [3, 4]], centers=3, stores=3)
    [hint] = error_hints(rejection(short), short)
    assert 'write the entries it gives as "rows"' in hint and 'with a "default" for the rest' in hint


def test_one_value_for_a_whole_set_points_to_default() -> None:
    # MAMO ComplexLP 28, round 3: "protein": {"index": ["days"], "values": [84]} over 60 days
    document = production(sets={**PRODUCTION["sets"], "days": {"from": 1, "to": 60}},
                          parameters={**PRODUCTION["parameters"], "protein": {"index": ["days"], "values": [84]}})
    [hint] = error_hints(rejection(document), document)
    assert "set 'days' has 60 members (1, 2, 3, 4, 5, 6, …, 60)" in hint
    assert 'write "default": that value instead of "values"' in hint


@pytest.mark.parametrize(("sets", "use", "members", "first"), [
    ({"cities": ["A", "B", "C"]}, "cost[0, 0]", "'A', 'B', 'C'", "'A'"),  # MAMO ComplexLP 92
    ({"cities": [1, 2, 3]}, "cost[0, 1]", "1, 2, 3", "1"),  # MAMO ComplexLP 63
])
def test_an_index_outside_its_set_is_shown_with_the_members(sets, use, members, first) -> None:
    document = {"sets": sets, "parameters": {"cost": {"index": ["cities", "cities"], "default": 1}},
                "variables": {"go": {"index": ["cities", "cities"]}},
                "objective": {"sense": "minimize", "expression": f"sum(go[i, j] for i in cities for j in cities) + {use}"}}
    outcome, _, _, _, error = Agent(None, AgentOptions(examples=0))._evaluate(document)  # type: ignore[arg-type]
    assert outcome == "model_error" and error is not None
    [hint] = error_hints(error, document)
    assert f"is not a member of set 'cities', whose members are {members}. Write one of these members there" in hint
    assert f"An index is a member, not a position: the first member of 'cities' is {first}." in hint


def test_a_name_that_is_a_parameter_and_a_variable_says_which_to_delete() -> None:
    # MAMO ComplexLP 91, round 3: "cost" with data under parameters and again under variables
    document = production(variables={**PRODUCTION["variables"], "profit": {"index": ["products"]}})
    [hint] = error_hints(rejection(document), document)
    assert hint.startswith("'profit' is both a parameter (with data) and a variable; a name means one thing. If 'profit' is a "
                           "number the problem gives, delete the variable 'profit';")


def test_a_row_without_its_members_shows_a_row_with_them() -> None:
    # IndustryOR 100, round 2: "rows": [[0, 90], ...] on a table indexed by ["S", "S"]
    document = production(sets={"S": ["A", "B"]}, parameters={"link": {"index": ["S", "S"], "rows": [[0, 90]]}},
                          variables={"x": {}}, objective={"sense": "max", "expression": "x"}, constraints=[])
    [hint] = error_hints(rejection(document), document)
    assert hint == ("Each row of 'link' lists a member of 'S', a member of 'S', then the value: 3 entries, e.g. "
                    "[\"A\", \"A\", value]; you wrote [0, 90]. Or write \"values\" as 2 lists, one per member of 'S'.")


def test_an_empty_parameter_named_like_a_variable_is_dropped_and_a_scalar_default_is_its_value() -> None:
    # IndustryOR 32 (empty tables named like the variables), MAMO ComplexLP 181 ("min_separation": {"default": 0})
    document = production(parameters={**PRODUCTION["parameters"], "make": {"index": ["products"], "values": {}},
                                       "b_limit": {"default": 6, "description": "most b"}})
    read, notes = normalize_document(document)
    assert "make" not in read["parameters"] and read["parameters"]["b_limit"] == {"value": 6, "description": "most b"}
    assert len(notes) == 2 and notes[0].startswith("dropped parameter 'make': it has no data")
    assert problem_from_dict(read).parameters["b_limit"].values == 6
    kept, _ = normalize_document(production(parameters={**PRODUCTION["parameters"], "make": {"index": ["products"], "default": 0}}))
    assert "make" in kept["parameters"]  # a default is data: the clash stays an error for the model to settle


def test_an_answer_sent_again_is_named_and_the_next_round_is_sampled(chat_server) -> None:
    bad = production(variables={**PRODUCTION["variables"], "profit": {"index": ["products"]}})
    server = chat_server([Reply(as_json(bad)), Reply(as_json(bad)), Reply(as_json(PRODUCTION))])
    options = AgentOptions(max_rounds=3, examples=0, resample_from_round=0, sample_temperature=0.6, seed=5)
    answer = Agent(fast_client(server, temperature=0.0), options).solve(QUESTION)
    assert answer.status == "solved" and answer.objective == pytest.approx(PRODUCTION_OPTIMUM) and answer.rounds == 3
    feedback = [message for message in server.requests[2]["messages"] if message["role"] == "user"][-1]["content"]
    assert feedback.startswith("This answer is the same as your answer in round 1, word for word")
    assert [(request["temperature"], request["seed"]) for request in server.requests] == [(0.0, 5), (0.0, 5), (0.6, 3005)]
    assert "round 2: the answer repeats round 1's word for word" in answer.changes


def test_the_third_round_is_sampled_and_an_infeasible_model_is_not_invited_back(chat_server) -> None:
    infeasible = production(constraints=[*PRODUCTION["constraints"], {"name": "too_much", "expression": "make['a'] >= 100"}])
    other = production(constraints=[*PRODUCTION["constraints"], {"name": "too_much", "expression": "make['a'] >= 50"}])
    server = chat_server([Reply(as_json(infeasible)), Reply(as_json(other)), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server, temperature=0.0), AgentOptions(max_rounds=3, examples=0)).solve(QUESTION)
    assert answer.status == "solved" and answer.rounds == 3
    assert [(request["temperature"], request["seed"]) for request in server.requests] == [(0.0, 0), (0.0, 0), (0.7, 3000)]
    feedback = [message for message in server.requests[1]["messages"] if message["role"] == "user"][-1]["content"]
    assert "do not send the same model again" in feedback and "reply with it unchanged" not in feedback


def children() -> dict:
    """IndustryOR 53 in small (round 3 of the v4 run): members written bare, 'and'/'or' between comparisons."""
    return {"sets": {"S": ["Harry", "Fred", "George", "Ginny"]},
            "parameters": {"cost": {"index": ["S"], "values": {"Harry": 12, "Fred": 8, "George": 9, "Ginny": 15}}},
            "variables": {"take": {"index": ["S"], "type": "binary"}},
            "objective": {"sense": "minimize", "expression": "sum(cost[c] * take[c] for c in S)"},
            "constraints": [{"name": "three", "expression": "sum(take[c] for c in S) >= 3"},
                            {"name": "not_both", "expression": "take[Harry] == 0 or take[Fred] == 0"},
                            {"name": "pair", "expression": "take[George] == 1 and take[Ginny] == 1"}]}


def test_bare_members_and_or_between_binary_conditions_have_one_reading() -> None:
    read, notes = normalize_document(children())
    assert [entry["expression"] for entry in read["constraints"]] == [
        "sum(take[c] for c in S) >= 3", "(1 - take['Harry']) + (1 - take['Fred']) >= 1", "take['George'] == 1",
        "take['Ginny'] == 1"]
    assert [entry["name"] for entry in read["constraints"]] == ["three", "not_both", "pair_1", "pair_2"]
    assert notes[0] == ("quoted the members Harry, Fred, George, Ginny written bare inside brackets: they are no declared "
                        "name and no index, only a member of the set there")
    outcome, _, result, _, _ = Agent(None, AgentOptions(examples=0))._evaluate(read)  # type: ignore[arg-type]
    assert outcome == "accepted" and result.objective == pytest.approx(9 + 15 + 8)  # George, Ginny and the cheaper of H/F


def test_or_and_members_are_left_alone_where_they_could_mean_something_else() -> None:
    document = children()
    document["variables"]["take"]["type"] = "integer"  # 'or' of integer conditions is no clause
    document["constraints"][1]["expression"] = "take[Harry] == 0 or take[Fred] == 0"
    document["parameters"]["Harry"] = 1  # a declared name is that name, not a member
    read, _ = normalize_document(document)
    assert read["constraints"][1]["expression"] == "take[Harry] == 0 or take['Fred'] == 0"
    mixed = children()
    mixed["constraints"][2]["expression"] = "take[George] == 1 and take[Ginny] == 1 or take[Fred] == 1"
    assert normalize_document(mixed)[0]["constraints"][2]["expression"] == \
        "take['George'] == 1 and take['Ginny'] == 1 or take['Fred'] == 1"


def test_if_then_on_indices_picks_rows_and_on_variables_gets_a_hint() -> None:
    # IndustryOR 80: "for": "m in methods", "if m == 'B' then skilled_workers[m] >= 20 else True"
    document = production(constraints=[*PRODUCTION["constraints"],
                                       {"name": "least", "for": "p in products", "expression": "if p == 'a' then make[p] >= 1 else True"}])
    read, notes = normalize_document(document)
    assert read["constraints"][-1] == {"name": "least", "for": "p in products if p == 'a'", "expression": "make[p] >= 1"}
    assert len(notes) == 1
    # MAMO ComplexLP 63: a condition on an integer variable is no filter on the rows: left for the validator, with a hint
    on_variable = production(constraints=[*PRODUCTION["constraints"],
                                          {"name": "least", "for": "p in products", "expression": "if make[p] != 0: make[p] >= 1"}])
    assert normalize_document(on_variable)[0] == on_variable
    outcome, _, _, _, error = Agent(None, AgentOptions(examples=0))._evaluate(on_variable)  # type: ignore[arg-type]
    assert outcome == "model_error" and error is not None
    assert any(hint.startswith("A constraint has no 'if': a condition on indices goes into \"for\"") for hint in error_hints(error))


def test_a_variable_after_in_is_named_with_the_sets() -> None:
    # IndustryOR 51: "... for t in time if t not in contract" with contract a variable
    document = production(objective={"sense": "max", "expression": "sum(profit[p] for p in products if p not in make)"})
    outcome, _, _, _, error = Agent(None, AgentOptions(examples=0))._evaluate(document)  # type: ignore[arg-type]
    assert outcome == "model_error" and error is not None
    assert ("'make' is a variable, not a set: after 'in' write a declared set (sets: 'products', 'resources')."
            in error_hints(error, document)[0])


def test_an_empty_table_is_asked_for_its_numbers_in_member_order() -> None:
    # IndustryOR 32, round 2: "production_capacity": {"index": ["workshops"], "values": {}}
    document = production(parameters={**PRODUCTION["parameters"], "available": {"index": ["resources"], "values": {}}})
    outcome, _, _, _, error = Agent(None, AgentOptions(examples=0))._evaluate(document)  # type: ignore[arg-type]
    assert outcome == "model_error" and error is not None
    assert error_hints(error, document) == [("Parameter 'available' has no numbers at all: write \"values\" as a list of 2 "
                                            "numbers from the problem, one per member of 'resources' in order ('wood', 'labor').")]


def test_a_tables_index_is_read_only_from_uses_over_sets() -> None:
    # MAMO ComplexLP 92 round 1: cost[i, j] over cities beside cost[0, 0]; 121: capacity[i, j] with i in range(9)
    document = {"variables": {"go": {"index": ["cities", "cities"]}},
                "objective": {"sense": "minimize", "expression": "sum(cost[i, j] * go[i, j] for i in cities for j in cities) + "
                                                                 "cost[0, 0] + sum(cap[k, k] for k in range(3))"}}
    [hint] = error_hints(rejection(document), document)
    assert hint.endswith("By their use: \"cost\": {\"index\": [\"cities\", \"cities\"], \"values\": [...]} (one list per member "
                         "of 'cities', each with one number per member of 'cities').")


def test_a_mapping_key_that_spells_a_member_with_its_set_name_is_shown_the_member() -> None:
    # MAMO ComplexLP 91, v5 round 3: "cost": {"index": ["from_", "to"], "values": {"from_0": {"to_0": 64, ...}}}
    document = production(sets={**PRODUCTION["sets"], "from_": [0, 1]},
                          parameters={**PRODUCTION["parameters"], "far": {"index": ["from_"], "values": {"from_0": 3, "from_1": 4}}})
    [hint] = error_hints(rejection(document), document)
    assert hint == ("The keys of 'far' are the members of 'from_' themselves (0, 1): write \"0\" where you wrote \"from_0\", "
                    "and the same for every key.")
