"""Fetching CSV and metadata files by URL (file:, http:, https:), with the headers CSVW reads."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Resource:
    url: str
    content: bytes
    content_type: str | None = None
    links: tuple[tuple[str, dict[str, str]], ...] = field(default_factory=tuple)


class FetchError(Exception):
    """A file that could not be read (missing, unreachable)."""


Fetcher = Callable[[str], Resource]


def to_url(source: str | Path) -> str:
    """A path or URL as an absolute URL."""
    text = str(source)
    if re.match(r"^(https?|file):", text):
        return text
    return Path(text).resolve().as_uri()


def parse_link_header(value: str) -> list[tuple[str, dict[str, str]]]:
    links = []
    for m in re.finditer(r"<([^>]*)>((?:\s*;\s*[^;,=]+\s*=\s*(?:\"[^\"]*\"|[^;,]*))*)", value):
        params = {}
        for p in re.finditer(r";\s*([^;,=\s]+)\s*=\s*(\"[^\"]*\"|[^;,]*)", m.group(2)):
            params[p.group(1).lower()] = p.group(2).strip().strip('"')
        links.append((m.group(1), params))
    return links


def default_fetch(url: str) -> Resource:
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
        try:
            return Resource(url, path.read_bytes())
        except OSError as e:
            raise FetchError(f"{path}: {e.strerror or e}") from e
    if parts.scheme in {"http", "https"}:
        request = urllib.request.Request(url, headers={"Accept": "text/csv, application/csvm+json, application/ld+json, application/json, */*"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                content = response.read()
                headers = response.headers
                links: list[tuple[str, dict[str, str]]] = []
                for value in headers.get_all("Link") or []:
                    links.extend(parse_link_header(value))
                return Resource(response.geturl() or url, content, headers.get("Content-Type"), tuple(links))
        except urllib.error.HTTPError as e:
            raise FetchError(f"{url}: HTTP {e.code}") from e
        except (urllib.error.URLError, OSError) as e:
            raise FetchError(f"{url}: {e}") from e
    raise FetchError(f"{url}: unsupported URL scheme")
