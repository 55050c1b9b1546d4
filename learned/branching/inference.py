"""The policy's choice at one branch-and-bound node: observation in, best candidate out (no solver needed).

:class:`CandidateScorer` is the inference step of
:class:`~ormodel.learned.branching.rule.PolicyBranchrule`, kept free of PySCIPOpt so that the same
code can be timed and checked on stored samples (``benchmarks/branching_gpu.py``). The LP's edge
list and edge features change only when its rows do, and the extractor then hands out the same
arrays, so their tensors are copied to the device once and reused while the arrays are the same
objects; node and candidate values are copied at every call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from ormodel.learned.branching.observation import BipartiteObservation
from ormodel.learned.branching.policy import BranchingPolicy, resolve_device

__all__ = ["CandidateScorer"]


class CandidateScorer:
    """Scores a node's branching candidates with ``policy`` on ``device`` and picks the highest."""

    def __init__(self, policy: BranchingPolicy, device: str | torch.device = "auto") -> None:
        self.device = resolve_device(device)
        self.policy = policy.to(self.device).eval()
        self._edge_source: Any = None
        self._edge_tensors: tuple[torch.Tensor, torch.Tensor] | None = None

    def candidate_scores(self, observation: BipartiteObservation, positions: np.ndarray) -> torch.Tensor:
        """The policy's score of each candidate (LP column ``positions``), on the scorer's device."""
        with torch.inference_mode():
            if self._edge_source is not observation.edge_indices or self._edge_tensors is None:
                self._edge_source = observation.edge_indices
                self._edge_tensors = (torch.as_tensor(observation.edge_indices, dtype=torch.long, device=self.device),
                                      torch.as_tensor(observation.edge_features, dtype=torch.float32, device=self.device))
            edge_index, edge_features = self._edge_tensors
            scores = self.policy(
                torch.as_tensor(observation.constraint_features, device=self.device),
                edge_index,
                edge_features,
                torch.as_tensor(observation.variable_features, device=self.device),
            )
            return scores[torch.as_tensor(positions, device=self.device)]

    def choose(self, observation: BipartiteObservation, positions: np.ndarray) -> int:
        """Index (into ``positions``) of the candidate the policy scores highest."""
        with torch.inference_mode():
            return int(torch.argmax(self.candidate_scores(observation, positions)))
