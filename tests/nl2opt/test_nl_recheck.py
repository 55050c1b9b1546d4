"""benchmarks/nl_recheck.py: recorded answers judged again with the current code, no server; held-out samples refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# MAMO EasyLP 79, round 1 of the v2 arm (label 20000): rejected live ("unknown set 'projects'"), read today as two scalars.
WORKERS = ('{"variables": {"workers_X": {"index": ["projects"], "type": "integer", "lower": 0, "upper": "inf"}, '
           '"workers_Y": {"index": ["projects"], "type": "integer", "lower": 0, "upper": "inf"}}, '
           '"objective": {"sense": "minimize", "expression": "5000 * workers_X + 3000 * workers_Y"}, '
           '"constraints": [{"name": "mix_requirement", "expression": "2 * workers_X + workers_Y >= 8"}, '
           '{"name": "budget_constraint", "expression": "workers_X + 3 * workers_Y <= 15"}]}')


def arm(folder: Path, seed: int = 0) -> Path:
    """An arm folder as nl_local.py writes it: one problem, one recorded round, its table row and run.json."""
    (folder / "improved" / "records").mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"seed": seed}), encoding="utf-8")
    lines = [{"type": "run", "problem": "mamo-easylp/79"},
             {"type": "call", "round": 1, "response": {"text": WORKERS, "finding": None}},
             {"type": "answer", "answer": {"attempts": [{"rounds": [
                 {"number": 1, "outcome": "model_error", "error": "variables 'workers_X': unknown set 'projects' in the index"}]}]}}]
    (folder / "improved" / "records" / "mamo-easylp__79.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    row = {"instance": "mamo-easylp/79", "best_known": 20000.0, "extra": {"label_status": "optimal"}}
    (folder / "improved" / "table.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    return folder / "improved"


def recheck(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "benchmarks" / "nl_recheck.py"), *arguments], capture_output=True,
                          text=True, timeout=300, cwd=REPO, check=False)


def test_a_recorded_answer_rejected_live_is_solved_and_correct_now(tmp_path: Path) -> None:
    folder = arm(tmp_path / "run")
    done = recheck(f"v2={folder}", "--json", str(tmp_path / "rows.jsonl"))
    assert done.returncode == 0, done.stderr
    assert "Re-checked recorded answers (not a live run)" in done.stdout
    assert "| v2 | 1 | 1 (100.0 %) | 1 (100.0 %) | 1 (100.0 %) | 1 (100.0 %) | 1 |" in done.stdout
    assert "| set not declared: no \"sets\" at all | 1 (1) | 0 (0) |" in done.stdout
    [row] = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert row["outcome"] == "accepted" and row["objective"] == 20000.0 and row["notes"][0].startswith("read variable 'workers_X'")


def test_records_of_a_held_out_sample_are_refused(tmp_path: Path) -> None:
    folder = arm(tmp_path / "run", seed=1)
    done = recheck(f"v2={folder}")
    assert done.returncode != 0 and "seed 1 is held out" in done.stderr
    assert recheck(f"v2={folder}", "--held-out").returncode == 0
