"""Observations as N-Triples and N-Quads, column-wise, without a Python object per triple.

Each chunk of rows becomes a frame of N-Triples terms with a row an observation: its subject `s`
and, for each triple pattern of the dataset, the object (and, where it varies, the predicate) as a
column, built by polars expressions. The patterns then lay those columns out as one long frame
with a row a triple (`s`, `p`, `o`, sharing the terms' text), which polars' CSV writer prints
straight into the output stream with a space between the terms and ` .` (N-Triples) or
` <graph> .` (N-Quads) as the line end. Printing into the stream, not into a buffer first, is
what makes it fast (bench/README.md, "Printing").

The text of a chunk is grouped by pattern (all its `rdf:type` triples, then all its `qb:dataSet`
triples, then a column at a time), the same order in both streams.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

from cogs.cube import RDF_TYPE, Prepared, iri
from cogs.uris import QB

CHUNK_ROWS = 50_000  # some 400,000 triples a chunk (about 70 MB of N-Triples text)


@dataclass(frozen=True)
class Pattern:
    """One triple per observation: the predicate and the object are each an N-Triples term the
    same on every row (its text starts with `<`), or the name of the terms frame's column holding
    it (null: no triple)."""

    predicate: str
    object: str


@dataclass(frozen=True)
class Layout:
    """How a dataset's rows become triples: the term columns to compute and the patterns."""

    columns: tuple[pl.Expr, ...]
    patterns: tuple[Pattern, ...]


def layout(prepared: Prepared) -> Layout:
    columns = [iri(prepared.objects["__about"]).alias("s")]
    patterns = [Pattern(f"<{RDF_TYPE}>", f"<{QB}Observation>"),
                Pattern(f"<{QB}dataSet>", f"<{prepared.dataset.uri}>")]
    for index, (name, obj) in enumerate(n for n in prepared.objects.items() if n[0] != "__about"):
        predicate = prepared.predicates[name]
        columns.append(obj.alias(f"o{index}"))
        if predicate.meta.is_literal():
            patterns.append(Pattern(pl.select(predicate).item(), f"o{index}"))
        else:
            columns.append(predicate.alias(f"p{index}"))
            patterns.append(Pattern(f"p{index}", f"o{index}"))
    patterns.extend(Pattern(f"<{predicate}>", f"<{value}>") for predicate, value in prepared.fixed)
    return Layout(tuple(columns), tuple(patterns))


class Chunk:
    """A chunk of observations: their terms (a row an observation) and their triples (a row a
    triple, rows with a null predicate or object left out)."""

    def __init__(self, terms: pl.DataFrame, patterns: tuple[Pattern, ...]) -> None:
        self.terms = terms
        self.patterns = patterns
        rows = terms.lazy()
        frames = []

        def term(name: str) -> pl.Expr:
            return pl.col(name) if name in terms.columns else pl.lit(name, pl.String)

        for pattern in patterns:
            frame = rows.select(pl.col("s"), term(pattern.predicate).alias("p"), term(pattern.object).alias("o"))
            frames.append(frame.filter(pl.col("p").is_not_null() & pl.col("o").is_not_null()))
        self.frame = pl.concat(frames, rechunk=False).collect()
        self.triples = self.frame.height

    def write(self, sink: BinaryIO, graph: str | None = None) -> None:
        """Print the chunk's triples into `sink` as N-Triples, or as N-Quads in `graph`."""
        end = " .\n" if graph is None else f" <{graph}> .\n"
        self.frame.write_csv(sink, separator=" ", quote_style="never", include_header=False, line_terminator=end)


def chunks(prepared: Prepared, rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    plan = layout(prepared)
    for part in prepared.frame.iter_slices(rows):
        if part.height:
            yield Chunk(part.lazy().select(plan.columns).collect(), plan.patterns)


def ntriples(prepared: Prepared) -> bytes:
    """All the observations' N-Triples at once: for tests and small tables."""
    text = io.BytesIO()
    for chunk in chunks(prepared):
        chunk.write(text)
    return text.getvalue()
