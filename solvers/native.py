"""Imports of the native solver libraries, with a clear message when two of them clash.

OR-Tools wheels bundle their own ``libhighs.so.1``; a process loads one library per soname, so
``highspy`` and ``ortools`` built against different HiGHS releases cannot both be imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["import_cp_model", "import_highspy"]

_CLASH_HINT = ("highspy and ortools ship different HiGHS releases and share one libhighs.so.1 per process; "
               "install matching versions with `pip install 'ormodel[cpsat]'` (it pins highspy to OR-Tools' HiGHS)")


def _explain(error: ImportError, package: str) -> ImportError:
    if "undefined symbol" in str(error):
        return ImportError(f"{package} failed to load: {error}. {_CLASH_HINT}")
    return error


def import_highspy() -> Any:
    """The ``highspy`` module."""
    try:
        import highspy
    except ImportError as error:
        raise _explain(error, "highspy") from error
    return highspy


def import_cp_model() -> Any:
    """OR-Tools' ``cp_model`` module."""
    try:
        from ortools.sat.python import cp_model
    except ImportError as error:
        raise _explain(error, "ortools") from error
    return cp_model
