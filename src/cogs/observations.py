"""Observations as N-Triples and N-Quads, column-wise, without a Python object per triple.

Each chunk of rows becomes one frame of N-Triples terms with a row per observation: its subject
`s`, and for each triple pattern of the dataset the object (and, where it varies, the predicate)
as a column, built by polars expressions. A pattern is then printed for the whole chunk at once by
Arrow's element-wise string join, which writes its result as one contiguous buffer: exactly the
N-Triples (or N-Quads) text of those triples, made in one pass. polars' CSV writer and its string
concatenation print the same text at half that speed or less (bench/README.md, "Printing").

The text of a chunk is grouped by pattern (all its `rdf:type` triples, then all its `qb:dataSet`
triples, then a column at a time), the same order in both streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from cogs.cube import RDF_TYPE, Prepared, iri
from cogs.uris import QB

CHUNK_ROWS = 50_000  # some 400,000 triples a chunk (about 70 MB of N-Triples text)
_SPACE = pa.scalar(" ", pa.large_string())


def _memory_pool() -> pa.MemoryPool:
    """Arrow's jemalloc pool where the wheel has it: it hands the freed text back to the system
    sooner than the default (mimalloc), some 120 MB less at the peak of a 1M-observation build."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.default_memory_pool()


_POOL = _memory_pool()
Term: TypeAlias = "pa.ChunkedArray | pa.Scalar"  # a column of terms, or one term the same on every row
_END = pa.scalar(".\n", pa.large_string())


@dataclass(frozen=True)
class Pattern:
    """One triple per observation: the predicate and the object are each an N-Triples term the
    same on every row, or the name of the terms frame's column holding it (null: no triple)."""

    predicate: str
    object: str
    predicate_varies: bool = False
    object_varies: bool = False


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
            patterns.append(Pattern(pl.select(predicate).item(), f"o{index}", object_varies=True))
        else:
            columns.append(predicate.alias(f"p{index}"))
            patterns.append(Pattern(f"p{index}", f"o{index}", predicate_varies=True, object_varies=True))
    patterns.extend(Pattern(f"<{predicate}>", f"<{value}>") for predicate, value in prepared.fixed)
    return Layout(tuple(columns), tuple(patterns))


class Chunk:
    """A chunk of observations: their terms (a polars frame, a row an observation) and, for each
    pattern, the Arrow arrays its triples are printed from (rows with no triple dropped)."""

    def __init__(self, terms: pl.DataFrame, patterns: tuple[Pattern, ...]) -> None:
        self.terms = terms
        self.patterns = patterns
        # Large strings: each chunk of a column is its text end to end. (polars may hand over a
        # column in pieces; Arrow joins piece by piece, so they are not copied into one.)
        table = terms.to_arrow(compat_level=pl.CompatLevel.oldest())
        arrays = {name: table.column(name) for name in table.column_names}
        self._parts: list[tuple[pa.ChunkedArray, Term, Term]] = []
        for pattern in patterns:
            s = arrays["s"]
            p = arrays[pattern.predicate] if pattern.predicate_varies else _term(pattern.predicate)
            o = arrays[pattern.object] if pattern.object_varies else _term(pattern.object)
            present = [a for a in (p, o) if isinstance(a, pa.ChunkedArray) and a.null_count]
            if present:
                keep = pc.is_valid(present[0]) if len(present) == 1 else pc.and_(*(pc.is_valid(a) for a in present))
                s, p, o = (pc.filter(a, keep, memory_pool=_POOL) if isinstance(a, pa.ChunkedArray) else a
                           for a in (s, p, o))
            self._parts.append((s, p, o))
        self.triples = sum(len(s) for s, _, _ in self._parts)

    def text(self, graph: str | None = None) -> Iterator[memoryview]:
        """The chunk's triples as N-Triples, or as N-Quads in `graph`: a buffer per pattern."""
        tail = [_END] if graph is None else [_term(f"<{graph}>"), _END]
        for s, p, o in self._parts:
            if len(s):
                lines = pc.binary_join_element_wise(s, p, o, *tail, _SPACE, memory_pool=_POOL)
                yield from (_data(piece) for piece in lines.chunks if len(piece))


def _term(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _data(strings: pa.Array) -> memoryview:
    """The text of a large-string array with no nulls: its values, end to end, as they are stored."""
    offsets = memoryview(strings.buffers()[1]).cast("q")
    return memoryview(strings.buffers()[2])[offsets[strings.offset]:offsets[strings.offset + len(strings)]]


def chunks(prepared: Prepared, rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    plan = layout(prepared)
    for part in prepared.frame.iter_slices(rows):
        if part.height:
            yield Chunk(part.lazy().select(plan.columns).collect(), plan.patterns)


def ntriples(prepared: Prepared) -> bytes:
    """All the observations' N-Triples at once: for tests and small tables."""
    return b"".join(data for chunk in chunks(prepared) for data in chunk.text())
