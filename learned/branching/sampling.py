"""Explore-then-expert sampling inside SCIP.

At each node where SCIP branches on the LP solution, :class:`ExploreThenExpertSampler` queries
the strong-branching expert with probability ``record_probability``: it extracts the bipartite
observation, scores the candidates, writes a sample (observation, candidate columns, scores,
expert choice) and branches on the expert's choice. Otherwise it declines (``DIDNOTRUN``) and
SCIP's ``pscost`` rule branches — its priority is raised just below the sampler's, so the
exploration policy is pseudocost branching as in Gasse et al. 2019 / Ecole's
``ExploreThenStrongBranch``.

Samples are written in the format of :mod:`~ormodel.learned.branching.samples` (one compressed
``.npz`` per decision); ``Sample``, ``read_sample``, ``write_sample`` and ``sample_files`` are
re-exported here for existing callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyscipopt
from ormodel.learned.branching.expert import expert_decision
from ormodel.learned.branching.observation import ObservationExtractor
from ormodel.learned.branching.samples import Sample, read_sample, sample_files, write_sample

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
