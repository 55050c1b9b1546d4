"""Solver worker processes: a Python interpreter (``python -m <module>``) that takes pickled requests
and answers with pickled messages, in its own process group so that it can be killed whole.

A request gets any number of *events* (e.g. improving incumbents, streamed while the solver runs)
and then one *reply*. The parent reads them with a wall-clock deadline (:meth:`WorkerProcess.receive`)
and kills the worker when it passes, when it wants to stop waiting, or on Ctrl-C. Workers are
reused between solves (:class:`WorkerPool`): a warm worker costs only the transfer of the model;
a fresh one costs an interpreter start (about 1 s with numpy and a solver imported), so a killed
or crashed worker is replaced at once, in the background.

A worker ends when its parent dies, even mid-solve (a watchdog thread notices the re-parenting),
so killing the parent's process group (``ormodel.bench`` does at its wall limit) leaves no orphan.

Messages are length-prefixed pickles (8-byte little-endian length). The worker side
(:func:`serve`) writes them to a duplicate of its original standard output and points file
descriptor 1 at standard error, so whatever native solver code prints cannot corrupt the stream.

Used by :mod:`ormodel.solvers.cpsat` (OR-Tools cannot share a process with highspy) and by
:mod:`ormodel.solvers.guard` (HiGHS's wall-clock guard).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from ormodel.backends import seconds_left

__all__ = ["WorkerDied", "WorkerPool", "WorkerProcess", "WorkerTimeout", "serve"]

_HEADER = struct.Struct("<Q")
_EVENT, _REPLY = "event", "reply"


class WorkerTimeout(Exception):
    """The deadline passed before the worker's reply came."""


class WorkerDied(Exception):
    """The worker process ended without a reply (crash, abort, killed for memory); the message says how."""


def _child_environment() -> dict[str, str]:
    """The parent's environment, with the folder the parent's ``ormodel`` came from first on the path (same code both sides)."""
    import ormodel

    environment = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(ormodel.__file__)))
    environment["PYTHONPATH"] = os.pathsep.join(part for part in (root, environment.get("PYTHONPATH", "")) if part)
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


