"""Collect expert samples, train a policy on them, branch with it inside SCIP: same optimum as SCIP.

Small independent-set instances (Barabási–Albert graphs with clique inequalities) with presolve
and cuts off, so that SCIP has to branch a few dozen times.
"""

from __future__ import annotations

import json
import math

import pytest
import torch

pytest.importorskip("torch")
pytest.importorskip("torch_geometric")
pytest.importorskip("pyscipopt")

from ormodel.datasets.milp import generate
from ormodel.learned.branching.collect import collect, collect_instance
from ormodel.learned.branching.policy import load_policy
from ormodel.learned.branching.sampling import read_sample, sample_files
from ormodel.learned.branching.train import TrainingConfig, evaluate_policy, train_policy
from ormodel.solvers.base import SolveOptions
from ormodel.solvers.scip import ScipBackend

from ormodel.methods import run_method

HARDER = {"presolving/maxrounds": 0, "separating/maxroundsroot": 0}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("branching")
    base = {"family": "indset", "level": "easy", "sizes": {"n_nodes": 150}, "record_probability": 1.0,
            "samples_per_instance": 3, "time_limit": 60, "scip_parameters": HARDER}
    # One instance in this process, two more through the benchmark executor (separate processes).
    first = collect_instance({**base, "seed": 1, "output": str(folder / "train")})
    rows = collect([{**base, "seed": seed, "output": str(folder / ("train" if seed == 2 else "valid"))} for seed in (2, 3)],
                   jobs=2)
    assert first["samples"] == 3
    assert all(1 <= row["samples"] <= 3 for row in rows), rows
    policy_path = folder / "policy.pt"
    config = TrainingConfig(epochs=2, epoch_size=2, batch_size=3, normalization_samples=6, device="cpu")
    record = train_policy(sample_files(folder / "train"), sample_files(folder / "valid"), policy_path, config,
                          {"name": "tiny"})
    return folder, policy_path, record


def test_collected_samples_are_consistent(trained) -> None:
    folder, _, _ = trained
    files = sample_files(folder / "train")
    assert 4 <= len(files) <= 6
    for file in files:
        sample = read_sample(file)
        observation = sample.observation
        assert observation.constraint_features.shape[1] == 5 and observation.variable_features.shape[1] == 19
        assert observation.edge_indices[0].max() < observation.num_constraints
        assert observation.edge_indices[1].max() < observation.num_variables
        # Candidates are fractional LP columns and the expert picked a best-scored one.
        fractions = observation.variable_features[sample.candidates, 9]
        assert (fractions > 0).all()
        assert sample.candidate_scores[sample.choice] == sample.candidate_scores.max()
        assert sample.info["family"] == "indset" and sample.info["instance"].startswith("indset-easy-n_nodes150-s")


def test_training_record_and_accuracy(trained) -> None:
    _, policy_path, record = trained
    assert record["train_samples"] == len(sample_files(trained[0] / "train"))
    assert record["valid_samples"] == len(sample_files(trained[0] / "valid")) >= 1
    assert record["normalization_passes"] == 7
    assert 0.0 <= record["valid"]["acc@1"] <= record["valid"]["acc@5"] <= 1.0
    policy, metadata = load_policy(policy_path, "cpu")
    assert metadata["name"] == "tiny" and metadata["train_samples"] == record["train_samples"]
    again = evaluate_policy(policy, sample_files(trained[0] / "valid"), "cpu")
    assert again["loss"] == pytest.approx(record["valid"]["loss"], rel=1e-5)


def test_training_without_the_sample_cache_gives_the_same_weights(trained, tmp_path) -> None:
    folder, policy_path, record = trained
    config = TrainingConfig(epochs=2, epoch_size=2, batch_size=3, normalization_samples=6, device="cpu",
                            cache_samples=False)
    uncached_path = tmp_path / "uncached.pt"
    uncached = train_policy(sample_files(folder / "train"), sample_files(folder / "valid"), uncached_path, config,
                            {"name": "tiny"})
    assert uncached["config"]["cache_samples"] is False and record["config"]["cache_samples"] is True
    cached_policy, _ = load_policy(policy_path, "cpu")
    uncached_policy, _ = load_policy(uncached_path, "cpu")
    for (name, cached_tensor), (_, uncached_tensor) in zip(cached_policy.state_dict().items(),
                                                           uncached_policy.state_dict().items()):
        assert torch.equal(cached_tensor, uncached_tensor), name


def test_policy_inside_scip_reaches_scip_optimum(trained) -> None:
    """Benchmark protocol (root-only cuts, no restarts) from Python: same optimum as SCIP default."""
    _, policy_path, _ = trained
    form = generate("indset", "easy", 0, n_nodes=150)
    protocol = {"separating/maxrounds": 0, "presolving/maxrestarts": 0}
    reference = ScipBackend().solve(form, SolveOptions(time_limit=60, extra={**HARDER, **protocol}))
    result = run_method("gnn-branching", form, SolveOptions(time_limit=60, extra=dict(HARDER)),
                        {"model": str(policy_path), "protocol": True})
    assert reference.status.value == result.status.value == "optimal"
    assert math.isclose(result.objective, reference.objective, rel_tol=1e-9, abs_tol=1e-6)
    assert result.extra["branching_calls"] >= 1, "the policy never branched"
    assert result.extra["protocol"] is True
    assert max(form.violations(result.values).values()) <= 1e-6


def test_command_line_solve_with_policy(trained, tmp_path, capsys) -> None:
    """``ormodel solve FILE --method gnn-branching --model PATH`` with SCIP's normal settings."""
    from ormodel.solvers.highs import write_model_file

    from ormodel.cli import main

    _, policy_path, _ = trained
    form = generate("indset", "easy", 4, n_nodes=150)
    path = tmp_path / "indset.mps"
    write_model_file(form, path)
    reference = ScipBackend().solve(form, SolveOptions(time_limit=60, extra=dict(HARDER)))
    code = main(["solve", str(path), "--method", "gnn-branching", "--model", str(policy_path), "--time-limit", "60",
                 "--json", "--param", 'scip={"presolving/maxrounds": 0, "separating/maxroundsroot": 0}'])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["status"] == "optimal"
    assert math.isclose(payload["objective"], reference.objective, rel_tol=1e-9, abs_tol=1e-6)


def test_method_rejects_bad_parameters(trained) -> None:
    form = generate("indset", "easy", 0, n_nodes=30)
    with pytest.raises(ValueError, match="does not take"):
        run_method("gnn-branching", form, SolveOptions(), {"modle": "x"})
    with pytest.raises(FileNotFoundError, match="neither a file nor a shipped policy"):
        run_method("gnn-branching", form, SolveOptions(), {"model": "/nonexistent/policy.pt"})


def test_describe_lists_the_training_record(trained) -> None:
    from ormodel.learned.branching.describe import describe_policies

    _, policy_path, record = trained
    table = describe_policies([policy_path])
    assert f"| tiny | {record['train_samples']} | {record['valid_samples']} |" in table
    assert f"{record['valid']['acc@1']:.3f}" in table
