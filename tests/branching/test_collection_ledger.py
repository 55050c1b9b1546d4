"""Resumable collection: the ledger skips instances already solved (even those that gave no sample) and gives rates."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pyscipopt")

from ormodel.learned.branching.collect import LEDGER_NAME, collect_family, collection_rates, read_ledger


def test_ledger_skips_solved_seeds_and_reports_rates(tmp_path) -> None:
    folder = tmp_path / "setcover" / "train"
    folder.mkdir(parents=True)
    rows = [{"instance": "setcover-easy-s7", "samples": 0, "status": "optimal", "cpu_seconds": 3.0},
            {"instance": "setcover-easy-s8", "samples": 30, "status": "userinterrupt", "cpu_seconds": 27.0},
            {"instance": "setcover-easy-s9", "samples": 4, "status": "timeout", "seconds": 500.0}]
    (folder / LEDGER_NAME).write_text("".join(json.dumps(row) + "\n" for row in rows) + '{"instance": "setc')
    assert [row["instance"] for row in read_ledger(folder)] == ["setcover-easy-s7", "setcover-easy-s8", "setcover-easy-s9"]
    # Every seed is in the ledger (s7 left no sample file): nothing is launched.
    assert collect_family("setcover", "easy", range(7, 10), folder, samples=100, progress=False) == []
    (rate,) = collection_rates(tmp_path)
    assert rate["folder"] == "setcover/train" and rate["instances"] == 3 and rate["untimed_instances"] == 1
    assert rate["samples"] == 30 and rate["samples_per_cpu_minute"] == pytest.approx(60.0)


def test_damaged_ledger_line_is_named(tmp_path) -> None:
    (tmp_path / LEDGER_NAME).write_text('{"instance": "a"}\nnot json\n{"instance": "b"}\n')
    with pytest.raises(ValueError, match=r"collection.jsonl, line 2: not a JSON row"):
        read_ledger(tmp_path)
