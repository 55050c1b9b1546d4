"""``ormodel.learned.device.resolve_device``: the one device rule of every learned method."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from ormodel.learned.device import resolve_device

ROOT = Path(__file__).resolve().parents[1]


def test_auto_is_cuda_when_available_else_cpu() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device(" AUTO ").type == expected
    assert resolve_device(None).type == expected


def test_names_and_devices_pass_through() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_a_bad_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="'gpu0' is not a device name; use 'auto', 'cpu', 'cuda'"):
        resolve_device("gpu0")


def test_cuda_that_is_not_there_is_a_clear_error() -> None:
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        assert resolve_device("cuda").type == "cuda"
        with pytest.raises(ValueError, match=f"has {count} CUDA device"):
            resolve_device(f"cuda:{count}")
    else:
        with pytest.raises(ValueError, match="CUDA is not available here"):
            resolve_device("cuda")
        with pytest.raises(ValueError, match="CUDA is not available here"):
            resolve_device(torch.device("cuda:0"))


def test_every_learned_method_uses_the_same_function() -> None:
    from ormodel.learned.branching import policy as branching
    from ormodel.learned.dispatching import policy as dispatching
    from ormodel.learned.neur2ro import network as neur2ro

    assert branching.resolve_device is dispatching.resolve_device is neur2ro.resolve_device is resolve_device


def test_importing_the_module_does_not_import_torch() -> None:
    code = "import sys, ormodel.learned.device; print('torch' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert output.strip() == "False"
