"""The columnar path: observations checked as whole columns, not triple by triple.

N-Triples and N-Quads are read by polars as lines, split into subject, predicate and object,
and each term is replaced by a 64-bit hash of its N-Triples text (literal objects keep their
text too, for datatype checks). Other syntaxes are first written as N-Quads by Oxigraph.
Observations (subjects typed `qb:Observation`) stay in those columns, one frame per predicate;
every other triple goes into a small pyoxigraph store, where the metadata shapes run as SPARQL.
Each shape that targets observations has a columnar form here, keyed by its problem code, and
tests prove that on every fixture the result equals what pySHACL reports for the shape itself.
Data the columnar forms do not cover (slices, hierarchical code lists, collections as code
lists, subclasses of qb:Observation, a shape in `shapes/` without a columnar form) makes the
caller fall back to SPARQL over everything.

Terms are compared by the hash of their text: two different terms share a hash with probability
about n²/2⁶⁵ (3·10⁻⁶ for ten million distinct terms), and the same term written with different
escapes in two files counts as two terms.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

import polars as pl
import pyoxigraph as ox

from cogs.problems import CogsError, Problem
from cogs.table import repeated
from cogs.validate.load import is_line_based, load_into, rdf_format
from cogs.validate.shapes import Check, Shapes
from cogs.validate.sparql import Violation, merged, run_checks

QB = "http://purl.org/linked-data/cube#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
OBSERVATION = f"<{QB}Observation>"
DATASET = f"<{QB}dataSet>"
MEASURE_TYPE = f"<{QB}measureType>"
OBS_STATUS = "<http://purl.org/linked-data/sdmx/2009/attribute#obsStatus>"

LEXICAL = {
    f"{XSD}decimal": r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$",
    f"{XSD}integer": r"^[+-]?[0-9]+$",
    f"{XSD}double": r"^([+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$",
    f"{XSD}float": r"^([+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$",
}


class Unsupported(Exception):
    """The data or shapes need something the columnar path does not do; use SPARQL instead."""


def validate_files(files: list[Path], shapes: Shapes, *, required: bool = False) -> list[Violation] | None:
    try:
        return _validate(files, shapes)
    except Unsupported as why:
        if required:
            raise CogsError([Problem("validate-columnar-unsupported",
                                     f"the columnar path cannot check this data: {why}")]) from why
        return None


# Hashing terms ---------------------------------------------------------------------------------

def hashes(texts: Iterable[str]) -> list[int]:
    """The hash polars gives each N-Triples term text (the same as `pl.col(...).hash()`)."""
    return pl.Series(list(texts), dtype=pl.String).hash().to_list()


@cache
def h(text: str) -> int:
    return hashes([text])[0]


# Reading ------------------------------------------------------------------------------------

_LINES: dict[str, Any] = dict(has_header=False, separator="\x1f", quote_char=None, new_columns=["line"],
              schema={"line": pl.String}, comment_prefix="#")


@dataclass
class Source:
    """One input as N-Triples or N-Quads lines (a file, or bytes made from one)."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    quads: bool = False

    def blocks(self) -> Iterator[pl.LazyFrame]:
        """The lines in blocks of about BLOCK bytes, so memory stays flat whatever the file's size."""
        if self.data is not None:
            yield pl.read_csv(io.BytesIO(self.data), **_LINES).lazy()
            return
        assert self.path is not None
        opener = gzip_open if self.path.suffix == ".gz" else open
        with opener(self.path, "rb") as stream:
            for chunk in whole_lines(stream):
                if not chunk.isspace():
                    yield pl.read_csv(io.BytesIO(chunk), **_LINES).lazy()


BLOCK = 64 * 1024 * 1024


def whole_lines(stream: IO[bytes], size: int = BLOCK) -> Iterator[bytes]:
    """The stream's bytes in pieces of about `size` that end at a line's end (the last may not)."""
    rest = b""
    while True:
        data = stream.read(size)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if cut:
            yield data[:cut]
    if rest:
        yield rest


def gzip_open(path: Path, mode: str) -> IO[bytes]:
    try:
        from isal import igzip

        return igzip.open(path, mode)  # type: ignore[no-any-return,no-untyped-call]
    except ImportError:  # pragma: no cover - isal is a dependency
        return gzip.open(path, mode)  # type: ignore[return-value]


