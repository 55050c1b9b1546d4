"""Packaging: the mapped folders resolve as ormodel.* from a plain wheel, for Python and for mypy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    commands = re.findall(r"```bash\n(python3 -m venv .venv.*?)\n```", readme)
    assert len(commands) == 2, "the README gives exactly two set-up commands"
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci


@pytest.fixture(scope="module")
def wheel_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(out.glob("ormodel-*.whl"))
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def test_wheel_contains_mapped_packages(wheel_target: Path) -> None:
    for relative in ("ormodel/solvers/base.py", "ormodel/solvers/highs.py", "ormodel/datasets/__init__.py",
                     "ormodel/learned/__init__.py", "ormodel/nl2opt/__init__.py", "ormodel/schema/problem.schema.json",
                     "ormodel/py.typed"):
        assert (wheel_target / relative).is_file(), relative
    assert len(list((wheel_target / "ormodel/nl2opt/golden").glob("*.yaml"))) >= 60, "the golden set feeds retrieval"
    for folder in ("branching", "dispatching", "neur2ro"):
        assert list((wheel_target / "ormodel/learned" / folder / "weights").glob("*.pt")), f"{folder} weights are shipped"
    assert not (wheel_target / "solvers").exists(), "no top-level 'solvers' package may be installed"
    assert not (wheel_target / "datasets").exists(), "no top-level 'datasets' package may be installed"


def test_wheel_imports_outside_the_checkout(wheel_target: Path, tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(wheel_target)}
    code = ("import ormodel.solvers, ormodel.datasets, ormodel.learned, ormodel.nl2opt\n"
            "from ormodel.nl2opt.retrieval import default_golden_folder\n"
            "assert str(default_golden_folder()).startswith(ormodel.__path__[0]), default_golden_folder()\n"
            "print(ormodel.solvers.__file__)")
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().startswith(str(wheel_target))


def test_mypy_resolves_the_mapped_packages(wheel_target: Path, tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    program = tmp_path / "uses_ormodel.py"
    program.write_text("from ormodel.solvers import get_backend\nfrom ormodel.datasets import milp\nreveal_type(get_backend)\n")
    environment = {**os.environ, "MYPYPATH": str(wheel_target)}
    completed = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", str(program)],
                               cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300)
    assert "Cannot find implementation" not in completed.stdout, completed.stdout
    assert "ormodel.backends.Backend" in completed.stdout


def test_wheel_declares_the_plugins_and_an_installed_copy_finds_them(wheel_target: Path, tmp_path: Path) -> None:
    """The core finds backends, methods, suites, file formats and commands only through these entry points."""
    declared = next(wheel_target.glob("ormodel-*.dist-info")) / "entry_points.txt"
    text = declared.read_text()
    for group, name in (("ormodel.backends", "highs"), ("ormodel.file_formats", "mps"), ("ormodel.methods", "balans"),
                        ("ormodel.suites", "gen"), ("ormodel.loaders", "generated"), ("ormodel.commands", "bench")):
        assert f"[{group}]" in text and f"\n{name} = " in text.split(f"[{group}]")[1].split("\n[")[0], (group, name)
    environment = {**os.environ, "PYTHONPATH": str(wheel_target)}
    code = ("import ormodel, ormodel.plugins\n"
            "from ormodel.methods import method_names\n"
            "from ormodel.suites import parse_suite\n"
            "from ormodel.io import save, load\n"
            "from ormodel.datasets.milp import generate\n"
            "assert ormodel.plugins._checkout_pyproject() is None\n"
            "assert {'highs', 'scip', 'balans', 'dispatch', 'nl2opt', 'auto'} <= set(method_names()), method_names()\n"
            "assert len(parse_suite('gen:setcover:easy:0-1')) == 2\n"
            "save(generate('setcover', 'easy', 0), 'cover.mps')\n"
            "print(load('cover.mps').num_columns)")
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout.strip()) > 0
