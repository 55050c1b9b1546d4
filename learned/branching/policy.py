"""The GCN branching policy of Gasse et al. 2019, in torch + torch_geometric.

Architecture (learn2branch ``models/baseline/model.py``; paper section 4.3), embedding size 64:

* constraint embedding: PreNorm(5) → Linear 64 → ReLU → Linear 64 → ReLU;
  edge embedding: PreNorm(1); variable embedding: PreNorm(19) → Linear 64 → ReLU → Linear 64 → ReLU.
* one graph convolution = two half-convolutions, variables → constraints then constraints →
  variables. Each message is ``W_target·h_i + W_edge·e_ij + W_source·h_j`` → PreNorm(1, scale only)
  → ReLU → Linear 64; messages are **summed** (no normalisation), scaled by a PreNorm(1, scale
  only), concatenated with the target's embedding and passed through Linear 64 → ReLU → Linear 64.
  (The per-message Linear is applied after the sum, which is the same function; see
  :class:`BipartiteConvolution`.)
* head on variables: Linear 64 → ReLU → Linear 1 (no bias); a softmax over the branching
  candidates only (masked softmax) gives the policy.

``PreNorm`` is a fixed affine map ``(x - mean) / std`` whose statistics are computed in a first
pass over training data (:meth:`BranchingPolicy.fit_normalization`), one layer at a time in
forward order, then frozen — as in the paper (its ablation shows generalisation suffers without
it). Weights use orthogonal initialisation.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import torch
import torch_geometric
from ormodel.learned.branching.message_passing import DEFAULT_CHUNK, summed_relu_messages
from ormodel.learned.branching.observation import CONSTRAINT_FEATURES, EDGE_FEATURES, VARIABLE_FEATURES
from ormodel.learned.device import resolve_device
from torch import nn

__all__ = [
    "BipartiteConvolution",
    "BranchingPolicy",
    "PreNorm",
    "candidate_log_probabilities",
    "load_policy",
    "resolve_device",
    "save_policy",
]

EMBEDDING_SIZE = 64


class _NormalizationPass(Exception):
    """Raised by a PreNorm layer collecting statistics, to stop the forward pass there."""


class PreNorm(nn.Module):
    """Fixed affine normalisation ``(x + shift) * scale`` with statistics learned in a first pass."""

    shift: torch.Tensor
    scale: torch.Tensor

    def __init__(self, units: int, shift: bool = True, scale: bool = True) -> None:
        super().__init__()
        self.units = units
        self.use_shift = shift
        self.use_scale = scale
        self.register_buffer("shift", torch.zeros(units))
        self.register_buffer("scale", torch.ones(units))
        self.updating = False
        self.received_updates = False
        self._count = 0
        self._sum = torch.zeros(units, dtype=torch.float64)
        self._sum_squares = torch.zeros(units, dtype=torch.float64)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.updating:
            values = inputs.detach().reshape(-1, self.units).to(torch.float64).cpu()
            self._count += values.shape[0]
            self._sum += values.sum(dim=0)
            self._sum_squares += (values * values).sum(dim=0)
            self.received_updates = True
            raise _NormalizationPass()
        return (inputs + self.shift) * self.scale

    def start_updates(self) -> None:
        """Reset statistics and collect them in the following forward passes."""
        self.updating = True
        self.received_updates = False
        self._count = 0
        self._sum.zero_()
        self._sum_squares.zero_()

    def stop_updates(self) -> None:
        """Freeze the statistics collected so far into ``shift`` and ``scale``."""
        self.updating = False
        if self._count == 0:
            return
        mean = self._sum / self._count
        variance = (self._sum_squares / self._count - mean * mean).clamp(min=0.0)
        std = variance.sqrt()
        std[std < 1e-8] = 1.0
        if self.use_shift:
            self.shift.copy_((-mean).to(self.shift.dtype))
        if self.use_scale:
            self.scale.copy_((1.0 / std).to(self.scale.dtype))


class BipartiteConvolution(torch_geometric.nn.MessagePassing):
    """Half-convolution from source nodes to target nodes of the bipartite graph (sum aggregation).

    The message of edge (i, j) is ``Linear(ReLU(PreNorm(W_t h_i + W_e e_ij + W_s h_j)))`` and the
    messages are summed. Because the last step of a message is affine and aggregation is a sum,
    it is applied once per target node after aggregation (``W·Σ_j r_ij + degree_i·b``) — the same
    function as the paper's per-edge form, at a cost linear in edges instead of edges × 64².
    """

    def __init__(self, size: int = EMBEDDING_SIZE) -> None:
        super().__init__(aggr="add")
        self.target_module = nn.Linear(size, size)
        self.edge_module = nn.Linear(len(EDGE_FEATURES), size, bias=False)
        self.source_module = nn.Linear(size, size, bias=False)
        self.message_norm = PreNorm(1, shift=False)
        self.message_output = nn.Linear(size, size)
        self.post_aggregation = PreNorm(1, shift=False)
        self.output_module = nn.Sequential(nn.Linear(2 * size, size), nn.ReLU(), nn.Linear(size, size))
        # Edges per step of the fused edge computation (a CPU-cache size); not a weight, not saved.
        self.edge_chunk = DEFAULT_CHUNK

    def forward(self, source: torch.Tensor, edge_index: torch.Tensor, edge_features: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """New target embeddings; ``edge_index[0]`` indexes sources and ``edge_index[1]`` targets."""
        if self.message_norm.updating:
            summed = self.propagate(edge_index, size=(source.shape[0], target.shape[0]),
                                    node_features=(self.source_module(source), self.target_module(target)),
                                    edge_features=edge_features)
        else:
            summed = self._summed_messages(source, edge_index, edge_features, target)
        degree = torch.bincount(edge_index[1], minlength=target.shape[0]).to(summed.dtype).unsqueeze(-1)
        aggregated = nn.functional.linear(summed, self.message_output.weight) + degree * self.message_output.bias
        return self.output_module(torch.cat([self.post_aggregation(aggregated), target], dim=-1))

    def message(self, node_features_i: torch.Tensor, node_features_j: torch.Tensor, edge_features: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.message_norm(node_features_i + self.edge_module(edge_features) + node_features_j))

    def _summed_messages(self, source: torch.Tensor, edge_index: torch.Tensor, edge_features: torch.Tensor,
                         target: torch.Tensor) -> torch.Tensor:
        """``Σ_j ReLU(PreNorm(W_t h_i + W_e e_ij + W_s h_j))`` with the fixed PreNorm folded into the node terms.

        PreNorm is affine, so ``((a + b + c) + shift) * scale`` is computed as
        ``(a + shift) * scale + b * scale + c * scale`` with the scaling done per node (not per edge);
        the edge step is :func:`~ormodel.learned.branching.message_passing.summed_relu_messages`
        (chunked, fused). Same function as :meth:`message` + sum (up to float rounding).
        """
        scale = self.message_norm.scale
        target_terms = (self.target_module(target) + self.message_norm.shift) * scale
        source_terms = self.source_module(source) * scale
        edge_weight = (self.edge_module.weight * scale).t()
        return summed_relu_messages(target_terms, source_terms, edge_features, edge_weight, edge_index[1], edge_index[0],
                                    self.edge_chunk)


class BranchingPolicy(nn.Module):
    """GCN scoring every variable node; :func:`candidate_log_probabilities` turns scores into the policy."""

    def __init__(self, size: int = EMBEDDING_SIZE) -> None:
        super().__init__()
        self.size = size
        self.constraint_embedding = nn.Sequential(
            PreNorm(len(CONSTRAINT_FEATURES)), nn.Linear(len(CONSTRAINT_FEATURES), size), nn.ReLU(),
            nn.Linear(size, size), nn.ReLU(),
        )
        self.edge_embedding = nn.Sequential(PreNorm(len(EDGE_FEATURES)))
        self.variable_embedding = nn.Sequential(
            PreNorm(len(VARIABLE_FEATURES)), nn.Linear(len(VARIABLE_FEATURES), size), nn.ReLU(),
            nn.Linear(size, size), nn.ReLU(),
        )
        self.variables_to_constraints = BipartiteConvolution(size)
        self.constraints_to_variables = BipartiteConvolution(size)
        self.head = nn.Sequential(nn.Linear(size, size), nn.ReLU(), nn.Linear(size, 1, bias=False))
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.orthogonal_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, constraint_features: torch.Tensor, edge_index: torch.Tensor, edge_features: torch.Tensor,
                variable_features: torch.Tensor) -> torch.Tensor:
        """A score per variable node; ``edge_index`` rows are (constraint, variable)."""
        constraints = self.constraint_embedding(constraint_features)
        edges = self.edge_embedding(edge_features)
        variables = self.variable_embedding(variable_features)
        reversed_index = torch.stack([edge_index[1], edge_index[0]], dim=0)
        constraints = self.variables_to_constraints(variables, reversed_index, edges, constraints)
        variables = self.constraints_to_variables(constraints, edge_index, edges, variables)
        return self.head(variables).squeeze(-1)

    def forward_batch(self, batch: Any) -> torch.Tensor:
        """Scores for a (batched) :class:`~ormodel.learned.branching.data.BipartiteSample`."""
        return self(batch.constraint_features, batch.edge_index, batch.edge_features, batch.variable_features)

    def set_edge_chunk(self, edges: int) -> None:
        """Edges per step of both convolutions' fused edge computation (same function, other memory use)."""
        if edges < 1:
            raise ValueError(f"edge chunk must be a positive number of edges, got {edges}")
        self.variables_to_constraints.edge_chunk = int(edges)
        self.constraints_to_variables.edge_chunk = int(edges)

    def prenorm_layers(self) -> list[PreNorm]:
        """Every PreNorm layer."""
        return [module for module in self.modules() if isinstance(module, PreNorm)]

    @torch.no_grad()
    def fit_normalization(self, batches: Iterable[Any]) -> int:
        """Learn the PreNorm statistics from ``batches`` (re-iterable), one layer per pass; returns the passes."""
        layers = self.prenorm_layers()
        for layer in layers:
            layer.start_updates()
        passes = 0
        while True:
            for layer in layers:
                layer.received_updates = False
            for batch in batches:
                try:
                    self.forward_batch(batch)
                except _NormalizationPass:
                    pass
            updated = [layer for layer in layers if layer.updating and layer.received_updates]
            if not updated:
                break
            for layer in updated:
                layer.stop_updates()
            passes += 1
        for layer in layers:
            layer.updating = False
        return passes


