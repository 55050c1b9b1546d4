"""Samples as torch_geometric graphs, and batching that keeps the bipartite indices right.

:class:`BipartiteSample` offsets ``edge_index`` by (constraints, variables) and ``candidates``
by variables when torch_geometric concatenates samples into a batch; ``candidate_group`` tells
which sample each candidate belongs to and ``choice_position`` where the expert's choice sits
in the batch's candidate list.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch_geometric
from ormodel.learned.branching.observation import BipartiteObservation
from ormodel.learned.branching.samples import read_sample

__all__ = ["BipartiteSample", "SampleDataset", "batch_candidates", "make_loader", "observation_graph"]


class BipartiteSample(torch_geometric.data.Data):
    """One node's graph; batches offset edge and candidate indices per side."""

    def __inc__(self, key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        if key == "edge_index":
            return torch.tensor([[self.constraint_features.size(0)], [self.variable_features.size(0)]])
        if key == "candidates":
            return self.variable_features.size(0)
        return super().__inc__(key, value, *args, **kwargs)


def observation_graph(observation: BipartiteObservation, candidates: Sequence[int] | np.ndarray,
                      choice: int = 0, candidate_scores: np.ndarray | None = None) -> BipartiteSample:
    """A :class:`BipartiteSample` of one observation (``choice`` and scores only matter for training)."""
    candidate_array = torch.as_tensor(np.asarray(candidates, dtype=np.int64))
    scores = np.zeros(len(candidate_array)) if candidate_scores is None else np.asarray(candidate_scores, dtype=np.float64)
    scores = np.where(np.isfinite(scores), scores, -1.0)
    return BipartiteSample(
        constraint_features=torch.as_tensor(observation.constraint_features, dtype=torch.float32),
        edge_index=torch.as_tensor(observation.edge_indices, dtype=torch.long),
        edge_features=torch.as_tensor(observation.edge_features, dtype=torch.float32),
        variable_features=torch.as_tensor(observation.variable_features, dtype=torch.float32),
        candidates=candidate_array,
        candidate_count=torch.tensor([len(candidate_array)]),
        choice=torch.tensor([int(choice)]),
        candidate_scores=torch.as_tensor(scores, dtype=torch.float32),
        num_nodes=int(observation.constraint_features.shape[0] + observation.variable_features.shape[0]),
    )


class SampleDataset(torch.utils.data.Dataset):
    """Sample files (one compressed ``.npz`` per sample), read lazily; ``cache`` keeps each graph once read.

    Training draws every sample many times; caching saves the decompression on every draw (it
    costs about as much as a forward and backward pass on small graphs such as auctions).
    """

    def __init__(self, files: Sequence[str | os.PathLike[str]], cache: bool = False) -> None:
        self.files = [Path(file) for file in files]
        self._cache: dict[int, BipartiteSample] | None = {} if cache else None

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> BipartiteSample:
        if self._cache is not None and index in self._cache:
            return self._cache[index]
        sample = read_sample(self.files[index])
        graph = observation_graph(sample.observation, sample.candidates, sample.choice, sample.candidate_scores)
        if self._cache is not None:
            self._cache[index] = graph
        return graph


def make_loader(files: Sequence[str | os.PathLike[str]] | torch.utils.data.Dataset, batch_size: int = 32,
                shuffle: bool = False, seed: int = 0) -> torch_geometric.loader.DataLoader:
    """A torch_geometric loader over sample files or a :class:`SampleDataset` (or a subset of one); seeded shuffling."""
    generator = torch.Generator()
    generator.manual_seed(seed)
    dataset = files if isinstance(files, torch.utils.data.Dataset) else SampleDataset(files)
    return torch_geometric.loader.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def batch_candidates(batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """(candidate node indices, sample of each candidate, position of each choice, number of samples)."""
    counts = batch.candidate_count
    groups = int(counts.numel())
    group = torch.repeat_interleave(torch.arange(groups, device=counts.device), counts)
    starts = torch.cumsum(counts, dim=0) - counts
    return batch.candidates, group, starts + batch.choice, groups
