"""The learned policy, its training entry point and the ``dispatch`` method."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ormodel.datasets.jssp import JobShopError, random_jobshop, random_jobshop_batch, write_jobshop
from ormodel.learned.dispatching.policy import DEFAULT_WEIGHTS, DispatchPolicy, load_policy, resolve_device
from ormodel.learned.dispatching.rules import dispatch_batch_with_rule
from ormodel.learned.dispatching.train import main as train_main
from ormodel.solvers.base import SolveOptions

from ormodel.methods import run_method
from ormodel.result import Status


def test_untrained_policy_builds_feasible_reproducible_schedules() -> None:
    torch.manual_seed(0)
    policy = DispatchPolicy()
    instance = random_jobshop(8, 5, seed=1)
    greedy = policy.solve(instance, device="cpu")
    instance.check_schedule(greedy.starts)
    assert greedy.makespan == instance.makespan(greedy.starts)
    first = policy.solve(instance, samples=6, seed=3, device="cpu")
    second = policy.solve(instance, samples=6, seed=3, device="cpu")
    assert first.all_makespans == second.all_makespans
    assert first.makespan == min(first.all_makespans) <= greedy.makespan
    instance.check_schedule(first.starts)


def test_sampling_respects_a_time_limit() -> None:
    policy = DispatchPolicy()
    instance = random_jobshop(6, 4, seed=2)
    assert len(policy.solve(instance, samples=64, batch_size=4, time_limit=0.0, device="cpu").all_makespans) == 1
    assert len(policy.solve(instance, samples=6, batch_size=4, time_limit=60.0, device="cpu").all_makespans) == 7


def test_policy_handles_other_sizes_with_one_network() -> None:
    policy = DispatchPolicy()
    for jobs, machines in ((3, 3), (12, 4), (5, 9)):
        instance = random_jobshop(jobs, machines, seed=jobs)
        instance.check_schedule(policy.solve(instance, device="cpu").starts)


def test_resolve_device() -> None:
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_shipped_weights_beat_best_single_rule_on_random_instances() -> None:
    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip("no shipped weights")
    policy = load_policy(device="cpu")
    instances = random_jobshop_batch(6, 15, 10, seed=12345)
    learned = np.array([policy.solve(instance, device="cpu").makespan for instance in instances], dtype=float)
    best_rule = min(
        np.mean([schedule.makespan for schedule in dispatch_batch_with_rule(instances, rule)])
        for rule in ("spt", "mwkr", "mopnr", "fifo")
    )
    assert learned.mean() < best_rule


def test_training_entry_point_is_reproducible(tmp_path: Path) -> None:
    arguments = [
        "--seed",
        "5",
        "--imitation-sizes",
        "5x4",
        "--imitation-instances",
        "2",
        "--cp-deterministic-time",
        "0.05",
        "--imitation-epochs",
        "1",
        "--rl-sizes",
        "5x4",
        "--rl-iterations",
        "2",
        "--rl-instances",
        "2",
        "--rl-group",
        "3",
        "--validation-sizes",
        "5x4",
        "--validation-instances",
        "2",
        "--validate-every",
        "1",
    ]
    train_main([*arguments, "--output", str(tmp_path / "first.pt")])
    train_main([*arguments, "--output", str(tmp_path / "second.pt")])
    first = load_policy(tmp_path / "first.pt", device="cpu").state_dict()
    second = load_policy(tmp_path / "second.pt", device="cpu").state_dict()
    assert all(torch.equal(first[key], second[key]) for key in first)
    metadata = load_policy(tmp_path / "first.pt", device="cpu").metadata
    assert metadata["arguments"]["seed"] == 5
    # Validation ran at the start and after each iteration; the kept weights are the best-scoring ones.
    scores = {entry["iterations"]: entry["greedy_over_best_rule"] for entry in metadata["validation"]}
    assert sorted(scores) == [0, 1, 2]
    assert metadata["kept"]["score"] == pytest.approx(min(scores.values()), abs=1e-4)


def test_fine_tuning_starts_from_given_weights(tmp_path: Path) -> None:
    torch.manual_seed(1)
    start = DispatchPolicy()
    start.save(tmp_path / "start.pt")
    arguments = ["--seed", "2", "--init", str(tmp_path / "start.pt"), "--imitation-instances", "0"]
    arguments += ["--rl-sizes", "5x4", "--rl-iterations", "1", "--rl-instances", "2", "--rl-group", "2"]
    arguments += ["--validation-instances", "0", "--output", str(tmp_path / "tuned.pt")]
    train_main(arguments)
    initial = load_policy(tmp_path / "start.pt", device="cpu").state_dict()
    tuned = load_policy(tmp_path / "tuned.pt", device="cpu").state_dict()
    assert initial.keys() == tuned.keys()
    assert any(not torch.equal(initial[key], tuned[key]) for key in initial)
    assert load_policy(tmp_path / "tuned.pt", device="cpu").metadata["arguments"]["init"] == str(tmp_path / "start.pt")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_inference_matches_cpu() -> None:
    from ormodel.learned.dispatching.env import DispatchEnvironment

    torch.manual_seed(0)
    policy = DispatchPolicy()
    instance = random_jobshop(10, 6, seed=3)
    env = DispatchEnvironment([instance])
    rows = np.arange(1)
    on_cpu = policy.to("cpu").eval().state_logits(env, rows, torch.device("cpu"))
    on_gpu = policy.to("cuda").eval().state_logits(env, rows, torch.device("cuda")).cpu()
    legal = torch.from_numpy(env.mask)
    assert torch.allclose(on_cpu[legal], on_gpu[legal], atol=1e-4)
    schedule = policy.solve(instance, samples=4, seed=0, device="cuda")
    instance.check_schedule(schedule.starts)
    assert schedule.makespan == instance.makespan(schedule.starts)


def test_dispatch_method_on_a_file(tmp_path: Path) -> None:
    instance = random_jobshop(6, 4, seed=8)
    path = tmp_path / "shop.txt"
    write_jobshop(instance, path)
    params = {"samples": 2, "rule": "mopnr"} if not DEFAULT_WEIGHTS.is_file() else {"samples": 2}
    result = run_method("dispatch", str(path), SolveOptions(time_limit=3.0, seed=0, threads=1), params)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE)
    starts = result.array("start").astype(int)
    instance.check_schedule(starts)
    assert result.objective == instance.makespan(starts)
    assert result.objective <= result.extra["dispatch_makespan"]
    assert "start[0,0]" in result.values_by_name()
    assert result.bound <= result.objective


def test_dispatch_method_without_improvement_and_bad_input(tmp_path: Path) -> None:
    instance = random_jobshop(5, 3, seed=2)
    result = run_method("dispatch", instance, SolveOptions(seed=0), {"rule": "spt", "improve": False})
    assert result.objective == result.extra["dispatch_makespan"]
    with pytest.raises(ValueError, match="unknown parameters"):
        run_method("dispatch", instance, SolveOptions(), {"sample": 3})
    with pytest.raises(JobShopError, match="does not exist"):
        run_method("dispatch", str(tmp_path / "missing.txt"), SolveOptions(), {})
