"""Shared fixtures: small families on disk, copied into a temporary folder per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def good_project(tmp_path: Path) -> Path:
    """A copy of the small valid project `tests/fixtures/good`."""
    target = tmp_path / "families"
    shutil.copytree(FIXTURES / "good", target)
    return target


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test with a clear message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared real-data folder is not beside this checkout")
    return path
