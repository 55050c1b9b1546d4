"""The hostile-input corpus: every input exits cleanly (1 for bad input, 3 where no solution exists), fast, under 4 GB.

The corpus (``corpus.py``) is written to a temporary folder; a few driver processes, each under
a 4 GB address-space cap, run ``validate``, ``solve`` and ``convert`` on their share of it (one
process per command would triple the time of this test). One input per category also runs
through the real ``python -m ormodel`` entry point.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from .corpus import CASES, Case, write_corpus

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("driver.py")
ADDRESS_SPACE = 4 * 1024**3
DRIVERS = 3
CASE_SECONDS = 20  # generous on a loaded 2-core machine; typical inputs take well under a second


def cap_memory() -> None:
    """preexec_fn: a 4 GB address-space cap, so a guard that fails shows as MemoryError instead of taking the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HOSTILE_SECONDS"] = str(CASE_SECONDS)
    env.pop("ORMODEL_LIMITS", None)
    return env


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("hostile")
    inputs, outputs = folder / "inputs", folder / "outputs"
    write_corpus(inputs)
    outputs.mkdir()
    arguments = [str(inputs / case.filename) + ("::" + ",".join(case.solve_args) if case.solve_args else "") for case in CASES]
    shares = [arguments[index::DRIVERS] for index in range(DRIVERS)]

    # Popen from this thread only (preexec_fn is unsafe with threads); outputs go to files so no pipe blocks a driver.
    logs = [folder / f"driver{index}.jsonl" for index in range(DRIVERS)]
    processes = []
    for share, log in zip(shares, logs):
        with open(log, "wb") as handle:
            processes.append(subprocess.Popen([sys.executable, str(DRIVER), str(outputs), *share], stdout=handle,
                                              stderr=subprocess.STDOUT, preexec_fn=cap_memory, env=environment(), cwd=ROOT))
    texts = []
    for process, share, log in zip(processes, shares, logs):
        try:
            code = process.wait(timeout=CASE_SECONDS * 3 * len(share) + 60)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        text = log.read_text(errors="replace")
        texts.append(text + ("" if code == 0 else f"\nDRIVER EXIT {code}: {text[-3000:]}"))
    results: dict[str, dict] = {}
    for text in texts:
        for line in text.splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                results[record["file"]] = record
            elif line.startswith("DRIVER EXIT"):
                results.setdefault("_driver_errors", {"text": ""})["text"] += line
    return results


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_exits_cleanly(case: Case, corpus_results: dict[str, dict]) -> None:
    record = corpus_results.get(case.filename)
    assert record is not None, corpus_results.get("_driver_errors")
    for command, expected in (("validate", case.validate), ("solve", case.solve)):
        run = record[command]
        assert "Traceback" not in run["output"], run["output"]
        assert run["code"] in expected, f"{command}: exit {run['code']}, expected {sorted(expected)}\n{run['output']}"
        assert run["seconds"] < CASE_SECONDS
        if run["code"] == 1:
            assert "error" in run["output"].lower(), run["output"]
    assert "Traceback" not in record["convert"]["output"], record["convert"]["output"]
    assert record["convert"]["code"] in (0, 1), record["convert"]
    assert not record["partial_output"], "convert left a partial or temporary file"
    for text in case.contains:
        assert text in record["solve"]["output"]


CATEGORY_SAMPLES = sorted({case.category: case for case in reversed(CASES)}.values(), key=lambda case: case.category)


@pytest.mark.parametrize("case", CATEGORY_SAMPLES, ids=[case.category for case in CATEGORY_SAMPLES])
def test_real_entry_point(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.filename
    path.write_bytes(case.content())
    for command, expected in (("validate", case.validate), ("solve", case.solve)):
        arguments = [command, str(path)] + (list(case.solve_args) if command == "solve" else [])
        completed = subprocess.run([sys.executable, "-m", "ormodel", *arguments], capture_output=True, text=True, timeout=60,
                                   preexec_fn=cap_memory, env=environment(), cwd=ROOT)
        assert "Traceback" not in completed.stdout + completed.stderr, completed.stderr
        assert completed.returncode in expected, completed.stdout + completed.stderr
