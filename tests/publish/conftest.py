"""Fixtures for the publish tests: a real Oxigraph server, and fault-injecting proxies in front of it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The built out/ folders come from the endpoint tests' fixture module.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "endpoint"))

from store_fixture import FaultProxy, Rule, oxigraph  # noqa: E402,F401


@pytest.fixture
def proxy_factory() -> Iterator[Callable[..., FaultProxy]]:
    made: list[FaultProxy] = []

    def make(upstream: str, rule: Rule | None = None, require_auth: str | None = None) -> FaultProxy:
        proxy = FaultProxy(upstream, rule, require_auth)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


@pytest.fixture(scope="session")
def families_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example families (`families/`) built with `cogs.build`, shared with the endpoint tests."""
    from cube_fixture import families_once

    return families_once(tmp_path_factory)
