"""Shared test setup: tests run from any folder; examples and data paths resolve from the repo root."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_root() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture
def examples_dir() -> Path:
    """The folder of example models."""
    return REPO / "examples"