def candidate_log_probabilities(scores: torch.Tensor, candidates: torch.Tensor, candidate_group: torch.Tensor,
                                groups: int) -> torch.Tensor:
    """Log-softmax of ``scores[candidates]`` within each group (sample) — the masked softmax."""
    candidate_scores = scores[candidates]
    maximum = torch_geometric.utils.scatter(candidate_scores.detach(), candidate_group, dim=0, dim_size=groups, reduce="max")
    shifted = candidate_scores - maximum[candidate_group]
    normalizer = torch_geometric.utils.scatter(shifted.exp(), candidate_group, dim=0, dim_size=groups, reduce="sum")
    return shifted - normalizer.log()[candidate_group]


def save_policy(policy: BranchingPolicy, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None) -> None:
    """Write the policy's weights (float32) and metadata to ``path``."""
    state = {key: value.detach().cpu().to(torch.float32) for key, value in policy.state_dict().items()}
    torch.save({"format": "ormodel-gnn-branching-1", "size": policy.size, "state_dict": state,
                "metadata": dict(metadata or {})}, path)


def load_policy(path: str | os.PathLike[str], device: str | torch.device = "auto") -> tuple[BranchingPolicy, dict[str, Any]]:
    """A policy from :func:`save_policy`'s file, in eval mode on ``device``; returns (policy, metadata)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"policy file {os.fspath(path)!r} does not exist")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(f"{os.fspath(path)}: not an ormodel GNN branching policy file ({type(error).__name__}); "
                         "train one with python -m ormodel.learned.branching.train") from error
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != "ormodel-gnn-branching-1":
        raise ValueError(f"{os.fspath(path)}: not an ormodel GNN branching policy file (train one with "
                         "python -m ormodel.learned.branching.train)")
    policy = BranchingPolicy(int(checkpoint["size"]))
    policy.load_state_dict(checkpoint["state_dict"])
    policy.to(resolve_device(device)).eval()
    return policy, dict(checkpoint.get("metadata", {}))