class WorkerProcess:
    """One worker interpreter running ``python -m module`` (which calls :func:`serve`)."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker process
        self.process = subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.errors, start_new_session=True, env=_child_environment())
        self._buffer = bytearray()
        self.started = time.monotonic()
        self.served = 0
        """Requests this worker answered (0: its interpreter start falls on the next request)."""

    @property
    def pid(self) -> int:
        """The worker's process id (also its process group id)."""
        return self.process.pid

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.poll() is None

    def send(self, payload: Any, deadline: float | None = None) -> None:
        """Send one request (pickled) by ``deadline``; :class:`WorkerTimeout` when it passes (a worker still
        starting up reads nothing), :class:`WorkerDied` when the worker is gone."""
        assert self.process.stdin is not None
        body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        descriptor = self.process.stdin.fileno()
        os.set_blocking(descriptor, False)
        try:
            for part in (_HEADER.pack(len(body)), body):
                self._write(descriptor, memoryview(part), deadline)
        except (BrokenPipeError, OSError) as error:
            raise WorkerDied(self.death_reason(error)) from None
        except WorkerTimeout:
            raise
        except BaseException:
            self.kill()
            raise

    @staticmethod
    def _write(descriptor: int, data: memoryview, deadline: float | None) -> None:
        while len(data):
            remaining = seconds_left(deadline)
            _, ready, _ = select.select([], [descriptor], [], remaining)
            if not ready:
                raise WorkerTimeout
            try:
                written = os.write(descriptor, data[: 1 << 22])
            except BlockingIOError:
                continue
            data = data[written:]

    def receive(self, deadline: float | None) -> tuple[str, Any]:
        """The next ``("event", data)`` or ``("reply", data)``, waiting until ``deadline`` (``time.monotonic()``).

        Raises :class:`WorkerTimeout` when the deadline passes first and :class:`WorkerDied` when the
        worker ends. Any other interruption (Ctrl-C) kills the worker before it propagates.
        """
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        try:
            while True:
                message = self._take_message()
                if message is not None:
                    return message
                remaining = seconds_left(deadline)
                ready, _, _ = select.select([descriptor], [], [], remaining)
                if not ready:
                    raise WorkerTimeout
                block = os.read(descriptor, 1 << 22)
                if not block:
                    raise WorkerDied(self.death_reason())
                self._buffer.extend(block)
        except (WorkerTimeout, WorkerDied):
            raise
        except BaseException:
            self.kill()
            raise

    def exchange(self, payload: Any, deadline: float | None, on_event: Callable[[Any], None] | None = None) -> Any:
        """Send a request and return its reply, passing events to ``on_event`` on the way."""
        self.send(payload, deadline)
        while True:
            kind, data = self.receive(deadline)
            if kind == _REPLY:
                self.served += 1
                return data
            if on_event is not None:
                on_event(data)

    def _take_message(self) -> tuple[str, Any] | None:
        if len(self._buffer) < _HEADER.size:
            return None
        (length,) = _HEADER.unpack_from(self._buffer)
        if len(self._buffer) < _HEADER.size + length:
            return None
        message: tuple[str, Any] = pickle.loads(memoryview(self._buffer)[_HEADER.size : _HEADER.size + length])
        del self._buffer[: _HEADER.size + length]
        return message

    def death_reason(self, error: BaseException | None = None) -> str:
        """How the worker ended (signal or exit code, and the tail of its standard error)."""
        try:
            code = self.process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            how = f"its pipe failed ({error})" if error is not None else "its pipe closed"
        elif code < 0:
            name = signal.Signals(-code).name
            how = f"it was killed by {name}" + (" (the system may have run out of memory)" if name == "SIGKILL" else "")
        else:
            how = f"it exited with code {code}"
        tail = self.error_tail()
        return f"the {self.module} worker process died: {how}" + (f"; its last output: {tail}" if tail else "")

    def error_tail(self, lines: int = 3) -> str:
        """The last lines the worker wrote to standard error."""
        try:
            self.errors.seek(0)
            text = self.errors.read().decode("utf-8", errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return " | ".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """Kill the worker's whole process group now (does not wait for it to be reaped)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def stop(self, wait: float | None = 5.0) -> None:
        """Kill the worker and reap it (a large process may take a moment to release its memory)."""
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=wait)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self.errors.close()


class WorkerPool:
    """Idle workers of one module, reused between solves; each solve holds its own worker."""

    def __init__(self, module: str, keep_idle: int = 1) -> None:
        self.module = module
        self.keep_idle = keep_idle
        self._idle: list[WorkerProcess] = []
        self._busy: set[WorkerProcess] = set()
        self._lock = threading.Lock()
        atexit.register(self.close)

    def acquire(self, prefer: int | None = None) -> WorkerProcess:
        """An idle live worker (the one with process id ``prefer`` when it is idle: it may hold state), or a new one."""
        with self._lock:
            chosen = [worker for worker in self._idle if worker.pid == prefer and worker.alive()]
            if chosen:
                self._idle.remove(chosen[0])
                self._busy.add(chosen[0])
                return chosen[0]
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    self._busy.add(worker)
                    return worker
                worker.stop(wait=0)
        worker = WorkerProcess(self.module)
        with self._lock:
            self._busy.add(worker)
        return worker

    def release(self, worker: WorkerProcess) -> None:
        """Return a worker that answered its request; it serves the next one."""
        with self._lock:
            self._busy.discard(worker)
            if worker.alive() and len(self._idle) < self.keep_idle:
                self._idle.append(worker)
                return
        worker.stop()

    def discard(self, worker: WorkerProcess, replace: bool = True) -> None:
        """Kill a worker (timed out, crashed or interrupted) and, with ``replace``, start a fresh idle one in the background."""
        worker.kill()
        with self._lock:
            self._busy.discard(worker)
        # Reaping a process that held gigabytes can take a moment: do it off the caller's clock.
        threading.Thread(target=worker.stop, name="ormodel-worker-reaper", daemon=True).start()
        if replace:
            with self._lock:
                if len(self._idle) < self.keep_idle:
                    self._idle.append(WorkerProcess(self.module))

    def warm_up(self) -> None:
        """Start an idle worker now, so that the next solve does not pay for the interpreter start."""
        with self._lock:
            if any(worker.alive() for worker in self._idle):
                return
            self._idle.append(WorkerProcess(self.module))

    def pids(self) -> list[int]:
        """Process ids of the workers this pool holds (busy ones first)."""
        with self._lock:
            return [worker.pid for worker in self._busy] + [worker.pid for worker in self._idle]

    def busy_pids(self) -> list[int]:
        """Process ids of the workers now serving a request."""
        with self._lock:
            return [worker.pid for worker in self._busy]

    def close(self) -> None:
        """Kill every worker of this pool."""
        with self._lock:
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
        for worker in workers:
            worker.stop(wait=1.0)


def _exit_with_parent(interval: float = 0.25) -> None:
    """End this worker when its parent dies (e.g. killed with its process group by a benchmark runner),
    also in the middle of a solve: a watchdog thread sees the worker re-parented."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="ormodel-parent-watchdog", daemon=True).start()


def serve(handle: Callable[[Any, Callable[[Any], None]], Any]) -> None:
    """The worker's loop: answer each request with ``handle(request, emit)``; ``emit(data)`` streams an event.

    An exception raised by ``handle`` is sent back as the reply ``{"raise": error}`` (or its text
    when it cannot be pickled), so the parent can raise it again; the worker keeps serving.
    """
    import traceback

    _exit_with_parent()
    source = sys.stdin.buffer
    sink = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # native code printing to standard output writes to standard error instead
    sys.stdout = sys.stderr
    writing = threading.Lock()  # solver callbacks may come from the solver's own threads

    def write(kind: str, data: Any) -> None:
        payload = pickle.dumps((kind, data), protocol=pickle.HIGHEST_PROTOCOL)
        with writing:
            sink.write(_HEADER.pack(len(payload)))
            sink.write(payload)
            sink.flush()

    def emit(data: Any) -> None:
        write(_EVENT, data)

    while True:
        header = source.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        (length,) = _HEADER.unpack(header)
        request = pickle.loads(source.read(length))
        try:
            reply = handle(request, emit)
        except Exception as error:  # noqa: BLE001 - report any failure to the parent instead of dying
            try:
                pickle.dumps(error)
                reply = {"raise": error}
            except Exception:  # noqa: BLE001 - an error that cannot travel goes as text
                reply = {"error": f"{type(error).__name__}: {error}: {traceback.format_exc(limit=3)}"}
        try:
            write(_REPLY, reply)
        except BrokenPipeError:
            return
