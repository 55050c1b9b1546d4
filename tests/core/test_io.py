"""Files: YAML/JSON documents, schema errors with lines, MPS/LP round trips."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import ormodel as om
from ormodel.io import dumps_yaml, json_schema, load_problem, problem_from_dict, problem_to_dict
from ormodel.nonlinearity import uses_nonlinear_terms


def test_yaml_json_round_trip(examples_dir: Path, tmp_path: Path) -> None:
    for example in sorted(examples_dir.glob("*.yaml")):
        problem = load_problem(example)
        original = om.solve(problem, solver="auto").objective  # nan for a feasibility model
        again = problem_from_dict(yaml.safe_load(dumps_yaml(problem)))
        assert om.solve(again, solver="auto").objective == pytest.approx(original, nan_ok=True), example.name
        json_path = tmp_path / (example.stem + ".json")
        om.save(problem, json_path)
        assert om.solve(om.load(json_path), solver="auto").objective == pytest.approx(original, nan_ok=True), example.name


def test_yaml_to_mps_to_highs_same_objective(examples_dir: Path, tmp_path: Path) -> None:
    for example in sorted(examples_dir.glob("*.yaml")):
        problem = load_problem(example)
        if uses_nonlinear_terms(problem):
            continue  # MPS and LP hold linear and quadratic models only
        expected = 0.0 if problem.is_feasibility else om.solve(problem).objective  # a matrix file keeps a zero objective
        for suffix in (".mps", ".lp"):
            path = tmp_path / (example.stem + suffix)
            om.save(problem, path)
            form = om.load(path)
            assert isinstance(form, om.StandardForm)
            assert om.solve(form).objective == pytest.approx(expected, rel=1e-9), (example.name, suffix)


def test_mps_keeps_indexed_names(examples_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "transport.mps"
    om.save(load_problem(examples_dir / "transportation.yaml"), path)
    result = om.solve(om.load(path))
    assert result.value("ship[seattle,chicago]") == pytest.approx(300.0)


def test_documents_validate_against_the_published_schema(examples_dir: Path) -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for example in examples_dir.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(example.read_text()), schema)
        jsonschema.validate(problem_to_dict(load_problem(example)), schema)


BROKEN = """\
name: broken
sets:
  I: [1, 2, 3]
variables:
  x: {index: [I]}
objective:
  sense: minimize
  expression: sum(x[i] for i in I)
constraints:
  - name: ok
    expression: x[1] >= 1
  - name: typo
    for: i in I
    expression: x[i] + y[i] >= 1
"""


def test_error_names_file_line_element_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    problem = load_problem(path)  # parsing is fine; the undefined symbol shows at compile time
    with pytest.raises(om.ModelError) as caught:
        om.compile(problem)
    assert "undefined symbol 'y'" in str(caught.value)
    assert caught.value.location.item == "typo"
    assert caught.value.location.column == 8


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("variables:\n  x: {index: [I], typ: binary}\nobjective: {expression: x}\n", "unknown key", 2),
        ("sets:\n  I: [1, 2]\nvariables:\n  x: {index: [J]}\nobjective: {expression: '0'}\n", "unknown set 'J'", 4),
        ("variables:\n  x: {}\nobjective: {sense: upward, expression: x}\n", "objective/sense", 3),
        ("variables:\n  x: {}\nobjective: {expression: 'x +'}\n", "syntax error in expression", 3),
        ("sets:\n  I: [1, 1]\nvariables: {x: {}}\nobjective: {expression: x}\n", "member 1 appears twice", 2),
        ("sets: {I: [a, b]}\nparameters:\n  p: {index: [I], values: {a: 1, c: 2}}\nvariables: {x: {}}\nobjective: {expression: x}\n",
         "'c' is not a member of set I", 3),
        ("sets: {I: [a, b]}\nparameters:\n  p: {index: [I], values: [1, 2, 3]}\nvariables: {x: {}}\nobjective: {expression: x}\n",
         "dense 'values' have shape (3,), the index sets give (2,)", 3),
        ("variables: {x: {}}\nobjective: {expression: x}\nconstraints:\n  - {name: c, expression: 'x != 1'}\n", "must compare with <=, >= or ==", 4),
        ("variables: {x: {}}\nobjective: {expression: x\n", "invalid YAML", 3),
    ],
)
def test_bad_documents(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(om.ModelError) as caught:
        load_problem(path)
    assert message in str(caught.value)
    assert caught.value.location.file == str(path)
    assert caught.value.location.line == line


def test_invalid_json_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"variables": {"x": {}},\n "objective": {"expression": "x",}\n}')
    with pytest.raises(om.ModelError, match="invalid JSON") as caught:
        load_problem(path)
    assert caught.value.location.line == 2


def test_parameter_forms(tmp_path: Path) -> None:
    document = {
        "sets": {"I": ["a", "b"], "T": {"from": 1, "to": 3}, "A": [["a", 1], ["b", 3]]},
        "parameters": {
            "dense": {"index": ["I", "T"], "values": [[1, 2, 3], [4, 5, 6]]},
            "nested": {"index": ["I", "T"], "values": {"a": {1: 7}, "b": {"3": 8}}, "default": 0},
            "rows": {"index": ["A"], "rows": [["a", 1, 2.5], ["b", 3, 1.5]]},
            "scalar": 4,
        },
        "variables": {"x": {"index": ["A"]}},
        "objective": {"expression": "sum(rows[i,t] * x[i,t] for (i, t) in A) + nested['b', 3] + dense['a', 2] + scalar"},
    }
    problem = problem_from_dict(document)
    form = om.compile(problem)
    assert form.objective.tolist() == [2.5, 1.5]
    assert form.objective_offset == pytest.approx(8 + 2 + 4)
    back = problem_from_dict(json.loads(json.dumps(problem_to_dict(problem))))
    assert om.compile(back).objective_offset == pytest.approx(14)


def test_unknown_file_type(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("x")
    with pytest.raises(om.ModelError, match="unknown file type"):
        om.load(path)


def test_save_is_atomic_on_error(tmp_path: Path, examples_dir: Path) -> None:
    form = om.load(examples_dir / "transportation.yaml")
    target = tmp_path / "out.yaml"
    mps = om.compile(form)
    with pytest.raises(om.ModelError, match="cannot be written as a five-element document"):
        om.save(mps, target)
    assert not target.exists()


def test_long_lists_are_validated_item_by_item_shape(tmp_path: Path) -> None:
    members = [[i, i + 1] for i in range(5000)]
    document = {"sets": {"N": list(range(5001)), "ARCS": members},
                "variables": {"flow": {"index": ["ARCS"]}},
                "objective": {"sense": "minimize", "expression": "sum(flow[i, j] for (i, j) in ARCS)"}, "constraints": []}
    assert problem_from_dict(document).sets["ARCS"].size == 5000
    members[3777] = [3777, {"oops": 1}]
    path = tmp_path / "arcs.json"
    path.write_text(json.dumps(document, indent=1))
    with pytest.raises(om.ModelError, match="sets/ARCS/3777") as caught:
        load_problem(path)
    assert caught.value.location.line is not None and caught.value.location.line > 1000