def sources(files: list[Path]) -> list[Source]:
    out = []
    for path in files:
        fmt = rdf_format(path)
        if is_line_based(path):
            quads = fmt == ox.RdfFormat.N_QUADS
            out.append(Source(str(path), path=path, quads=quads))
        else:
            out.append(Source(str(path), data=_canonical_nquads(path), quads=True))
    return out


def _canonical_nquads(path: Path) -> bytes:
    store = ox.Store()
    load_into(store, path)
    return store.dump(format=ox.RdfFormat.N_QUADS) or b""


def _terms(source: Source, lines: pl.LazyFrame) -> pl.LazyFrame:
    """s, p, o, rest: the subject and predicate text, and the rest of the line (object, graph)."""
    line = pl.col("line")
    parts = line.str.splitn(" ", 3).struct.rename_fields(["s", "p", "rest"])
    frame = lines.filter(line.is_not_null()).select(parts.alias("t")).unnest("t")
    rest = pl.col("rest")
    obj = rest.str.head(-2)  # canonical lines end " ."
    if source.quads:
        graph = rest.str.head(-2).str.extract(r"\s(<[^<>\"\s]*>|_:\S+)$", 1)
        obj = pl.when(graph.is_null()).then(obj).otherwise(obj.str.head(-(graph.str.len_chars().cast(pl.Int64) + 1)))
    canonical = rest.str.ends_with(" .") & pl.col("p").str.starts_with("<") & pl.col("p").str.ends_with(">")
    return frame.with_columns(obj.alias("o"), canonical.alias("canonical"))


class _Layout(Exception):
    """Lines not in the canonical layout (one space between terms, " ." at the end)."""


def _check_layout(source: Source, frame: pl.DataFrame) -> None:
    if frame.height and not frame.select(pl.col("canonical").all()).item():
        raise _Layout(source.name)


def read_hashed(source: Source) -> Iterator[pl.DataFrame]:
    """Blocks of s, p, o as hashes, and lit: the object's text when it is a literal."""
    obj = pl.col("o")

    def hashed(lines: pl.LazyFrame) -> pl.LazyFrame:
        return _terms(source, lines).select(
            pl.col("s").hash().alias("s"), pl.col("p").hash().alias("p"), obj.hash().alias("o"),
            pl.when(obj.str.starts_with('"')).then(obj).alias("lit"),
            pl.col("canonical"),
        )

    if source.path is not None and source.path.suffix != ".gz":
        # polars' streaming engine reads a plain file fastest, in batches.
        frames: Iterable[pl.DataFrame] = hashed(pl.scan_csv(source.path, **_LINES)).collect_batches(chunk_size=500_000)
    else:
        frames = (hashed(lines).collect() for lines in source.blocks())
    for frame in frames:
        _check_layout(source, frame)
        yield frame.drop("canonical")


def metadata_lines(source: Source, observations: pl.Series) -> bytes:
    """The lines of a source whose subject is not an observation, as N-Quads."""
    out: list[str] = []
    for lines in source.blocks():
        frame = (_terms(source, lines).filter(~pl.col("s").hash().is_in(observations.implode()))
                 .select(pl.concat_str([pl.col("s"), pl.col("p"), pl.col("rest")], separator=" ")).collect())
        out.extend(frame.to_series().to_list())
    return ("\n".join(out) + "\n").encode()


def term_texts(srcs: list[Source], wanted: set[int], column: str) -> dict[int, str]:
    """The text of subjects or objects (`column` "s" or "o") with the given hashes, read again
    only to word a report."""
    found: dict[int, str] = {}
    keys = pl.Series(sorted(wanted), dtype=pl.UInt64)
    for source in srcs:
        for lines in source.blocks():
            frame = (_terms(source, lines).select(pl.col(column).alias("t"), pl.col(column).hash().alias("h"))
                     .filter(pl.col("h").is_in(keys.implode())).unique("h").collect())
            found.update(zip(frame["h"].to_list(), frame["t"].to_list(), strict=True))
    return found


# The cube ------------------------------------------------------------------------------------

def _rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    prefixes = f"PREFIX qb: <{QB}>\nPREFIX skos: <{SKOS}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    result = store.query(prefixes + query, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]  # type: ignore[union-attr]
    out = {tuple(_nt(row[v]) for v in variables) for row in result}  # type: ignore[union-attr]
    return sorted(out)


