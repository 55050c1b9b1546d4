"""One rule for where a learned method runs: ``resolve_device`` (torch is imported only when called).

``"auto"`` is the first CUDA device when CUDA is available, else the CPU. Any other name is
checked before it is used: an unknown name, or a CUDA device this machine does not have, is a
``ValueError`` that says what is available, instead of a failure deep inside the first tensor copy.

Example:
    >>> resolve_device("cpu").type
    'cpu'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

__all__ = ["resolve_device"]


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """The ``torch.device`` for ``device`` (``"auto"``/``None``: CUDA when available, else CPU)."""
    import torch

    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = device if isinstance(device, torch.device) else torch.device(str(device).strip())
    except RuntimeError as error:
        raise ValueError(f"device {device!r} is not a device name; use 'auto', 'cpu', 'cuda' or 'cuda:N' ({error})") from None
    if resolved.type == "cuda":
        _check_cuda(resolved, device)
    elif resolved.type == "mps" and not _mps_available(torch):
        raise ValueError(f"device {device!r} requested but Apple MPS is not available here; use device='auto' or 'cpu'")
    return resolved


def _check_cuda(resolved: torch.device, requested: Any) -> None:
    import torch

    if not torch.cuda.is_available():
        raise ValueError(f"device {requested!r} requested but CUDA is not available here; use device='auto' or 'cpu'")
    count = torch.cuda.device_count()
    if resolved.index is not None and resolved.index >= count:
        raise ValueError(f"device {requested!r} requested but this machine has {count} CUDA device(s) (cuda:0..cuda:{count - 1})")


def _mps_available(torch: Any) -> bool:
    backend = getattr(getattr(torch, "backends", None), "mps", None)
    return bool(backend is not None and backend.is_available())
