"""Fixtures for the endpoint tests: the example families built into a temporary out/."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def families_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example families (`families/`) built with `cogs.build` into a temporary out/."""
    from cube_fixture import build_families

    return build_families(tmp_path_factory.mktemp("families") / "out")
