"""Which problem texts ask for sets and parameters before the variables in the first answer.

In the v5 local run, under the plain grammar (``variables`` first), 12 of the 16 MAMO ComplexLP/IndustryOR first
answers declared no sets, and the data came a round later. Asking every answer for sets first made the model
invent members "A" … "Z" for NL4Opt 33 (two scalar variables), so only texts that list data over items are asked
so. The texts here are written for the tests, not taken from the data sets.
"""

from __future__ import annotations

from ormodel.nl2opt.agent import Agent, AgentOptions
from ormodel.nl2opt.client import generation_schema
from ormodel.nl2opt.problem_text import TABLE_NUMBERS, states_tables
from ormodel.nl2opt.testing import Reply

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, fast_client

SCALAR = ("A bakery bakes bread and cakes. A loaf needs 2 cups of flour and sells for 3 dollars; a cake needs 5 cups and "
          "sells for 11 dollars. There are 120 cups of flour, and at least 10 loaves must be baked. How many of each "
          "maximize revenue?")

# projects named X1..X4: the digits of the names are not data
NAMED_SCALARS = ("A fund splits money over projects X1, X2, X3 and X4. X1 returns 4 percent and X2 returns 6 percent."
                 "\n- X1 plus X2 may not exceed 500.\n- X3 plus X4 must be at least 200.")

MARKDOWN = """A mill cuts three products on two machines.

| Machine | Hours | Product 1 | Product 2 | Product 3 |
| --- | --- | --- | --- | --- |
| M | 40 | 2 | 3 | 1 |
| N | 35 | 1 | 2 | 4 |

Maximize the number of finished sets."""

LINES = """A carrier ships from three depots to two shops.
- Depot P holds 30 crates; shipping a crate to shop S costs 4 and to shop T costs 6.
- Depot Q holds 25 crates; to S it costs 5, to T it costs 3.
- Depot R holds 40 crates; to S it costs 7, to T it costs 2.
Shop S needs 45 crates and shop T needs 50. Minimize the shipping cost."""

ONE_LINE = ("Five trucks have capacities 12, 15, 9, 20 and 11 tons and daily costs 300, 350, 260, 420 and 310; five "
            "routes need 10, 14, 8, 19 and 6 tons each day, and a ton left unserved costs 90.")


def test_short_scalar_texts_keep_the_plain_grammar() -> None:
    assert not states_tables(SCALAR)
    assert not states_tables(QUESTION)
    assert not states_tables(NAMED_SCALARS)
    assert not states_tables("")


def test_texts_that_list_data_over_items_declare_first() -> None:
    assert states_tables(MARKDOWN)
    assert states_tables(LINES)
    assert states_tables(ONE_LINE)


def test_the_number_count_decides_a_one_line_text() -> None:
    numbers = ", ".join(str(10 + k) for k in range(TABLE_NUMBERS))
    assert states_tables(f"The items weigh {numbers} kilograms.")
    fewer = ", ".join(str(10 + k) for k in range(TABLE_NUMBERS - 1))
    assert not states_tables(f"The items weigh {fewer} kilograms.")
    assert not states_tables("Items w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15, w16, w17 weigh 3 and 4.")


def test_the_declare_first_schema_offers_no_description() -> None:
    plain = generation_schema()
    first = generation_schema(declare_first=True)
    assert list(first["properties"]) == ["sets", "parameters", "variables", "name", "objective", "constraints"]
    assert "description" in plain["properties"], "the plain grammar still offers it"


def test_a_problem_listing_tables_is_asked_to_declare_first_from_round_one(chat_server) -> None:
    server = chat_server([Reply(as_json(PRODUCTION))])
    answer = Agent(fast_client(server), AgentOptions(max_rounds=1, examples=0)).solve(LINES)
    assert answer.status == "solved" and answer.objective == PRODUCTION_OPTIMUM
    assert server.requests[0]["response_format"]["json_schema"]["schema"] == generation_schema(declare_first=True)


def test_tables_first_can_be_turned_off(chat_server) -> None:
    server = chat_server([Reply(as_json(PRODUCTION))])
    Agent(fast_client(server), AgentOptions(max_rounds=1, examples=0, tables_first=False)).solve(LINES)
    assert server.requests[0]["response_format"]["json_schema"]["schema"] == generation_schema()
