"""The branching sample file format: one compressed ``.npz`` per expert decision (no solver needed).

A sample is written with ``numpy.savez_compressed``: ``constraint_features`` (m, 5),
``edge_indices`` (2, E, int32: constraint, variable), ``edge_features`` (E, 1),
``variable_features`` (n, 19), ``candidates`` (k, LP column positions), ``candidate_scores`` (k),
``choice`` (index into ``candidates``), and ``info`` (a JSON string: instance, node, depth, seed).
Reading samples (training, evaluation, the GPU check) imports neither SCIP nor PySCIPOpt; only
writing them during collection (:mod:`~ormodel.learned.branching.sampling`) needs a solver.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ormodel.learned.branching.observation import BipartiteObservation

__all__ = ["Sample", "read_sample", "sample_files", "write_sample"]


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


def sample_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Sample files under ``folder`` (recursively), sorted."""
    return sorted(Path(folder).rglob("*.npz"))
