"""Suites, best-known files, method specs and incumbent-trace parsing."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from ormodel import StandardForm
from ormodel.bench.method_spec import MethodSpec
from ormodel.bench.suites import (
    Instance,
    file_suite,
    parse_seeds,
    parse_suite,
    read_best_known,
    record_suite,
)
from ormodel.bench.traces import register_trace_parser, trace_from_log

from .conftest import small_set_cover


def test_model_folder_suite_reads_files_and_solu(mps_folder: str) -> None:
    suite = parse_suite(f"mps:{mps_folder}")
    assert [instance.id for instance in suite.instances] == ["cover0", "cover1", "cover2", "cover3"]
    assert suite.instances[0].best_known is not None and suite.instances[1].best_known is None
    form = suite.instances[2].load()
    assert isinstance(form, StandardForm) and form.num_columns == 80 and form.is_mip
    again = Instance.from_dict(json.loads(json.dumps(suite.instances[2].to_dict())))
    assert again == suite.instances[2]


def test_generated_suite_with_size_overrides() -> None:
    suite = parse_suite("gen:setcover:easy:3-4:n_rows=30,n_cols=60,density=0.2")
    assert [instance.id for instance in suite.instances] == [
        "setcover-easy-density0.2-n_cols60-n_rows30-s3", "setcover-easy-density0.2-n_cols60-n_rows30-s4"]
    form = suite.instances[0].load()
    assert (form.num_rows, form.num_columns) == (30, 60)
    assert np.array_equal(form.objective, suite.instances[0].load().objective)  # same seed, same instance
    with pytest.raises(ValueError, match="unknown MILP family"):
        parse_suite("gen:nosuchfamily:easy:0")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_suite("gen:setcover:easy:0:n_rows")


def test_file_and_record_suites(tmp_path: object) -> None:
    folder = str(tmp_path)
    for name in ("ta01.txt", "ta02.txt", "notes.md"):
        with open(os.path.join(folder, name), "w") as handle:
            handle.write("1 1\n0 5\n")
    bounds = os.path.join(folder, "bounds.json")
    with open(bounds, "w") as handle:
        json.dump({"ta01": {"lb": 1200, "ub": 1231}, "ta02": 1244}, handle)
    suite = file_suite(folder, "*.txt", bounds)
    assert [(instance.id, instance.best_known) for instance in suite.instances] == [("ta01", 1231.0), ("ta02", 1244.0)]
    assert suite.instances[0].load().endswith("ta01.txt")
    records = record_suite("nl", [{"id": "q1", "question": "max x", "answer": 3.5}, {"id": "q2", "question": "?"}])
    assert records.instances[0].best_known == 3.5 and records.instances[1].best_known is None
    assert records.instances[0].load()["question"] == "max x"
    with pytest.raises(ValueError, match="two instances"):
        record_suite("nl", [{"id": "q"}, {"id": "q"}])


def test_best_known_formats_and_errors(tmp_path: object) -> None:
    folder = str(tmp_path)
    csv_path = os.path.join(folder, "manifest.csv")
    with open(csv_path, "w") as handle:
        handle.write("name,file,optimal_value\nbell5,bell5.mps,8966406.49\nopen,open.mps,\n")
    assert read_best_known(csv_path) == {"bell5": 8966406.49}
    solu = os.path.join(folder, "x.solu")
    with open(solu, "w") as handle:
        handle.write("=opt= a 1.5\n=best= b -3\n=inf= c\nrubbish line\n")
    with pytest.raises(ValueError, match=r"x.solu:4"):
        read_best_known(solu)
    with pytest.raises(ValueError, match="must be a .solu"):
        read_best_known(_touch(os.path.join(folder, "values.txt")))
    with pytest.raises(ValueError, match="write one of"):
        parse_suite("nosuchkind:abc")


def _touch(path: str) -> str:
    with open(path, "w") as handle:
        handle.write("")
    return path


def test_parse_seeds() -> None:
    assert parse_seeds("0-3,7") == [0, 1, 2, 3, 7]
    assert parse_seeds("5") == [5]
    with pytest.raises(ValueError, match="seeds"):
        parse_seeds("3-1")


def test_method_spec_parsing() -> None:
    plain = MethodSpec.parse("highs")
    assert (plain.label, plain.name, plain.options, plain.extra) == ("highs", "highs", {}, {})
    spec = MethodSpec.parse("cold=HiGHS:threads=1,presolve=off,mip_rel_gap=0.001,param.backend=scip")
    assert spec.label == "cold" and spec.name == "highs"
    assert spec.options == {"threads": 1} and spec.extra == {"presolve": "off", "mip_rel_gap": 0.001}
    assert spec.params == {"backend": "scip"}
    options = spec.solve_options(time_limit=5.0, seed=3)
    assert (options.time_limit, options.seed, options.threads, options.extra["presolve"]) == (5.0, 3, 1, "off")
    assert MethodSpec.from_dict(spec.to_dict()) == spec
    learned = MethodSpec.parse("dispatch:rule=spt,improve=false,param.samples=4")
    assert learned.extra == {} and learned.params == {"rule": "spt", "improve": False, "samples": 4}
    for bad, message in (("highs:threads", "KEY=VALUE"), ("highs:time_limit=3", "set by the runner"), ("bad label=highs", "label"), ("", "empty")):
        with pytest.raises(ValueError, match=message):
            MethodSpec.parse(bad)


def test_method_spec_sends_raw_options_to_any_backend_the_solve_pipeline_knows() -> None:
    """Raw options go to the solver for every name ``is_backend_name`` accepts (registered at run time too)."""
    from ormodel.solvers import get_backend

    from ormodel.backends import _REGISTERED, is_backend_name, register_backend

    register_backend("specbackend", lambda: get_backend("highs"))
    try:
        assert is_backend_name("specbackend")
        spec = MethodSpec.parse("specbackend:presolve=off")
        assert spec.extra == {"presolve": "off"} and spec.params == {}
    finally:
        _REGISTERED.pop("specbackend", None)
    assert MethodSpec.parse("ipopt:tol=1e-9").extra == {"tol": 1e-9}
    assert MethodSpec.parse("balans:rule=x").params == {"rule": "x"}


def test_trace_parsers_are_only_a_fallback_for_results_without_a_trace() -> None:
    register_trace_parser("toy-solver", lambda log: [[float(part) for part in line.split()] for line in log.splitlines()])
    assert trace_from_log("toy-solver", "0.5 12\n1.25 10") == [[0.5, 12.0], [1.25, 10.0]]
    assert trace_from_log("toy-solver", "") is None
    assert trace_from_log("highs", "any log") is None  # HiGHS and SCIP traces come from solver events, not logs


def test_model_file_suite_loads_five_element_models(examples_dir: object) -> None:
    from ormodel.bench.worker import _model_sense

    folder = str(examples_dir)
    if not os.path.exists(os.path.join(folder, "knapsack.yaml")):
        pytest.skip("examples/knapsack.yaml is not in this checkout")
    suite = parse_suite(f"models:{folder}:*.yaml")
    knapsack = next(instance for instance in suite.instances if instance.id == "knapsack")
    assert knapsack.loader == "model"
    assert _model_sense(knapsack.load()) == "maximize"
    assert _model_sense(small_set_cover(5, 10, 0)) == "minimize"
