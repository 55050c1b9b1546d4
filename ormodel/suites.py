"""Benchmark suites: named lists of instances, each with an id, a loader and an optional best-known value.

This is the core's suite protocol; the benchmark runner (``ormodel.bench``) runs suites, and the
layers above the core contribute suite kinds and loaders as entry points.

An :class:`Instance` does not hold the model itself but a *loader name* and JSON-ready *source*
arguments, so it can travel to a worker process (or a Dask worker on another machine) and be
loaded there. Loaders of the core:

* ``model-file``: an MPS/LP file read through the registered file format → StandardForm.
* ``model``: a five-element YAML/JSON, MPS or LP file through ``ormodel.io.load`` → Problem or StandardForm.
* ``path``: the file path itself, for methods that read their own format (job-shop files).
* ``record``: the source dictionary itself, for suites of records (e.g. NL questions with answers,
  where the method is an LLM agent).

Further loaders are ``ormodel.loaders`` entry points (e.g. ``generated``, the MILP generators
of ``ormodel.datasets``), functions added with :func:`register_loader`, or ``package.module:function``
(imported in the worker).

Suite specifications on the command line (:func:`parse_suite`), ``PREFIX:ARGUMENT``:

* ``mps:FOLDER`` — every ``*.mps``, ``*.mps.gz``, ``*.lp`` file in a folder; best-known values from
  ``*.solu`` files in the folder unless ``--best-known`` names a file.
* ``models:FOLDER[:GLOB]`` — model files (five-element YAML/JSON, MPS, LP) loaded by ``ormodel.io.load``.
* ``files:FOLDER[:GLOB]`` — any files, passed to methods as paths.
* every ``ormodel.suites`` entry point, named by its prefix: a function
  ``(argument, best_known_file) -> Suite``. ormodel declares ``gen:FAMILY[:LEVEL[:SEEDS[:KEY=VALUE,...]]]``
  (generated MILPs), ``jssp:taillard[:NAMES]`` / ``jssp:random:JxM[:SEEDS]`` (job shops) and
  ``nl:SUITE[:IDS]`` (NL suites); :func:`register_suite_kind` adds more at run time.

Example:
    >>> suite = parse_suite("gen:setcover:easy:0-2")
    >>> [instance.id for instance in suite.instances]
    ['setcover-easy-s0', 'setcover-easy-s1', 'setcover-easy-s2']
"""

from __future__ import annotations

import csv
import glob
import importlib
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ormodel.plugins import entry_point_names, find_plugin

__all__ = [
    "LOADER_GROUP",
    "SUITE_GROUP",
    "Instance",
    "Suite",
    "file_suite",
    "get_loader",
    "model_file_suite",
    "model_folder_suite",
    "parse_seeds",
    "parse_suite",
    "read_best_known",
    "record_suite",
    "register_loader",
    "register_suite_kind",
    "suite_kinds",
]

Loader = Callable[[dict[str, Any]], Any]
SuiteFactory = Callable[[str, "str | None"], "Suite"]

SUITE_GROUP = "ormodel.suites"
LOADER_GROUP = "ormodel.loaders"


