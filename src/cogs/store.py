"""The embedded Oxigraph store `cogs serve` answers from: the build's N-Quads dump loaded into an
on-disk store beside the build (`OUT.sparql/`), reused while the build has not changed."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cogs.problems import CogsError, Location, Problem

STAMP = "cogs-store.json"
STAMP_VERSION = 1


@dataclass(frozen=True)
class StoreInfo:
    """An on-disk store ready for queries, and whether it was reused or loaded now."""

    path: Path
    reused: bool
    seconds: float
    quads: int
    graphs: int


def default_store_dir(out: Path) -> Path:
    """Where the store of a build lives: beside it, `OUT.sparql/` (outside the served folder)."""
    out = out.resolve()
    return out.parent / f"{out.name}.sparql"


def read_manifest(out: Path) -> dict[str, Any]:
    """The build's `manifest.json`, or a problem saying to build first."""
    path = out / "manifest.json"
    if not path.is_file():
        raise CogsError([Problem("serve.no-build", f"{out} holds no build (no manifest.json)",
                                 Location(str(path)), hint="run `cogs build` first, or name the build folder")])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise CogsError([Problem("serve.bad-manifest", f"manifest.json is not valid JSON: {exc}",
                                 Location(str(path), line, column), hint="rebuild with `cogs build`")]) from None
    if not isinstance(manifest, dict):
        raise CogsError([Problem("serve.bad-manifest", "manifest.json is not a JSON object",
                                 Location(str(path), 1, 1), hint="rebuild with `cogs build`")])
    return manifest


def dump_path(out: Path, manifest: dict[str, Any]) -> Path:
    dump = out / str(manifest.get("dump") or "cogs.nq.gz")
    if not dump.is_file():
        raise CogsError([Problem("serve.no-dump", f"the build's N-Quads dump {dump.name} is missing",
                                 Location(str(dump)), hint="rebuild with `cogs build`")])
    return dump


def _fingerprint(out: Path, dump: Path) -> dict[str, Any]:
    stat = dump.stat()
    manifest = hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    return {"version": STAMP_VERSION, "manifest_sha256": manifest, "dump": dump.name,
            "dump_size": stat.st_size, "dump_mtime_ns": stat.st_mtime_ns}


def open_gzip(path: Path) -> IO[bytes]:
    """A gzip file opened for streaming reads (ISA-L's decompressor when installed: about 3x faster)."""
    try:
        from isal import igzip
        return igzip.open(path, "rb")  # type: ignore[no-any-return, no-untyped-call]
    except ImportError:  # pragma: no cover - isal is a dependency
        return gzip.open(path, "rb")  # type: ignore[return-value]


def prepare_store(out: Path, store_dir: Path | None = None) -> StoreInfo:
    """An on-disk Oxigraph store holding the build's dump: reused when the build has not changed.

    A new store is bulk-loaded into a temporary folder beside the target and renamed into place,
    so an interrupted load never leaves a half-loaded store that looks current.
    """
    import pyoxigraph

    manifest = read_manifest(out)
    dump = dump_path(out, manifest)
    target = store_dir or default_store_dir(out)
    fingerprint = _fingerprint(out, dump)
    graphs = manifest.get("graphs") or []
    quads = sum(int(g.get("triples") or 0) for g in graphs if isinstance(g, dict))
    stamp = target / STAMP
    start = time.perf_counter()
    if stamp.is_file():
        try:
            if json.loads(stamp.read_text(encoding="utf-8")) == fingerprint:
                return StoreInfo(target, True, time.perf_counter() - start, quads, len(graphs))
        except ValueError:
            pass
    loading = target.with_name(f"{target.name}.loading-{os.getpid()}")
    shutil.rmtree(loading, ignore_errors=True)
    loading.parent.mkdir(parents=True, exist_ok=True)
    store = pyoxigraph.Store(str(loading))
    try:
        with open_gzip(dump) as stream:
            store.bulk_load(input=stream, format=pyoxigraph.RdfFormat.N_QUADS)
        store.flush()
    except (SyntaxError, ValueError, OSError) as exc:
        del store
        shutil.rmtree(loading, ignore_errors=True)
        raise CogsError([Problem("serve.bad-dump", f"cannot load {dump.name}: {exc}", Location(str(dump)),
                                 hint="rebuild with `cogs build`")]) from None
    del store
    (loading / STAMP).write_text(json.dumps(fingerprint, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if target.exists():
        old = target.with_name(f"{target.name}.old-{os.getpid()}")
        target.rename(old)
        loading.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        loading.rename(target)
    return StoreInfo(target, False, time.perf_counter() - start, quads, len(graphs))
