"""Screenshots of the main pages of a rendered site, for docs/screenshots/.

    python tests/site/screenshots.py out docs/screenshots

Serves `out/` on a loopback port and drives Debian's Chromium (as the browser tests do).
"""

from __future__ import annotations

import functools
import http.server
import socketserver
import sys
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {
    "home": ("index.html", None),
    "family": ("labour-market/index.html", None),
    "dataset": ("labour-market/level-3-qualifications/index.html?area=E09000033", "[data-explorer-chart] svg"),
    "explorer": ("labour-market/level-3-qualifications/index.html?area=E09000033&statistic=level-3-share",
                 "[data-explorer-chart] svg"),
    "codelist": ("trade/codelist/flow/index.html", None),
    "search": ("search/index.html?q=Westminster", "[data-search-results] h3"),
    "joins": ("trade/regional-trade/index.html", None),
    "quality": ("quality/index.html", None),
}
# Pages shown from a section further down rather than from the top.
SECTIONS = {"explorer": "#explore", "joins": "[id=joins]"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(out: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1024, "height": 800}, device_scale_factor=1)
            for name, (path, ready) in PAGES.items():
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                if ready:
                    page.wait_for_selector(ready)
                top = 0
                if name in SECTIONS:
                    top = page.evaluate(f"document.querySelector({SECTIONS[name]!r}).getBoundingClientRect().top"
                                        " + window.scrollY") - 20
                if name == "explorer":  # the explorer and its chart, further down the dataset page
                    page.locator("[data-explorer-chart] details summary").click()
                height = min(1400, page.evaluate("document.body.scrollHeight") - top)
                page.screenshot(path=str(target / f"{name}.png"), full_page=True,
                                clip={"x": 0, "y": top, "width": 1024, "height": height})
                print(target / f"{name}.png")
            browser.close()
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
