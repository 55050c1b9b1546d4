"""benchmarks/nl_local.py resumes: settings kept, unreachable rows set aside, a killed run continued where it stopped."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ormodel.nl2opt.benchmark import default_data_root
from ormodel.nl2opt.testing import Reply, question_of

import ormodel as om

from .conftest import PRODUCTION, as_json

REPO = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("nl_local", REPO / "benchmarks" / "nl_local.py")
assert SPEC is not None and SPEC.loader is not None
nl_local = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(nl_local)


def settings(**changes: Any) -> SimpleNamespace:
    values = {"model": "qwen2.5-coder-1.5b", "base_url": None, "seed": 0, "per_suite": 8, "baseline_ref": "e51bd0e", "max_rounds": 3,
              "examples": 3, "max_tokens": 2048, "timeout": 900.0, "problem_time_limit": 3600.0, "context": 8192}
    values.update(changes)
    return SimpleNamespace(**values)


def test_a_rerun_with_other_result_settings_is_refused(tmp_path: Path) -> None:
    nl_local.check_settings(tmp_path, settings())
    nl_local.check_settings(tmp_path, settings())  # the same settings: resumed
    with pytest.raises(SystemExit) as caught:
        nl_local.check_settings(tmp_path, settings(max_rounds=2, seed=1))
    assert "--seed 0 before, 1 now; --max-rounds 3 before, 2 now" in str(caught.value)
    assert json.loads((tmp_path / "run.json").read_text())["max_rounds"] == 3


def test_rows_of_problems_that_met_no_server_are_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / "improved"
    (folder / "records").mkdir(parents=True)
    rows = [{"instance": "nl4opt/1", "method": "improved", "seed": 0, "status": "optimal", "extra": {"error": None}},
            {"instance": "nl4opt/2", "method": "improved", "seed": 0, "status": "error", "extra": {"error": "LLM call failed"}},
            {"instance": "nl4opt/3", "method": "improved", "seed": 0, "status": "error",
             "extra": {"error": "APIConnectionError: Connection error."}}]
    (folder / "table.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (folder / "records" / "nl4opt__2.jsonl").write_text(json.dumps({"type": "call", "error": {"message": "APIConnectionError: refused"}}) + "\n")
    assert nl_local.set_aside_unreachable(tmp_path, "improved") == 2
    assert nl_local.finished_problems(tmp_path, "improved") == {"nl4opt/1"}
    aside = [json.loads(line)["instance"] for line in (folder / "unreachable.jsonl").read_text().splitlines()]
    assert aside == ["nl4opt/2", "nl4opt/3"]
    assert nl_local.set_aside_unreachable(tmp_path, "improved") == 0


def test_failures_are_named_by_kind() -> None:
    from ormodel.errors import ModelError
    from ormodel.io import problem_from_dict

    from .conftest import production

    def error_of(**changes: Any) -> str:
        with pytest.raises(ModelError) as caught:
            om.solve(problem_from_dict(production(**changes)))
        return str(caught.value)

    objective = {**PRODUCTION["objective"], "expression": "sum(profit * make)"}
    assert nl_local.failure_kind("model_error", error_of(objective=objective)) == "sum without 'for'"
    strict = [{"name": "few", "expression": "make['a'] < 2.5"}]
    assert nl_local.failure_kind("model_error", error_of(constraints=strict)) == "strict < or >"
    unknown = [{"name": "few", "expression": "mak['a'] <= 2"}]
    assert nl_local.failure_kind("model_error", error_of(constraints=unknown)) == "name not defined"
    bound = {"make": {"index": ["products"], "upper": "2 * b_limit"}}
    assert nl_local.failure_kind("model_error", error_of(variables=bound)) == "bound neither a number nor a parameter"
    spaced = {" make": {"index": ["products"]}}
    assert nl_local.failure_kind("model_error", error_of(variables=spaced)) == "name with characters a name cannot have"
    assert nl_local.failure_kind("model_error", "constraints 'c', column 3: odd thing 'x' at 12") == "odd thing '…' at N"
    assert nl_local.failure_kind("looped", "the key 'a' three times") == "looped"



@pytest.mark.parametrize(("answer", "idiom"), [
    # IndustryOR 53, round 1 (Qwen2.5-Coder-1.5B, trimmed): the children's names as the index.
    ('{"variables": {"children": {"index": ["Harry", "Hermione", "Ron"], "type": "binary"}}}', "the index lists members"),
    # MAMO ComplexLP 166, round 1: no "sets" and no "parameters" at all.
    ('{"variables": {"open": {"index": ["centers"], "type": "binary"}}}', 'no "sets" at all'),
    # MAMO ComplexLP 121, round 2: "from" declared, "to" not.
    ('{"sets": {"from": [0, 1]}, "variables": {"flow": {"index": ["from", "to"]}}}', "some sets declared, not all"),
    ('{"sets": {"K": [1]}, "variables": {"flow": {"index": ["nodes"]}}}', '"sets" without the ones used'),
])
def test_an_undeclared_set_is_named_by_the_idiom_in_the_answer(answer: str, idiom: str) -> None:
    error = "variables 'x': unknown set 'y' in the index"
    assert nl_local.failure_kind("model_error", error, answer) == f"set not declared: {idiom}"
    assert nl_local.failure_kind("model_error", error) == "set not declared"  # without the text, as before


DATA = default_data_root()


@pytest.mark.slow
@pytest.mark.skipif(DATA is None, reason="the NL data (../shared/data/nl or $ORMODEL_NL_DATA) is not here")
def test_a_killed_run_continues_where_it_stopped(chat_server, tmp_path: Path) -> None:
    """Both arms on 2 problems against a scripted server; killed during the third problem, then run again."""
    reached, release = threading.Event(), threading.Event()
    problems: list[str] = []

    def script(request: dict[str, Any], index: int) -> Reply:
        question = question_of(request)
        if request.get("max_tokens") == 1:  # the benchmark clearing the prompt cache
            return Reply("Hello")
        problems.append(question)
        if len(problems) == 3 and not release.is_set():  # the first run stops here
            reached.set()
            release.wait(60)
        return Reply(as_json(PRODUCTION))

    server = chat_server(script)
    output, cache = tmp_path / "out", tmp_path / "cache"
    command = [sys.executable, str(REPO / "benchmarks" / "nl_local.py"), "--base-url", server.url, "--model", "scripted",
               "--data", str(DATA), "--output", str(output), "--cache", str(cache), "--problems", "2", "--examples", "0",
               "--max-rounds", "1", "--timeout", "60", "--problem-time-limit", "120"]
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert reached.wait(240), "the third problem was never asked"
        first.send_signal(signal.SIGTERM)
        _, errors = first.communicate(timeout=120)
    finally:
        release.set()
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, errors[-2000:]
    assert "run the same command again to resume" in errors
    done = {arm: nl_local.finished_problems(output, arm) for arm in ("baseline", "improved")}
    assert len(done["baseline"]) == len(done["improved"]) == 1 and done["baseline"] == done["improved"]
    [finished] = done["baseline"]
    record = output / "improved" / "records" / (finished.replace("/", "__") + ".jsonl")
    written = record.stat().st_mtime_ns
    asked_before = len(problems)

    second = subprocess.run(command, check=False, cwd=REPO, env=environment, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    assert len(problems) - asked_before == 2, "only the unfinished problem runs again, in both arms"
    for arm in ("baseline", "improved"):
        rows = [json.loads(line) for line in (output / arm / "table.jsonl").read_text().splitlines()]
        assert len(rows) == 2 and len({row["instance"] for row in rows}) == 2
        assert all(row["extra"]["executed"] for row in rows)
    assert record.stat().st_mtime_ns == written
    log = (output / "runs.log").read_text().splitlines()
    assert "interrupted: baseline 1/2" in log[1] and "done before: baseline 1/2" in log[2] and "finished: baseline 2/2" in log[3]
    summary = (output / "summary.md").read_text()
    assert "| baseline | 2 |" in summary and "- run log: " in summary
    assert "| accepted | 2 (2) | 2 (2) |" in summary, summary
    (output / "summary.md").unlink()
    rebuilt = subprocess.run([*command, "--summarize"], check=False, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert "| accepted | 2 (2) | 2 (2) |" in (output / "summary.md").read_text()
    assert len(problems) - asked_before == 2, "a summary asks no model"


def test_shards_split_the_sample_and_merge_back(tmp_path: Path) -> None:
    sample = {"nl4opt": ["1", "2", "3"], "mamo-easylp": ["4", "5"], "industryor": ["6"]}
    halves = [nl_local.shard_problems(sample, (index, 2)) for index in range(2)]
    assert halves == [{"nl4opt": ["1", "3"], "mamo-easylp": ["5"]}, {"nl4opt": ["2"], "mamo-easylp": ["4"], "industryor": ["6"]}]
    assert nl_local.shard_problems(sample, None) == sample
    assert nl_local.shard_of("1/2") == (1, 2)
    with pytest.raises(Exception, match="K/N"):
        nl_local.shard_of("2/2")
    parts = []
    for index, half in enumerate(halves):
        part = tmp_path / f"s{index}"
        part.mkdir()
        nl_local.check_settings(part, settings())
        (part / "improved" / "records").mkdir(parents=True)
        rows = [{"instance": f"{suite}/{problem}", "method": "improved", "seed": 0, "status": "optimal"}
                for suite, ids in half.items() for problem in ids]
        (part / "improved" / "table.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        for row in rows:
            (part / "improved" / "records" / (row["instance"].replace("/", "__") + ".jsonl")).write_text("{}\n")
        nl_local.log_run(part, f"start shard {index}")
        parts.append(part)
    merged = tmp_path / "all"
    nl_local.merge_outputs(parts, merged)
    assert nl_local.finished_problems(merged, "improved") == {f"{suite}/{problem}" for suite, ids in sample.items() for problem in ids}
    assert len(list((merged / "improved" / "records").glob("*.jsonl"))) == 6
    assert [line.split("]")[0] for line in (merged / "runs.log").read_text().splitlines()] == ["[s0", "[s1"]
    nl_local.merge_outputs(parts, merged)  # again: rewritten, not doubled
    assert len((merged / "improved" / "table.jsonl").read_text().splitlines()) == 6
    with pytest.raises(SystemExit, match="in both"):
        nl_local.merge_outputs([parts[0], parts[0]], tmp_path / "twice")
    (parts[1] / "run.json").write_text(json.dumps(vars(settings(max_rounds=2))))
    with pytest.raises(SystemExit, match="other settings"):
        nl_local.merge_outputs(parts, merged)
