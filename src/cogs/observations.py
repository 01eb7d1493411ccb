"""Observations as N-Triples, column-wise: one polars string expression per triple pattern.

A chunk of rows becomes one string column (a row's triples joined by newlines) and is written
straight out, so memory holds one chunk of text at a time and no triple is a Python object.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import polars as pl

from cogs.cube import RDF_TYPE, Prepared, iri
from cogs.uris import QB

CHUNK_ROWS = 50_000  # about 70 MB of text a chunk for a 4-dimension table


def triple_exprs(prepared: Prepared, graph: str | None = None) -> list[pl.Expr]:
    """One expression per triple of an observation; null where a cell gives no triple."""
    end = " ." if graph is None else f" <{graph}> ."
    subject = pl.col("__s")
    uri = prepared.dataset.uri
    exprs = [
        pl.concat_str([subject, pl.lit(f" <{RDF_TYPE}> <{QB}Observation>{end}")]),
        pl.concat_str([subject, pl.lit(f" <{QB}dataSet> <{uri}>{end}")]),
    ]
    for name, obj in prepared.objects.items():
        if name == "__about":
            continue
        exprs.append(pl.concat_str([subject, pl.lit(" "), prepared.predicates[name], pl.lit(" "), obj, pl.lit(end)]))
    for predicate, value in prepared.fixed:
        exprs.append(pl.concat_str([subject, pl.lit(f" <{predicate}> <{value}>{end}")]))
    return exprs


def chunks(prepared: Prepared, graph: str | None = None, rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The observations' N-Triples (or N-Quads in `graph`), as encoded chunks."""
    exprs = triple_exprs(prepared, graph)
    subject = iri(prepared.objects["__about"]).alias("__s")
    for chunk in prepared.frame.iter_slices(rows):
        lines = chunk.lazy().with_columns(subject).select(
            pl.concat_str(exprs, separator="\n", ignore_nulls=True).alias("t")).collect()
        if lines.height:
            buffer = io.BytesIO()
            lines.write_csv(buffer, include_header=False, quote_style="never")
            yield buffer.getvalue()


def count(prepared: Prepared) -> int:
    """How many triples the observations make, counted from the columns without writing them."""
    frame = prepared.frame
    fixed = 2 + len(prepared.fixed)
    present = frame.select([obj.is_not_null().sum().alias(name) for name, obj in prepared.objects.items()
                            if name != "__about"]).row(0) if frame.height else ()
    return frame.height * fixed + int(sum(present))
