"""Job-shop sets for the benchmark runner, generated in the worker (no data files needed).

Suite specifications (``ormodel bench run SUITE``):

* ``jssp:taillard`` — ta01–ta80; ``jssp:taillard:ta01-ta10,ta41`` a selection. Best-known values
  are the best-known makespans (upper bounds) of :data:`TAILLARD_BOUNDS`; lower bounds and
  whether the instance is closed go into the metadata.
* ``jssp:random:JOBSxMACHINES[:SEEDS]`` — :func:`random_jobshop` instances, e.g.
  ``jssp:random:10x5:0-9`` (seeds default to 0–4).

Instances reach methods as :class:`JobShopInstance` objects (the ``dispatch`` method takes them;
a folder of job-shop text files is the ``files:FOLDER:*.txt`` suite instead).

Example:
    >>> suite = jssp_suite("taillard:ta01-ta03")
    >>> [(instance.id, instance.best_known) for instance in suite.instances]
    [('ta01', 1231.0), ('ta02', 1244.0), ('ta03', 1218.0)]
"""

from __future__ import annotations

import re
from typing import Any

from ormodel.datasets.jssp.bounds import TAILLARD_BOUNDS
from ormodel.datasets.jssp.generators import random_jobshop
from ormodel.datasets.jssp.instance import JobShopInstance
from ormodel.datasets.jssp.taillard import TAILLARD_SEEDS, taillard_instance

from ormodel.suites import Instance, Suite, parse_seeds, register_suite_kind

__all__ = ["LOADER", "jssp_suite", "load_jobshop", "parse_taillard_names", "random_suite", "taillard_suite"]

LOADER = "ormodel.datasets.jssp.bench_suite:load_jobshop"
_USAGE = "write jssp:taillard[:ta01-ta10,ta41] or jssp:random:JOBSxMACHINES[:SEEDS], e.g. jssp:random:10x5:0-9"


def load_jobshop(source: dict[str, Any]) -> JobShopInstance:
    """Build the instance a suite entry describes (runs in the worker process)."""
    if source.get("kind") == "taillard":
        return taillard_instance(str(source["name"]))
    if source.get("kind") == "random":
        return random_jobshop(
            int(source["jobs"]), int(source["machines"]), seed=int(source["seed"]),
            low=int(source.get("low", 1)), high=int(source.get("high", 99)), name=str(source.get("name") or "") or None,
        )
    raise ValueError(f"job-shop suite entry {source!r}: kind must be 'taillard' or 'random'")


def _taillard_number(text: str) -> int:
    match = re.fullmatch(r"(?:ta)?0*(\d+)", text.strip().lower())
    if match is None or not 1 <= int(match.group(1)) <= len(TAILLARD_SEEDS):
        raise ValueError(f"Taillard instance {text!r}: expected ta01..ta80 (or 1..80)")
    return int(match.group(1))


def parse_taillard_names(text: str) -> list[str]:
    """``"ta01-ta10,ta41"`` → ``['ta01', ..., 'ta10', 'ta41']`` (``1-10`` works too)."""
    names: list[str] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        first, dash, last = part.partition("-")
        numbers = range(_taillard_number(first), _taillard_number(last) + 1) if dash else [_taillard_number(first)]
        if dash and not numbers:
            raise ValueError(f"Taillard range {part!r} is empty; write the smaller name first, e.g. ta01-ta10")
        names.extend(f"ta{number:02d}" for number in numbers)
    if not names:
        raise ValueError("no Taillard instances named; " + _USAGE)
    return names


def taillard_suite(names: list[str] | None = None) -> Suite:
    """Taillard's instances (all 80 by default) with best-known makespans."""
    instances = []
    for name in names or list(TAILLARD_SEEDS):
        jobs, machines, _, _ = TAILLARD_SEEDS[name]
        lower, upper = TAILLARD_BOUNDS[name]
        instances.append(Instance(
            id=name, loader=LOADER, source={"kind": "taillard", "name": name}, best_known=float(upper), sense="minimize",
            metadata={"jobs": jobs, "machines": machines, "lower_bound": lower, "closed": lower == upper},
        ))
    label = "taillard" if names is None else f"taillard-{names[0]}" + (f"-{names[-1]}" if len(names) > 1 else "")
    return Suite(name=label, instances=instances, kind="jssp")


def random_suite(jobs: int, machines: int, seeds: list[int], low: int = 1, high: int = 99) -> Suite:
    """Seeded random instances of one size (no best-known values: the report uses the best found)."""
    if jobs <= 0 or machines <= 0:
        raise ValueError(f"random job-shop suite: sizes must be positive, got {jobs}x{machines}")
    instances = []
    for seed in seeds:
        name = f"random_{jobs}x{machines}_s{seed}"
        instances.append(Instance(
            id=name, loader=LOADER, sense="minimize",
            source={"kind": "random", "jobs": jobs, "machines": machines, "seed": int(seed), "low": low, "high": high, "name": name},
            metadata={"jobs": jobs, "machines": machines, "seed": int(seed)},
        ))
    return Suite(name=f"random-{jobs}x{machines}", instances=instances, kind="jssp")


def jssp_suite(argument: str, best_known_file: str | None = None) -> Suite:
    """The suite for ``jssp:ARGUMENT`` (see the module docstring); ``best_known_file`` overrides the values."""
    kind, _, rest = argument.partition(":")
    if kind == "taillard":
        suite = taillard_suite(parse_taillard_names(rest) if rest else None)
    elif kind == "random":
        size, _, seed_text = rest.partition(":")
        match = re.fullmatch(r"(\d+)x(\d+)", size.strip().lower())
        if match is None:
            raise ValueError(f"job-shop suite jssp:{argument}: size {size!r} must read JOBSxMACHINES; " + _USAGE)
        suite = random_suite(int(match.group(1)), int(match.group(2)), parse_seeds(seed_text) if seed_text else [0, 1, 2, 3, 4])
    else:
        raise ValueError(f"job-shop suite jssp:{argument}: " + _USAGE)
    if best_known_file:
        from ormodel.suites import read_best_known

        known = read_best_known(best_known_file)
        suite = Suite(
            name=suite.name, kind=suite.kind,
            instances=[
                Instance(instance.id, instance.loader, instance.source, known.get(instance.id, instance.best_known),
                         instance.sense, instance.metadata)
                for instance in suite.instances
            ],
        )
    return suite


register_suite_kind("jssp", jssp_suite)
