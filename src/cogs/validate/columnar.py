"""The columnar path: observations checked as whole columns, not triple by triple.

N-Triples and N-Quads are read by polars as lines and split into subject, predicate and object
columns (other syntaxes are first turned into N-Quads by Oxigraph). Observations (subjects typed
`qb:Observation`) stay in that table; every other triple goes into a small pyoxigraph store, where
the metadata shapes run as SPARQL. Each shape that targets observations has a columnar form here,
keyed by its problem code; tests prove that, on every fixture, the result equals what pySHACL
reports for the shape itself. When data uses something without a columnar form (slices,
hierarchical code lists, collections as code lists, subclasses of qb:Observation, a shape
added to `shapes/` without a columnar form) the caller falls back to SPARQL over everything.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyoxigraph as ox

from cogs.problems import CogsError, Problem
from cogs.validate.load import is_line_based, load_into, read_bytes, rdf_format
from cogs.validate.shapes import Check, Shapes
from cogs.validate.sparql import Violation, run_checks

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
QB = "http://purl.org/linked-data/cube#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
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
            raise CogsError([Problem("validate-columnar-unsupported", f"the columnar path cannot check this data: {why}")]) from why
        return None


# Reading ------------------------------------------------------------------------------------

_LINES = dict(has_header=False, separator="\x1f", quote_char=None, new_columns=["line"],
              schema={"line": pl.String}, comment_prefix="#")


def _split(lines: pl.LazyFrame, quads: bool) -> pl.LazyFrame:
    parts = pl.col("line").str.strip_chars().str.splitn(" ", 3).struct.rename_fields(["s", "p", "rest"])
    frame = lines.filter(pl.col("line").str.strip_chars() != "").select(parts.alias("t")).unnest("t")
    rest = pl.col("rest").str.strip_chars_end().str.strip_suffix(".").str.strip_chars_end()
    frame = frame.with_columns(rest.alias("rest"))
    if quads:
        graph = pl.col("rest").str.extract(r"\s(<[^<>\"\s]*>|_:\S+)$", 1)
        frame = frame.with_columns(graph.alias("g")).with_columns(
            pl.when(pl.col("g").is_null()).then(pl.col("rest"))
            .otherwise(pl.col("rest").str.slice(0, pl.col("rest").str.len_chars() - pl.col("g").str.len_chars()).str.strip_chars_end())
            .alias("o"))
    else:
        frame = frame.with_columns(pl.col("rest").alias("o"), pl.lit(None, pl.String).alias("g"))
    return frame.select(
        pl.col("s").cast(pl.Categorical), pl.col("p").cast(pl.Categorical),
        pl.col("o").cast(pl.Categorical), pl.col("g").cast(pl.Categorical))


def _canonical_nquads(path: Path) -> bytes:
    store = ox.Store()
    load_into(store, path)
    return store.dump(format=ox.RdfFormat.N_QUADS) or b""


def read_triples(path: Path) -> pl.DataFrame:
    """A file's statements as columns s, p, o, g of N-Triples terms (g null in the default graph)."""
    fmt = rdf_format(path)
    if is_line_based(path) and path.suffix != ".gz":
        frame = _split(pl.scan_csv(path, **_LINES), fmt == ox.RdfFormat.N_QUADS).collect(engine="streaming")
    elif is_line_based(path):
        frame = _split(pl.read_csv(io.BytesIO(read_bytes(path)), **_LINES).lazy(), fmt == ox.RdfFormat.N_QUADS).collect()
    else:
        data = _canonical_nquads(path)
        frame = _split(pl.read_csv(io.BytesIO(data), **_LINES).lazy(), True).collect() if data else _empty()
    subjects = frame.select(pl.col("s").unique().cast(pl.String))["s"]
    predicates = frame.select(pl.col("p").unique().cast(pl.String))["p"]
    well_formed = (subjects.str.contains(r"^(<[^<>\s]*>|_:\S+)$").all()
                   and predicates.str.contains(r"^<[^<>\s]*>$").all())
    if frame.height and not well_formed:
        # Not in the one-space layout the split relies on (tabs, several spaces): let Oxigraph
        # read it and write canonical N-Quads.
        data = _canonical_nquads(path)
        frame = _split(pl.read_csv(io.BytesIO(data), **_LINES).lazy(), True).collect() if data else _empty()
    return frame


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"s": pl.Categorical, "p": pl.Categorical, "o": pl.Categorical, "g": pl.Categorical})