@dataclass(frozen=True)
class Instance:
    """One benchmark instance: an id, how to load it, and what is known about its optimum.

    Attributes:
        id: unique within the suite; the key of result rows.
        loader: a registered loader name or ``module:function``.
        source: JSON-ready arguments the loader receives.
        best_known: best-known objective value (``None`` when unknown; the report then uses the
            best value any run found).
        sense: ``"minimize"``/``"maximize"`` when known without loading (models report their own).
        metadata: JSON-ready extra facts (family, size, answer tolerance, ...).
    """

    id: str
    loader: str
    source: dict[str, Any] = field(default_factory=dict)
    best_known: float | None = None
    sense: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def load(self) -> Any:
        """Load the instance (in the worker process)."""
        return get_loader(self.loader)(dict(self.source))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (inverse of :meth:`from_dict`)."""
        return {
            "id": self.id,
            "loader": self.loader,
            "source": self.source,
            "best_known": self.best_known,
            "sense": self.sense,
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Instance:
        """Rebuild an instance from :meth:`to_dict` output."""
        return cls(
            id=str(data["id"]),
            loader=str(data["loader"]),
            source=dict(data.get("source") or {}),
            best_known=data.get("best_known"),
            sense=data.get("sense"),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass
class Suite:
    """A named list of instances."""

    name: str
    instances: list[Instance]
    kind: str = "custom"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for instance in self.instances:
            if instance.id in seen:
                raise ValueError(f"suite {self.name!r} has two instances with id {instance.id!r}; ids must be unique")
            seen.add(instance.id)

    def __len__(self) -> int:
        return len(self.instances)

    def best_known(self) -> dict[str, float]:
        """Best-known values by instance id (only those known)."""
        return {instance.id: float(instance.best_known) for instance in self.instances if instance.best_known is not None}


# ----------------------------------------------------------------------------------------- loaders

_LOADERS: dict[str, Loader] = {}


def register_loader(name: str, loader: Loader) -> None:
    """Make ``loader(source) -> model`` available to instances under ``name``."""
    _LOADERS[name] = loader


def get_loader(name: str) -> Loader:
    """A registered loader, an ``ormodel.loaders`` entry point, or ``module:function`` imported on demand."""
    loader: Loader | None = find_plugin(LOADER_GROUP, name, _LOADERS, f"instance loader {name!r}")
    if loader is not None:
        return loader
    if ":" in name:
        module_name, _, function_name = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ValueError(f"instance loader {name!r}: cannot import module {module_name!r} ({error})") from error
        function = getattr(module, function_name, None)
        if not callable(function):
            raise ValueError(f"instance loader {name!r}: module {module_name!r} has no function {function_name!r}")
        return function  # type: ignore[no-any-return]
    known = sorted(set(_LOADERS) | set(entry_point_names(LOADER_GROUP)))
    raise ValueError(f"unknown instance loader {name!r}; known: {', '.join(known)} or 'module:function'")


def _load_model_file(source: dict[str, Any]) -> Any:
    from ormodel.formats import read_model_file

    return read_model_file(source["path"])


def _load_model(source: dict[str, Any]) -> Any:
    from ormodel.methods import load_model_input

    return load_model_input(source["path"])


def _load_path(source: dict[str, Any]) -> Any:
    path = source["path"]
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file (instance of a file suite)")
    return path


def _load_record(source: dict[str, Any]) -> Any:
    return source


register_loader("model-file", _load_model_file)
register_loader("model", _load_model)
register_loader("path", _load_path)
register_loader("record", _load_record)


# ----------------------------------------------------------------------------------- best known

_VALUE_KEYS = ("best_known", "optimal_value", "optimum", "objective", "ub", "value", "answer")
_ID_KEYS = ("id", "name", "instance")


def _number(value: Any, where: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: best-known value {value!r} is not a number") from error
    return number if math.isfinite(number) else None


def read_best_known(path: str | os.PathLike[str]) -> dict[str, float]:
    """Best-known objective values by instance id from a ``.solu``, ``.json`` or ``.csv`` file.

    * ``.solu`` (MIPLIB): lines ``=opt= NAME VALUE`` or ``=best= NAME VALUE``; ``=inf=``/``=unkn=`` skipped.
    * ``.json``: ``{"id": value}`` or ``{"id": {"best_known"|"optimal_value"|"optimum"|"ub"|"value": value}}``.
    * ``.csv``: a header with an id column (``id``/``name``/``instance``) and a value column
      (``best_known``/``optimal_value``/``optimum``/``objective``/``ub``/``value``).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: best-known file not found")
    values: dict[str, float] = {}
    if path.endswith(".solu"):
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                parts = line.split()
                if not parts or parts[0] not in ("=opt=", "=best=", "=inf=", "=unkn=", "=unbd="):
                    if parts and not parts[0].startswith("#"):
                        raise ValueError(f"{path}:{number}: expected '=opt= NAME VALUE' or '=best= NAME VALUE', got {line.strip()!r}")
                    continue
                if parts[0] in ("=opt=", "=best=") and len(parts) >= 3:
                    value = _number(parts[2], f"{path}:{number}")
                    if value is not None:
                        values[parts[1]] = value
        return values
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object mapping instance ids to values")
        for key, entry in data.items():
            if isinstance(entry, dict):
                entry = next((entry[name] for name in _VALUE_KEYS if name in entry), None)
            value = _number(entry, f"{path}: entry {key!r}")
            if value is not None:
                values[str(key)] = value
        return values
    if path.endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            id_key = next((name for name in _ID_KEYS if name in header), None)
            value_key = next((name for name in _VALUE_KEYS if name in header), None)
            if id_key is None or value_key is None:
                raise ValueError(f"{path}: CSV needs an id column ({'/'.join(_ID_KEYS)}) and a value column ({'/'.join(_VALUE_KEYS)}); header is {header}")
            for number, row in enumerate(reader, start=2):
                value = _number(row[value_key], f"{path}:{number}")
                if value is not None:
                    values[row[id_key]] = value
        return values
    raise ValueError(f"{path}: best-known values must be a .solu, .json or .csv file")


