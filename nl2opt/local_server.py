"""A llama.cpp chat server for a GGUF file on this machine, on 127.0.0.1, started and stopped with the run.

``ormodel ask --local MODEL.gguf`` (``pip install 'ormodel[local]'``, which brings ``xllamacpp``)
serves the model with llama.cpp's own OpenAI-compatible server, embedded by ``xllamacpp``, and
points the agent at it like any other ``--base-url``. The server runs in a child process:

* it listens on 127.0.0.1 on a free port (chosen by the operating system) and answers only there;
* it uses one thread per core this process may run on (``os.sched_getaffinity``, so
  ``taskset -c 1`` gives one thread), unless ``threads`` says otherwise;
* it stops when the ``with`` block ends, on Ctrl-C, on SIGTERM/SIGHUP to this process, and, since
  it watches its stdin pipe, even when this process is killed outright.

Example::

    with LocalServer("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf") as server:
        client = ChatClient(LLMConfig(base_url=server.url, model=server.model_name, stream=True))
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Self

__all__ = ["LOCAL_TIMEOUT", "LocalServer", "LocalServerError", "ask_with_local_server", "default_threads"]

# Seconds per HTTP request to a local CPU server: a first round of about 1,500 prompt tokens took
# 3-3.5 minutes for a 1.5B model on one loaded core.
LOCAL_TIMEOUT = 900.0
INSTALL_HINT = "pip install 'ormodel[local]' (it brings xllamacpp, llama.cpp's server for Python)"


class LocalServerError(RuntimeError):
    """The local server could not be started; the message says why and what to do."""


def default_threads() -> int:
    """One thread per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class LocalServer:
    """Serves one GGUF model on 127.0.0.1 in a child process; use as a context manager.

    Attributes:
        model_path: the GGUF file.
        threads: generation and prompt threads (default: one per core).
        context: context size in tokens (prompt plus answer, the whole conversation).
        startup_timeout: seconds to wait for the model to load.
        log_path: where the server's log goes (default: a temporary file, shown when it fails).
        prompt_cache_mib: memory for prompts kept beyond the one in the slot (None: llama.cpp's
            default; 0 for measurements, so that no problem finds another run's prompt processed).
    """

    def __init__(self, model_path: str | os.PathLike[str], threads: int | None = None, context: int = 8192,
                 startup_timeout: float = 300.0, log_path: str | os.PathLike[str] | None = None,
                 prompt_cache_mib: int | None = None) -> None:
        self.model_path = Path(model_path).expanduser()
        self.threads = threads or default_threads()
        self.context = context
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path is not None else None
        self.prompt_cache_mib = prompt_cache_mib
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self._address: str | None = None
        self._previous_handlers: dict[int, Any] = {}

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (``http://127.0.0.1:PORT/v1``)."""
        if self._address is None:
            raise LocalServerError("the local server is not running")
        return f"{self._address}/v1"

    @property
    def model_name(self) -> str:
        """The name the client sends (llama.cpp serves one model and accepts any name)."""
        return self.model_path.stem

    # -- starting -----------------------------------------------------------------------------

    def _check(self) -> None:
        if not self.model_path.is_file():
            raise LocalServerError(f"{self.model_path}: no such model file; give the path of a .gguf file")
        with open(self.model_path, "rb") as handle:
            if handle.read(4) != b"GGUF":
                raise LocalServerError(f"{self.model_path}: not a GGUF model file (it does not start with 'GGUF')")
        try:
            import xllamacpp  # noqa: F401
        except ImportError:
            raise LocalServerError(f"--local needs the llama.cpp server: {INSTALL_HINT}") from None

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        lines = Path(self._log.name).read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-15:])

    def start(self) -> LocalServer:
        """Load the model in a child process and wait until it answers on 127.0.0.1."""
        self._check()
        if self.log_path is not None:
            self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - open while the server runs
        else:
            self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - open while the server runs; closed by stop()
                "w", prefix="ormodel-llama-", suffix=".log", delete=False, encoding="utf-8")
        command = [sys.executable, "-m", "ormodel.nl2opt.local_server", str(self.model_path), "--threads", str(self.threads),
                   "--context", str(self.context)]
        if self.prompt_cache_mib is not None:
            command += ["--prompt-cache-mib", str(self.prompt_cache_mib)]
        import ormodel

        environment = dict(os.environ)  # the child imports the same ormodel as this process
        package_root = str(Path(ormodel.__file__).resolve().parent.parent)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, environment.get("PYTHONPATH")]))
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                         start_new_session=True, env=environment)
        lines: queue.Queue[str] = queue.Queue()
        stdout = self._process.stdout
        assert stdout is not None
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True, name="local-server-start").start()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                line = lines.get(timeout=0.2)
                break
            except queue.Empty:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    why = "exited" if self._process.poll() is not None else f"did not start within {self.startup_timeout:.0f} s"
                    tail = self._log_tail()
                    self.stop()
                    raise LocalServerError(f"the llama.cpp server for {self.model_path.name} {why}"
                                           + (f"; its log ends with:\n{tail}" if tail else "")) from None
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            message = {"error": f"unexpected first line {line.strip()[:200]!r}"}
        if "url" not in message:
            tail = self._log_tail()
            self.stop()
            raise LocalServerError(f"the llama.cpp server for {self.model_path.name} failed: {message.get('error')}"
                                   + (f"\n{tail}" if tail else ""))
        self._address = str(message["url"]).rstrip("/")
        self._wait_healthy(deadline)
        return self

    def _wait_healthy(self, deadline: float) -> None:
        while True:
            try:
                with urllib.request.urlopen(f"{self._address}/health", timeout=5) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise LocalServerError(f"the llama.cpp server at {self._address} never reported healthy")
            time.sleep(0.2)

    # -- stopping -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the server (closing its stdin asks it to; a stuck one is terminated, then killed)."""
        process, self._process, self._address = self._process, None, None
        if process is not None:
            if process.stdin is not None:
                try:
                    process.stdin.close()
                except OSError:
                    pass
            for action, wait in ((None, 20.0), (process.terminate, 5.0), (process.kill, 5.0)):
                if action is not None:
                    action()
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            if self.log_path is None:
                Path(self._log.name).unlink(missing_ok=True)
            self._log = None

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._process is not None and self._process.poll() is None

    def _on_signal(self, number: int, frame: Any) -> None:
        raise SystemExit(128 + number)  # unwinds through __exit__, which stops the server

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGHUP):
                self._previous_handlers[number] = signal.signal(number, self._on_signal)
        try:
            self.start()
        except BaseException:
            self._restore_handlers()
            raise
        return self

    def _restore_handlers(self) -> None:
        for number, handler in self._previous_handlers.items():
            signal.signal(number, handler)
        self._previous_handlers.clear()

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.stop()
        finally:
            self._restore_handlers()


