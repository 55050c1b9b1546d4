"""Run ``ormodel validate``, ``solve`` and ``convert`` on several corpus files in one process (the CLI's ``main``).

Usage: ``python tests/hostile/driver.py OUTPUT_FOLDER FILE[::SOLVE_ARG,...] ...`` prints one JSON line per
file: exit code, seconds and output of each command, the process's peak memory so far, and
whether ``convert`` left a file (or a temporary file) behind after failing. Starting one Python
per command would make the corpus test several times slower; the test starts a few of these
drivers under a 4 GB address-space cap instead. An exception that escapes ``main`` is printed
with its traceback, which the test rejects; a command running past ``--seconds`` is stopped.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import sys
import time
import traceback


class Hang(BaseException):
    """A command ran past its time."""


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


def run(argv: list[str], seconds: float) -> dict[str, object]:
    from ormodel.cli import main
    from ormodel.limits import Limits, set_limits

    set_limits(Limits())
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: object = main(argv)
            except SystemExit as error:
                code = error.code if isinstance(error.code, int) else 2
    except Hang:
        code = "timeout"
    except BaseException:  # noqa: BLE001 - an escaped exception is exactly what the corpus looks for
        code = "crash"
        err.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    text = out.getvalue() + err.getvalue()
    return {"code": code, "seconds": round(time.perf_counter() - started, 3), "output": text[:3000] + text[-1000:] if len(text) > 4000 else text}


def main() -> int:
    signal.signal(signal.SIGALRM, _alarm)
    output_folder = sys.argv[1]
    seconds = float(os.environ.get("HOSTILE_SECONDS", "20"))
    for item in sys.argv[2:]:
        path, _, extra = item.partition("::")
        solve_args = [part for part in extra.split(",") if part]
        name = os.path.basename(path)
        target = os.path.join(output_folder, name + ".out.mps")
        record: dict[str, object] = {"file": name}
        record["validate"] = run(["validate", path], seconds)
        record["solve"] = run(["solve", path, "--time-limit", "5", *solve_args], seconds)
        record["convert"] = run(["convert", path, target], seconds)
        leftovers = [entry for entry in os.listdir(output_folder) if entry.startswith("." + name)]
        record["partial_output"] = (record["convert"]["code"] != 0 and os.path.exists(target)) or bool(leftovers)  # type: ignore[index]
        record["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
