"""Hints after validator errors that small local models make often (seen with Qwen2.5-Coder-1.5B and SmolLM2)."""

from __future__ import annotations

import json

import pytest
from ormodel.nl2opt.agent import Agent, AgentOptions
from ormodel.nl2opt.prompts import error_hints
from ormodel.nl2opt.testing import Reply

from ormodel.errors import ModelError
from ormodel.io import problem_from_dict

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, fast_client, production


def rejection(document: dict) -> str:
    with pytest.raises(ModelError) as caught:
        problem_from_dict(document)
    return str(caught.value)


def test_a_quoted_number_as_a_bound_is_the_number() -> None:
    # Seen with Qwen2.5-Coder-1.5B on NL4Opt 114 and 201 ("lower": "0" sent three times): no name starts with a digit.
    problem = problem_from_dict(production(variables={"make": {"index": ["products"], "lower": " 0.5", "upper": "6e0"}}))
    assert (problem.variables["make"].lower, problem.variables["make"].upper) == (0.5, 6.0)
    error = rejection(production(variables={"make": {"index": ["products"], "lower": "nan"}}))
    assert "lower bound 'nan' is not a number or a parameter" in error


def test_a_bound_made_of_another_variable_is_shown_as_the_constraint_it_is() -> None:
    document = production(variables={"x": {"lower": 0}, "pears": {"lower": 10, "upper": "2 * x"}})
    [hint] = error_hints(rejection(document))
    assert "remove \"upper\" from variable 'pears'" in hint
    assert '{"name": "pears_upper", "expression": "pears <= 2 * x"}' in hint


def test_an_undeclared_set_in_an_index_is_named() -> None:
    document = production(variables={"flow": {"index": ["apples"]}})
    [hint] = error_hints(rejection(document))
    assert hint.startswith("Set 'apples' is not declared. Declare it first: \"sets\": {\"apples\": [its members]}")


def test_an_undeclared_set_names_its_users_and_a_missing_sets_section() -> None:
    # MAMO ComplexLP 166, round 1 (shortened): variables indexed over sets in a document without "sets" or "parameters".
    document = {"variables": {"open": {"index": ["centers"], "type": "binary"},
                              "transport": {"index": ["centers", "stores"], "type": "continuous"}},
                "objective": {"expression": "sum(open[c] for c in centers)"}}
    error = rejection(document)
    [hint] = error_hints(error, document)
    assert hint == ("Set 'centers' is used in the index of variable 'open', variable 'transport' but is not declared. Your "
                    "model has no \"sets\": write \"sets\" (and \"parameters\" for the data) before \"variables\". Declare it "
                    "first: \"sets\": {\"centers\": [its members]} (or {\"from\": 1, \"to\": n}), or index by a set that is "
                    "declared. Declared nowhere either: 'stores' (in the index of variable 'transport'). Declare them all in "
                    "one \"sets\": {\"centers\": [its members], \"stores\": [its members]}.")


def test_an_undeclared_set_given_by_a_parameters_keys_shows_the_entry_to_add() -> None:
    # The same answer with its opening costs written as a table keyed by center: the keys are offered, not assumed
    # (a "default" may fill centers the table leaves out), so the reader still rejects the document.
    document = {"sets": {"stores": [1, 2]},
                "parameters": {"opening_cost": {"index": ["centers"], "values": {"A": 3, "B": 5}},
                               "capacity": {"index": ["centers"], "values": {"A": 9, "B": 7}}},
                "variables": {"open": {"index": ["centers"], "type": "binary"}},
                "objective": {"sense": "minimize", "expression": "sum(opening_cost[c] * open[c] for c in centers)"}}
    [hint] = error_hints(rejection(document), document)
    assert hint == ("Set 'centers' is used in the index of variable 'open', parameter 'opening_cost', parameter 'capacity' "
                    "but is not declared. The keys of parameter 'opening_cost', 'capacity' give \"sets\": {\"centers\": "
                    "[\"A\", \"B\"]}; add it (with any member those keys leave out), or index by a set that is declared.")
    disagreeing = {**document, "parameters": {**document["parameters"], "capacity": {"index": ["centers"], "values": {"A": 9}}}}
    [hint] = error_hints(rejection(disagreeing), disagreeing)
    assert '[its members]' in hint and '"A", "B"' not in hint


def test_a_bound_made_of_another_variable_quotes_the_entry_without_it() -> None:
    # NL4Opt 114, round 3: the model added "pears <= 2 * apples" to the constraints but kept "upper": "2 * apples".
    document = production(variables={"apples": {"type": "integer", "lower": 5, "upper": 50},
                                      "pears": {"type": "integer", "lower": 10, "upper": "2 * apples"}})
    [hint] = error_hints(rejection(document), document)
    assert hint.endswith('The variable then reads "pears": {"type": "integer", "lower": 10}.')
    assert error_hints("variables 'x': the objective is constant") == []