def _nt(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return "" if term is None else str(term)


_EMPTY = pl.DataFrame(schema={"s": pl.UInt64, "o": pl.UInt64})


@dataclass
class Cube:
    """Observations as one frame (s, o, lit) per predicate, and their structures from the store."""

    by_p: dict[int, pl.DataFrame]
    store: ox.Store
    obs_dsd: pl.DataFrame  # s, ds, dsd (hashes)
    names: dict[int, str] = field(default_factory=dict)  # hash -> text of metadata terms
    count: int = 0  # how many observations
    lits: pl.DataFrame = field(default_factory=pl.DataFrame)  # s, p, o, lit: literal objects' text
    _obs: dict[int, pl.DataFrame] = field(default_factory=dict)
    _subjects: dict[int, int] = field(default_factory=dict)

    def pred(self, text: str) -> pl.DataFrame:
        return self.by_p.get(h(text), _EMPTY)

    def rows(self, query: str, columns: list[str]) -> list[tuple[int, ...]]:
        """A metadata query's rows, each term as its hash (remembering its text)."""
        rows = _rows(self.store, query)
        texts = sorted({t for row in rows for t in row})
        ids = dict(zip(texts, hashes(texts), strict=True))
        self.names.update({v: k for k, v in ids.items()})
        return [tuple(ids[t] for t in row) for row in rows]

    def obs_of(self, dsd: int) -> pl.DataFrame:
        if dsd not in self._obs:
            # (s, ds) pairs are distinct and each (ds, dsd) row is too, so no pair repeats here.
            self._obs[dsd] = self.obs_dsd.filter(pl.col("dsd") == dsd).select("s", "ds")
        return self._obs[dsd]

    def values(self, prop: int, dsd: int) -> pl.DataFrame:
        """(s, o, lit) of a property on the observations of one structure."""
        frame = self.by_p.get(prop, _EMPTY)
        if self.obs_of(dsd).height == self.count and self.obs_dsd.height == self.count:
            return frame  # every observation has this structure
        return frame.join(self.obs_of(dsd), on="s", how="semi")

    def subjects(self, prop: int) -> int:
        """How many observations have the property."""
        if prop not in self._subjects:
            subjects = self.by_p.get(prop, _EMPTY)["s"]
            typed = self.by_p.get(h(RDF_TYPE), _EMPTY)["s"]
            if prop != h(RDF_TYPE) and subjects.len() == typed.len() and subjects.equals(typed):
                # The same subjects row for row as the rdf:type triples (a property every observation
                # has, gathered chunk by chunk): as many distinct ones, counted once, not again.
                self._subjects[prop] = self.subjects(h(RDF_TYPE))
            else:
                self._subjects[prop] = subjects.n_unique()
        return self._subjects[prop]

    def multi_valued(self, prop: int) -> bool:
        """Whether some observation has two rows for the property."""
        return self.by_p.get(prop, _EMPTY).height != self.subjects(prop)

    def components(self, props: str, typ: str | None) -> list[tuple[int, int]]:
        typed = f"?prop a {typ} ." if typ else ""
        return [(d, p) for d, p in self.rows(f"SELECT ?dsd ?prop WHERE {{ ?dsd qb:component/({props}) ?prop . {typed} }}", [])]

    def measure_type_dsds(self) -> set[int]:
        return {r[0] for r in self.rows("SELECT ?dsd WHERE { ?dsd qb:component/(qb:componentProperty|qb:dimension) qb:measureType }", [])}

    def with_status(self) -> pl.DataFrame:
        return self.pred(OBS_STATUS).select("s").unique()


def _frame(rows: list[dict[str, object]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


_ROW = {"s": pl.UInt64}


Kernel = Callable[[Cube], pl.DataFrame]
KERNELS: dict[str, Kernel] = {}


def kernel(code: str) -> Callable[[Kernel], Kernel]:
    def register(fn: Kernel) -> Kernel:
        KERNELS[code] = fn
        return fn
    return register


def _missing(cube: Cube, pairs: list[tuple[int, int]], name: str) -> pl.DataFrame:
    """Observations of each structure lacking a value for its property: (s, name)."""
    # The frames hold observations' triples only: when a property has as many distinct subjects
    # as there are observations, and all of them have this structure, none lacks it.
    parts = [cube.obs_of(dsd).filter(~pl.col("s").is_in(cube.by_p.get(prop, _EMPTY)["s"].implode()))
             .select("s", pl.lit(prop, pl.UInt64).alias(name)) for dsd, prop in pairs
             if not (cube.obs_of(dsd).height == cube.count == cube.subjects(prop))]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"s": pl.UInt64, name: pl.UInt64})


DIMS = ("qb:componentProperty|qb:dimension", "qb:DimensionProperty")
MEASURES = ("qb:componentProperty|qb:measure", "qb:MeasureProperty")


@kernel("qb-ic-11")
def _ic11(cube: Cube) -> pl.DataFrame:
    return _missing(cube, cube.components(*DIMS), "dim")


@kernel("qb-ic-13")
def _ic13(cube: Cube) -> pl.DataFrame:
    pairs = cube.rows("""SELECT ?dsd ?prop WHERE { ?dsd qb:component ?spec . ?spec qb:componentRequired true ;
        (qb:componentProperty|qb:attribute) ?prop . ?prop a qb:AttributeProperty }""", [])
    return _missing(cube, [(d, p) for d, p in pairs], "attr")


@kernel("qb-ic-14")
def _ic14(cube: Cube) -> pl.DataFrame:
    typed = cube.measure_type_dsds()
    pairs = [(d, m) for d, m in cube.components(*MEASURES) if d not in typed]
    return _missing(cube, pairs, "measure").join(cube.with_status(), on="s", how="anti")


def _own_measure(cube: Cube) -> pl.DataFrame:
    """(s, ds, dsd, measure) for observations with a qb:measureType in measure-type structures."""
    typed = pl.Series(sorted(cube.measure_type_dsds()), dtype=pl.UInt64)
    obs = cube.obs_dsd.filter(pl.col("dsd").is_in(typed.implode()))
    return obs.join(cube.pred(MEASURE_TYPE).select("s", pl.col("o").alias("measure")), on="s")


@kernel("qb-ic-15")
def _ic15(cube: Cube) -> pl.DataFrame:
    own = _own_measure(cube)
    parts = [own.filter(pl.col("measure") == m).join(cube.by_p.get(m, _EMPTY), on="s", how="anti")
             for m in own["measure"].unique().to_list()]
    missing = pl.concat(parts) if parts else own.clear()
    return missing.join(cube.with_status(), on="s", how="anti").select("s", "measure")


@kernel("qb-ic-16")
def _ic16(cube: Cube) -> pl.DataFrame:
    own = _own_measure(cube)
    parts = []
    for dsd, other in cube.components(*MEASURES):
        rows = own.filter((pl.col("dsd") == dsd) & (pl.col("measure") != other))
        parts.append(rows.join(cube.by_p.get(other, _EMPTY), on="s", how="semi").select("s", "measure", pl.lit(other, pl.UInt64).alias("other")))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"s": pl.UInt64})