# ------------------------------------------------------------------------------------ suites

def parse_seeds(text: str) -> list[int]:
    """``"0-4"`` → ``[0, 1, 2, 3, 4]``; ``"1,3,7"`` → ``[1, 3, 7]``; ``"5"`` → ``[5]``; ranges and lists mix."""
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        try:
            if match:
                first, last = int(match.group(1)), int(match.group(2))
                if last < first:
                    raise ValueError
                seeds.extend(range(first, last + 1))
            elif part.isdigit():
                seeds.append(int(part))
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"seeds {text!r}: write non-negative numbers and ranges like '0-4' or '1,3,7'") from None
    if not seeds:
        raise ValueError(f"seeds {text!r}: no seeds given")
    return seeds


def _instance_id(path: str) -> str:
    name = os.path.basename(path)
    for suffix in (".gz", ".bz2", ".mps", ".lp", ".txt", ".json", ".yaml", ".yml"):
        name = name.removesuffix(suffix)
    return name


def _folder_best_known(folder: str, best_known_file: str | None) -> dict[str, float]:
    if best_known_file is not None:
        return read_best_known(best_known_file)
    values: dict[str, float] = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.solu"))):
        values.update(read_best_known(path))
    return values


def model_folder_suite(folder: str | os.PathLike[str], best_known_file: str | None = None, name: str | None = None) -> Suite:
    """Every MPS/LP file in ``folder`` (sorted by name), with best-known values from ``*.solu`` there or ``best_known_file``."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: not a folder (expected a folder of .mps/.mps.gz/.lp files)")
    paths = sorted(
        path for pattern in ("*.mps", "*.mps.gz", "*.lp", "*.lp.gz") for path in glob.glob(os.path.join(folder, pattern))
    )
    if not paths:
        raise ValueError(f"{folder}: no .mps, .mps.gz or .lp files in this folder")
    known = _folder_best_known(folder, best_known_file)
    instances = [
        Instance(id=_instance_id(path), loader="model-file", source={"path": os.path.abspath(path)}, best_known=known.get(_instance_id(path)))
        for path in paths
    ]
    return Suite(name=name or os.path.basename(os.path.normpath(folder)), instances=instances, kind="model-folder")


def file_suite(
    folder: str | os.PathLike[str],
    pattern: str = "*",
    best_known_file: str | None = None,
    sense: str | None = "minimize",
    name: str | None = None,
) -> Suite:
    """Files matching ``pattern`` under ``folder``, handed to methods as paths (e.g. job-shop instances)."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: not a folder")
    paths = sorted(path for path in glob.glob(os.path.join(folder, pattern), recursive=True) if os.path.isfile(path))
    if not paths:
        raise ValueError(f"{folder}: no files match {pattern!r}")
    known = read_best_known(best_known_file) if best_known_file else {}
    instances = [
        Instance(id=_instance_id(path), loader="path", source={"path": os.path.abspath(path)}, best_known=known.get(_instance_id(path)), sense=sense)
        for path in paths
    ]
    return Suite(name=name or os.path.basename(os.path.normpath(folder)), instances=instances, kind="files")