def feedback_before_recovery(chat_server, rejected: dict) -> str:
    """The feedback after ``rejected``, when the model then answers the right model (checked solved)."""
    server = chat_server([Reply(as_json(rejected)), Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=2, examples=0)).solve(QUESTION)
    assert answer.status == "solved" and answer.objective == pytest.approx(PRODUCTION_OPTIMUM)
    return [message for message in server.requests[1]["messages"] if message["role"] == "user"][-1]["content"]


def test_the_agent_sends_the_hint_and_the_model_recovers(chat_server) -> None:
    bound = production(variables={"make": {**PRODUCTION["variables"]["make"], "upper": "2 * b_limit"}})
    feedback = feedback_before_recovery(chat_server, bound)
    assert "upper bound '2 * b_limit' is not a number" in feedback
    assert "Hint: A bound is a number or a parameter name." in feedback


def test_a_quoted_number_as_a_bound_solves_in_one_round(chat_server) -> None:
    quoted = production(variables={"make": {**PRODUCTION["variables"]["make"], "lower": "0"}})
    server = chat_server([Reply(as_json(quoted))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=2, examples=0)).solve(QUESTION)
    assert answer.status == "solved" and answer.rounds == 1 and answer.objective == pytest.approx(PRODUCTION_OPTIMUM)


def test_a_sum_without_for_comes_back_with_the_generator_to_write(chat_server) -> None:
    shorthand = production(objective={**PRODUCTION["objective"], "expression": "sum(profit * make)"})
    feedback = feedback_before_recovery(chat_server, shorthand)
    assert "sum(profit * make) has no 'for'" in feedback
    assert "hint: write sum(profit[p] * make[p] for p in products)" in feedback


def test_sum_of_a_whole_variable_is_accepted_from_a_model(chat_server) -> None:
    whole = production(constraints=[*PRODUCTION["constraints"], {"name": "total", "expression": "sum(make) <= 7"}])
    server = chat_server([Reply(as_json(whole))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=1, examples=0)).solve(QUESTION)
    assert answer.status == "solved" and answer.objective == pytest.approx(3 * 1 + 5 * 6)  # b at its limit 6, one a


def test_a_name_with_a_space_is_named_with_its_fix() -> None:
    # NL4Opt 74, round 1: {" telecom": ..., "healthcare": ...}; after the bare pattern error the model dropped healthcare.
    document = production(variables={" telecom": {"lower": 0}, "healthcare": {"lower": 0}})
    [hint] = error_hints(rejection(document))
    assert hint == ("The name ' telecom' in \"variables\" has a space in it: write 'telecom', and keep every other entry "
                    "as it was.")
    assert error_hints(rejection(production(variables={"9lives": {"lower": 0}}))) == []


def test_the_agent_sends_the_set_hint_in_the_answers_own_names(chat_server) -> None:
    # MAMO ComplexLP 41/121: variables indexed over undeclared sets, in an answer without a "sets" section.
    without_sets = {key: value for key, value in PRODUCTION.items() if key != "sets"}
    feedback = feedback_before_recovery(chat_server, without_sets)
    assert "Hint: Set 'products' is used in the index of " in feedback
    assert 'Your model has no "sets": write "sets" (and "parameters" for the data) before "variables".' in feedback


def test_an_indexed_variable_used_as_one_number_is_shown_without_its_index(chat_server) -> None:
    # MAMO EasyLP 79, round 2: "workers_X": {"index": ["projects"], ...} in "2 * workers_X + workers_Y >= 8".
    scalar_use = production(variables={**PRODUCTION["variables"],
                                       "workers_X": {"index": ["products"], "type": "integer", "lower": 0}},
                            constraints=[*PRODUCTION["constraints"], {"name": "mix", "expression": "2 * workers_X >= 8"}])
    feedback = feedback_before_recovery(chat_server, scalar_use)
    assert "variable 'workers_X' is indexed by products; write workers_X[...]" in feedback
    assert ("Hint: Variable 'workers_X' has an \"index\" (products) but is used as one number. If it is one quantity, "
            "remove \"index\" from variable 'workers_X'. The variable then reads \"workers_X\": {\"type\": \"integer\", "
            "\"lower\": 0}. Otherwise write workers_X[...] with an index bound by \"for\" or by a sum over products.") in feedback


