"""The solver-free part of GNN branching: sample files, inference, training steps and the CPU/CUDA check.

These modules must import without PySCIPOpt, HiGHS or OR-Tools (the GPU check runs on a machine
that has none): checked in a subprocess where those packages (and YAML, JSON Schema) count as not installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch_geometric")

from ormodel.learned.branching.inference import CandidateScorer
from ormodel.learned.branching.policy import BranchingPolicy, save_policy
from ormodel.learned.branching.samples import Sample, sample_files, write_sample

from .helpers import random_observation

ROOT = Path(__file__).resolve().parents[2]
GPU_CHECK = ROOT / "benchmarks" / "branching_gpu.py"

# ``None`` in sys.modules: ``import x`` fails and ``importlib.util.find_spec("x")`` is None, as when x is
# not installed. The GPU machine has the torch stack, numpy and scipy only: no solver, no YAML or JSON Schema.
_ABSENT = ("pyscipopt", "highspy", "ortools", "yaml", "jsonschema")
_BLOCKING_IMPORTER = f"""
import sys
for name in {_ABSENT!r}:
    sys.modules[name] = None
"""


def test_solver_free_modules_import_without_any_solver() -> None:
    modules = ["samples", "data", "policy", "inference", "train", "message_passing", "observation", "memory"]
    code = _BLOCKING_IMPORTER + "".join(f"import ormodel.learned.branching.{name}\n" for name in modules) + (
        "import importlib.util\n"
        "assert importlib.util.find_spec is not None\n"
        "try:\n    import pyscipopt\nexcept ImportError:\n    print('refused')\n")
    completed = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120,
                               env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "refused"


def test_scorer_picks_the_highest_scored_candidate_and_reuses_edges() -> None:
    random = np.random.default_rng(3)
    torch.manual_seed(3)
    policy = BranchingPolicy().eval()
    observation = random_observation(random, 6, 9, 20)
    positions = np.array([1, 4, 7, 8])
    scorer = CandidateScorer(policy, "cpu")
    with torch.inference_mode():
        full = policy(torch.as_tensor(observation.constraint_features), torch.as_tensor(observation.edge_indices),
                      torch.as_tensor(observation.edge_features), torch.as_tensor(observation.variable_features))
    scores = scorer.candidate_scores(observation, positions)
    np.testing.assert_allclose(scores.numpy(), full[positions].numpy(), rtol=1e-6)
    assert scorer.choose(observation, positions) == int(np.argmax(full[positions].numpy()))
    cached = scorer._edge_tensors
    scorer.choose(observation, positions)
    assert scorer._edge_tensors is cached  # same LP edges: no new copy
    other = random_observation(random, 6, 9, 20)
    scorer.choose(other, positions)
    assert scorer._edge_tensors is not cached


def test_edge_chunk_changes_memory_not_the_function() -> None:
    random = np.random.default_rng(4)
    torch.manual_seed(4)
    policy = BranchingPolicy().eval()
    observation = random_observation(random, 30, 40, 300)
    inputs = (torch.as_tensor(observation.constraint_features), torch.as_tensor(observation.edge_indices),
              torch.as_tensor(observation.edge_features), torch.as_tensor(observation.variable_features))
    with torch.inference_mode():
        default = policy(*inputs)
        policy.set_edge_chunk(7)
        small = policy(*inputs)
        policy.set_edge_chunk(1 << 30)
        whole = policy(*inputs)
    np.testing.assert_allclose(small.numpy(), default.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(whole.numpy(), default.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="positive number of edges"):
        policy.set_edge_chunk(0)


def _load_gpu_check():
    spec = importlib.util.spec_from_file_location("branching_gpu", GPU_CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpu_check_exports_a_subset_and_reports_on_cpu(tmp_path, capsys) -> None:
    random = np.random.default_rng(5)
    collection = tmp_path / "samples"
    for split, count in (("train", 9), ("valid", 4)):
        folder = collection / "indset" / split
        folder.mkdir(parents=True)
        for index in range(count):
            candidates = np.sort(random.choice(12, size=4, replace=False))
            write_sample(folder / f"indset-easy-s{index}-n1.npz",
                         Sample(random_observation(random, 8, 12, 30), candidates, random.normal(size=4), 2, {"node": 1}))
    weights = tmp_path / "weights"
    weights.mkdir()
    torch.manual_seed(5)
    save_policy(BranchingPolicy(), weights / "indset.pt")
    module = _load_gpu_check()
    exported = tmp_path / "export"
    assert module.main(["--export", str(exported), "--data", str(collection), "--families", "indset",
                        "--per-family", "10"]) == 0
    assert len(sample_files(exported / "indset")) == 10
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["families"]["indset"]["samples"] == 10
    out = tmp_path / "out"
    assert module.main(["--data", str(exported), "--families", "indset", "--weights", str(weights), "--device", "cpu",
                        "--calls", "3", "--warmup", "1", "--batch-repeats", "1", "--cpu-train-batches", "1",
                        "--dispatching-repeats", "1", "--out", str(out)]) == 0
    report = json.loads((out / "branching_gpu.json").read_text())
    row = report["families"][0]
    assert row["samples"] == 10
    # Batched and one-node inference score the same graphs: the same decisions on CPU.
    assert row["cpu_single_vs_batched"]["identical"] == 10
    assert row["cpu_single_vs_batched"]["max_abs_score_difference"] < 1e-4
    assert row["train_cpu_s_per_sample_epoch"] > 0
    assert len(row["training"]["cpu"]["losses"]) == 2  # one warm-up and one timed batch
    # The dispatching rollout scored by the torch network takes the numpy scorer's decisions.
    assert report["dispatching"]["scorers"]["torch cpu"]["same_schedule_as_numpy"] is True
    assert not report["dispatching_errors"] and not row["errors"]
    assert "| indset | 10 |" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no .npz samples"):
        module.main(["--data", str(tmp_path / "missing"), "--families", "indset", "--weights", str(weights),
                     "--device", "cpu"])
