"""Plugins found through Python entry points: backends, methods, suite kinds, loaders, file formats, commands.

The core names no package above it. Everything it can dispatch to — a backend, a learned
method, a benchmark suite kind, an instance loader, an MPS/LP reader, a CLI command — is declared
as an entry point in a distribution's ``pyproject.toml`` and loaded on first use, so importing
``ormodel`` imports no solver, no torch and no learned method.

Groups (see :data:`GROUPS`): ``ormodel.backends``, ``ormodel.methods``, ``ormodel.suites``,
``ormodel.loaders``, ``ormodel.file_formats``, ``ormodel.commands``, ``ormodel.diagnosis`` (the
post-solve step of :func:`ormodel.solve`).

In a source checkout (``ormodel/__init__.py`` found ``setup.py`` beside the package), the
checkout's own ``pyproject.toml`` declares ormodel's entry points, replacing those of whatever
ormodel distribution is installed (an editable install of another checkout, or stale metadata);
entry points of other distributions are kept.

Example:
    >>> "highs" in entry_point_names("ormodel.backends")
    True
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
from collections.abc import Mapping
from typing import Any

__all__ = ["GROUPS", "PluginError", "entry_point_names", "entry_points_of", "find_plugin", "load_entry_point"]

GROUPS = (
    "ormodel.backends",
    "ormodel.methods",
    "ormodel.suites",
    "ormodel.loaders",
    "ormodel.file_formats",
    "ormodel.commands",
    "ormodel.diagnosis",
)

_DISTRIBUTION = "ormodel"


class PluginError(ValueError):
    """An entry point that is missing or cannot be loaded (what, which plugin, what to do)."""


def _checkout_pyproject() -> str | None:
    """The ``pyproject.toml`` of the source checkout this package runs from, if any."""
    package_folder = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.dirname(package_folder)
    path = os.path.join(checkout, "pyproject.toml")
    if os.path.isfile(os.path.join(checkout, "setup.py")) and os.path.isfile(path):
        return path
    return None


@functools.lru_cache(maxsize=1)
def _checkout_entry_points() -> dict[str, list[importlib.metadata.EntryPoint]] | None:
    """Entry points the checkout's pyproject.toml declares, by group (``None`` outside a checkout)."""
    path = _checkout_pyproject()
    if path is None:
        return None
    try:
        import tomllib
    except ImportError:  # Python 3.10: rely on the installed metadata
        return None
    with open(path, "rb") as handle:
        declared = tomllib.load(handle).get("project", {}).get("entry-points", {})
    return {
        group: [importlib.metadata.EntryPoint(name, value, group) for name, value in sorted(points.items())]
        for group, points in declared.items()
    }


@functools.cache
def entry_points_of(group: str) -> tuple[importlib.metadata.EntryPoint, ...]:
    """Every entry point of ``group``, by name (the checkout's declarations win over installed ormodel metadata)."""
    installed = list(importlib.metadata.entry_points(group=group))
    checkout = _checkout_entry_points()
    if checkout is not None:
        installed = [point for point in installed if _distribution_name(point) != _DISTRIBUTION] + checkout.get(group, [])
    by_name: dict[str, importlib.metadata.EntryPoint] = {}
    for point in installed:
        by_name.setdefault(point.name.lower(), point)
    return tuple(by_name[name] for name in sorted(by_name))


def _distribution_name(point: importlib.metadata.EntryPoint) -> str | None:
    distribution = getattr(point, "dist", None)
    name = getattr(distribution, "name", None)
    return name.lower() if isinstance(name, str) else None


def entry_point_names(group: str) -> list[str]:
    """Names declared in ``group`` (nothing is imported)."""
    return [point.name.lower() for point in entry_points_of(group)]


def load_entry_point(group: str, name: str) -> Any:
    """The object the entry point ``name`` of ``group`` names; a :class:`PluginError` that says why when it fails."""
    key = name.lower()
    point = next((item for item in entry_points_of(group) if item.name.lower() == key), None)
    if point is None:
        known = ", ".join(entry_point_names(group)) or "none"
        hint = "" if entry_point_names(group) else (
            " (no entry points at all: ormodel's installed metadata is missing or stale; reinstall with: pip install -e .)")
        raise PluginError(f"no {group} plugin named {name!r}; declared: {known}{hint}")
    try:
        return point.load()
    except ImportError as error:
        raise PluginError(
            f"{group} plugin {name!r} ({point.value}) cannot be imported: {error}; install the optional packages "
            "it needs (e.g. pip install 'ormodel[all]')"
        ) from error
    except AttributeError as error:
        raise PluginError(f"{group} plugin {name!r}: {point.value} does not exist ({error}); fix the entry point") from error



def find_plugin(group: str, name: str, registered: Mapping[str, Any], what: str | None = None) -> Any | None:
    """``registered[name]`` (run-time registrations win), else the loaded entry point, else ``None``.

    ``what`` (e.g. ``"method 'balans'"``) prefixes the :class:`PluginError` of an entry point that fails to load.
    """
    if name in registered:
        return registered[name]
    if name not in entry_point_names(group):
        return None
    try:
        return load_entry_point(group, name)
    except PluginError as error:
        if what is None:
            raise
        raise PluginError(f"{what} is not available in this installation: {error}") from error
