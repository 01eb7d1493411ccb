"""The static search index: datasets with their facets, and codes sharded by first letter.

`search/datasets.json` holds one record per dataset (title, summary, keywords, facets) and is
searched in the browser; `search/codes/{shard}.json` maps codes and labels ("E09000033",
"Westminster") to the datasets that use them, so a query loads only the shards it needs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cogs.site.load import Site

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
SNIPPET = 240


def plain(markdown: str) -> str:
    """Markdown as plain text for snippets: markup characters dropped, whitespace collapsed."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"[*_`#>]+", "", text)
    return " ".join(text.split())


def shard(term: str) -> str:
    first = term[:1].lower()
    return first if first.isascii() and first.isalnum() else "_"


def build_index(site: Site) -> dict[str, bytes]:
    """Files under `search/`: `datasets.json` and the code shards (codes know the datasets using them)."""
    datasets = sorted(site.datasets.values(), key=lambda d: (d.family, d.title.lower(), d.uri))
    number = {d.uri: i for i, d in enumerate(datasets)}
    records: list[dict[str, Any]] = []
    for d in datasets:
        family = site.families.get(f"{site.base}{d.family}/")
        description = plain(d.description)
        records.append({
            "title": d.title,
            "summary": d.summary or (description[:SNIPPET] + ("…" if len(description) > SNIPPET else "")),
            "text": description,
            "keywords": d.keywords,
            "path": d.path,
            "family": family.title if family else d.family,
            "themes": d.themes,
            "publisher": d.publisher,
            "dimensions": sorted({site.components[u].label for u in d.dimensions if u in site.components}),
            "issued": d.issued,
            "modified": d.modified,
        })
    entries: dict[str, list[Any]] = {}
    for uri, code in site.codes.items():
        users = sorted(number[u] for u in code.datasets if u in number)
        if not users:
            continue
        codelist = site.codelists[code.codelist]
        entry = [code.notation, code.label, codelist.title, code.path, users]
        keys = {shard(code.notation)} | {shard(w) for w in _WORD.findall(code.label)}
        for key in sorted(k for k in keys if k):
            entries.setdefault(key, []).append(entry)
    files = {"datasets.json": _json({"datasets": records})}
    for key, items in sorted(entries.items()):
        files[f"codes/{key}.json"] = _json({"codes": sorted(items, key=lambda e: (e[0], e[3]))})
    files["codes/index.json"] = _json({"shards": sorted(entries)})
    return files


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
