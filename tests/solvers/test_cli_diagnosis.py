"""``ormodel solve`` prints the IIS, the unbounded ray and the ``--check`` report on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ormodel.cli import EXIT_NO_SOLUTION, EXIT_OK, main

BACKENDS = ["highs", "scip", "cpsat", "pyomo"]

INFEASIBLE = """
sets: {I: [1, 2, 3]}
variables: {x: {index: [I], upper: 3, type: integer}, spare: {upper: 5, type: integer}}
objective: {expression: 'sum(x[i] for i in I) + spare'}
constraints:
  - {name: need, expression: 'sum(x[i] for i in I) >= 10'}
  - {name: harmless, for: 'i in I', expression: 'x[i] >= 0'}
  - {name: spare_floor, expression: 'spare >= 1'}
"""

UNBOUNDED = """
sets: {I: [1, 2]}
variables: {x: {index: [I], type: integer}, capped: {upper: 2, type: integer}}
objective: {sense: max, expression: 'sum(x[i] for i in I) + capped'}
constraints:
  - {name: link, expression: 'x[1] - x[2] <= 1'}
"""

FEASIBLE = """
sets: {I: [1, 2, 3]}
parameters: {weight: {index: [I], values: [3, 4, 5]}}
variables: {x: {index: [I], type: integer, upper: 4}}
objective: {sense: max, expression: 'sum(weight[i] * x[i] for i in I)'}
constraints:
  - {name: budget, expression: 'sum(weight[i] * x[i] for i in I) <= 17'}
"""


def _solve(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    path = tmp_path / "model.yaml"
    path.write_text(text)
    code = main(["solve", str(path), *arguments])
    return code, capsys.readouterr().out


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_prints_the_iis_in_model_names(backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _solve(tmp_path, INFEASIBLE, capsys, "--solver", backend)
    assert code == EXIT_NO_SOLUTION
    assert "status: infeasible" in output
    subset = output.split("infeasible subset:", 1)[1]
    assert "need" in subset and "harmless" not in subset and "spare_floor" not in subset
    assert "x[1]" in subset and "spare" not in subset.replace("spare_floor", "")


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_prints_an_unbounded_ray_naming_variables(backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _solve(tmp_path, UNBOUNDED, capsys, "--solver", backend)
    assert code == EXIT_NO_SOLUTION
    assert "status: unbounded" in output
    ray = output.split("unbounded direction:", 1)[1].splitlines()[0]
    assert "x[1] (+1)" in ray and "x[2] (+1)" in ray and "capped" not in ray


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_check_reports_the_maximum_violation(backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _solve(tmp_path, FEASIBLE, capsys, "--solver", backend, "--check", "--json")
    assert code == EXIT_OK
    payload = json.loads(output)
    assert payload["status"] == "optimal" and payload["objective"] == pytest.approx(17.0)
    assert payload["check"]["feasible"] and payload["check"]["max_violation"] <= 1e-6
    assert payload["check"]["objective"] == pytest.approx(17.0)
    code, output = _solve(tmp_path, FEASIBLE, capsys, "--solver", backend, "--check")
    assert code == EXIT_OK and "check: max violation" in output and "-> feasible" in output
