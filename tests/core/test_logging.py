"""Library messages go to the ``ormodel`` logger tree: silent by default, routed or silenced by the user."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

import ormodel as om
from ormodel.io import problem_from_dict

ROOT = Path(__file__).resolve().parents[2]

# An integer column without an upper bound: CP-SAT bounds it and warns.
UNBOUNDED_INTEGER = "variables: {x: {type: integer}}\nobjective: {sense: min, expression: x}\nconstraints: [{name: c, expression: 'x >= 2'}]\n"


def test_the_ormodel_logger_has_a_null_handler() -> None:
    assert any(isinstance(handler, logging.NullHandler) for handler in logging.getLogger("ormodel").handlers)


def test_a_user_can_route_the_messages(caplog: pytest.LogCaptureFixture) -> None:
    problem = problem_from_dict({"variables": {"x": {"upper": 3}}, "objective": {"sense": "max", "expression": "x"}})
    with caplog.at_level(logging.INFO, logger="ormodel"):
        om.solve(problem, solver="auto")
    records = [record for record in caplog.records if record.name.startswith("ormodel.")]
    assert any(record.name == "ormodel.solve" and "chose highs for this LP problem" in record.getMessage() for record in records)
    assert any(record.getMessage().startswith("highs: optimal in ") for record in records)


def test_a_user_can_silence_the_messages(caplog: pytest.LogCaptureFixture) -> None:
    problem = problem_from_dict({"variables": {"x": {"upper": 3}}, "objective": {"sense": "max", "expression": "x"}})
    library = logging.getLogger("ormodel")
    before = library.level
    library.setLevel(logging.CRITICAL)
    try:
        with caplog.at_level(logging.DEBUG):
            om.solve(problem, solver="auto")
        assert not [record for record in caplog.records if record.name.startswith("ormodel")]
    finally:
        library.setLevel(before)


def run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    model = tmp_path / "m.yaml"
    model.write_text(UNBOUNDED_INTEGER)
    script = f"import logging, ormodel as om\n{code}\nresult = om.solve({str(model)!r}, solver='cpsat')\nprint(result.status.value)\n"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


def test_warnings_are_silent_by_default_and_shown_once_configured(tmp_path: Path) -> None:
    pytest.importorskip("ortools")
    quiet = run("", tmp_path)
    assert quiet.returncode == 0 and quiet.stdout.strip() == "optimal"
    assert "bounded" not in quiet.stderr  # no last-resort handler prints the library's warning
    shown = run("logging.basicConfig(level=logging.WARNING, format='%(name)s: %(message)s')", tmp_path)
    assert "ormodel.solvers.cpsat: CP-SAT: 1 integer column(s) without a finite bound were bounded" in shown.stderr
