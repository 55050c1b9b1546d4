"""The ormodel command line: outputs, exit codes and messages, run as a user would (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ormodel", *arguments], capture_output=True, text=True, timeout=120)


def test_solve_prints_a_solution_table(examples_dir: Path) -> None:
    completed = run("solve", str(examples_dir / "transportation.yaml"))
    assert completed.returncode == 0, completed.stderr
    assert "optimal" in completed.stdout
    assert "153.675" in completed.stdout
    assert "ship[seattle,chicago]" in completed.stdout


def test_solve_json_and_check(examples_dir: Path) -> None:
    completed = run("solve", str(examples_dir / "facility_location.yaml"), "--json", "--check", "--time-limit", "30")
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["status"] == "optimal"
    assert payload["objective"] == pytest.approx(505.0)
    assert payload["check"]["max_violation"] <= 1e-6


def test_validate_show_convert(examples_dir: Path, tmp_path: Path) -> None:
    validated = run("validate", str(examples_dir / "assignment.yaml"))
    assert validated.returncode == 0
    assert "MILP: 16 variables (16 integer), 8 constraints" in validated.stdout
    shown = run("show", str(examples_dir / "assignment.yaml"))
    assert "## Constraints" in shown.stdout and "one_job_each" in shown.stdout
    for suffix in (".mps", ".lp", ".json"):
        output = tmp_path / f"assignment{suffix}"
        converted = run("convert", str(examples_dir / "assignment.yaml"), str(output))
        assert converted.returncode == 0, converted.stderr
        solved = run("solve", str(output), "--json")
        assert json.loads(solved.stdout)["objective"] == pytest.approx(13.0)


def test_bad_input_exits_nonzero_with_location(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("variables:\n  x: {}\nobjective:\n  expression: x + y\n")
    completed = run("solve", str(path))
    assert completed.returncode == 1
    assert "undefined symbol 'y'" in completed.stderr
    assert "objective" in completed.stderr
    missing = run("solve", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    unknown = run("solve", str(path), "--solver", "gurobix")
    assert unknown.returncode == 1 and "error: unknown solver 'gurobix'; choose one of: cpsat, highs, ipopt, pyomo, scip or 'auto'" in unknown.stderr


def test_infeasible_is_a_result_with_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "infeasible.yaml"
    path.write_text(
        "sets: {I: [1, 2]}\n"
        "variables: {x: {index: [I], upper: 3}}\n"
        "objective: {expression: 'sum(x[i] for i in I)'}\n"
        "constraints:\n"
        "  - {name: need, expression: 'sum(x[i] for i in I) >= 10'}\n"
        "  - {name: harmless, for: 'i in I', expression: 'x[i] >= 0'}\n"
    )
    completed = run("solve", str(path))
    assert completed.returncode == 3
    assert "infeasible" in completed.stdout
    assert "need" in completed.stdout and "harmless" not in completed.stdout.split("subset")[-1]


def test_show_refuses_matrix_models(examples_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "t.mps"
    run("convert", str(examples_dir / "transportation.yaml"), str(output))
    completed = run("show", str(output))
    assert completed.returncode == 1
    assert "matrix model" in completed.stderr
