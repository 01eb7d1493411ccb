"""Compare a build with what `cogs publish` put into a triple store.

The store is read over the SPARQL 1.1 Graph Store Protocol, as `cogs publish` writes it: the
state graph (`{base}.well-known/cogs/published`) names the graphs published from the site and
their content hashes, the catalogue graph (`{base}`) names the datasets, and each dataset's
graph holds its catalogue record, structure and observations.

A dataset whose published hash equals the build's is unchanged without being fetched. Otherwise
its graph is fetched as N-Triples and compared with the build's own RDF of it (`dataset.ttl` and
the observations' N-Triples): observations are matched by their URI, which the CSVW `aboutUrl`
mints from the key columns, so an observation's key is read back from its URI; a value is read
back from its object (a literal's text, or the cell a column's `valueUrl` made into the IRI).
Both sides are compared as RDF, so the store and the build are read the same way.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import polars as pl
import pyoxigraph as ox
from rdflib import Graph

from cogs.problems import CogsError, Location, Problem
from cogs.publish import GraphStore, Options, StoreError, read_state, state_graph_iri
from cogs.revisions import (SAMPLE, BuildDiff, BuildView, DatasetChange, DatasetFiles, ObservationChanges,
                            diff_builds, metadata_changes, read_build)
from cogs.site.load import expand

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
QB_OBSERVATION = "http://purl.org/linked-data/cube#Observation"
DCAT_DATASET = "http://www.w3.org/ns/dcat#dataset"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
_VARIABLE = re.compile(r"\{(\+?)([A-Za-z0-9_]+)\}")


def is_endpoint(value: str) -> bool:
    """Whether `cogs diff` was given a store's URL rather than a folder."""
    return re.match(r"^https?://", value, re.IGNORECASE) is not None


# -- reading RDF into (subject, predicate, object) frames -----------------------------------------

