"""Observations as N-Triples and N-Quads, column-wise, without a Python object per triple.

Each chunk of rows becomes one long three-column frame (subject, predicate, object: one row a
triple, built from the table's columns by polars expressions) which polars' CSV writer prints
with a space between the terms and ` .` (N-Triples) or ` <graph> .` (N-Quads) as the line end.
The two texts differ only in that line end, so both come from one frame.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import polars as pl

from cogs.cube import RDF_TYPE, Prepared, iri
from cogs.uris import QB

CHUNK_ROWS = 50_000  # some 400,000 triples a chunk (about 70 MB of N-Triples text)


def triples(prepared: Prepared, chunk: pl.DataFrame) -> pl.DataFrame:
    """The chunk's triples as a frame of N-Triples terms `s`, `p`, `o`, grouped by predicate."""
    rows = chunk.lazy().with_columns(iri(prepared.objects["__about"]).alias("s"))

    def pattern(predicate: pl.Expr, obj: pl.Expr) -> pl.LazyFrame:
        return rows.select(pl.col("s"), predicate.alias("p"), obj.alias("o"))

    frames = [
        pattern(pl.lit(f"<{RDF_TYPE}>"), pl.lit(f"<{QB}Observation>")),
        pattern(pl.lit(f"<{QB}dataSet>"), pl.lit(f"<{prepared.dataset.uri}>")),
    ]
    for name, obj in prepared.objects.items():
        if name != "__about":
            frames.append(pattern(prepared.predicates[name], obj).filter(pl.col("o").is_not_null()))
    for predicate, value in prepared.fixed:
        frames.append(pattern(pl.lit(f"<{predicate}>"), pl.lit(f"<{value}>")))
    return pl.concat(frames, rechunk=False).collect()


def text(frame: pl.DataFrame, graph: str | None = None) -> bytes:
    """The triples of `frame` as N-Triples, or as N-Quads in `graph`."""
    buffer = io.BytesIO()
    end = " .\n" if graph is None else f" <{graph}> .\n"
    frame.write_csv(buffer, separator=" ", quote_style="never", include_header=False, line_terminator=end)
    return buffer.getvalue()


def chunks(prepared: Prepared, rows: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    for chunk in prepared.frame.iter_slices(rows):
        if chunk.height:
            yield triples(prepared, chunk)


def ntriples(prepared: Prepared) -> bytes:
    """All the observations' N-Triples at once: for tests and small tables."""
    return b"".join(text(frame) for frame in chunks(prepared))
