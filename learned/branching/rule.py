"""The GCN policy as a SCIP branching rule, and solving a model with it.

:class:`PolicyBranchrule` runs at every node where SCIP branches on a fractional LP solution:
it extracts the bipartite observation, scores the variable nodes with the policy, and branches
on the highest-scored candidate. It sits above every built-in rule (priority 1,000,000); SCIP's
own rules still handle pseudo-solution and external candidates.

:func:`solve_with_policy` builds the model with the SCIP backend, adds the rule and solves it
under ``SolveOptions``. ``protocol=True`` applies the evaluation protocol of Gasse et al. 2019
(cuts at the root only, no restarts); otherwise SCIP keeps its normal settings.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyscipopt
import torch
from ormodel.learned.branching.inference import CandidateScorer
from ormodel.learned.branching.memory import keep_freed_memory
from ormodel.learned.branching.observation import ObservationExtractor
from ormodel.learned.branching.policy import BranchingPolicy, load_policy
from ormodel.learned.branching.scip_setup import PROTOCOL_PARAMETERS
from ormodel.solvers.base import SolveOptions

from ormodel.result import Result

__all__ = [
    "RULE_PRIORITY",
    "SHIPPED_POLICIES",
    "WEIGHTS_FOLDER",
    "PolicyBranchrule",
    "include_policy",
    "resolve_policy_path",
    "solve_with_policy",
]

RULE_PRIORITY = 1_000_000
WEIGHTS_FOLDER = Path(__file__).resolve().parent / "weights"
SHIPPED_POLICIES = ("setcover", "cauctions", "facility", "indset", "mixed")


class PolicyBranchrule(pyscipopt.Branchrule):
    """Branch on the candidate the GCN policy scores highest."""

    def __init__(self, policy: BranchingPolicy, device: str | torch.device = "auto") -> None:
        keep_freed_memory()  # large per-pass tensors: avoid an mmap + page faults on every node
        self.scorer = CandidateScorer(policy, device)
        self.device = self.scorer.device
        self.policy = self.scorer.policy
        self.extractor = ObservationExtractor()
        self.calls = 0
        self.extraction_seconds = 0.0
        self.inference_seconds = 0.0

    def branchexeclp(self, allowaddcons: bool) -> dict[str, Any]:
        """Score the LP branching candidates and branch on the best."""
        model = self.model
        variables, _values, _fractions, _count, priority_count, _ = model.getLPBranchCands()
        candidates = variables[:priority_count]
        if not candidates:
            return {"result": pyscipopt.SCIP_RESULT.DIDNOTRUN}
        started = time.process_time()  # CPU time: on a shared machine wall time says more about the load
        observation = self.extractor.extract(model)
        positions = np.fromiter((variable.getCol().getLPPos() for variable in candidates), dtype=np.int64,
                                count=len(candidates))
        extracted = time.process_time()
        best = self.scorer.choose(observation, positions)
        self.extraction_seconds += extracted - started
        self.inference_seconds += time.process_time() - extracted
        self.calls += 1
        model.branchVar(candidates[best])
        return {"result": pyscipopt.SCIP_RESULT.BRANCHED}

    def statistics(self) -> dict[str, float]:
        """Calls and CPU seconds spent in feature extraction and inference."""
        return {"branching_calls": self.calls, "extraction_seconds": round(self.extraction_seconds, 4),
                "inference_seconds": round(self.inference_seconds, 4)}


def include_policy(scip: Any, policy: BranchingPolicy, device: str | torch.device = "auto") -> PolicyBranchrule:
    """Add a :class:`PolicyBranchrule` above SCIP's rules; returns it."""
    rule = PolicyBranchrule(policy, device)
    scip.includeBranchrule(rule, "gnn_policy", "GCN imitation of strong branching (Gasse et al. 2019)",
                           RULE_PRIORITY, -1, 1.0)
    return rule


def resolve_policy_path(model: str | os.PathLike[str]) -> Path:
    """A checkpoint path, or a shipped policy by name (``setcover``, ``cauctions``, ``facility``, ``indset``, ``mixed``)."""
    text = os.fspath(model)
    path = Path(text)
    if path.exists():
        return path
    if text in SHIPPED_POLICIES:
        shipped = WEIGHTS_FOLDER / f"{text}.pt"
        if not shipped.exists():
            raise FileNotFoundError(f"the shipped policy {text!r} is missing from {WEIGHTS_FOLDER}; "
                                    "reinstall ormodel or train it (see docs/gnn-branching.md)")
        return shipped
    raise FileNotFoundError(f"policy {text!r} is neither a file nor a shipped policy ({', '.join(SHIPPED_POLICIES)})")


def solve_with_policy(model: Any, policy: str | os.PathLike[str] | BranchingPolicy = "mixed",
                      options: SolveOptions | None = None, protocol: bool = False,
                      device: str = "auto") -> Result:
    """Solve a linear MIP (Problem, StandardForm or MPS/LP path) with SCIP branching by the policy."""
    from ormodel.solvers.scip import ScipBackend

    from ormodel.methods import load_model_input

    options = options or SolveOptions()
    started = time.perf_counter()
    if isinstance(policy, BranchingPolicy):
        network, metadata = policy, {}
        policy_name = "in-memory"
    else:
        path = resolve_policy_path(policy)
        network, metadata = load_policy(path, device)
        policy_name = str(path)
    backend = ScipBackend()
    built = backend.build(load_model_input(model))
    if protocol:
        for name, value in PROTOCOL_PARAMETERS.items():
            built.model.setParam(name, value)
    if options.threads is not None:
        built.model.setParam("parallel/maxnthreads", int(options.threads))
    rule = include_policy(built.model, network, device)
    result = backend.solve_built(built, options)
    result.solver = "scip+gnn"
    result.solve_time = time.perf_counter() - started
    result.extra.update(rule.statistics())
    result.extra.update({"policy": policy_name, "policy_name": metadata.get("name", policy_name),
                         "protocol": protocol, "device": str(rule.device)})
    return result