def _keys(cube: Cube, obs: pl.DataFrame, dims: list[int]) -> pl.DataFrame:
    """obs (s, ...) with one column per dimension: the value's hash, or for several values a
    hash of them all, or null when there is none."""
    for n, dim in enumerate(dims):
        values = cube.by_p.get(dim, _EMPTY).select("s", "o")
        if cube.multi_valued(dim):
            values = values.unique().group_by("s").agg(pl.col("o").sort()).with_columns(pl.col("o").hash())
        if values.height == obs.height and values["s"].equals(obs["s"]):
            # the same observations in the same order: so a build's triples come, a row at a time
            obs = obs.with_columns(values["o"].alias(f"d{n}"))
        else:
            obs = obs.join(values.rename({"o": f"d{n}"}), on="s", how="left", maintain_order="left")
    return obs


def _distinct(pairs: pl.DataFrame) -> pl.DataFrame:
    """The rows once each; as they are when no subject repeats (the usual case, and much cheaper
    to tell than a multi-column unique, which encodes every row)."""
    return pairs if pairs["s"].n_unique() == pairs.height else pairs.unique()


@kernel("qb-ic-12")
def _ic12(cube: Cube) -> pl.DataFrame:
    per_dsd: dict[int, list[int]] = {}
    for dsd, dim in cube.components(*DIMS):
        per_dsd.setdefault(dsd, []).append(dim)
    parts = []
    for dsd, dims in sorted(per_dsd.items()):
        keyed = _keys(cube, cube.obs_of(dsd), sorted(dims))
        cols = ["ds"] + [f"d{n}" for n in range(len(dims))]
        dup = keyed.filter(repeated(keyed, cols))
        if dup.height:
            groups = dup.group_by(cols).agg(pl.col("s"))
            pairs = groups.select(pl.col("s"), pl.col("s").alias("other")).explode("s").explode("other")
            parts.append(pairs.filter(pl.col("s") != pl.col("other")))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"s": pl.UInt64})