def test_every_undeclared_set_is_named_at_once() -> None:
    # MAMO ComplexLP 121 and 41, round 2: told only of 'from', the model declared 'from' and the next round failed on 'to'.
    document = {"variables": {"flow": {"index": ["from", "to"], "type": "continuous", "upper": 150}},
                "objective": {"sense": "maximize", "expression": "sum(flow[i, j] for i in range(9) for j in range(9) if i != j)"}}
    [hint] = error_hints(rejection(document), document)
    assert hint.endswith("Declared nowhere either: 'to' (in the index of variable 'flow'). Declare them all in one "
                         "\"sets\": {\"from\": [its members], \"to\": [its members]}.")


@pytest.mark.parametrize(("variable", "index", "use", "shown", "entry"), [
    # IndustryOR 53, round 1 (trimmed): the children's names as the index, 'children[Harry]' in the constraints.
    ("children", ["Harry", "Hermione", "Ron"], "children[Harry] + children[Ron] <= 1", "children[Harry]", '"index": ["S"]'),
    # IndustryOR 100, rounds 1 and 3: the nodes as the index of a link between two of them, 'link[A,B]'.
    ("link", ["A", "B", "C", "D", "E"], "link[A,B] + link[C,D] >= 1", "link[A,B]", '"index": ["S", "S"]'),
])
def test_an_index_that_lists_members_is_named_with_the_set_to_declare(variable, index, use, shown, entry) -> None:
    document = {"variables": {variable: {"index": index, "type": "binary"}},
                "objective": {"sense": "minimize", "expression": use.split(" <=")[0].split(" >=")[0]},
                "constraints": [{"name": "rule", "expression": use}]}
    [hint] = error_hints(rejection(document), document)
    assert hint.startswith(f"The \"index\" of variable {variable!r} lists members, not sets: {json.dumps(index)} (you write {shown}).")
    assert f"{entry} on {variable!r}" in hint and f"\"sets\": {{\"S\": {json.dumps(index)}}}" in hint
    assert "quote members in expressions: " + shown.replace(index[0], repr(index[0])).split("[")[0] in hint


@pytest.mark.parametrize("loop", [
    # MAMO ComplexLP 41, round 1 of the live v4 run (trimmed): the index names loop variables bound by "for".
    {"objective": "sum(cost[from, to] * move[from, to] for from in ['W1', 'W2'] for to in ['W1', 'W2'])"},
    # the same names bound by a constraint's "for" clause
    {"for": "from in ['W1', 'W2'], to in ['W1', 'W2']"},
])
def test_an_index_of_loop_variables_is_not_taken_for_members(loop) -> None:
    document = {"variables": {"move": {"index": ["from", "to"], "type": "binary"}},
                "objective": {"sense": "minimize", "expression": loop.get("objective", "sum(move[i, j] for i in S for j in S)")},
                "constraints": [{"name": "one", "for": loop.get("for", "to in ['W1']"),
                                 "expression": "sum(move[from, to] for from in ['W1', 'W2']) == 1"}]}
    [hint] = error_hints(rejection(document), document)
    assert "lists members" not in hint, "v4 told the model to declare \"S\": [\"from_\", \"to\"] and it did"
    assert hint.startswith("Set 'from' is used in the index of variable 'move' but is not declared.")
    assert "Declare them all in one \"sets\": {\"from\": [its members], \"to\": [its members]}." in hint
    assert "in[...]" not in hint, "'in [...]' lists members; it is no table"


def test_the_tables_an_answer_indexes_but_never_declares_are_named_with_the_sets() -> None:
    # MAMO ComplexLP 166, round 1 of v2 (trimmed): no sets, no parameters; the next rounds declared sets but still used
    # opening[c] and cost[c] without declaring them.
    document = {"variables": {"open": {"index": ["centers"], "type": "binary"},
                              "transport": {"index": ["centers", "stores"], "type": "continuous"}},
                "objective": {"sense": "minimize", "expression": "sum(opening[c] * cost[c] for c in centers) + "
                                                                 "sum(transport[c, s] * unit_cost[c, s] for c in centers for s in stores)"},
                "constraints": [{"name": "demand", "for": "s in stores", "expression": "sum(transport[c, s] for c in centers) == demand[s]"}]}
    [hint] = error_hints(rejection(document), document)
    assert ("The expressions also use opening[...], cost[...], unit_cost[...], demand[...], declared nowhere: put "
            "each under \"parameters\" with the numbers from the problem, e.g. {\"index\": [its sets], \"values\": [...]}.") in hint
    # the index each table needs, from the sets its indices run over (v4 round 2 of ComplexLP 166 wrote unit_cost 6 × 6)
    assert hint.endswith("\"unit_cost\": {\"index\": [\"centers\", \"stores\"], \"values\": [...]} (one list per member of "
                         "'centers', each with one number per member of 'stores'); \"demand\": {\"index\": [\"stores\"], "
                         "\"values\": [...]} (one number per member of 'stores').")
    assert "By their use: \"opening\": {\"index\": [\"centers\"]" in hint
    assert "transport[...]" not in hint
