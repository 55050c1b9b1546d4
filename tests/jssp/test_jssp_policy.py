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
    assert len(policy.solve(instance, samples=6, batch_size=4, time_limit=60.0, device="cpu").all_makespans) == 1 + 6
    both = policy.solve(instance, samples=6, batch_size=4, time_limit=60.0, modes=("non_delay", "active"))
    assert len(both.all_makespans) == 2 + 6


def test_time_filled_sampling_uses_growing_batches_within_the_budget() -> None:
    import time

    policy = DispatchPolicy()
    instance = random_jobshop(10, 5, seed=4)
    began = time.process_time()
    found = policy.sample_for(instance, 0.3, seed=1, clock=time.process_time)
    spent = time.process_time() - began
    instance.check_schedule(found.starts)
    assert found.makespan == min(found.all_makespans) == instance.makespan(found.starts)
    assert len(found.all_makespans) > 20 and spent < 0.6
    # Nothing but the greedy schedules when even one schedule does not fit.
    assert len(policy.sample_for(instance, 0.0).all_makespans) == 1


def test_greedy_keeps_the_better_decision_mode() -> None:
    torch.manual_seed(2)
    policy = DispatchPolicy()
    instance = random_jobshop(4, 12, seed=5)
    both = policy.solve(instance)
    each = [policy.solve(instance, modes=(mode,)).makespan for mode in ("non_delay", "active")]
    assert both.makespan == min(each) and both.all_makespans == each
    instance.check_schedule(policy.solve(instance, modes=("active",)).starts)
    assert policy.modes_for(instance) == ("non_delay", "active")  # wide: greedy in both modes
    assert policy.modes_for(random_jobshop(15, 15, seed=0)) == ("non_delay",)


def test_policy_handles_other_sizes_and_the_general_shape_with_one_network() -> None:
    from ormodel.datasets.jssp import general_jobshop

    policy = DispatchPolicy()
    for jobs, machines in ((3, 3), (12, 4), (5, 9)):
        instance = random_jobshop(jobs, machines, seed=jobs)
        instance.check_schedule(policy.solve(instance).starts)
    ragged = general_jobshop(9, 4, seed=1, zero_fraction=0.2)
    schedule = policy.solve(ragged, samples=4)
    ragged.check_schedule(schedule.starts)
    assert (schedule.starts[~ragged.valid] == -1).all()


def test_numpy_scores_match_the_torch_network_and_batches_match_single_runs() -> None:
    from ormodel.learned.dispatching.env import DispatchEnvironment
    from ormodel.learned.dispatching.features import candidate_features

    torch.manual_seed(4)
    policy = DispatchPolicy()
    instances = random_jobshop_batch(3, 7, 5, seed=2)
    _, _, features = candidate_features(DispatchEnvironment(instances))
    with torch.no_grad():
        expected = policy(torch.from_numpy(features)).numpy()
    assert np.allclose(policy.score(features), expected, atol=1e-5)
    batched = policy.run(instances, greedy=True).env.makespans().tolist()
    assert batched == [int(policy.run([instance], greedy=True).env.makespans()[0]) for instance in instances]


def test_resolve_device() -> None:
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_shipped_weights_beat_the_best_rule_on_random_instances() -> None:
    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip("no shipped weights")
    from ormodel.learned.dispatching.train import best_rule_makespan

    policy = load_policy()
    # 30 instances: on 6 (the earlier sample) one instance decides the mean either way.
    instances = random_jobshop_batch(30, 15, 10, seed=12345)
    learned = np.array([policy.solve(instance).makespan for instance in instances], dtype=float)
    best_single = min(
        np.mean([schedule.makespan for schedule in dispatch_batch_with_rule(instances, rule)])
        for rule in ("spt", "mwkr", "mopnr", "fifo")
    )
    assert learned.mean() < best_single
    # Greedy is only about level with the per-instance best of the 12 rules; 16 samples beat it.
    per_instance_best = np.array([best_rule_makespan(instance) for instance in instances], dtype=float)
    sampled = np.array([policy.solve(instance, samples=16, seed=0).makespan for instance in instances], dtype=float)
    assert sampled.mean() < per_instance_best.mean() and (sampled <= learned).all()