def triples_frame(data: bytes | Path, format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> pl.DataFrame:
    """The triples of an RDF document as three string columns, `s`, `p`, `o` (objects in N-Triples form).

    Literals are put in Oxigraph's canonical form (`"007"^^xsd:integer` is `"7"`) on the way: a
    store may answer with canonical values, so both sides of a comparison are read the same way.
    """
    store = ox.Store()
    if isinstance(data, Path):
        store.bulk_load(path=str(data), format=format)
    else:
        store.bulk_load(data, format=format)
    s: list[str] = []
    p: list[str] = []
    o: list[str] = []
    for quad in store:
        s.append(quad.subject.value if isinstance(quad.subject, ox.NamedNode) else str(quad.subject))
        p.append(quad.predicate.value)
        o.append(str(quad.object))
    return pl.DataFrame({"s": s, "p": p, "o": o}, schema={"s": pl.String, "p": pl.String, "o": pl.String})


def ntriples_frame(data: bytes) -> pl.DataFrame:
    """An N-Triples document (one triple a line, as Oxigraph and the build write it) as `s`, `p`,
    `o` columns, split column-wise by polars with no per-triple Python objects. Terms are kept as
    written: `canonical` puts the few that differ in one form before they are called changed."""
    if not data.strip():
        return pl.DataFrame(schema={"s": pl.String, "p": pl.String, "o": pl.String})
    lines = pl.read_csv(data, has_header=False, separator="\x00", quote_char=None, new_columns=["line"],
                        schema={"line": pl.String}, comment_prefix="#")
    parts = (lines.filter(pl.col("line").str.starts_with("<") | pl.col("line").str.starts_with("_:"))
             .select(pl.col("line").str.strip_chars().str.splitn(" ", 3).alias("t")).unnest("t"))
    iri = pl.col("field_0")
    return parts.select(
        pl.when(iri.str.starts_with("<")).then(iri.str.slice(1, iri.str.len_chars() - 2)).otherwise(iri).alias("s"),
        pl.col("field_1").str.slice(1, pl.col("field_1").str.len_chars() - 2).alias("p"),
        pl.col("field_2").str.strip_suffix(".").str.strip_chars_end().alias("o"))


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """The same triples with literals in Oxigraph's canonical form (`"007"^^xsd:integer` is `"7"`),
    one Unicode form and no duplicates: a store may answer in canonical form."""
    if frame.height == 0:
        return frame
    lines = frame.select(pl.format("{} <{}> {} .", pl.when(pl.col("s").str.starts_with("_:")).then(pl.col("s"))
                                   .otherwise(pl.format("<{}>", pl.col("s"))), pl.col("p"), pl.col("o")))
    data = ("\n".join(lines.to_series().to_list()) + "\n").encode("utf-8")
    return triples_frame(data)


def _observation_subjects(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter((pl.col("p") == RDF_TYPE) & (pl.col("o") == f"<{QB_OBSERVATION}>")).select("s").unique()


def split(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A dataset graph's metadata triples and its observation triples."""
    subjects = _observation_subjects(frame)
    observations = frame.join(subjects, on="s", how="semi")
    metadata = frame.join(subjects, on="s", how="anti")
    return metadata, observations


def rdflib_graph(frame: pl.DataFrame) -> Graph:
    """A metadata-sized frame as an rdflib graph, for the metadata comparison."""
    lines = [f"<{s}> <{p}> {o} .\n" if not s.startswith("_:") else f"{s} <{p}> {o} .\n"
             for s, p, o in frame.iter_rows()]
    graph = Graph()
    graph.parse(data="".join(lines), format="nt")
    return graph


# -- reading keys and values back from URIs ---------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """A CSVW URI template read backwards: which cell values made a given URI."""

    pattern: re.Pattern[str]
    names: tuple[str, ...]

    @classmethod
    def of(cls, template: str) -> Template:
        parts, names, last = [], [], 0
        for match in _VARIABLE.finditer(template):
            parts.append(re.escape(template[last:match.start()]))
            parts.append("(.*?)" if match.group(1) else "([^/?#]*?)")
            names.append(match.group(2))
            last = match.end()
        parts.append(re.escape(template[last:]))
        return cls(re.compile("^" + "".join(parts) + "$"), tuple(names))

    def read(self, uri: str) -> dict[str, str] | None:
        found = self.pattern.match(uri)
        if found is None:
            return None
        return {name: unquote(value) for name, value in zip(self.names, found.groups())}


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    property: str | None  # a fixed propertyUrl
    property_template: Template | None  # a propertyUrl made from cells
    value_template: Template | None


@dataclass(frozen=True)
class Schema:
    """What the CSVW says about how a row became triples."""

    about: Template
    key: list[str]  # titles of the key columns, in order
    key_names: list[str]
    columns: list[Column]

    def title_of(self, predicate: str) -> str:
        for column in self.columns:
            if column.property == predicate:
                return column.title
        for column in self.columns:
            if column.property_template is not None and column.property_template.read(predicate) is not None:
                return column.title
        return predicate

    def value_of(self, predicate: str, term: str) -> str:
        """The text of an object: a literal's lexical form, or the cell its column's valueUrl read back."""
        if term.startswith('"'):
            return str(_parse_literal(term))
        iri = term[1:-1] if term.startswith("<") else term
        for column in self.columns:
            if column.value_template is None:
                continue
            if column.property == predicate or (column.property_template is not None and
                                                column.property_template.read(predicate) is not None):
                cells = column.value_template.read(iri)
                if cells is not None and column.name in cells:
                    return cells[column.name]
        return iri


def _parse_literal(term: str) -> str:
    literal = next(iter(ox.parse(f"<x:s> <x:p> {term} .", format=ox.RdfFormat.N_TRIPLES))).object
    return str(literal.value)


def read_schema(metadata: Path) -> Schema:
    document = json.loads(metadata.read_text("utf-8"))
    table = document["tables"][0] if "tables" in document else document
    schema = table["tableSchema"]
    columns = []
    for raw in schema.get("columns", []):
        if raw.get("suppressOutput"):
            continue
        titles = raw.get("titles", raw.get("name", ""))
        title = titles if isinstance(titles, str) else (titles[0] if isinstance(titles, list) and titles
                                                        else raw.get("name", ""))
        prop = expand(raw.get("propertyUrl"))
        value = expand(raw.get("valueUrl"))
        templated = prop is not None and "{" in prop
        columns.append(Column(raw.get("name", title), str(title), None if templated else prop,
                              Template.of(prop) if templated and prop else None,
                              Template.of(value) if value and "{" in value else None))
    key = schema.get("primaryKey", [])
    key = [key] if isinstance(key, str) else list(key)
    titles = {c.name: c.title for c in columns}
    about = schema.get("aboutUrl") or table.get("aboutUrl") or ""
    return Schema(Template.of(about), [titles.get(k, k) for k in key], key, columns)


# -- comparing observations -------------------------------------------------------------------------

def _key_row(schema: Schema, subject: str) -> dict[str, str | None] | None:
    cells = schema.about.read(subject)
    if cells is None:
        return None
    return {title: cells.get(name) for name, title in zip(schema.key_names, schema.key)}


def diff_observation_triples(old: pl.DataFrame, new: pl.DataFrame, schema: Schema) -> ObservationChanges:
    """Observations added, removed and revised between two sets of observation triples."""
    changes = ObservationChanges(schema.key)
    old_subjects, new_subjects = old.select("s").unique(), new.select("s").unique()
    added = new_subjects.join(old_subjects, on="s", how="anti")
    removed = old_subjects.join(new_subjects, on="s", how="anti")
    common = old_subjects.join(new_subjects, on="s", how="semi")
    gone = old.join(common, on="s", how="semi").join(new, on=["s", "p", "o"], how="anti")
    came = new.join(common, on="s", how="semi").join(old, on=["s", "p", "o"], how="anti")
    differing = pl.concat([gone.select("s"), came.select("s")]).unique()
    if differing.height:
        # Triples that differ as text may not differ as RDF ("1.50" and "1.5" as decimals): compare
        # those observations again, canonically.
        was = canonical(old.join(differing, on="s", how="semi"))
        now = canonical(new.join(differing, on="s", how="semi"))
        gone = was.join(now, on=["s", "p", "o"], how="anti")
        came = now.join(was, on=["s", "p", "o"], how="anti")
    revised = pl.concat([gone.select("s"), came.select("s")]).unique()
    keys = {}
    for subject in pl.concat([added, removed, revised])["s"].to_list():
        row = _key_row(schema, subject)
        if row is None:
            changes.structure_changed = True  # the store's observations were minted another way
            return changes
        keys[subject] = row

    def ordered(frame: pl.DataFrame) -> list[str]:
        return sorted(frame["s"].to_list(), key=lambda s: tuple(str(v) for v in keys[s].values()))

    changes.added, changes.removed, changes.revised = added.height, removed.height, revised.height
    changes.added_rows = [keys[s] for s in ordered(added)[:SAMPLE]]
    changes.removed_rows = [keys[s] for s in ordered(removed)[:SAMPLE]]
    sample = ordered(revised)[:SAMPLE]
    before = _values(gone.filter(pl.col("s").is_in(sample)), schema)
    after = _values(came.filter(pl.col("s").is_in(sample)), schema)
    for subject in sample:
        entry: dict[str, object] = dict(keys[subject])
        old_cells, new_cells = before.get(subject, {}), after.get(subject, {})
        entry["changes"] = {title: [old_cells.get(title), new_cells.get(title)]
                            for title in sorted(set(old_cells) | set(new_cells))}
        changes.revised_rows.append(entry)
    return changes


def _values(frame: pl.DataFrame, schema: Schema) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for s, p, o in frame.sort(["s", "p", "o"]).iter_rows():
        title = schema.title_of(p)
        value = schema.value_of(p, o)
        cell = found.setdefault(s, {})
        cell[title] = value if title not in cell else f"{cell[title]} | {value}"
    return found


# -- the store as the previous build ------------------------------------------------------------------

@dataclass
class StoreView:
    endpoint: str
    base: str
    hashes: dict[str, str]  # graph IRI -> published content hash
    datasets: dict[str, str]  # key -> dataset IRI


def _unreachable(endpoint: str, reason: str) -> CogsError:
    return CogsError([Problem("diff.store-unreachable", f"cannot read the published build from {endpoint}: {reason}",
                              Location(endpoint),
                              hint="give the store's Graph Store Protocol URL, as for `cogs publish --endpoint` "
                                   "(Oxigraph: http://host:7878/store), and --auth if it needs one")])


def read_store(client: GraphStore, base: str) -> StoreView:
    """What was published from the site with this base URI: graph hashes and datasets."""
    try:
        hashes = read_state(client, state_graph_iri(base))
        catalogue = client.get_ntriples(base) if base in hashes else None
    except (StoreError, SyntaxError) as exc:
        raise _unreachable(client.endpoint, str(exc)) from None
    if not hashes:
        raise CogsError([Problem("diff.not-published", f"{client.endpoint} holds nothing published from {base}",
                                 Location(client.endpoint), hint="run `cogs publish` first, or check the URL")])
    datasets: dict[str, str] = {}
    if catalogue:
        for triple in ox.parse(catalogue, format=ox.RdfFormat.N_TRIPLES):
            if triple.predicate.value == DCAT_DATASET and isinstance(triple.object, ox.NamedNode):
                uri = triple.object.value
                if uri.startswith(base) and uri in hashes:
                    datasets[uri[len(base):].strip("/")] = uri
    return StoreView(client.endpoint, base, hashes, dict(sorted(datasets.items())))


def _new_observations(new: BuildView, files: DatasetFiles, manifest: dict[str, Any]) -> pl.DataFrame:
    entry: dict[str, Any] = next((e for e in manifest.get("datasets", []) if e.get("id") == files.key), {})
    path = new.root / (entry.get("ntriples") or f"{files.key}/observations.nt.gz")
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as handle:
            return ntriples_frame(handle.read())
    return ntriples_frame(path.read_bytes())


def _title(frame: pl.DataFrame, uri: str, default: str) -> str:
    found = frame.filter((pl.col("s") == uri) & (pl.col("p") == DCTERMS_TITLE))["o"].to_list()
    return str(_parse_literal(sorted(found)[0])) if found else default


def diff_store(endpoint: str, new_folder: Path, options: Options = Options()) -> BuildDiff:
    """Compare the build in `new_folder` with what was published from its site into the store."""
    new = read_build(new_folder)
    manifest = json.loads((new_folder / "manifest.json").read_text("utf-8"))
    base = str(manifest.get("base_uri") or "")
    client = GraphStore(endpoint, options)
    store = read_store(client, base)
    built_hashes = {str(g.get("iri")): str(g.get("sha256")) for g in manifest.get("graphs", [])}
    changes = []
    for key in sorted(set(store.datasets) | set(new.datasets)):
        files = new.datasets.get(key)
        uri = store.datasets.get(key)
        if uri is None and files is not None:
            changes.append(DatasetChange(key, "added", files.title, files.uri, rows=files.rows))
            continue
        assert uri is not None
        if files is not None and store.hashes.get(uri) == built_hashes.get(files.uri):
            changes.append(DatasetChange(key, "unchanged", files.title, files.uri, rows=files.rows))
            continue
        try:
            data = client.get_ntriples(uri) or b""
        except StoreError as exc:
            raise _unreachable(endpoint, str(exc)) from None
        old_meta, old_obs = split(ntriples_frame(data))
        if files is None:
            changes.append(DatasetChange(key, "removed", _title(old_meta, uri, key), uri,
                                         rows=old_obs.select("s").n_unique()))
            continue
        change = DatasetChange(key, "unchanged", files.title, files.uri, rows=files.rows)
        new_meta = rdflib_graph(triples_frame(new.root / files.turtle, ox.RdfFormat.TURTLE))
        change.metadata = metadata_changes(rdflib_graph(canonical(old_meta)), new_meta, files.uri)
        found = diff_observation_triples(old_obs, _new_observations(new, files, manifest),
                                         read_schema(new.root / files.metadata))
        change.observations = found if found.any else None
        if change.metadata or change.observations:
            change.status = "changed"
        changes.append(change)
    return BuildDiff(changes)


def diff(old: str, new: Path, options: Options = Options()) -> BuildDiff:
    """`cogs diff OLD NEW`: OLD is a build folder or the URL of the store it was published to."""
    if is_endpoint(old):
        return diff_store(old, new, options)
    return diff_builds(read_build(Path(old)), read_build(new))


__all__ = ["diff", "diff_store", "read_store", "is_endpoint", "diff_observation_triples", "read_schema",
           "triples_frame", "ntriples_frame", "canonical", "split", "Template"]
