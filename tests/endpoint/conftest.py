"""Fixtures for the endpoint tests: the example families built into a temporary out/."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def families_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example families (`families/`) built with `cogs.build` into a temporary out/."""
    from cube_fixture import families_once

    return families_once(tmp_path_factory)
