"""Benchmark suites for the runner: the core's suite protocol (:mod:`ormodel.suites`) and generated MILP suites.

The suite protocol (:class:`Instance`, :class:`Suite`, loaders, suite kinds, best-known files)
is part of the core so that data sets and methods below the runner can build suites; this
module gathers it with :func:`generated_suite` (``ormodel.datasets.milp.suite``) for the
runner's users. See :mod:`ormodel.suites` for the suite specifications ``parse_suite`` reads.
"""

from __future__ import annotations

from ormodel.datasets.milp.suite import generated_suite
from ormodel.suites import (
    Instance,
    Suite,
    file_suite,
    get_loader,
    model_file_suite,
    model_folder_suite,
    parse_seeds,
    parse_suite,
    read_best_known,
    record_suite,
    register_loader,
    register_suite_kind,
    suite_kinds,
)

__all__ = [
    "Instance",
    "Suite",
    "file_suite",
    "generated_suite",
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
