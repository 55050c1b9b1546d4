"""Benchmark suites of generated MILPs: the ``gen`` suite kind and the ``generated`` instance loader.

``gen:FAMILY[:LEVEL[:SEEDS[:KEY=VALUE,...]]]`` — generated MILPs, e.g. ``gen:setcover:easy:0-4``; size
overrides after the seeds, e.g. ``gen:setcover:easy:0-9:n_rows=200,n_cols=400``. Both are declared
as entry points (``ormodel.suites`` → :func:`suite_from_spec`, ``ormodel.loaders`` →
:func:`load_generated`), so the core's :func:`~ormodel.suites.parse_suite` finds them.

Example:
    >>> [instance.id for instance in generated_suite("setcover", "easy", [0, 1]).instances]
    ['setcover-easy-s0', 'setcover-easy-s1']
"""

from __future__ import annotations

from typing import Any

from ormodel.datasets import milp

from ormodel.standard_form import StandardForm
from ormodel.suites import Instance, Suite, parse_seeds, read_best_known

__all__ = ["generated_suite", "load_generated", "suite_from_spec"]

LOADER = "generated"


def load_generated(source: dict[str, Any]) -> StandardForm:
    """The instance ``generate(family, level, seed, **overrides)`` a suite entry describes (runs in the worker)."""
    return milp.generate(source["family"], source.get("level", "easy"), int(source.get("seed", 0)), **(source.get("overrides") or {}))


def _generated_id(family: str, level: str, seed: int, overrides: dict[str, Any]) -> str:
    """The generator's own instance name (``setcover-easy-s0``), so ids match files written by ``write_instances``."""
    parts = [family, level] + [f"{key}{overrides[key]}" for key in sorted(overrides)] + [f"s{seed}"]
    return "-".join(str(part) for part in parts)


def generated_suite(
    family: str,
    level: str = "easy",
    seeds: list[int] | None = None,
    best_known: dict[str, float] | None = None,
    **size_overrides: Any,
) -> Suite:
    """Instances ``ormodel.datasets.milp.generate(family, level, seed, **size_overrides)`` for each seed."""
    seeds = [0, 1, 2, 3, 4] if seeds is None else seeds
    known = best_known or {}
    instances = []
    for seed in seeds:
        instance_id = _generated_id(family, level, int(seed), size_overrides)
        instances.append(Instance(
            id=instance_id,
            loader=LOADER,
            source={"family": family, "level": level, "seed": int(seed), "overrides": dict(size_overrides)},
            best_known=known.get(instance_id),
            metadata={"family": family, "level": level, "seed": int(seed), **size_overrides},
        ))
    name = "-".join([family, level] + [f"{key}{size_overrides[key]}" for key in sorted(size_overrides)])
    return Suite(name=name, instances=instances, kind="generated")


def suite_from_spec(argument: str, best_known_file: str | None = None) -> Suite:
    """The suite for ``gen:ARGUMENT``; fails early on an unknown family, level or size parameter."""
    parts = argument.split(":")
    if not parts or not parts[0]:
        raise ValueError("generated suite: write gen:FAMILY[:LEVEL[:SEEDS[:KEY=VALUE,...]]], e.g. gen:setcover:easy:0-4")
    if len(parts) > 4:
        raise ValueError(f"generated suite gen:{argument}: too many ':' parts; write gen:FAMILY[:LEVEL[:SEEDS[:KEY=VALUE,...]]]")
    family = parts[0]
    level = parts[1] if len(parts) > 1 and parts[1] else "easy"
    seeds = parse_seeds(parts[2]) if len(parts) > 2 and parts[2] else [0, 1, 2, 3, 4]
    overrides: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in (parts[3] if len(parts) > 3 else "").split(","))):
        key, equal, value = item.partition("=")
        if not equal or not key.strip():
            raise ValueError(f"generated suite gen:{argument}: size override {item!r} must be KEY=VALUE, e.g. n_rows=200")
        overrides[key.strip()] = _override_value(value.strip())
    milp.parameters(family, level, **overrides)
    known = read_best_known(best_known_file) if best_known_file else None
    return generated_suite(family, level, seeds, known, **overrides)


def _override_value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
