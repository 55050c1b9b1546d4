"""The one solve pipeline: every door gives the same Result, options are checked, stdout stays clean under --json."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import ormodel as om
from ormodel import backends
from ormodel.cli import EXIT_NO_SOLUTION, EXIT_OK, EXIT_SOLVER_NOT_AVAILABLE, EXIT_UNSUPPORTED, main
from ormodel.errors import (ModelError, OptionError, OrmodelError, SolverError, SolverNotAvailable, UnsupportedProblem,
                            exit_code)
from ormodel.io import problem_from_dict
from ormodel.result import Limit, PointStatus, Result, Status, TerminationReason
from ormodel.solvers.highs import write_model_file
from ormodel.standard_form import Block, NameMap, StandardForm

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["highs", "scip", "cpsat", "pyomo"]

INFEASIBLE_MIP = {
    "sets": {"I": [1, 2, 3]},
    "variables": {"x": {"index": ["I"], "upper": 3, "type": "integer"}, "spare": {"upper": 5, "type": "integer"}},
    "objective": {"expression": "sum(x[i] for i in I) + spare"},
    "constraints": [
        {"name": "need", "expression": "sum(x[i] for i in I) >= 10"},
        {"name": "spare_floor", "expression": "spare >= 1"},
    ],
}


def _cli(*arguments: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ormodel", *arguments], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, check=False)


def _python_stdout_is_end(code: str) -> subprocess.CompletedProcess[str]:
    """Run Python code in a fresh process and check that its stdout is exactly ``END``."""
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "END\n"
    return completed


def _unbounded_lp() -> StandardForm:
    # max x + y s.t. x - y <= 1, x, y >= 0: unbounded along (1, 1).
    return StandardForm.from_arrays(objective=np.array([1.0, 1.0]), matrix=sp.csr_array([[1.0, -1.0]]),
                                    row_lower=np.array([-np.inf]), row_upper=np.array([1.0]), sense="maximize",
                                    names=NameMap.from_labels(["x", "y"], ["gap"]), name="unbounded")


def _market_split(rows: int = 6, columns: int = 60, seed: int = 3) -> StandardForm:
    from ormodel.solvers.conformance import _market_split as build

    return build(rows, columns, seed)


# ---- labels: linear in the number of columns -------------------------------------------------


def test_block_labels_match_one_by_one_labels() -> None:
    shaped = Block("x", 0, 6, (2, 3), ((np.array(["a", "b"]),), (np.array([1, 2, 3]),)))
    keyed = Block("y", 6, 2, (2,), (), key_columns=(np.array([1, 4]), np.array(["p", "q"])))
    scalar = Block("z", 8, 1)
    for block in (shaped, keyed, scalar):
        assert block.labels() == [block.label(offset) for offset in range(block.size)]
    names = NameMap(variables=[shaped, keyed, scalar])
    assert names.column_labels(10) == [*shaped.labels(), *keyed.labels(), "z", "c9"]
    assert names.column_index("y[4,q]", 10) == 7 and names.column_index("nothing", 10) is None


def test_one_block_per_column_lookups_are_not_quadratic() -> None:
    """A map with one block per column (as MPS files used to give) answers 2000 lookups at once, not 2000 scans."""
    count = 100_000
    names = NameMap(variables=[Block(f"v{column}", column, 1) for column in range(count)])
    result = Result(Status.OPTIMAL, values=np.arange(count, dtype=np.float64), names=names)
    started = time.perf_counter()
    picks = np.random.default_rng(0).integers(0, count, 2000)
    assert [names.column_label(int(column)) for column in picks] == [f"v{column}" for column in picks]
    assert all(result.value(f"v{column}") == column for column in picks.tolist())
    assert len(result.values_by_name(nonzero_only=True)) == count - 1
    assert time.perf_counter() - started < 5.0


def test_mps_names_are_flat_labels(tmp_path: Path) -> None:
    path = tmp_path / "unbounded.mps"
    write_model_file(_unbounded_lp(), path)
    form = om.load(str(path))
    assert form.names.column_names == ["x", "y"] and not form.names.variables
    result = om.solve(form, extra={"presolve": "off"})
    assert result.status == Status.UNBOUNDED
    bounded = StandardForm.from_arrays(objective=form.objective, matrix=form.matrix, row_lower=form.row_lower,
                                       row_upper=form.row_upper, column_upper=np.array([2.0, 2.0]), sense="maximize",
                                       names=form.names)
    solved = om.solve(bounded)
    assert solved.value("x") == pytest.approx(2.0) and solved.variable("y") == {(): pytest.approx(2.0)}


# ---- stdout under --json ---------------------------------------------------------------------


def test_native_prints_leave_stdout_alone() -> None:
    """printf (buffered in C's stdio when stdout is a pipe), raw writes and print() all go to stderr."""
    code = (
        "import ctypes, os\n"
        "from ormodel.solvers.native import native_output_to_stderr\n"
        "with native_output_to_stderr():\n"
        "    ctypes.CDLL(None).printf(b'native-printf\\n')\n"
        "    os.write(1, b'native-write\\n')\n"
        "    print('python-print')\n"
        "print('END')\n"
    )
    completed = _python_stdout_is_end(code)
    assert all(text in completed.stderr for text in ("native-printf", "native-write", "python-print"))


def test_highs_banner_stays_off_stdout() -> None:
    code = (
        "from ormodel.solvers.highs import new_highs\n"
        "import highspy\n"
        "highs = new_highs()\n"
        "highs.addVar(0, 1)\n"
        "highs.run()\n"
        "print('END')\n"
    )
    _python_stdout_is_end(code)


def test_json_output_parses_with_a_verbose_mip(tmp_path: Path) -> None:
    path = tmp_path / "split.mps"
    write_model_file(_market_split(3, 20, 1), path)
    completed = _cli("solve", str(path), "--json", "--verbose", "--threads", "1", "--time-limit", "20")
    assert completed.returncode in (EXIT_OK, EXIT_NO_SOLUTION), completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["solver"] == "highs" and payload["termination"]["reason"] in ("optimal", "limit")
    assert "HiGHS" in completed.stderr  # the log went to stderr


# ---- unbounded LP: exit 3 with the ray -------------------------------------------------------


def test_highs_returns_its_own_ray_for_an_unbounded_lp() -> None:
    from ormodel.solvers import get_backend
    from ormodel.solvers.base import SolveOptions

    result = get_backend("highs").solve(_unbounded_lp(), SolveOptions(extra={"presolve": "off"}))
    assert result.status == Status.UNBOUNDED
    assert result.ray is not None and result.ray.source == "highs"
    assert result.ray.components["x"] > 0 and result.ray.components["y"] > 0
    assert result.primal_status == PointStatus.INFEASIBILITY_CERTIFICATE


def test_cli_exits_3_and_prints_the_ray(tmp_path: Path) -> None:
    path = tmp_path / "unbounded.mps"
    write_model_file(_unbounded_lp(), path)
    completed = _cli("solve", str(path), "--json")
    assert completed.returncode == EXIT_NO_SOLUTION, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["status"] == "unbounded" and payload["values"] == {}
    assert set(payload["ray"]) == {"x", "y"} and payload["primal_status"] == "infeasibility_certificate"


# ---- one pipeline: the same diagnosis whichever backend or door ------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_solve_diagnoses_on_every_backend(backend: str) -> None:
    result = om.solve(problem_from_dict(INFEASIBLE_MIP), solver=backend)
    assert result.status == Status.INFEASIBLE
    assert result.conflict is not None and result.conflict.families() == {"need"}, result.conflict
    assert result.termination.reason == TerminationReason.INFEASIBLE and result.primal_status == PointStatus.NO_SOLUTION


def test_auto_compiles_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import ormodel.compiler as compiler

    calls = []
    original = compiler.compile_problem

    def counting(problem: object) -> StandardForm:
        calls.append(problem)
        return original(problem)

    monkeypatch.setattr(compiler, "compile_problem", counting)
    result = om.solve(problem_from_dict(INFEASIBLE_MIP), solver="auto")
    assert result.status == Status.INFEASIBLE and result.conflict is not None
    assert result.extra["auto_choice"]["backend"] == "highs"
    assert len(calls) == 1


def test_method_goes_through_the_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A method that says 'infeasible' without an IIS gets one from the post-solve step, from the CLI too."""
    from ormodel import methods

    def bare_method(model: object, options: object, params: dict[str, object]) -> Result:
        form = om.compile(model) if isinstance(model, om.Problem) else om.compile(om.load(str(model)))
        return Result(Status.INFEASIBLE, solver="bare", names=form.names)

    monkeypatch.setitem(methods._METHODS, "bare-infeasible", bare_method)
    path = tmp_path / "infeasible.yaml"
    path.write_text(json.dumps(INFEASIBLE_MIP))
    code = main(["solve", str(path), "--method", "bare-infeasible", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == EXIT_NO_SOLUTION and payload["solver"] == "bare"
    assert payload["conflict"]["rows"] == ["need"]
    assert "solve" in payload["timings"] and "post_solve" in payload["timings"]
    same = methods.run_method("bare-infeasible", str(path))
    assert same.conflict is not None and same.conflict.source == "diagnose"


# ---- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("arguments", "message"), [
    (["--time-limit", "nan"], "error: time limit must be a finite number of seconds >= 0, got nan"),
    (["--time-limit", "inf"], "error: time limit must be a finite number of seconds >= 0, got inf"),
    (["--time-limit", "-1"], "error: time limit must be a finite number of seconds >= 0, got -1.0"),
    (["--gap", "-1"], "error: gap must be a finite relative gap >= 0, got -1.0"),
    (["--threads", "-3"], "error: threads must be an integer >= 1, got -3"),
    (["--threads", "0"], "error: threads must be an integer >= 1, got 0"),
    (["--param", "presolv=off"], "error: HiGHS has no option 'presolv'\n  hint: did you mean 'presolve'"),
    (["--solver", "scip", "--param", "limits/tme=5"], "error: SCIP has no option 'limits/tme'\n  hint: did you mean 'limits/time'"),
    (["--solver", "cpsat", "--param", "max_time_in_second=5"],
     "error: CP-SAT has no option 'max_time_in_second'\n  hint: did you mean 'max_time_in_seconds'"),
])
def test_bad_options_exit_1_with_the_reason(arguments: list[str], message: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("variables: {x: {upper: 4, type: integer}}\nobjective: {sense: max, expression: x}\n")
    assert main(["solve", str(path), *arguments]) == 1
    assert message in capsys.readouterr().err


def test_unknown_solve_option_names_the_closest_field() -> None:
    with pytest.raises(OptionError, match="unknown solve option 'time_limt'\n  hint: did you mean 'time_limit'"):
        om.solve(problem_from_dict(INFEASIBLE_MIP), time_limt=3)
    with pytest.raises(OptionError, match="HiGHS option 'time_limit' takes a double, got 'soon'"):
        om.solve(problem_from_dict(INFEASIBLE_MIP), extra={"time_limit": "soon"})


def test_unknown_and_missing_solvers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SolverNotAvailable, match="unknown solver 'hihgs' \\(did you mean 'highs'\\?\\)"):
        om.solve(problem_from_dict(INFEASIBLE_MIP), solver="hihgs")

    class Absent:
        name = "absent"
        capabilities = frozenset()

        def available(self) -> bool:
            return False

    monkeypatch.setitem(backends._REGISTERED, "absent", Absent)
    with pytest.raises(SolverNotAvailable, match=r"solver 'absent' is not installed; install it with: pip install 'ormodel\[absent\]'") as caught:
        om.solve(problem_from_dict(INFEASIBLE_MIP), solver="absent")
    assert caught.value.extra == "absent"
    with pytest.raises(SolverNotAvailable, match=r"pip install 'ormodel\[pyomo\]'"):
        om.solve(problem_from_dict(INFEASIBLE_MIP), solver="pyomo:no_such_solver")
    path = tmp_path / "model.yaml"
    path.write_text(json.dumps(INFEASIBLE_MIP))
    assert main(["solve", str(path), "--solver", "absent"]) == EXIT_SOLVER_NOT_AVAILABLE
    assert "pip install 'ormodel[absent]'" in capsys.readouterr().err


# ---- errors and exit codes -------------------------------------------------------------------


def test_error_hierarchy_and_exit_codes() -> None:
    for kind in (ModelError, SolverNotAvailable, UnsupportedProblem, SolverError, OptionError):
        assert issubclass(kind, OrmodelError)
    assert issubclass(OptionError, ModelError) and issubclass(ModelError, ValueError)
    assert [exit_code(error) for error in (ModelError("m"), OptionError("o"), SolverNotAvailable("s"), UnsupportedProblem("u"),
                                           SolverError("e"), RuntimeError("r"))] == [1, 1, 1, 1, 4, 1]
    from ormodel.solvers import UnsupportedProblem as reexported

    assert reexported is UnsupportedProblem


def test_unsupported_problems_exit_5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    continuous = tmp_path / "continuous.yaml"
    continuous.write_text("variables: {x: {upper: 4}}\nobjective: {sense: max, expression: x}\n")
    assert main(["solve", str(continuous), "--solver", "cpsat"]) == EXIT_UNSUPPORTED
    assert "error: cpsat cannot solve this model: CP-SAT needs every variable integer" in capsys.readouterr().err
    miqp = tmp_path / "miqp.yaml"
    miqp.write_text("variables: {x: {upper: 4, type: integer}}\nobjective: {expression: 'x**2 - 3*x'}\n")
    assert main(["solve", str(miqp)]) == EXIT_UNSUPPORTED
    assert "error: highs does not solve MIQP problems\n  hint: use solver='auto'" in capsys.readouterr().err
    nonlinear = tmp_path / "nonlinear.yaml"
    nonlinear.write_text("variables: {x: {lower: 1, upper: 4}}\nobjective: {expression: 'x - log(x)'}\n")
    assert main(["solve", str(nonlinear)]) == EXIT_UNSUPPORTED
    assert "error: highs cannot take log(x) in the objective: log() is nonlinear and highs solves no MINLP problems" in capsys.readouterr().err
    assert main(["solve", str(nonlinear), "--solver", "auto"]) == EXIT_OK


# ---- results ---------------------------------------------------------------------------------


def test_time_limited_mip_says_which_limit() -> None:
    result = om.solve(_market_split(), time_limit=0.5, threads=1)
    assert result.status == Status.TIME_LIMIT
    assert result.termination.reason == TerminationReason.LIMIT and result.termination.limit == Limit.TIME
    payload = result.to_dict()
    assert payload["termination"] == {"reason": "limit", "limit": "time"}


def test_locally_optimal_is_a_success_of_its_own() -> None:
    result = Result(Status.LOCALLY_OPTIMAL, objective=1.0, values=np.zeros(1))
    assert result.status.is_success and result.status != Status.OPTIMAL
    assert result.termination.reason == TerminationReason.LOCALLY_OPTIMAL


def test_native_indicators_on_scip_need_no_big_m() -> None:
    """x has no upper bound, so big-M cannot linearize the indicator; SCIP's native indicator can."""
    document = {
        "variables": {"x": {}, "on": {"type": "binary"}},
        "objective": {"sense": "max", "expression": "x - 10 * on"},
        "constraints": [
            {"name": "cap_when_off", "expression": "x <= 3", "when": "on == 0"},
            {"name": "cap", "expression": "x <= 20"},
        ],
    }
    with pytest.raises(ModelError, match="big-M"):
        om.solve(problem_from_dict(document), solver="highs")
    result = om.solve(problem_from_dict(document), solver="scip")
    assert result.status == Status.OPTIMAL and result.objective == pytest.approx(10.0)


def test_scip_gives_lp_duals_that_certify_optimality() -> None:
    from ormodel.solvers.conformance import _check_duals, case_by_name

    for name in ("lp_transportation", "lp_ranges", "lp_degenerate"):
        model = case_by_name(name).build()
        result = om.solve(model, solver="scip")
        assert result.row_duals is not None and result.dual_status == PointStatus.FEASIBLE
        assert _check_duals(model, result) == [], name


def test_time_limit_covers_the_whole_run(tmp_path: Path) -> None:
    """--time-limit T returns within T + 5 % + 1 s, counting interpreter start, reading and output."""
    path = tmp_path / "split.mps"
    write_model_file(_market_split(8, 80, 5), path)
    limit = 3.0
    started = time.perf_counter()
    completed = _cli("solve", str(path), "--json", "--time-limit", str(limit), "--threads", "1")
    wall = time.perf_counter() - started
    payload = json.loads(completed.stdout)
    assert payload["termination"]["reason"] in ("limit", "optimal")
    assert wall <= limit * 1.05 + 1.0, f"took {wall:.2f} s"
    assert not math.isnan(sum(payload["timings"].values()))


def test_json_result_carries_statuses_and_timings() -> None:
    result = om.solve(problem_from_dict({"variables": {"x": {"upper": 4}}, "objective": {"sense": "max", "expression": "x"},
                                         "constraints": [{"name": "c", "expression": "x <= 3"}]}), check=True)
    payload = result.to_dict()
    assert payload["primal_status"] == "feasible_point" and payload["dual_status"] == "feasible_point"
    assert payload["termination"] == {"reason": "optimal", "limit": None}
    assert payload["check"]["feasible"] and set(result.timings) >= {"compile", "solve", "post_solve"}


def test_row_wise_hand_off_gives_highs_the_same_column_wise_model() -> None:
    """load_into_highs passes rows (HiGHS transposes inside passModel); the model HiGHS holds equals a CSC hand-off's."""
    from ormodel.solvers.highs import load_into_highs

    # Unsorted columns within a row (d is the last column but the second term) and a unit row.
    document = {
        "sets": {"I": [1, 2, 3, 4]},
        "variables": {"x": {"index": ["I"], "upper": 5}, "d": {"lower": -9, "upper": 9}},
        "objective": {"sense": "max", "expression": "sum(x[i] for i in I) - d"},
        "constraints": [{"name": "link", "for": "i in I", "expression": "x[i] - d + 2 * x[1] <= i"},
                        {"name": "total", "expression": "sum(i * x[i] for i in I) <= 12"}],
    }
    form = om.compile(problem_from_dict(document))
    lps = [load_into_highs(form, column_wise=column_wise).getLp() for column_wise in (False, True)]
    for lp in lps:
        assert str(lp.a_matrix_.format_).endswith("kColwise")
    rows, cols = lps[0].a_matrix_, lps[1].a_matrix_
    assert list(rows.start_) == list(cols.start_) and list(rows.index_) == list(cols.index_) and list(rows.value_) == list(cols.value_)
    expected = form.matrix.tocsc()
    assert list(rows.index_) == expected.indices.tolist() and list(rows.value_) == expected.data.tolist()
    assert om.solve(form).objective == pytest.approx(om.solve(problem_from_dict(document), solver="scip").objective)


def test_ipopt_is_declared_and_names_its_extra_when_missing() -> None:
    """The Ipopt backend is found by name; without casadi the error names the pip extra (its own tests run with it)."""
    import importlib.util

    from ormodel.errors import SolverNotAvailable

    assert "ipopt" in backends.backend_names()
    if importlib.util.find_spec("casadi") is not None:
        assert backends.get_backend("ipopt").available()
        return
    with pytest.raises(SolverNotAvailable, match=r"pip install 'ormodel\[ipopt\]'"):
        om.solve(problem_from_dict(INFEASIBLE_MIP), solver="ipopt")