def _to_nquads(frame: pl.DataFrame) -> bytes:
    line = pl.concat_str([pl.col("s"), pl.col("p"), pl.col("o"), pl.col("g").fill_null("")], separator=" ")
    return ("\n".join(frame.select(line.str.strip_chars_end() + " .").to_series().to_list()) + "\n").encode()


# Metadata from the store ----------------------------------------------------------------------

def _rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    prefixes = f"PREFIX qb: <{QB}>\nPREFIX skos: <{SKOS}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    result = store.query(prefixes + query, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]  # type: ignore[union-attr]
    out = set()
    for row in result:  # type: ignore[union-attr]
        out.add(tuple(_nt(row[v]) for v in variables))
    return sorted(out)


def _ask(store: ox.Store, pattern: str) -> bool:
    return bool(_rows(store, f"SELECT ?x WHERE {{ {pattern} }} LIMIT 1"))


def _nt(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    return str(term)


def _frame(rows: list[tuple[str, ...]], names: list[str]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema={n: pl.String for n in names}, orient="row")
    return frame.with_columns(pl.all().cast(pl.Categorical))


@dataclass
class Cube:
    """What the observation checks need: observations as columns, the structures from the store."""

    triples: pl.DataFrame  # s, p, o of observations
    store: ox.Store
    obs_dsd: pl.DataFrame  # s, ds, dsd

    def values(self, props: pl.DataFrame, prop: str = "prop") -> pl.DataFrame:
        """Observation values for the properties in `props` (a frame with column `prop`)."""
        return self.triples.join(props.select(pl.col(prop).alias("p")).unique(), on="p").select("s", pl.col("p").alias(prop), "o")

    def expected(self, per_dsd: pl.DataFrame) -> pl.DataFrame:
        """(s, ...) for each observation and each row of `per_dsd` (keyed by dsd)."""
        return self.obs_dsd.join(per_dsd, on="dsd")


def _components(store: ox.Store, props: str, typ: str | None) -> pl.DataFrame:
    typed = f"?prop a {typ} ." if typ else ""
    return _frame(_rows(store, f"SELECT ?dsd ?prop WHERE {{ ?dsd qb:component/({props}) ?prop . {typed} }}"), ["dsd", "prop"])


def _has(frame: pl.DataFrame, obs_props: pl.DataFrame, left: str = "prop") -> pl.DataFrame:
    """Rows of `frame` (s, left) for which the observation has some value of property `left`."""
    return frame.join(obs_props, left_on=["s", left], right_on=["s", "p"], how="semi")


def _lacks(frame: pl.DataFrame, obs_props: pl.DataFrame, left: str = "prop") -> pl.DataFrame:
    return frame.join(obs_props, left_on=["s", left], right_on=["s", "p"], how="anti")


Kernel = Callable[[Cube, pl.DataFrame], pl.DataFrame]
KERNELS: dict[str, Kernel] = {}


def kernel(code: str) -> Callable[[Kernel], Kernel]:
    def register(fn: Kernel) -> Kernel:
        KERNELS[code] = fn
        return fn
    return register


@kernel("qb-ic-11")
def _ic11(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    dims = _components(cube.store, "qb:componentProperty|qb:dimension", "qb:DimensionProperty")
    return _lacks(cube.expected(dims), props).select("s", pl.col("prop").alias("dim"))


@kernel("qb-ic-12")
def _ic12(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    dims = _components(cube.store, "qb:componentProperty|qb:dimension", "qb:DimensionProperty")
    per_ds = cube.obs_dsd.join(dims, on="dsd").select("ds", "prop").unique()
    obs = cube.triples.filter(pl.col("p") == DATASET).select("s", pl.col("o").alias("ds"))
    values = cube.values(per_ds.select("prop")).unique()
    # Each observation's key: its values of its data set's dimensions, in a fixed order.
    cells = obs.join(per_ds, on="ds").join(values, on=["s", "prop"], how="left")
    keys = (cells.sort("s", "ds", "prop", "o")
            .group_by("s", "ds", maintain_order=True)
            .agg(pl.concat_str([pl.col("prop").cast(pl.String), pl.col("o").cast(pl.String).fill_null("")], separator="=").str.join("\x1f").alias("key")))
    groups = keys.group_by("ds", "key").agg(pl.col("s"), pl.len().alias("n")).filter(pl.col("n") > 1)
    pairs = groups.select("s", other=pl.col("s")).explode("s").explode("other").filter(pl.col("s") != pl.col("other"))
    return pairs.select("s", "other")


def _required_attrs(store: ox.Store) -> pl.DataFrame:
    return _frame(_rows(store, """SELECT ?dsd ?prop WHERE { ?dsd qb:component ?spec . ?spec qb:componentRequired true ;
        (qb:componentProperty|qb:attribute) ?prop . ?prop a qb:AttributeProperty }"""), ["dsd", "prop"])


@kernel("qb-ic-13")
def _ic13(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    return _lacks(cube.expected(_required_attrs(cube.store)), props).select("s", pl.col("prop").alias("attr"))


def _measure_type_dsds(store: ox.Store) -> pl.DataFrame:
    return _frame(_rows(store, "SELECT ?dsd WHERE { ?dsd qb:component/(qb:componentProperty|qb:dimension) qb:measureType }"), ["dsd"])


def _with_status(cube: Cube) -> pl.DataFrame:
    return cube.triples.filter(pl.col("p") == OBS_STATUS).select("s").unique()


@kernel("qb-ic-14")
def _ic14(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    measures = _components(cube.store, "qb:componentProperty|qb:measure", "qb:MeasureProperty")
    measures = measures.join(_measure_type_dsds(cube.store), on="dsd", how="anti")
    missing = _lacks(cube.expected(measures), props)
    return missing.join(_with_status(cube), on="s", how="anti").select("s", pl.col("prop").alias("measure"))


def _own_measure(cube: Cube) -> pl.DataFrame:
    own = cube.triples.filter(pl.col("p") == MEASURE_TYPE).select("s", pl.col("o").alias("measure"))
    return own.join(cube.obs_dsd.join(_measure_type_dsds(cube.store), on="dsd"), on="s")


@kernel("qb-ic-15")
def _ic15(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    missing = _lacks(_own_measure(cube), props, "measure")
    return missing.join(_with_status(cube), on="s", how="anti").select("s", "measure")


@kernel("qb-ic-16")
def _ic16(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    measures = _components(cube.store, "qb:componentProperty|qb:measure", "qb:MeasureProperty")
    candidates = _own_measure(cube).join(measures.rename({"prop": "other"}), on="dsd").filter(pl.col("other") != pl.col("measure"))
    return _has(candidates, props, "other").select("s", "measure", "other")


@kernel("qb-ic-17")
def _ic17(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    dims = _components(cube.store, "qb:componentProperty|qb:dimension", "qb:DimensionProperty")
    dims = dims.filter(pl.col("prop") != MEASURE_TYPE)
    measures = _components(cube.store, "qb:componentProperty|qb:measure", "qb:MeasureProperty")
    own = _own_measure(cube).rename({"measure": "own"})
    values = cube.values(dims.select("prop")).unique()
    cells = own.select("s", "ds", "dsd").join(dims, on="dsd", how="left").join(values, on=["s", "prop"], how="left")
    keys = (cells.sort("s", "ds", "prop", "o").group_by("s", "ds", maintain_order=True)
            .agg(pl.concat_str([pl.col("prop").cast(pl.String).fill_null(""), pl.col("o").cast(pl.String).fill_null("")], separator="=").str.join("\x1f").alias("key")))
    present = keys.join(own.select("s", "own"), on="s").select("ds", "key", pl.col("own").alias("measure")).unique()
    wanted = keys.join(own, on=["s", "ds"]).join(measures.rename({"prop": "measure"}), on="dsd").filter(pl.col("measure") != pl.col("own"))
    return wanted.join(present, on=["ds", "key", "measure"], how="anti").select("s", "measure")


def _codes_check(cube: Cube, props: pl.DataFrame, kinds: str, typ: str, member: str) -> pl.DataFrame:
    lists = _frame(_rows(cube.store, f"""SELECT ?dsd ?prop ?list WHERE {{ ?dsd qb:component/({kinds}) ?prop .
        ?prop a {typ} ; qb:codeList ?list . ?list a skos:ConceptScheme }}"""), ["dsd", "prop", "list"])
    members = _frame(_rows(cube.store, f"SELECT ?list ?o WHERE {{ {member} }}"), ["list", "o"])
    values = cube.expected(lists).join(cube.values(lists.select("prop")), on=["s", "prop"])
    bad = values.join(members, on=["list", "o"], how="anti")
    return bad.select("s", pl.col("prop"), "list", pl.col("o").alias("value"))


@kernel("qb-ic-19")
def _ic19(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    if _ask(cube.store, "?dim qb:codeList ?x . ?x a skos:Collection"):
        raise Unsupported("a code list is a skos:Collection")
    bad = _codes_check(cube, props, "qb:componentProperty|qb:dimension", "qb:DimensionProperty",
                       "?o a skos:Concept ; skos:inScheme ?list")
    return bad.rename({"prop": "dim"})


@kernel("family-code-in-codelist")
def _attribute_codes(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    bad = _codes_check(cube, props, "qb:componentProperty|qb:attribute", "qb:AttributeProperty", "?o skos:inScheme ?list")
    return bad.rename({"prop": "attr"})


@kernel("qb-ic-20")
def _ic20(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    if _ask(cube.store, "?x a qb:HierarchicalCodeList"):
        raise Unsupported("a code list is a qb:HierarchicalCodeList")
    return pl.DataFrame(schema={"s": pl.Categorical})


KERNELS["qb-ic-21"] = _ic20


@kernel("obs-one-value")
def _one_value(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    components = _components(cube.store, "qb:componentProperty|qb:dimension|qb:measure", None)
    many = props.filter(pl.col("n") > 1)
    return cube.expected(components).join(many, left_on=["s", "prop"], right_on=["s", "p"], how="semi").select("s", pl.col("prop").alias("component"))


@kernel("obs-measure-datatype")
def _measure_datatype(cube: Cube, props: pl.DataFrame) -> pl.DataFrame:
    ranges = _frame(_rows(cube.store, f"""SELECT ?dsd ?prop ?range WHERE {{ ?dsd qb:component/(qb:componentProperty|qb:measure) ?prop .
        ?prop a qb:MeasureProperty ; rdfs:range ?range . FILTER (STRSTARTS(STR(?range), "{XSD}")) }}"""), ["dsd", "prop", "range"])
    values = cube.expected(ranges).join(cube.values(ranges.select("prop")), on=["s", "prop"])
    text = pl.col("o").cast(pl.String)
    rng = pl.col("range").cast(pl.String)
    suffix = pl.lit('"^^') + rng
    typed = text.str.starts_with('"') & text.str.ends_with(suffix)
    lexical = text.str.slice(1, text.str.len_chars() - suffix.str.len_chars() - 1)
    ok = typed
    for iri, pattern in LEXICAL.items():
        ok = ok & (pl.when(rng == f"<{iri}>").then(lexical.str.contains(pattern)).otherwise(True))
    bad = values.filter(~ok)
    return bad.select("s", pl.col("prop").alias("measure"), "range", pl.col("o").alias("value"))


def _core(cube: Cube, props: pl.DataFrame, check: Check) -> pl.DataFrame:
    if check.path is None or check.kind not in ("minCount", "maxCount"):
        raise Unsupported(f"{check.code}: {check.kind} on observations has no columnar form")
    counts = props.filter(pl.col("p") == f"<{check.path}>")
    obs = cube.triples.filter((pl.col("p") == RDF_TYPE) & (pl.col("o") == OBSERVATION)).select("s").unique()
    bound = int(check.query.split("HAVING (COUNT(DISTINCT ?value) ")[-1].split(")")[0].split()[-1]) if "HAVING" in check.query else 1
    if check.kind == "minCount":
        have = obs.join(counts, on="s", how="left").with_columns(pl.col("n").fill_null(0))
        return have.filter(pl.col("n") < bound).select("s")
    return counts.filter(pl.col("n") > bound).select("s")


# The run ----------------------------------------------------------------------------------

def _validate(files: list[Path], shapes: Shapes) -> list[Violation]:
    frames = [read_triples(f) for f in files]
    triples = pl.concat(frames) if frames else _empty()
    obs_ids = triples.filter((pl.col("p") == RDF_TYPE) & (pl.col("o") == OBSERVATION)).select("s").unique()
    is_obs = pl.col("s").is_in(obs_ids["s"].implode())
    store = ox.Store()
    meta = triples.filter(~is_obs)
    if meta.height:
        store.load(_to_nquads(meta), format=ox.RdfFormat.N_QUADS)
    obs_triples = triples.filter(is_obs).select("s", "p", "o")
    del triples, frames, meta
    if _ask(store, "?c rdfs:subClassOf+ qb:Observation"):
        raise Unsupported("the data has subclasses of qb:Observation")
    if _ask(store, "?ds qb:slice ?slice . ?slice qb:observation ?o"):
        raise Unsupported("the data has slices listing observations (IC-18)")
    obs_checks = [c for c in shapes.checks if f"{QB}Observation" in c.target.classes]
    other = [c for c in shapes.checks if c not in obs_checks]
    if any(len(c.target.classes) > 1 or c.target.nodes or c.target.subjects_of or c.target.objects_of for c in obs_checks):
        raise Unsupported("a shape targets observations together with other nodes")
    violations = run_checks(store, shapes, other)
    if obs_triples.height == 0:
        return sorted(set(violations))
    ds_dsd = _frame(_rows(store, "SELECT ?ds ?dsd WHERE { ?ds qb:structure ?dsd }"), ["ds", "dsd"])
    obs_ds = obs_triples.filter(pl.col("p") == DATASET).select("s", pl.col("o").alias("ds"))
    cube = Cube(obs_triples, store, obs_ds.join(ds_dsd, on="ds"))
    props = obs_triples.group_by("s", "p").agg(pl.col("o").n_unique().alias("n"))
    done: set[str] = set()
    for check in obs_checks:
        if check.kind == "sparql":
            fn = KERNELS.get(check.code)
            if fn is None:
                raise Unsupported(f"shape {check.shape} ({check.code}) has no columnar form")
            if check.code in done:
                raise Unsupported(f"{check.code} has several SPARQL constraints")
            done.add(check.code)
            rows = fn(cube, props)
        else:
            rows = _core(cube, props, check)
        violations.extend(_violations(rows, check))
    return sorted(set(violations))


def _display(value: object) -> str:
    text = str(value)
    if text.startswith('"'):
        end = text.rfind('"')
        return text[: end + 1]
    return text


def _violations(rows: pl.DataFrame, check: Check) -> list[Violation]:
    if rows.height == 0:
        return []
    names = [c for c in rows.columns if c != "s"]
    first = rows.with_columns(pl.all().cast(pl.String)).sort(rows.columns).unique("s", keep="first", maintain_order=True)
    out = []
    for row in first.iter_rows(named=True):
        focus = row["s"][1:-1] if row["s"].startswith("<") else row["s"]
        bindings = tuple((n, _display(row[n])) for n in names if row[n] is not None)
        out.append(Violation(check.code, focus, check.shape, check.severity, check.message, check.path, bindings))
    return out