def ask_with_local_server(args: argparse.Namespace, command: Callable[[argparse.Namespace], int]) -> int:
    """Run ``ormodel ask`` against a server started for ``args.local`` (stopped when it returns or is interrupted)."""
    from ormodel.nl2opt.local_models import ModelVerificationError, resolve_model

    try:
        server = LocalServer(resolve_model(args.local), threads=getattr(args, "threads", None))
        with server:
            print(f"serving {server.model_path.name} at {server.url} with {server.threads} thread(s)", file=sys.stderr)
            args.local, args.base_url, args.model = None, server.url, server.model_name
            args.stream = True  # a looping answer is stopped as soon as the loop shows
            if args.timeout is None:
                args.timeout = LOCAL_TIMEOUT
            return command(args)
    except (LocalServerError, ModelVerificationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the local server was stopped", file=sys.stderr)
        return 130


# -- the child process ------------------------------------------------------------------------------

def _serve(model: str, threads: int, context: int, prompt_cache_mib: int | None = None) -> int:
    """Run the server until stdin closes (the parent stopped or died); report the address on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        import xllamacpp
    except ImportError:
        print(json.dumps({"error": f"xllamacpp is not installed: {INSTALL_HINT}"}), flush=True)
        return 1
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # a free port
    params.n_ctx = context
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    if prompt_cache_mib is not None:
        params.cache_ram_mib = prompt_cache_mib
    try:
        server = xllamacpp.Server(params)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises LocalServerError
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        return 1
    print(json.dumps({"url": server.listening_address}), flush=True)
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))
    try:
        sys.stdin.read()
    finally:
        del server
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry of the child process: ``python -m ormodel.nl2opt.local_server MODEL.gguf --threads N --context C``."""
    parser = argparse.ArgumentParser(description="serve a GGUF model on 127.0.0.1 until stdin closes")
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--context", type=int, default=8192)
    parser.add_argument("--prompt-cache-mib", type=int)
    args = parser.parse_args(argv)
    return _serve(args.model, args.threads, args.context, args.prompt_cache_mib)


if __name__ == "__main__":
    sys.exit(main())
