"""Seeded MILP instance distributions in the style of Distributional MIPLIB (``ormodel.datasets.milp``).

Every family has named hardness levels whose sizes come from the papers that introduced them
(Gasse et al. 2019 for set cover, combinatorial auctions, facility location and independent
set; Balans / Distributional MIPLIB for the ``balans`` level). The same ``(family, level,
seed)`` always gives the same instance, bit for bit (``numpy.random.default_rng(seed)``).
Instances come as a :class:`~ormodel.standard_form.StandardForm` (written as MPS) or as a
five-element :class:`~ormodel.problem.Problem` (written as YAML/JSON) with the same rows and columns.

Example:
    >>> from ormodel.datasets.milp import generate
    >>> form = generate("setcover", "easy", seed=0)
    >>> form.name, form.num_rows, form.num_columns
    ('setcover-easy-s0', 500, 1000)
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from ormodel.datasets.milp.cauctions import combinatorial_auction
from ormodel.datasets.milp.facility import capacitated_facility_location
from ormodel.datasets.milp.gisp import generalized_independent_set
from ormodel.datasets.milp.indset import independent_set
from ormodel.datasets.milp.mknapsack import multiple_knapsack
from ormodel.datasets.milp.problems import to_problem
from ormodel.datasets.milp.setcover import set_cover
from ormodel.datasets.milp.vertexcover import vertex_cover

from ormodel.problem import Problem
from ormodel.standard_form import StandardForm

__all__ = [
    "FAMILIES",
    "FORMATS",
    "GENERATORS",
    "LEVELS",
    "SIZES",
    "SOURCES",
    "generate",
    "generate_problem",
    "instance_name",
    "parameters",
    "to_problem",
    "write_instances",
]

# File formats of write_instances: the matrix form (MPS, LP) or the five-element Problem (YAML, JSON).
FORMATS: tuple[str, ...] = ("mps", "lp", "yaml", "json")

GENERATORS: dict[str, Callable[..., StandardForm]] = {
    "setcover": set_cover,
    "cauctions": combinatorial_auction,
    "facility": capacitated_facility_location,
    "indset": independent_set,
    "vertexcover": vertex_cover,
    "mknapsack": multiple_knapsack,
    "gisp": generalized_independent_set,
}

FAMILIES: tuple[str, ...] = tuple(GENERATORS)

# Size parameters per level; everything else keeps the generator's (paper) defaults.
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "setcover": {
        "easy": {"n_rows": 500, "n_cols": 1000},
        "medium": {"n_rows": 1000, "n_cols": 1000},
        "hard": {"n_rows": 2000, "n_cols": 1000},
        "balans": {"n_rows": 5000, "n_cols": 4000},
    },
    "cauctions": {
        "easy": {"n_items": 100, "n_bids": 500},
        "medium": {"n_items": 200, "n_bids": 1000},
        "hard": {"n_items": 300, "n_bids": 1500},
        "large": {"n_items": 2000, "n_bids": 4000},
    },
    "facility": {
        "easy": {"n_customers": 100, "n_facilities": 100},
        "medium": {"n_customers": 200, "n_facilities": 100},
        "hard": {"n_customers": 400, "n_facilities": 100},
    },
    "indset": {
        "easy": {"n_nodes": 500, "affinity": 4},
        "medium": {"n_nodes": 1000, "affinity": 4},
        "hard": {"n_nodes": 1500, "affinity": 4},
        "balans": {"n_nodes": 9000, "affinity": 5},
    },
    "vertexcover": {
        "easy": {"n_nodes": 500, "affinity": 4},
        "medium": {"n_nodes": 1000, "affinity": 4},
        "hard": {"n_nodes": 1500, "affinity": 4},
        "balans": {"n_nodes": 9000, "affinity": 5},
    },
    "mknapsack": {
        "easy": {"n_items": 50, "n_knapsacks": 5},
        "medium": {"n_items": 100, "n_knapsacks": 10},
        "hard": {"n_items": 200, "n_knapsacks": 20},
        "balans": {"n_items": 400, "n_knapsacks": 40},
    },
    "gisp": {
        "easy": {"n_nodes": 50, "edge_probability": 0.5},
        "medium": {"n_nodes": 75, "edge_probability": 0.5},
        "hard": {"n_nodes": 100, "edge_probability": 0.5},
    },
}

LEVELS: dict[str, tuple[str, ...]] = {family: tuple(levels) for family, levels in SIZES.items()}

# Where each family's sizes come from (shown by ``ormodel datasets generate --help`` and in docs).
SOURCES: dict[str, str] = {
    "setcover": "Balas & Ho 1980 via Gasse et al. 2019 (easy/medium/hard: 500/1000/2000 rows x 1000 cols, density 0.05); "
    "balans: 5000 rows x 4000 cols (Balans / Distributional MIPLIB, also the CL-LNS size)",
    "cauctions": "Leyton-Brown et al. 2000 'arbitrary' via Gasse et al. 2019 (100/500, 200/1000, 300/1500 items/bids, "
    "add_item_prob 0.7); large: 2000 items / 4000 bids (CL-LNS / Distributional MIPLIB transfer size)",
    "facility": "Cornuejols et al. 1991 via Gasse et al. 2019 (100 facilities, 100/200/400 customers, ratio 5)",
    "indset": "Barabasi-Albert graphs (affinity 4) with clique inequalities, Gasse et al. 2019 (500/1000/1500 nodes); "
    "balans: 9000 nodes, affinity 5 (Balans)",
    "vertexcover": "weighted MVC on Barabasi-Albert graphs, weights U(0,1) (Song et al. 2020 generator used by "
    "Distributional MIPLIB); balans: 9000 nodes, affinity 5 (Balans); easy/medium/hard sizes mirror indset "
    "(project choice: the Distributional MIPLIB MVC sizes are not in our sources)",
    "mknapsack": "Fukunaga 2011 weakly correlated, weights U{10..19} (Balans generator); balans: 400 items / 40 knapsacks; "
    "easy/medium/hard sizes are a project choice (no published levels)",
    "gisp": "Colombi et al. 2017 on G(n, 0.5), alpha 0.75, node weight 100, edge cost 1 (Distributional MIPLIB generator, "
    "default 75 nodes = medium); easy/hard node counts are a project choice",
}


def parameters(family: str, level: str = "easy", **size_overrides: Any) -> dict[str, Any]:
    """The full generator parameters for a family and level, overrides applied."""
    generator = _generator(family)
    if level not in SIZES[family]:
        raise ValueError(f"unknown level {level!r} for {family}; choose one of {', '.join(LEVELS[family])}")
    accepted = {
        name: parameter.default
        for name, parameter in inspect.signature(generator).parameters.items()
        if name not in ("rng", "name")
    }
    unknown = sorted(set(size_overrides) - set(accepted))
    if unknown:
        raise ValueError(
            f"{family} does not take {', '.join(unknown)}; its parameters are {', '.join(sorted(accepted))}"
        )
    return {**accepted, **SIZES[family][level], **size_overrides}


def instance_name(family: str, level: str, seed: int, **size_overrides: Any) -> str:
    """``family-level-s<seed>``, with overridden parameters spelled out before the seed."""
    parts = [family, level]
    for key in sorted(size_overrides):
        parts.append(f"{key}{size_overrides[key]}")
    parts.append(f"s{seed}")
    return "-".join(str(part) for part in parts)


def _generator(family: str) -> Callable[..., StandardForm]:
    try:
        return GENERATORS[family]
    except KeyError:
        raise ValueError(f"unknown MILP family {family!r}; choose one of {', '.join(FAMILIES)}") from None


def generate(family: str, level: str = "easy", seed: int = 0, **size_overrides: Any) -> StandardForm:
    """One instance of ``family`` at ``level`` from ``seed`` (sizes overridable by keyword)."""
    settings = parameters(family, level, **size_overrides)
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    return _generator(family)(rng, instance_name(family, level, int(seed), **size_overrides), **settings)


def generate_problem(family: str, level: str = "easy", seed: int = 0, **size_overrides: Any) -> Problem:
    """The instance of :func:`generate` as a five-element Problem (sets, parameters, variables, objective, constraints)."""
    return to_problem(generate(family, level, seed, **size_overrides), family)


def write_instances(
    family: str,
    level: str,
    seeds: Iterable[int],
    folder: str | os.PathLike[str],
    progress: Callable[[Path], None] | None = None,
    file_format: str = "mps",
    **size_overrides: Any,
) -> list[Path]:
    """Generate one instance per seed and write each as ``<folder>/<name>.<file_format>``; returns the paths.

    ``mps``/``lp`` write the matrix form; ``yaml``/``json`` write the five-element Problem.
    """
    from ormodel.solvers.highs import write_model_file

    from ormodel.io import save

    if file_format not in FORMATS:
        raise ValueError(f"unknown instance format {file_format!r}; choose one of {', '.join(FORMATS)}")
    parameters(family, level, **size_overrides)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        form = generate(family, level, seed, **size_overrides)
        path = target / f"{form.name}.{file_format}"
        if file_format in ("mps", "lp"):
            write_model_file(form, path)
        else:
            save(to_problem(form, family), path)
        paths.append(path)
        if progress is not None:
            progress(path)
    return paths
