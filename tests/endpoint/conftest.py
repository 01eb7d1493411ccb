"""Fixtures for the endpoint tests: built `out/` folders and a running `cogs serve` server."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cogs.endpoint import SparqlServer, StoreInfo, make_server


@contextlib.contextmanager
def running(out: Path, **options: object) -> Iterator[tuple[SparqlServer, StoreInfo]]:
    """The endpoint over `out` on a free loopback port, serving in a thread until the block ends."""
    server, info = make_server(out, "127.0.0.1", 0, **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, info
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="session")
def families_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example families (`families/`) built with `cogs.build` into a temporary out/."""
    from cube_fixture import build_families

    return build_families(tmp_path_factory.mktemp("families") / "out")
