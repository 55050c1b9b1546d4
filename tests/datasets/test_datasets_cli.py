"""``ormodel datasets list`` and ``datasets generate`` through the argparse hook."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from ormodel.datasets.cli import add_commands, parse_seeds


def _run(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ormodel")
    add_commands(parser.add_subparsers(dest="command"))
    parsed = parser.parse_args(arguments)
    return parsed.func(parsed)


def test_parse_seeds() -> None:
    assert parse_seeds("0-3") == [0, 1, 2, 3]
    assert parse_seeds("1,4,7") == [1, 4, 7]
    assert parse_seeds("0-1,9") == [0, 1, 9]
    with pytest.raises(argparse.ArgumentTypeError, match="write non-negative numbers and ranges like"):
        parse_seeds("5-2")


def test_generate_writes_mps_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(["datasets", "generate", "gisp", "--level", "easy", "--seeds", "0-2", "--out", str(tmp_path),
                 "--param", "n_nodes=20"])
    assert code == 0
    written = sorted(path.name for path in tmp_path.glob("*.mps"))
    assert written == [f"gisp-easy-n_nodes20-s{seed}.mps" for seed in range(3)]
    assert "gisp-easy-n_nodes20-s0.mps" in capsys.readouterr().out


def test_generate_rejects_unknown_parameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["datasets", "generate", "setcover", "--out", str(tmp_path), "--param", "n_nodes=3"]) == 2
    assert "setcover does not take n_nodes" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.mps"))


def test_generate_five_element_yaml(tmp_path: Path) -> None:
    from ormodel.io import load
    from ormodel.problem import Problem

    assert _run(["datasets", "generate", "vertexcover", "--seeds", "1", "--format", "yaml", "--out", str(tmp_path),
                 "--param", "n_nodes=12"]) == 0
    (path,) = tmp_path.glob("*.yaml")
    assert path.name == "vertexcover-easy-n_nodes12-s1.yaml"
    problem = load(path)
    assert isinstance(problem, Problem) and [constraint.name for constraint in problem.constraints] == ["cover"]


def test_list_shows_present_and_missing_suites(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    folder = tmp_path / "complexor"
    folder.mkdir()
    row = {"id": "steel4", "description.txt": "d", "sample": [{"input": {}, "output": [110]}]}
    (folder / "coe__ComplexOR.jsonl").write_text(json.dumps(row) + "\n")
    assert _run(["datasets", "list", "--data", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert "complexor" in output and "present" in output and "missing" in output
    assert "setcover" in output and "1 of" in output
    assert "job-shop taillard" in output and "Taillard job-shop ta01-ta80" in output and "MIPLIB" in output


def test_list_counts_jobshop_and_mip_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    (tmp_path / "jssp" / "instances" / "ta").mkdir(parents=True)
    (tmp_path / "jssp" / "instances" / "ta" / "ta01.txt").write_text("1 1\n0 5\n")
    (tmp_path / "nl").mkdir()
    assert _run(["datasets", "list", "--data", str(tmp_path), "--no-count"]) == 0
    output = capsys.readouterr().out
    assert "0 of 48 NL suites present" in output
    rows = [line for line in output.splitlines() if "Taillard job-shop" in line or "MIPLIB instances" in line]
    assert "present" in rows[0] and " 1 " in rows[0] and "missing" in rows[1]


def test_export_writes_normalized_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "data" / "complexor"
    folder.mkdir(parents=True)
    row = {"id": "steel4", "description.txt": "d", "gt_model.txt": "m", "sample": [{"input": {}, "output": [110]}]}
    (folder / "coe__ComplexOR.jsonl").write_text(json.dumps(row) + "\n")
    out = tmp_path / "complexor.jsonl"
    assert _run(["datasets", "export", "complexor", "--data", str(tmp_path / "data"), "--out", str(out)]) == 0
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["answer"] == 110.0 and record["reference_formulation"] == "m" and record["suite"] == "complexor"
    assert _run(["datasets", "export", "logior", "--data", str(tmp_path / "data"), "--out", str(out)]) == 2
    assert "file of suite 'logior' not found" in capsys.readouterr().err
