"""Explore-then-expert sampling and the compressed sample format.

At each node where SCIP branches on the LP solution, :class:`ExploreThenExpertSampler` queries
the strong-branching expert with probability ``record_probability``: it extracts the bipartite
observation, scores the candidates, writes a sample (observation, candidate columns, scores,
expert choice) and branches on the expert's choice. Otherwise it declines (``DIDNOTRUN``) and
SCIP's ``pscost`` rule branches — its priority is raised just below the sampler's, so the
exploration policy is pseudocost branching as in Gasse et al. 2019 / Ecole's
``ExploreThenStrongBranch``.

A sample is one ``.npz`` file written with ``numpy.savez_compressed``: ``constraint_features``
(m, 5), ``edge_indices`` (2, E, int32: constraint, variable), ``edge_features`` (E, 1),
``variable_features`` (n, 19), ``candidates`` (k, LP column positions), ``candidate_scores`` (k),
``choice`` (index into ``candidates``), and ``info`` (a JSON string: instance, node, depth, seed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyscipopt
from ormodel.learned.branching.expert import expert_decision
from ormodel.learned.branching.observation import BipartiteObservation, ObservationExtractor

__all__ = [
    "EXPLORATION_PRIORITY",
    "SAMPLER_PRIORITY",
    "ExploreThenExpertSampler",
    "Sample",
    "include_sampler",
    "read_sample",
    "sample_files",
    "write_sample",
]

SAMPLER_PRIORITY = 1_000_000
EXPLORATION_PRIORITY = 999_999


@dataclass
class Sample:
    """One expert decision at one node."""

    observation: BipartiteObservation
    candidates: np.ndarray
    candidate_scores: np.ndarray
    choice: int
    info: dict[str, Any]


def write_sample(path: str | os.PathLike[str], sample: Sample) -> None:
    """Write ``sample`` as a compressed ``.npz`` file."""
    observation = sample.observation
    np.savez_compressed(
        path,
        constraint_features=observation.constraint_features.astype(np.float32),
        edge_indices=observation.edge_indices.astype(np.int32),
        edge_features=observation.edge_features.astype(np.float32),
        variable_features=observation.variable_features.astype(np.float32),
        candidates=np.asarray(sample.candidates, dtype=np.int64),
        candidate_scores=np.asarray(sample.candidate_scores, dtype=np.float64),
        choice=np.int64(sample.choice),
        info=np.array(json.dumps(sample.info)),
    )


def read_sample(path: str | os.PathLike[str]) -> Sample:
    """Read a sample written by :func:`write_sample`; a clear error names a damaged file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            observation = BipartiteObservation(
                constraint_features=data["constraint_features"],
                edge_indices=data["edge_indices"].astype(np.int64),
                edge_features=data["edge_features"],
                variable_features=data["variable_features"],
            )
            sample = Sample(observation, data["candidates"], data["candidate_scores"], int(data["choice"]),
                            json.loads(str(data["info"])))
    except (OSError, KeyError, ValueError) as error:
        raise ValueError(f"{path}: not a branching sample file ({error}); re-run collection for it") from error
    if not 0 <= sample.choice < len(sample.candidates):
        raise ValueError(f"{path}: choice {sample.choice} is outside the {len(sample.candidates)} candidates")
    return sample


class ExploreThenExpertSampler(pyscipopt.Branchrule):
    """Branching rule recording strong-branching decisions at a random subset of nodes.

    ``sink`` receives each :class:`Sample`; the solve is interrupted once ``max_samples`` were
    recorded. Use :func:`include_sampler` to add it to a model.
    """

    def __init__(self, sink: Callable[[Sample], None], record_probability: float = 0.05, seed: int = 0,
                 max_samples: int | None = None, iteration_limit: int | None = None,
                 info: dict[str, Any] | None = None) -> None:
        if not 0.0 <= record_probability <= 1.0:
            raise ValueError(f"record_probability must lie in [0, 1], got {record_probability}")
        self.sink = sink
        self.record_probability = float(record_probability)
        self.random = np.random.default_rng(seed)
        self.max_samples = max_samples
        self.iteration_limit = iteration_limit
        self.info = dict(info or {})
        self.extractor = ObservationExtractor()
        self.recorded = 0
        self.lp_errors = 0

    def branchexeclp(self, allowaddcons: bool) -> dict[str, Any]:
        """Record and follow the expert with probability ``record_probability``; otherwise defer to pscost."""
        model = self.model
        if self.max_samples is not None and self.recorded >= self.max_samples:
            return {"result": pyscipopt.SCIP_RESULT.DIDNOTRUN}
        if self.random.random() >= self.record_probability:
            return {"result": pyscipopt.SCIP_RESULT.DIDNOTRUN}
        variables, _values, _fractions, _count, priority_count, _ = model.getLPBranchCands()
        candidates = variables[:priority_count]
        if not candidates:
            return {"result": pyscipopt.SCIP_RESULT.DIDNOTRUN}
        observation = self.extractor.extract(model)
        decision = expert_decision(model, candidates, self.iteration_limit)
        self.lp_errors += decision.lp_errors
        if decision.lp_errors == len(candidates):
            return {"result": pyscipopt.SCIP_RESULT.DIDNOTRUN}
        positions = np.array([variable.getCol().getLPPos() for variable in candidates], dtype=np.int64)
        node = model.getCurrentNode()
        info = {**self.info, "node": int(node.getNumber()), "depth": int(node.getDepth()),
                "candidates": len(candidates)}
        self.sink(Sample(observation, positions, decision.scores, decision.best, info))
        self.recorded += 1
        model.branchVar(candidates[decision.best])
        if self.max_samples is not None and self.recorded >= self.max_samples:
            model.interruptSolve()
        return {"result": pyscipopt.SCIP_RESULT.BRANCHED}


def include_sampler(scip: Any, sampler: Any) -> None:
    """Add ``sampler`` above every SCIP rule and make ``pscost`` the exploration rule right below it."""
    scip.includeBranchrule(sampler, "explore_then_expert", "strong-branching expert sampler with pscost exploration",
                           SAMPLER_PRIORITY, -1, 1.0)
    scip.setIntParam("branching/pscost/priority", EXPLORATION_PRIORITY)


def sample_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Sample files under ``folder`` (recursively), sorted."""
    return sorted(Path(folder).rglob("*.npz"))
