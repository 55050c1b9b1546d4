"""Atomic, verified file writes: the target is either the complete new file or left as it was.

:func:`write_atomic` writes through a temporary file in the target's directory, checks what was
written (its size, or a caller's check that reads it back), flushes it to disk, and renames it
over the target. Any failure — a read-only directory, a full disk, a file-size limit, a writer
that reports success on a truncated file — removes the temporary file, leaves an existing target
untouched and raises :class:`WriteError` naming the file and the cause. New files get the
permissions an ordinary ``open()`` gives (``0666`` less the umask); a replaced file keeps its mode.

Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.txt")
    >>> write_text_atomic(path, "hello\\n")
    >>> open(path).read()
    'hello\\n'
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable

from ormodel.errors import Location, ModelError

__all__ = ["WriteError", "ends_with_line", "write_atomic", "write_bytes_atomic", "write_text_atomic"]


class WriteError(ModelError):
    """A model file could not be written completely; the target was left as it was."""


_HINTS = {
    errno.ENOSPC: "free some disk space or write to another directory",
    errno.EDQUOT: "free some disk space (quota) or write to another directory",
    errno.EFBIG: "the file is larger than this system allows (file-size limit); write to another file system or raise the limit",
    errno.EACCES: "write to a directory you have write permission for",
    errno.EPERM: "write to a directory you have write permission for",
    errno.EROFS: "the file system is read-only; write to another directory",
    errno.ENOENT: "create the directory first",
    errno.EISDIR: "give a file name, not a directory",
}


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def _target_mode(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _error(path: str, error: OSError, action: str) -> WriteError:
    reason = error.strerror or str(error)
    existing = " (the existing file is unchanged)" if os.path.exists(path) else ""
    return WriteError(f"cannot write the file: {action}: {reason}{existing}", Location(file=path), _HINTS.get(error.errno or 0))


def _fsync(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomic(path: str | os.PathLike[str], produce: Callable[[str], None], expected_size: int | None = None,
                 verify: Callable[[str], str | None] | None = None, suffix: str = ".tmp") -> None:
    """Write ``path`` atomically: ``produce(temporary_path)`` writes the content, then it is checked and renamed.

    ``expected_size`` (bytes) and ``verify`` (returns a problem description, or ``None`` when the
    written file is complete) check the temporary file before it replaces the target; ``suffix``
    ends the temporary file's name (for writers that pick a format by extension).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise WriteError("cannot write the file: it is a directory", Location(file=path), _HINTS[errno.EISDIR])
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=suffix)
    except OSError as error:
        raise _error(path, error, "cannot create a file in " + directory) from None
    os.close(handle)
    try:
        try:
            produce(temporary)
        except OSError as error:
            raise _error(path, error, "writing failed") from None
        try:
            size = os.path.getsize(temporary)
        except OSError as error:
            raise _error(path, error, "the written file cannot be read back") from None
        problem = None
        if expected_size is not None and size != expected_size:
            problem = f"only {size:,} of {expected_size:,} bytes were written"
        elif verify is not None:
            problem = verify(temporary)
        if problem is not None:
            raise WriteError(f"cannot write the file: {problem}" + (" (the existing file is unchanged)" if os.path.exists(path) else ""),
                             Location(file=path), "check the free disk space and any file-size limit")
        try:
            _fsync(temporary)
            os.chmod(temporary, _target_mode(path))
            os.replace(temporary, path)
        except OSError as error:
            raise _error(path, error, "saving failed") from None
        try:
            _fsync(directory)
        except OSError:
            pass  # the rename is done; a directory that cannot be synced is no reason to fail
    finally:
        if os.path.exists(temporary):
            try:
                os.unlink(temporary)
            except OSError:
                pass


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write bytes atomically and check that all of them reached the file."""

    def produce(temporary: str) -> None:
        with open(temporary, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())

    write_atomic(path, produce, expected_size=len(data))


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write text atomically (UTF-8 by default) and check that all of it reached the file."""
    write_bytes_atomic(path, text.encode(encoding))


def ends_with_line(path: str, marker: str) -> str | None:
    """A ``verify`` check: ``None`` when the file's last non-blank line is ``marker`` (case-insensitive), else what is wrong."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 256))
        tail = handle.read().decode("utf-8", errors="replace").strip().splitlines()
    last = tail[-1].strip() if tail else ""
    if last.lower() != marker.lower():
        return f"the written file is incomplete ({size:,} bytes, it does not end with {marker!r})"
    return None