def test_training_entry_point_is_reproducible(tmp_path: Path) -> None:
    arguments = ["--seed", "5", "--imitation-instances", "3", "--imitation-epochs", "1", "--iterations", "2",
                 "--families", "taillard,dmu", "--samples", "3", "--validation-instances", "0", "--hidden", "8"]
    train_main([*arguments, "--output", str(tmp_path / "first.pt")])
    train_main([*arguments, "--output", str(tmp_path / "second.pt")])
    first = load_policy(tmp_path / "first.pt").state_dict()
    second = load_policy(tmp_path / "second.pt").state_dict()
    assert all(torch.equal(first[key], second[key]) for key in first)
    metadata = load_policy(tmp_path / "first.pt").metadata
    assert metadata["arguments"]["seed"] == 5 and len(metadata["imitation_losses"]) == 1
    assert [entry["iterations"] for entry in metadata["log"]] == [1, 2]


def test_training_keeps_every_validated_step_with_its_per_shape_scores(tmp_path: Path) -> None:
    from ormodel.learned.dispatching.train import VALIDATION

    arguments = ["--seed", "6", "--imitation-instances", "0", "--iterations", "2", "--families", "taillard",
                 "--samples", "2", "--hidden", "8", "--validation-instances", "1", "--validate-every", "1",
                 "--checkpoints", str(tmp_path / "steps"), "--output", str(tmp_path / "final.pt")]
    train_main(arguments)
    assert sorted(path.name for path in (tmp_path / "steps").iterdir()) == ["step00001.pt", "step00002.pt"]
    entry = load_policy(tmp_path / "steps" / "step00002.pt").metadata["log"][-1]
    assert entry["iterations"] == 2 and len(entry["per_shape"]) == len(VALIDATION)
    ratio, wins = entry["per_shape"]["taillard15x15"]
    assert ratio > 0 and wins in (0.0, 1.0)
    # The overall score is the mean over the shapes (one instance each here).
    assert entry["greedy_over_best_rule"] == pytest.approx(np.mean([value[0] for value in entry["per_shape"].values()]), abs=1e-3)


def test_self_labeling_learns_the_best_sampled_schedule() -> None:
    from ormodel.learned.dispatching.train import decisions, imitation_loss

    torch.manual_seed(0)
    policy = DispatchPolicy(hidden=16)
    instance = random_jobshop(6, 4, seed=3)
    run = policy.run([instance] * 8, greedy=False, seed=1, record=True)
    best = int(run.env.makespans().argmin())
    batch = [decisions(instance, run.actions[:, best])]
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    before = float(imitation_loss(policy, batch).detach())
    for _ in range(60):
        loss = imitation_loss(policy, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    policy.refresh()
    assert float(imitation_loss(policy, batch).detach()) < 0.5 * before
    # After imitating it, greedy reproduces the best sampled schedule.
    assert int(policy.run([instance], greedy=True).env.makespans()[0]) == int(run.env.makespans()[best])


def test_fine_tuning_starts_from_given_weights(tmp_path: Path) -> None:
    torch.manual_seed(1)
    start = DispatchPolicy()
    start.save(tmp_path / "start.pt")
    arguments = ["--seed", "2", "--init", str(tmp_path / "start.pt"), "--imitation-instances", "0", "--iterations", "1",
                 "--families", "taillard", "--samples", "2", "--validation-instances", "0", "--output", str(tmp_path / "tuned.pt")]
    train_main(arguments)
    initial = load_policy(tmp_path / "start.pt").state_dict()
    tuned = load_policy(tmp_path / "tuned.pt").state_dict()
    assert initial.keys() == tuned.keys()
    assert any(not torch.equal(initial[key], tuned[key]) for key in initial)
    assert load_policy(tmp_path / "tuned.pt").metadata["arguments"]["init"] == str(tmp_path / "start.pt")


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
