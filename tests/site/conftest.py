"""Fixtures for the site tests: a real build of `families/` rendered into a temporary `out/`,
the small hand-written `out/` in `fixtures/`, and a loopback static server with headless Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cogs.site import render_site

REPO = Path(__file__).resolve().parents[2]
FAMILIES = REPO / "families"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "out"


def build_families(out: Path) -> None:
    from cogs.build import build
    build(FAMILIES, out)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`families/` built by `cogs.build.build` and rendered by `render_site`."""
    out = tmp_path_factory.mktemp("site") / "out"
    build_families(out)  # the build renders the site as its last stage
    if not (out / "search" / "datasets.json").is_file():
        problems = render_site(out)
        assert [p for p in problems if str(p.severity) == "error"] == [], "\n".join(map(str, problems))
    return out


@pytest.fixture
def fixture_out(tmp_path: Path) -> Path:
    """A fresh copy of the hand-written `out/` (one family, two datasets) to render into."""
    out = tmp_path / "out"
    shutil.copytree(FIXTURE, out)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def server(built: Path) -> Iterator[str]:
    """The built site on a static loopback server (a free port), as any static host would serve it."""
    handler = functools.partial(_Quiet, directory=str(built))
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