@kernel("qb-ic-17")
def _ic17(cube: Cube) -> pl.DataFrame:
    own = _own_measure(cube)
    dims: dict[int, list[int]] = {}
    for dsd, dim in cube.components(*DIMS):
        if dim != h(MEASURE_TYPE):
            dims.setdefault(dsd, []).append(dim)
    measures: dict[int, list[int]] = {}
    for dsd, m in cube.components(*MEASURES):
        measures.setdefault(dsd, []).append(m)
    parts = []
    for dsd in own["dsd"].unique().to_list():
        mine = own.filter(pl.col("dsd") == dsd)
        keyed = _keys(cube, mine, sorted(dims.get(dsd, [])))
        cols = ["ds"] + [f"d{n}" for n in range(len(dims.get(dsd, [])))]
        present = keyed.select(*cols, "measure").unique()
        wanted = keyed.join(pl.DataFrame({"want": measures.get(dsd, [])}, schema={"want": pl.UInt64}), how="cross")
        wanted = wanted.filter(pl.col("want") != pl.col("measure"))
        lacking = wanted.join(present.rename({"measure": "want"}), on=[*cols, "want"], how="anti", nulls_equal=True)
        parts.append(lacking.select("s", pl.col("want").alias("measure")))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"s": pl.UInt64})


def _codes(cube: Cube, kinds: str, typ: str, member: str, name: str) -> pl.DataFrame:
    lists = cube.rows(f"""SELECT ?dsd ?prop ?list WHERE {{ ?dsd qb:component/({kinds}) ?prop .
        ?prop a {typ} ; qb:codeList ?list . ?list a skos:ConceptScheme }}""", [])
    members: dict[int, list[int]] = {}
    for lst, code in cube.rows(f"SELECT ?list ?o WHERE {{ {member} }}", []):
        members.setdefault(lst, []).append(code)
    parts = []
    for dsd, prop, lst in lists:
        values = cube.values(prop, dsd)
        allowed = pl.Series(members.get(lst, []), dtype=pl.UInt64)
        bad = values.filter(~pl.col("o").is_in(allowed.implode()))
        parts.append(bad.select("s", pl.lit(prop, pl.UInt64).alias(name), pl.lit(lst, pl.UInt64).alias("list"),
                                pl.col("o").alias("value")))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"s": pl.UInt64})


@kernel("qb-ic-19")
def _ic19(cube: Cube) -> pl.DataFrame:
    if _rows(cube.store, "SELECT ?x WHERE { ?dim qb:codeList ?x . ?x a skos:Collection } LIMIT 1"):
        raise Unsupported("a code list is a skos:Collection")
    return _codes(cube, *DIMS, "?o a skos:Concept ; skos:inScheme ?list", "dim")


@kernel("family-code-in-codelist")
def _attribute_codes(cube: Cube) -> pl.DataFrame:
    return _codes(cube, "qb:componentProperty|qb:attribute", "qb:AttributeProperty", "?o skos:inScheme ?list", "attr")


@kernel("qb-ic-20")
def _ic20(cube: Cube) -> pl.DataFrame:
    if _rows(cube.store, "SELECT ?x WHERE { ?x a qb:HierarchicalCodeList } LIMIT 1"):
        raise Unsupported("a code list is a qb:HierarchicalCodeList")
    return pl.DataFrame(schema={"s": pl.UInt64})


KERNELS["qb-ic-21"] = _ic20