def model_file_suite(folder: str | os.PathLike[str], pattern: str = "*", best_known_file: str | None = None, name: str | None = None) -> Suite:
    """Model files (five-element ``.yaml``/``.json``, ``.mps``, ``.lp``) matching ``pattern``, loaded by ``ormodel.io.load``."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: not a folder")
    suffixes = (".yaml", ".yml", ".json", ".mps", ".mps.gz", ".lp")
    paths = sorted(path for path in glob.glob(os.path.join(folder, pattern)) if os.path.isfile(path) and path.endswith(suffixes))
    if not paths:
        raise ValueError(f"{folder}: no model files ({', '.join(suffixes)}) match {pattern!r}")
    known = read_best_known(best_known_file) if best_known_file else _folder_best_known(folder, None)
    instances = [
        Instance(id=_instance_id(path), loader="model", source={"path": os.path.abspath(path)}, best_known=known.get(_instance_id(path)))
        for path in paths
    ]
    return Suite(name=name or os.path.basename(os.path.normpath(folder)), instances=instances, kind="model-files")


def record_suite(name: str, records: list[dict[str, Any]], answer_key: str = "answer", id_key: str = "id", sense: str | None = None) -> Suite:
    """A suite of JSON records (e.g. NL questions); each record is loaded as itself, its answer is the best-known value."""
    instances = []
    for position, record in enumerate(records):
        if id_key not in record:
            raise ValueError(f"suite {name!r}: record {position} has no {id_key!r} field")
        answer = record.get(answer_key)
        instances.append(
            Instance(
                id=str(record[id_key]),
                loader="record",
                source=dict(record),
                best_known=_number(answer, f"suite {name!r}, record {record[id_key]!r}") if answer is not None else None,
                sense=sense,
            )
        )
    return Suite(name=name, instances=instances, kind="records")


def _files_from_spec(argument: str, best_known_file: str | None) -> Suite:
    folder, _, pattern = argument.partition(":")
    return file_suite(folder, pattern or "*", best_known_file)


_SUITE_KINDS: dict[str, SuiteFactory] = {
    "mps": lambda argument, best_known_file: model_folder_suite(argument, best_known_file),
    "files": _files_from_spec,
    "models": lambda argument, best_known_file: model_file_suite(
        argument.partition(":")[0], argument.partition(":")[2] or "*", best_known_file
    ),
}


def register_suite_kind(prefix: str, factory: SuiteFactory) -> None:
    """Let :func:`parse_suite` build suites written ``PREFIX:ARGUMENT`` with ``factory(argument, best_known_file)``."""
    _SUITE_KINDS[prefix] = factory


def suite_kinds() -> list[str]:
    """Suite prefixes: the core's, those registered, and those declared as entry points (not yet loaded)."""
    return sorted(set(_SUITE_KINDS) | set(entry_point_names(SUITE_GROUP)))


def parse_suite(spec: str, best_known_file: str | None = None) -> Suite:
    """Build a suite from ``PREFIX:ARGUMENT`` (see the module docstring); a bare folder means ``mps:FOLDER``."""
    prefix, separator, argument = spec.partition(":")
    factory: SuiteFactory | None = find_plugin(SUITE_GROUP, prefix, _SUITE_KINDS, f"suite kind {prefix}") if separator else None
    if factory is not None:
        return factory(argument, best_known_file)
    if os.path.isdir(spec):
        return model_folder_suite(spec, best_known_file)
    raise ValueError(
        f"suite {spec!r}: write one of {', '.join(kind + ':...' for kind in suite_kinds())} "
        "(e.g. gen:setcover:easy:0-4, mps:path/to/folder, files:path/to/folder:*.txt)"
    )
