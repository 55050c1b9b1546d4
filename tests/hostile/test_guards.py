"""The guards one by one: limits, recursion-free long sums, NaN/inf, located errors, atomic writes, CLI text."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import ormodel as om
from ormodel.atomic import WriteError, write_text_atomic
from ormodel.compiler import compile_problem
from ormodel.errors import ModelError
from ormodel.io import load_problem, problem_from_dict, save
from ormodel.limits import InputLimitError, get_limits, limits_raised, parse_limit_settings, set_limits

from .corpus import BASE, _billion_laughs

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def base_yaml(**changes) -> str:
    document = {**BASE, **changes}
    return yaml.safe_dump(document, sort_keys=False)


# --- limits -------------------------------------------------------------------------------------


def test_limits_are_explicit_and_can_be_raised() -> None:
    problem = {**BASE, "sets": {**BASE["sets"], "big": {"from": 1, "to": 1000}}}
    with limits_raised(max_elements=999):
        with pytest.raises(InputLimitError) as caught:
            problem_from_dict(problem)
        assert caught.value.limit == "max_elements" and caught.value.location.item == "big"
        assert "--limit max_elements=N" in str(caught.value) and "ORMODEL_LIMITS" in str(caught.value)
    assert compile_problem(problem_from_dict(problem)).num_columns == 2
    assert parse_limit_settings("max_elements=1e9, max_aliases=5") == {"max_elements": 10**9, "max_aliases": 5}
    with pytest.raises(ModelError, match="unknown limit"):
        parse_limit_settings("max_everything=1")


def test_limits_from_the_environment_and_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path / "model.yaml", base_yaml(sets={**BASE["sets"], "T": {"from": 1, "to": 50}}))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ORMODEL_LIMITS": "max_elements=10"}
    refused = subprocess.run([sys.executable, "-m", "ormodel", "validate", str(path)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert refused.returncode == 1 and "max_elements" in refused.stderr
    raised = subprocess.run([sys.executable, "-m", "ormodel", "--limit", "max_elements=100", "validate", str(path)],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert raised.returncode == 0, raised.stderr


def test_set_limits_returns_the_previous_limits() -> None:
    previous = set_limits(max_expression_depth=7)
    try:
        assert get_limits().max_expression_depth == 7
        with pytest.raises(InputLimitError, match="nested more deeply"):
            om.Model().minimize("-(-(-(-(-(-(-(-1)))))))")
    finally:
        set_limits(previous)
    assert get_limits() == previous


def test_alias_bomb_is_refused_before_any_walk(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_bytes(_billion_laughs())
    started = time.perf_counter()
    with pytest.raises(InputLimitError) as caught:
        load_problem(path)
    assert time.perf_counter() - started < 5
    assert caught.value.location.file == str(path) and caught.value.limit == "max_alias_expansion"


def test_recursive_alias_is_a_model_error(tmp_path: Path) -> None:
    path = write(tmp_path / "loop.yaml", "sets: {I: &l [1, *l]}\nobjective: {sense: minimize, expression: '0'}\n")
    with pytest.raises(ModelError, match="refers to itself"):
        load_problem(path)


# --- long sums without recursion -----------------------------------------------------------------

TERMS = 100_000


def test_text_sum_of_100k_terms_parses_and_compiles() -> None:
    document = {"sets": {"I": {"from": 0, "to": TERMS - 1}}, "variables": {"x": {"index": ["I"], "upper": 1}},
                "objective": {"sense": "maximize", "expression": " + ".join(f"2 * x[{item}]" for item in range(TERMS))},
                "constraints": [{"name": "budget", "expression": " + ".join(f"x[{item}]" for item in range(TERMS)) + " <= 5"}]}
    form = compile_problem(problem_from_dict(document))
    assert form.matrix.nnz == TERMS and np.all(form.objective == 2.0) and form.row_upper[0] == 5


def test_api_plus_chain_of_100k_terms_compiles_and_solves() -> None:
    model = om.Model("chain")
    items = model.set("I", range(TERMS))
    x = model.variable("x", items, upper=1)
    total = x[0]
    for item in range(1, TERMS):
        total = total + x[item]
    model.maximize(total - 0.5 * x[3])
    model.constrain("budget", total <= 5)
    assert model.compile().matrix.nnz == TERMS
    assert model.solve().objective == pytest.approx(5.0)


def test_long_sum_with_general_terms_keeps_signs_and_grouping() -> None:
    from ormodel.expressions import parse_expression, to_text

    text = "a - (b + c) + d" + " + 2 * e" * 3000 + " - f"
    parsed = to_text(parse_expression(text))
    assert parsed.startswith("a - (b + c) + d + 2 * e") and parsed.endswith("2 * e - f")


# --- NaN and inf --------------------------------------------------------------------------------


def test_nan_and_inf_are_refused_in_the_api_but_infinite_bounds_are_fine() -> None:
    model = om.Model()
    items = model.set("I", [1, 2])
    with pytest.raises(ModelError, match="NaN"):
        model.parameter("cost", items, [1.0, float("nan")])
    with pytest.raises(ModelError, match="infinite"):
        model.parameter("cap", None, float("inf"))
    x = model.variable("x", items, lower=-float("inf"), upper=float("inf"))
    with pytest.raises(ModelError, match="finite"):
        model.minimize(float("inf") * x[1])
    with pytest.raises(ModelError, match="NaN"):
        model.variable("y", items, upper=float("nan"))


def test_nan_in_yaml_names_the_place_and_what_to_do(tmp_path: Path) -> None:
    text = base_yaml().replace("plant2: 12", "plant2: .nan").replace("doors: 3", "doors: .inf")
    with pytest.raises(ModelError) as caught:
        load_problem(write(tmp_path / "nan.yaml", text))
    message = str(caught.value)
    assert "nan.yaml:" in message and ("NaN" in message or "infinite" in message)
    assert caught.value.location.line is not None and caught.value.location.element == "parameters"
    with pytest.raises(ModelError, match="upper: .inf"):
        load_problem(write(tmp_path / "inf.yaml", base_yaml().replace("doors: 3", "doors: .inf")))


# --- located errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "reason", "index"), [
    ("sum(hours[q, p] * make[p] for p in products) <= available[k]", "undefined symbol 'q'", None),
    ("sum(hours[p] * make[p] for p in products) <= available[k]", "takes 2 indices", None),
    ("make['chairs'] <= available[k]", "'chairs'", ("plant1",)),
])
def test_compile_errors_name_file_line_element_item_and_column(tmp_path: Path, expression: str, reason: str, index) -> None:
    constraints = [*BASE["constraints"], {"name": "broken", "for": "k in plants", "expression": expression}]
    path = write(tmp_path / "model.yaml", base_yaml(constraints=constraints))
    problem = load_problem(path)
    with pytest.raises(ModelError) as caught:
        compile_problem(problem)
    location = caught.value.location
    line = next(number for number, text in enumerate(path.read_text().splitlines(), 1) if "broken" in text)
    assert reason in str(caught.value)
    assert (location.file, location.line, location.element, location.item) == (str(path), line, "constraints", "broken")
    assert location.column is not None and location.column > 0
    if index is not None:
        assert location.index == index


def test_latin1_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    text = base_yaml().replace("doors", "portes_fenêtre")
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ModelError) as caught:
        load_problem(path)
    line = next(number for number, content in enumerate(text.splitlines(), 1) if "ê" in content)
    assert caught.value.location.file == str(path) and caught.value.location.line == line
    assert "UTF-8" in str(caught.value)


# --- atomic writes ------------------------------------------------------------------------------


def test_atomic_write_keeps_ordinary_permissions(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        path = tmp_path / "model.yaml"
        write_text_atomic(path, "a: 1\n")
        assert (path.stat().st_mode & 0o777) == 0o640
        os.chmod(path, 0o664)
        write_text_atomic(path, "a: 2\n")
        assert (path.stat().st_mode & 0o777) == 0o664 and path.read_text() == "a: 2\n"
    finally:
        os.umask(previous)
    assert [entry.name for entry in tmp_path.iterdir()] == ["model.yaml"]


FULL_DISK = """
import resource, signal, sys
import ormodel as om
from ormodel.io import load_problem, save
problem = load_problem(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (700, 700))
try:
    save(problem, sys.argv[2])