@kernel("obs-one-value")
def _one_value(cube: Cube) -> pl.DataFrame:
    parts = []
    for dsd, prop in cube.components("qb:componentProperty|qb:dimension|qb:measure", None):
        if not cube.multi_valued(prop):
            continue
        many = cube.by_p[prop].select("s", "o").unique().filter(pl.col("s").is_duplicated())
        parts.append(many.join(cube.obs_of(dsd), on="s", how="semi").select("s", pl.lit(prop, pl.UInt64).alias("component")))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"s": pl.UInt64})


def _escaped(text: str) -> str:
    """`text` as a regular expression matching itself (polars' syntax, which rejects some of the
    escapes Python's re.escape makes)."""
    return "".join("\\" + c if c in "\\.^$|?*+()[]{}" else c for c in text)


@kernel("obs-measure-datatype")
def _measure_datatype(cube: Cube) -> pl.DataFrame:
    ranges = cube.rows(f"""SELECT ?dsd ?prop ?range WHERE {{ ?dsd qb:component/(qb:componentProperty|qb:measure) ?prop .
        ?prop a qb:MeasureProperty ; rdfs:range ?range . FILTER (STRSTARTS(STR(?range), "{XSD}")) }}""", [])
    parts = []
    for dsd, prop, rng in ranges:
        iri = cube.names[rng][1:-1]
        suffix = f'"^^<{iri}>'
        values = cube.values(prop, dsd)
        texts = cube.lits.filter(pl.col("p") == prop).select("s", "o", "lit")
        if texts.height == values.height and texts["s"].equals(values["s"]) and texts["o"].equals(values["o"]):
            values = values.with_columns(texts["lit"])  # row for row, as a build gathers them
        else:
            values = values.join(texts, on=["s", "o"], how="left")
        text = pl.col("lit")
        if iri in LEXICAL:  # the quoted lexical form and the datatype, in one pass
            ok = text.str.contains(f'^"(?:{LEXICAL[iri][1:-1]}){_escaped(suffix)}$')
        else:
            ok = text.str.ends_with(suffix)
        bad = values.filter(~ok.fill_null(False))
        parts.append(bad.select("s", pl.lit(prop, pl.UInt64).alias("measure"), pl.lit(rng, pl.UInt64).alias("range"),
                                pl.col("o").alias("value"), pl.col("lit")))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"s": pl.UInt64})


def _core(cube: Cube, obs: pl.DataFrame, check: Check) -> pl.DataFrame:
    if check.path is None or check.kind not in ("minCount", "maxCount"):
        raise Unsupported(f"{check.code}: {check.kind} on observations has no columnar form")
    prop = h(f"<{check.path}>")
    bound = int(check.query.split("HAVING (COUNT(DISTINCT ?value) ")[-1].split(")")[0].split()[-1]) if "HAVING" in check.query else 1
    if check.kind == "minCount" and bound == 1 and cube.subjects(prop) == cube.count:
        return obs.clear()  # the frames hold observations only: as many distinct subjects as observations is all of them
    if not cube.multi_valued(prop) and check.kind == "minCount" and bound == 1:
        return obs.filter(~pl.col("s").is_in(cube.by_p.get(prop, _EMPTY)["s"].implode()))
    if not cube.multi_valued(prop) and check.kind == "maxCount" and bound >= 1:
        return obs.clear()
    counts = cube.by_p.get(prop, _EMPTY).select("s", "o").unique().group_by("s").len()
    if check.kind == "minCount":
        return obs.join(counts, on="s", how="left").filter(pl.col("len").fill_null(0) < bound).select("s")
    return counts.filter(pl.col("len") > bound).select("s")


# The run ----------------------------------------------------------------------------------

def _observation_checks(shapes: Shapes) -> tuple[list[Check], list[Check]]:
    """The checks on observations (each with a columnar form) and the others, run as SPARQL."""
    obs_checks = [c for c in shapes.checks if f"{QB}Observation" in c.target.classes]
    other = [c for c in shapes.checks if c not in obs_checks]
    if any(len(c.target.classes) > 1 or c.target.nodes or c.target.subjects_of or c.target.objects_of for c in obs_checks):
        raise Unsupported("a shape targets observations together with other nodes")
    missing = sorted({c.code for c in obs_checks if c.kind == "sparql" and c.code not in KERNELS})
    if missing:
        raise Unsupported(f"shapes without a columnar form: {', '.join(missing)}")
    return obs_checks, other


