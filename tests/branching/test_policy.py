"""The GCN policy: batching offsets, masked softmax, pre-normalization, the convolution's algebra, IO."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch_geometric")
pytest.importorskip("pyscipopt")

from ormodel.learned.branching.data import batch_candidates, observation_graph
from ormodel.learned.branching.policy import (
    BipartiteConvolution,
    BranchingPolicy,
    PreNorm,
    _NormalizationPass,
    candidate_log_probabilities,
    load_policy,
    resolve_device,
    save_policy,
)
from ormodel.learned.branching.sampling import Sample, read_sample, write_sample

from .helpers import random_observation


def _batch(graphs):
    from torch_geometric.data import Batch

    return Batch.from_data_list(graphs)


def test_batching_offsets_edges_and_candidates() -> None:
    random = np.random.default_rng(0)
    first = observation_graph(random_observation(random, 3, 4, 6), [1, 3], choice=1)
    second = observation_graph(random_observation(random, 2, 5, 5), [0, 2, 4], choice=2)
    batch = _batch([first, second])
    # Constraint indices shift by 3 constraints, variable indices by 4 variables.
    np.testing.assert_array_equal(batch.edge_index[:, 6:].numpy(), second.edge_index.numpy() + np.array([[3], [4]]))
    assert batch.candidates.tolist() == [1, 3, 4, 6, 8]
    _candidates, group, choices, groups = batch_candidates(batch)
    assert groups == 2 and group.tolist() == [0, 0, 1, 1, 1]
    assert choices.tolist() == [1, 4]  # second sample's choice 2 sits at position 2 + 2


def test_masked_softmax_sums_to_one_per_sample() -> None:
    scores = torch.tensor([5.0, -1.0, 2.0, 0.5, 100.0, 3.0])
    candidates = torch.tensor([0, 2, 3, 5])  # variable 4 (score 100) is not a candidate
    group = torch.tensor([0, 0, 1, 1])
    log_probabilities = candidate_log_probabilities(scores, candidates, group, 2)
    probabilities = log_probabilities.exp()
    assert float(probabilities[:2].sum()) == pytest.approx(1.0)
    assert float(probabilities[2:].sum()) == pytest.approx(1.0)
    assert float(probabilities[0]) == pytest.approx(1.0 / (1.0 + np.exp(-3.0)))


def test_prenorm_statistics_standardize_inputs() -> None:
    layer = PreNorm(2)
    layer.start_updates()
    data = torch.tensor([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]])
    with pytest.raises(_NormalizationPass):
        layer(data)
    layer.stop_updates()
    output = layer(data)
    np.testing.assert_allclose(output.mean(dim=0).numpy(), [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(output.std(dim=0, unbiased=False).numpy(), [1.0, 1.0], atol=1e-5)


def test_fit_normalization_freezes_every_layer_in_order() -> None:
    random = np.random.default_rng(1)
    graphs = [observation_graph(random_observation(random, 4, 6, 10), [0, 1]) for _ in range(3)]
    policy = BranchingPolicy()
    passes = policy.fit_normalization([_batch(graphs)])
    assert passes == len(policy.prenorm_layers()) == 7
    assert not any(layer.updating for layer in policy.prenorm_layers())
    embedded = policy.variable_embedding[0](_batch(graphs).variable_features)
    np.testing.assert_allclose(embedded.mean(dim=0).detach().numpy(), np.zeros(19), atol=1e-5)


def test_convolution_equals_the_per_edge_formulation() -> None:
    """Applying the message's last Linear after the sum is the paper's per-edge form, exactly."""
    torch.manual_seed(0)
    convolution = BipartiteConvolution(8)
    source, target = torch.randn(5, 8), torch.randn(3, 8)
    edge_index = torch.tensor([[0, 1, 2, 4, 4, 3], [0, 0, 1, 1, 2, 2]])
    edge_features = torch.randn(6, 1)
    convolution.message_norm.scale.fill_(0.7)
    convolution.post_aggregation.scale.fill_(1.3)
    output = convolution(source, edge_index, edge_features, target)
    naive = torch.zeros(3, 8)
    for edge in range(6):
        j, i = int(edge_index[0, edge]), int(edge_index[1, edge])
        joint = convolution.target_module(target[i]) + convolution.edge_module(edge_features[edge]) + convolution.source_module(source[j])
        naive[i] += convolution.message_output(torch.relu(joint * 0.7))
    expected = convolution.output_module(torch.cat([naive * 1.3, target], dim=-1))
    np.testing.assert_allclose(output.detach().numpy(), expected.detach().numpy(), atol=1e-5)


def test_policy_save_load_round_trip(tmp_path) -> None:
    random = np.random.default_rng(2)
    graph = observation_graph(random_observation(random, 4, 6, 10), [0, 1, 5])
    policy = BranchingPolicy()
    policy.fit_normalization([_batch([graph])])
    path = tmp_path / "policy.pt"
    save_policy(policy, path, {"name": "test"})
    loaded, metadata = load_policy(path, "cpu")
    assert metadata["name"] == "test"
    with torch.no_grad():
        np.testing.assert_allclose(policy.forward_batch(graph).numpy(), loaded.forward_batch(graph).numpy(), atol=1e-6)
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="bad.pt: not an ormodel GNN branching policy file"):
        load_policy(tmp_path / "bad.pt", "cpu")
    with pytest.raises(FileNotFoundError):
        load_policy(tmp_path / "missing.pt", "cpu")


def test_device_auto_and_unavailable_cuda() -> None:
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_sample_file_round_trip_and_damaged_file(tmp_path) -> None:
    random = np.random.default_rng(3)
    observation = random_observation(random, 3, 4, 5)
    sample = Sample(observation, np.array([0, 2]), np.array([1.5, 2.5]), 1, {"instance": "toy", "node": 1})
    write_sample(tmp_path / "s.npz", sample)
    loaded = read_sample(tmp_path / "s.npz")
    np.testing.assert_array_equal(loaded.observation.edge_indices, observation.edge_indices)
    np.testing.assert_array_equal(loaded.observation.variable_features, observation.variable_features)
    assert loaded.choice == 1 and loaded.info == {"instance": "toy", "node": 1}
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="bad.npz: not a branching sample file"):
        read_sample(tmp_path / "bad.npz")


def test_shipped_policies_load_and_score() -> None:
    from ormodel.learned.branching.rule import SHIPPED_POLICIES, resolve_policy_path

    random = np.random.default_rng(3)
    observation = random_observation(random, 6, 9, 20)
    for name in SHIPPED_POLICIES:
        policy, metadata = load_policy(resolve_policy_path(name), "cpu")
        assert metadata["name"] == name and metadata["train_samples"] > 0
        with torch.no_grad():
            scores = policy(torch.as_tensor(observation.constraint_features), torch.as_tensor(observation.edge_indices),
                            torch.as_tensor(observation.edge_features), torch.as_tensor(observation.variable_features))
        assert scores.shape == (9,) and torch.isfinite(scores).all()


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="glibc mallopt")
def test_inference_reuses_freed_memory() -> None:
    """With glibc's thresholds raised, repeated passes on a 50,000-edge graph stop page-faulting.

    Without :func:`keep_freed_memory` each pass here takes ~32,000 minor page faults (every large
    tensor is a fresh mmap); with it, none (measured here).
    """
    import resource

    from ormodel.learned.branching.memory import keep_freed_memory

    if not keep_freed_memory():
        pytest.skip("not glibc")
    random = np.random.default_rng(0)
    constraints = variables = 1000
    edges = 50_000
    arguments = (torch.randn(constraints, 5), torch.as_tensor(np.stack([random.integers(0, constraints, edges),
                                                                       random.integers(0, variables, edges)])),
                 torch.randn(edges, 1), torch.randn(variables, 19))
    policy = BranchingPolicy().eval()
    with torch.inference_mode():
        for _ in range(2):
            policy(*arguments)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(3):
            policy(*arguments)
        faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 3
    assert faults < 12_000, f"{faults:.0f} page faults per pass: freed memory is not being reused"