except om.ModelError as error:
    print("ERROR", error)
"""


@pytest.mark.parametrize("suffix", [".mps", ".lp", ".yaml", ".json"])
def test_write_on_a_full_disk_fails_cleanly_and_keeps_the_old_file(tmp_path: Path, suffix: str) -> None:
    source = ROOT / "examples" / "transportation.yaml"
    target = tmp_path / f"out{suffix}"
    target.write_text("the old file\n")
    completed = subprocess.run([sys.executable, "-c", FULL_DISK, str(source), str(target)], capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.stdout.startswith("ERROR") and str(target) in completed.stdout
    assert "unchanged" in completed.stdout
    assert target.read_text() == "the old file\n"
    assert [entry.name for entry in tmp_path.iterdir()] == [target.name]


def _tmpfs(path: Path, options: str) -> bool:
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny tmpfs needs root")
def test_write_to_a_full_and_a_read_only_tmpfs(tmp_path: Path) -> None:
    full, read_only = tmp_path / "full", tmp_path / "readonly"
    if not (_tmpfs(full, "size=16k") and _tmpfs(read_only, "ro,size=16k")):
        pytest.skip("tmpfs cannot be mounted here")
    try:
        model = om.Model("big")
        items = model.set("I", range(3000))
        x = model.variable("x", items, upper=1)
        i = items.index("i")
        model.maximize(om.sum(x[i], over=i))
        model.constrain("cap", x[i] <= 1, for_each=i)
        (full / "keep.mps").write_text("old\n")
        with pytest.raises(WriteError, match="unchanged"):
            save(model.problem, full / "keep.mps")
        assert (full / "keep.mps").read_text() == "old\n" and sorted(entry.name for entry in full.iterdir()) == ["keep.mps"]
        with pytest.raises(WriteError, match="read-only"):
            save(model.problem, read_only / "model.yaml")
    finally:
        subprocess.run(["umount", str(full)], capture_output=True)
        subprocess.run(["umount", str(read_only)], capture_output=True)


# --- CLI text -----------------------------------------------------------------------------------


def test_cpsat_on_a_continuous_model_is_bad_input_with_indexed_names() -> None:
    completed = subprocess.run([sys.executable, "-m", "ormodel", "solve", "examples/transportation.yaml", "--solver", "cpsat"],
                               capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=120)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert "CP-SAT needs every variable integer" in completed.stderr
    assert "ship[seattle,new_york]" in completed.stderr.replace("\n", "")