def _validate(files: list[Path], shapes: Shapes) -> list[Violation]:
    _observation_checks(shapes)
    srcs = sources(files)
    type_p = h(RDF_TYPE)
    parts: dict[int, list[pl.DataFrame]] = {}
    lit_parts: list[pl.DataFrame] = []
    for n, source in enumerate(srcs):
        try:
            blocks = list(read_hashed(source))
        except _Layout:
            # Valid N-Triples in another layout (tabs, several spaces): let Oxigraph rewrite it.
            assert source.path is not None
            source = srcs[n] = Source(source.name, data=_canonical_nquads(source.path), quads=True)
            blocks = list(read_hashed(source))
        for block in blocks:
            lit_parts.append(block.filter(pl.col("lit").is_not_null()).select("s", "p", "o", "lit"))
            block = block.select("s", "p", "o", pl.lit(n, pl.UInt16).alias("src")).rechunk()
            for (pred,), part in block.partition_by("p", as_dict=True, include_key=False).items():
                parts.setdefault(int(pred), []).append(part)
    by_p = {p: pl.concat(ps, rechunk=False) for p, ps in parts.items()}
    del parts
    empty = pl.DataFrame(schema={"s": pl.UInt64, "o": pl.UInt64, "src": pl.UInt16})
    obs_ids = by_p.get(type_p, empty).filter(pl.col("o") == h(OBSERVATION))["s"].unique()
    meta_sources: set[int] = set()
    for pred, frame in list(by_p.items()):
        mine = frame["s"].is_in(obs_ids.implode())
        if not mine.all():
            meta_sources.update(frame.filter(~mine)["src"].unique().to_list())
            frame = frame.filter(mine)
        by_p[pred] = frame.drop("src")
    lits = pl.concat(lit_parts, rechunk=False) if lit_parts else _LITS
    lits = lits.filter(pl.col("s").is_in(obs_ids.implode()))
    store = ox.Store()
    for n in sorted(meta_sources):
        store.load(metadata_lines(srcs[n], obs_ids), format=ox.RdfFormat.N_QUADS)
    return _check(shapes, by_p, lits, obs_ids, store, srcs)


_LITS = pl.DataFrame(schema={"s": pl.UInt64, "p": pl.UInt64, "o": pl.UInt64, "lit": pl.String})


class Gathered:
    """Observation triples hashed as they are made, so a build checks them without reading its
    output back: each chunk added is a frame of N-Triples terms, a row an observation."""

    def __init__(self) -> None:
        self.parts: dict[int, list[pl.DataFrame]] = {}
        self.lits: list[pl.DataFrame] = []

    def add(self, terms: pl.DataFrame, patterns: Iterable[tuple[str, str]]) -> None:
        """Add a chunk: `terms` holds the subjects `s`; each pattern's predicate and object is the
        name of a column of `terms` or a term the same on every row. A pattern makes one triple a
        row, none where its predicate or object is null."""
        columns = set(terms.columns)
        hashed = terms.select(pl.when(pl.col(c).is_not_null()).then(pl.col(c).hash()).alias(c) for c in terms.columns)

        def hash_of(term: str) -> pl.Expr:
            return pl.col(term) if term in columns else pl.lit(h(term), pl.UInt64)

        for predicate, obj in patterns:
            triples = hashed.lazy().select("s", hash_of(predicate).alias("p"), hash_of(obj).alias("o"))
            if obj in columns:
                # the object's text too, for the literals' datatype and lexical checks
                self.lits.append(triples.with_columns(terms[obj].alias("lit"))
                                 .filter(pl.col("p").is_not_null() & pl.col("lit").str.starts_with('"')).collect())
            triples = triples.filter(pl.col("p").is_not_null() & pl.col("o").is_not_null())
            if predicate not in columns:
                self.parts.setdefault(h(predicate), []).append(triples.select("s", "o").collect())
                continue
            found = triples.collect()
            for (pred,), part in found.partition_by("p", as_dict=True, include_key=False).items():
                self.parts.setdefault(int(pred), []).append(part)


