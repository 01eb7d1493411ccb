"""Helpers shared by the linkage tests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def read_linkage_graph(built: Path) -> bytes:
    """The N-Triples of a build's linkage graph, read out of its N-Quads dump."""
    manifest = json.loads((built / "manifest.json").read_text())
    tail = f" <{manifest['base_uri']}linkage/> .\n".encode()
    with gzip.open(built / manifest["dump"], "rb") as handle:
        return b"".join(line[: -len(tail)] + b" .\n" for line in handle if line.endswith(tail))


@pytest.fixture
def linkage_graph() -> Callable[[Path], bytes]:
    return read_linkage_graph


@pytest.fixture(scope="module", autouse=True)
def without_site() -> Iterator[None]:
    """These tests read the build's files, not its pages: the site stage is skipped to keep them fast."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cogs.site.render_site", lambda *args, **kwargs: [])
        yield
