"""Find and load RDF for validation: files in any RDF syntax, gzipped or not, or a built `out/`."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox

from cogs.problems import CogsError, Problem, location

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}


def rdf_format(path: Path) -> ox.RdfFormat | None:
    suffixes = path.suffixes
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1].lower()) if suffixes else None


def is_line_based(path: Path) -> bool:
    """N-Triples and N-Quads: one statement a line, read by the columnar observation path."""
    return rdf_format(path) in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def built_output_files(out: Path) -> list[Path]:
    """The RDF of a built `out/`: the N-Quads dump when present, else every dataset's files."""
    dump = out / "cogs.nq.gz"
    if dump.exists():
        return [dump]
    files = [out / "catalog.ttl"] if (out / "catalog.ttl").exists() else []
    for path in sorted(out.rglob("*")):
        if path.name in ("dataset.ttl", "observations.nt", "observations.nt.gz") or (
            path.name == "index.ttl" and "codelist" in path.parts
        ):
            files.append(path)
    return files


def rdf_files(paths: list[Path]) -> list[Path]:
    """Expand folders (a built `out/`, or any folder of RDF files) into the RDF files to read."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            if (path / "cogs.nq.gz").exists() or (path / "catalog.ttl").exists():
                files.extend(built_output_files(path))
            else:
                files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and rdf_format(p) is not None)
        elif not path.exists():
            raise CogsError([Problem("validate-no-such-file", f"{path} does not exist", location(path))])
        elif rdf_format(path) is None:
            raise CogsError([Problem(
                "validate-unknown-format", f"{path.name} is not a file type cogs reads as RDF", location(path),
                hint="use .ttl, .nt, .nq, .trig, .jsonld or .rdf (optionally .gz)")])
        else:
            files.append(path)
    return files


def load_into(store: ox.Store, path: Path) -> None:
    fmt = rdf_format(path)
    assert fmt is not None
    try:
        if path.suffix == ".gz":
            store.bulk_load(read_bytes(path), format=fmt, base_iri=path.resolve().as_uri())
        else:
            store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
    except SyntaxError as err:
        line = getattr(err, "lineno", None)
        column = getattr(err, "offset", None)
        raise CogsError([Problem(
            "validate-rdf-syntax", f"{path.name} is not valid {fmt.name}: {err.msg}", location(path, line, column),
            hint="fix the syntax error; cogs reads the file with Oxigraph's parser")]) from err


def load_store(paths: list[Path]) -> ox.Store:
    store = ox.Store()
    for path in rdf_files(paths):
        load_into(store, path)
    return store
