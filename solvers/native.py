"""Imports of the native solver libraries (with a clear message when two clash), and keeping their prints off stdout.

Native libraries write to file descriptor 1 directly (HiGHS's banner and debug lines, OR-Tools'
and SCIP's messages), below Python's ``sys.stdout``. :func:`native_output_to_stderr` points
descriptor 1 at descriptor 2 for the duration of a native call, so that a machine-readable
stdout (``ormodel solve --json``) carries nothing else.

OR-Tools wheels bundle their own ``libhighs.so.1``; a process loads one library per soname, so
``highspy`` and ``ortools`` built against different HiGHS releases cannot both be imported.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["import_cp_model", "import_highspy", "native_output_to_stderr", "new_log_file", "read_log"]

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


def _flush_c_streams() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


@contextlib.contextmanager
def native_output_to_stderr() -> Iterator[None]:
    """Send everything written to file descriptor 1 (by Python or native code) to descriptor 2 meanwhile.

    Nests; a no-op when descriptor 1 or 2 cannot be duplicated (e.g. no real descriptors).
    """
    try:
        sys.stdout.flush()
        _flush_c_streams()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        yield
        return
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        _flush_c_streams()  # native prints sit in C's stdio buffer when stdout is a pipe
        os.dup2(saved, 1)
        os.close(saved)


def new_log_file(solver: str) -> str:
    """The path of a new empty temporary file for a solver's log."""
    import tempfile

    handle, path = tempfile.mkstemp(prefix=f"ormodel-{solver}-", suffix=".log")
    os.close(handle)
    return path


def read_log(path: str, remove: bool = False) -> str:
    """A solver's log file as text (empty when it is missing); with ``remove``, the file is deleted."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""
    finally:
        if remove and os.path.exists(path):
            os.unlink(path)
