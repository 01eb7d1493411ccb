"""A link checker over a built site: every internal link and asset resolves to a file."""

from __future__ import annotations

import functools
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cogs.problems import Location, Problem


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, int, int]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if value is not None and ((name == "href" and tag in ("a", "link")) or
                                      (name == "src" and tag in ("script", "img")) or
                                      (name == "action" and tag == "form")):
                self.links.append((value, line, column + 1))


def check_links(out: Path) -> list[Problem]:
    """Problems for internal links (href, src, form action) that point at no file of `out`."""
    problems: list[Problem] = []
    out = out.resolve()
    is_file = functools.cache(Path.is_file)
    is_dir = functools.cache(Path.is_dir)
    pages = sorted(out.rglob("*.html"))
    ids: dict[Path, set[str]] = {}
    found: list[tuple[Path, str, int, int]] = []
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text("utf-8"))
        ids[page] = parser.ids
        found.extend((page, link, line, column) for link, line, column in parser.links)
    for page, link, line, column in found:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith("//"):
            continue  # external
        where = Location(str(page.relative_to(out)), line, column)
        if link.startswith("/"):
            problems.append(Problem("site.absolute-link", f"link {link!r} is not relative", where,
                                    hint="links must be relative so the site works under any base path"))
            continue
        target = page if not parts.path else Path(os.path.normpath(page.parent / unquote(parts.path)))
        if parts.path.endswith("/") or is_dir(target):
            target = target / "index.html"
        if not str(target).startswith(str(out)) or not is_file(target):
            problems.append(Problem("site.broken-link", f"link {link!r} points at no file", where,
                                    hint="re-render the site; a theme's template may name a missing page"))
            continue
        if parts.fragment and target.suffix == ".html":
            if target not in ids:
                parser = _Links()
                parser.feed(target.read_text("utf-8"))
                ids[target] = parser.ids
            if parts.fragment not in ids[target] and not re.match(r"^(obs|distribution)/", parts.fragment):
                problems.append(Problem("site.broken-fragment", f"link {link!r}: no element with id "
                                        f"{parts.fragment!r}", where, hint="link to an id the page has"))
    return problems