def validate_gathered(gathered: Gathered, metadata: bytes, shapes: Shapes, names: list[Path]) -> list[Violation]:
    """Violations of the shapes by gathered observations and the metadata (N-Quads) beside them.

    `names` are the files the triples were written to, read again only to word a report.
    Raises Unsupported when the data needs the SPARQL path."""
    _observation_checks(shapes)
    by_p = {p: pl.concat(ps, rechunk=False) for p, ps in gathered.parts.items()}
    lits = pl.concat(gathered.lits, rechunk=False) if gathered.lits else _LITS
    gathered.parts, gathered.lits = {}, []
    empty = pl.DataFrame(schema={"s": pl.UInt64, "o": pl.UInt64})
    obs_ids = by_p.get(h(RDF_TYPE), empty).filter(pl.col("o") == h(OBSERVATION))["s"].unique()
    store = ox.Store()  # the metadata's graphs as one, each triple once
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in ox.parse(metadata, format=ox.RdfFormat.N_QUADS))
    return _check(shapes, by_p, lits, obs_ids, store, sources(names))


def _check(shapes: Shapes, by_p: dict[int, pl.DataFrame], lits: pl.DataFrame, obs_ids: pl.Series,
           store: ox.Store, srcs: list[Source]) -> list[Violation]:
    obs_checks, other = _observation_checks(shapes)
    # Each triple once: code lists repeated in every dataset's graph would otherwise repeat each
    # solution once per graph and pattern.
    store = merged(store)
    if _rows(store, "SELECT ?c WHERE { ?c rdfs:subClassOf+ qb:Observation } LIMIT 1"):
        raise Unsupported("the data has subclasses of qb:Observation")
    if _rows(store, "SELECT ?s WHERE { ?ds qb:slice ?s . ?s qb:observation ?o } LIMIT 1"):
        raise Unsupported("the data has slices listing observations (IC-18)")
    violations = run_checks(store, shapes, other)
    if obs_ids.len() == 0:
        return sorted(set(violations))
    cube = Cube(by_p, store, pl.DataFrame(schema={"s": pl.UInt64, "ds": pl.UInt64, "dsd": pl.UInt64}), count=obs_ids.len(), lits=lits)
    ds_dsd = pl.DataFrame(cube.rows("SELECT ?ds ?dsd WHERE { ?ds qb:structure ?dsd }", []), schema={"ds": pl.UInt64, "dsd": pl.UInt64}, orient="row")
    cube.obs_dsd = _distinct(cube.pred(DATASET).select("s", pl.col("o").alias("ds"))).join(
        ds_dsd, on="ds", maintain_order="left")
    obs = pl.DataFrame({"s": obs_ids})
    found: list[tuple[Check, pl.DataFrame]] = []
    for check in obs_checks:
        rows = KERNELS[check.code](cube) if check.kind == "sparql" else _core(cube, obs, check)
        if rows.height:
            found.append((check, rows))
    wanted = {v for _, rows in found for c in rows.columns if c in ("value", "other") for v in rows[c].to_list()
              if v not in cube.names}
    texts = dict(cube.names)
    if wanted:
        texts.update(term_texts(srcs, {w for w in wanted if w is not None}, "o"))
    names: dict[int, str] = {}
    if found:
        focus = set(pl.concat([rows.select("s") for _, rows in found])["s"].to_list())
        names = {s: (n[1:-1] if n.startswith("<") else n) for s, n in term_texts(srcs, focus, "s").items()}
    for check, rows in found:
        violations.extend(_violations(rows, check, names, texts))
    return sorted(set(violations))


def _display(text: str) -> str:
    if text.startswith('"'):
        return text[: text.rfind('"') + 1]
    return text


def _violations(rows: pl.DataFrame, check: Check, names: dict[int, str], texts: dict[int, str]) -> list[Violation]:
    columns = [c for c in rows.columns if c not in ("s", "lit")]
    first = rows.sort(columns and ["s", *columns] or ["s"]).unique("s", keep="first", maintain_order=True)
    out = []
    for row in first.iter_rows(named=True):
        bindings = []
        for name in columns:
            value = row[name]
            if value is None:
                continue
            text = row["lit"] if name == "value" and row.get("lit") else texts.get(value) or names.get(value)
            if text is None:
                continue
            bindings.append((name, _display(text) if text.startswith('"') else (text if text.startswith("<") else f"<{text}>")))
        focus = names.get(row["s"], str(row["s"]))
        out.append(Violation(check.code, focus, check.shape, check.severity, check.message, check.path, tuple(bindings)))
    return out
