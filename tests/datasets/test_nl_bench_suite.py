"""``nl:SUITE`` in ``ormodel bench run``: the suite kind is registered on first use (no --plugin needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ormodel.bench.suites import parse_suite, suite_kinds


def test_nl_suite_kind_is_found_without_a_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "logior"
    folder.mkdir()
    rows = [{"id": "prob_001", "question.txt": "Plan parcels.", "answer": {"status": "optimal", "obj": 537.0}},
            {"id": "prob_002", "question.txt": "Q2", "answer": {"status": "infeasible", "obj": None}}]
    (folder / "orthought__logior_full.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    monkeypatch.setenv("ORMODEL_NL_DATA", str(tmp_path))
    assert "nl" in suite_kinds()
    suite = parse_suite("nl:logior")
    assert [(instance.id, instance.best_known) for instance in suite.instances] == [("logior/prob_001", 537.0), ("logior/prob_002", None)]
    assert suite.instances[0].load()["text"] == "Plan parcels."
    assert [instance.id for instance in parse_suite("nl:logior:prob_002").instances] == ["logior/prob_002"]
