"""The Markdown format: what to_markdown writes, problem_from_markdown reads back; malformed Markdown is a located error."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import ormodel as om
from ormodel.io import load, load_problem, problem_from_dict, problem_to_dict, save
from ormodel.markdown import problem_from_markdown, read_markdown, to_markdown

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))

AWKWARD = {
    "name": "awkward",
    "description": "Members that need quoting, tuples, defaults and exact numbers.\nA second line of description.",
    "sets": {
        "S": ["new york", "a,b", "it's", "1", "x: y"],
        "T": {"from": -2, "to": 3},
        "A": [[1, "p"], [2, "q"], [3, "p"]],
        "F": [0.5, 1.5],
    },
    "parameters": {
        "third": 0.3333333333333333,
        "tiny": 1e-07,
        "cost": {"index": ["S", "T"], "rows": [["a,b", -2, 0.1], ["it's", 3, -4.25], ["1", 0, 1e20]], "default": 2},
        "weight": {"index": ["A"], "values": [1.5, 2, 2.5]},
        "half": {"index": ["F"], "values": [7, 8]},
        "cap": {"index": ["S"], "values": [4, 5, 6, 7, 8]},
    },
    "variables": {
        "x": {"index": ["S"], "type": "continuous", "lower": "-inf", "upper": "cap", "description": "amount — with a dash"},
        "y": {"index": ["A"], "type": "integer", "lower": -3, "upper": 9},
        "open": {"index": ["S"], "type": "binary"},
    },
    "objective": {"sense": "maximize", "expression": "sum(cost[s, t] * x[s] for s in S for t in T) - third * sum(y[a, b] for (a, b) in A)",
                  "description": "net value"},
    "constraints": [
        {"name": "only_open", "for": "s in S", "expression": "x[s] <= 3", "when": "open[s] == 1", "description": "closed stays put"},
        {"name": "pairs", "for": "(a, b) in A if a >= 2", "expression": "y[a, b] + weight[a, b] >= tiny"},
        {"name": "range", "expression": "-5 <= sum(x[s] for s in S) <= 5"},
        {"name": "text", "expression": "x['new york'] + x['a,b'] >= -1"},
    ],
}


def round_trip(problem: om.Problem) -> om.Problem:
    return problem_from_markdown(to_markdown(problem, limit=None))


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_example_reads_back_to_the_same_problem_and_optimum(path: Path) -> None:
    problem = load_problem(path)
    again = round_trip(problem)
    assert problem_to_dict(again) == problem_to_dict(problem)
    solved, solved_again = om.solve(problem, solver="auto"), om.solve(again, solver="auto")
    assert solved_again.status == solved.status == om.Status.OPTIMAL
    assert solved_again.objective == pytest.approx(solved.objective, rel=1e-9, nan_ok=True)  # nan for the feasibility timetable


def test_awkward_members_numbers_and_descriptions_survive() -> None:
    problem = problem_from_dict(AWKWARD)
    again = round_trip(problem)
    assert problem_to_dict(again) == problem_to_dict(problem)
    assert again.description == AWKWARD["description"]
    assert again.objective is not None and again.objective.description == "net value"
    assert again.variables["x"].description == "amount — with a dash"
    assert again.parameter_table("cost")[("a,b", -2)] == 0.1 and again.parameter_table("cost")[("1", 0)] == 1e20
    assert float(again.parameters["third"].values) == 1 / 3


def test_feasibility_and_nonlinear_models_round_trip() -> None:
    feasibility = problem_from_dict({"variables": {"x": {"upper": 2, "type": "integer"}}, "constraints": [{"name": "c", "expression": "x >= 1"}]})
    text = to_markdown(feasibility, limit=None)
    assert "feasibility (no objective" in text
    assert round_trip(feasibility).is_feasibility
    nonlinear = problem_from_dict({"variables": {"x": {"lower": 0.5, "upper": 3}},
                                   "objective": {"sense": "min", "expression": "exp(x) + x**3 - sqrt(x) / log(x + 1)"}})
    assert problem_to_dict(round_trip(nonlinear)) == problem_to_dict(nonlinear)


def test_save_and_load_by_extension_and_the_cli_solves_markdown(tmp_path: Path) -> None:
    problem = load_problem(EXAMPLES[0])
    path = tmp_path / "model.md"
    save(problem, path)
    assert problem_to_dict(load(path)) == problem_to_dict(problem)
    assert problem_to_dict(read_markdown(path)) == problem_to_dict(problem)
    from ormodel.cli import main

    assert main(["solve", str(path)]) == 0


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.md"
    path.write_text(text)
    return path


GOOD = to_markdown(problem_from_dict({"sets": {"I": [1, 2, 3]}, "parameters": {"c": {"index": "I", "values": [1, 2, 3]}},
                                      "variables": {"x": {"index": "I", "upper": 1}},
                                      "objective": {"sense": "max", "expression": "sum(c[i] * x[i] for i in I)"},
                                      "constraints": [{"name": "budget", "expression": "sum(x[i] for i in I) <= 2"}]}), limit=None)


@pytest.mark.parametrize(("change", "line", "message"), [
    (("- `I` (3 members): {1, 2, 3}", "- `I` (3 members): {1, 2, …}"), 5, r"(?s)listed only in part \(…\).*limit=None"),
    (("- `I` (3 members): {1, 2, 3}", "- `I` (4 members): {1, 2, 3}"), 5, "set 'I' says 4 members but lists 3"),
    (("- `I` (3 members): {1, 2, 3}", "- `I` (3 members): {__import__('os'), 2, 3}"), 5, "is not a number, a quoted name or a tuple"),
    (("- `I` (3 members): {1, 2, 3}", "- I: 1, 2, 3"), 5, r"(?s)cannot read this line as a set.*write it as - `I` \(3 members\)"),
    (("- `c[I]`: 1: 1, 2: 2, 3: 3", "- `c[I]`: 1: 1, 2: two, 3: 3"), 9, "parameter 'c': 'two' is not a number"),
    (("- `c[I]`: 1: 1, 2: 2, 3: 3", "- `c[I]`: 1: 1, 7: 2, 3: 3"), 9, "7 is not a member of set I"),
    (("- `x[I]`: continuous, 0 ≤ x ≤ 1", "- `x[I]`: continuous, 0 ≤ y ≤ 1"), 13, "the bounds of 'x' name 'y'"),
    (("- `x[I]`: continuous, 0 ≤ x ≤ 1", "- `x[I]`: fractional, 0 ≤ x ≤ 1"), 13, "is not one of"),
    (("maximize `sum(c[i] * x[i] for i in I)`", "maximize `sum(c[i] * x[i] for i in I`"), 17, "objective"),
    (("maximize `sum(c[i] * x[i] for i in I)`", "best `x[1]`"), 17, "sense"),
    (("- **budget**: `sum(x[i] for i in I) <= 2`", "- **budget**: sum(x[i] for i in I) <= 2"), 21, "cannot read this line as a constraint"),
    (("## Constraints", "## Rules"), 19, "unknown section 'Rules'"),
    (("## Constraints", "## Variables"), 19, "section 'Variables' appears twice"),
])
def test_malformed_markdown_names_the_line(tmp_path: Path, change: tuple[str, str], line: int, message: str) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(om.ModelError, match=message) as caught:
        read_markdown(path)
    assert f"{path}:{line}" in str(caught.value)


def test_errors_found_when_compiling_point_at_the_markdown_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("<= 2`", "<= undefined_cap`"))
    problem = read_markdown(path)
    with pytest.raises(om.ModelError, match="undefined_cap") as caught:
        om.compile(problem)
    assert f"{path}:21" in str(caught.value)


def test_text_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(om.ModelError, match=r"starts with its title") as caught:
        read_markdown(write(tmp_path, "Just some notes.\n"))
    assert ":1" in str(caught.value)
    with pytest.raises(om.ModelError, match="no '## Variables' section"):
        read_markdown(write(tmp_path, "# empty\n\n## Sets\n"))


def test_show_output_with_a_limit_is_refused_with_the_way_to_a_complete_file(tmp_path: Path) -> None:
    problem = problem_from_dict({"sets": {"I": {"from": 1, "to": 50}}, "parameters": {"w": {"index": "I", "values": list(range(50))}},
                                 "variables": {"x": {"index": "I"}}, "objective": {"sense": "min", "expression": "sum(w[i] * x[i] for i in I)"}})
    shown = to_markdown(problem)  # ormodel show: the range reads 1..50, but the table is cut
    with pytest.raises(om.ModelError, match=r"the table is listed only in part") as caught:
        problem_from_markdown(shown, source="shown.md")
    assert "ormodel convert model.yaml model.md" in str(caught.value)
    assert math.isclose(om.solve(round_trip(problem)).objective, 0.0)


def test_special_constructs_round_trip_with_the_same_optimum() -> None:
    """Semi-integer variables, SOS families (with and without ``for``) and piecewise terms survive the Markdown."""
    problem = problem_from_dict({
        "sets": {"I": [1, 2], "K": [1, 2, 3]},
        "parameters": {"gain": {"index": ["K"], "values": [3, 5, 4]}},
        "variables": {"x": {"index": ["I", "K"], "upper": 4}, "n": {"type": "semiinteger", "lower": 2, "upper": 5},
                      "y": {"upper": 10}},
        "objective": {"sense": "max", "expression": "sum(gain[k] * x[i,k] for i in I for k in K) - n"
                                                    " - piecewise(y, [0, 5, 10], [0, 2, 10])"},
        "constraints": [{"name": "total", "for": "i in I", "expression": "sum(x[i,k] for k in K) <= 6"},
                        {"name": "need", "expression": "y + n >= 3"},
                        {"name": "pick", "for": "i in I", "expression": "sos1(x[i,k] for k in K)", "description": "one size"},
                        {"name": "row", "expression": "sos2(x[1,k] for k in K)"}],
    })
    text = to_markdown(problem, limit=None)
    assert "`n`: semiinteger, 2 ≤ n ≤ 5" in text and "- **pick** for i in I: `sos1(" in text and "piecewise(y, [0, 5, 10]" in text
    again = round_trip(problem)
    assert problem_to_dict(again) == problem_to_dict(problem)
    assert [family.name for family in again.sos_sets] == ["pick", "row"] and again.variables["n"].semicontinuous
    solved, solved_again = om.solve(problem, solver="highs"), om.solve(again, solver="highs")
    assert solved.status == solved_again.status == om.Status.OPTIMAL
    assert solved_again.objective == pytest.approx(solved.objective) == pytest.approx(40 - 0 - 1.2)
