"""Linkage: which datasets can be joined, on which dimensions, and how well their codes overlap.

Two dimension columns of two datasets *match* when they use the same component property, the
same code list, or properties with a shared parent (a component declared `sub_property_of`
`sdmx-dimension:refArea` matches the built-in geography). Codes are compared as the build reads
them: notations of coded columns, GSS codes, and periods as their reference.data.gov.uk path,
so `2019-Q1` and `2019 Q1` are the same quarter.

Everything is computed from the distinct codes of each dimension column (a few hundred values
even for tables of millions of rows), never per row. The result is plain data; `write_stage`
is the build's stage that writes `linkage.json`, `quality.json`, `changes.json` and the
`<base>linkage/` graph (see docs/linkage.md).
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import IO, Any

import polars as pl

from cogs.cube import Prepared
from cogs.graphs import in_graph
from cogs.model import CodeList, CodeListKind, Component, Dataset, Family, Role
from cogs.reference import period_label
from cogs.uris import Minter, segment

# The project's own vocabulary (docs/vocabulary.md); shared with the SHACL shapes.
COGS = "https://w3id.org/cogs/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
DQV = "http://www.w3.org/ns/dqv#"
LINKAGE_JSON = "linkage.json"

MATCH_KINDS = ("same-property", "same-codelist", "shared-parent")


@dataclass(frozen=True)
class DimensionUse:
    """One dimension column of one dataset, with the distinct codes it uses."""

    dataset: str  # family/dataset
    column: str  # title in the CSV
    name: str  # CSVW name
    component: str
    label: str
    property: str
    parent: str  # the parent property (sub_property_of), or the property itself
    codelist: str | None  # URI of the code list, period and geography lists included
    codelist_kind: str
    codes: frozenset[str]  # notations; periods as reference paths (year/2019)
    is_period: bool = False
    spec: str = ""  # the component specification of the dimension in the dataset's structure

    def display(self, code: str) -> str:
        return _period_label(code) if self.is_period else code


_period_label = cache(period_label)


@dataclass(frozen=True)
class DimensionMatch:
    """Two matching dimension columns of a pair of datasets and how many codes they share."""

    kind: str  # one of MATCH_KINDS
    left: DimensionUse
    right: DimensionUse
    shared: int  # distinct codes used on both sides

    @property
    def left_only(self) -> int:
        return len(self.left.codes) - self.shared

    @property
    def right_only(self) -> int:
        return len(self.right.codes) - self.shared

    @property
    def match_rate(self) -> float:
        """Shared codes over the codes used on either side (Jaccard index)."""
        union = self.shared + self.left_only + self.right_only
        return self.shared / union if union else 0.0

    @property
    def left_coverage(self) -> float:
        """Share of the left dataset's codes also used by the right."""
        return self.shared / len(self.left.codes) if self.left.codes else 0.0

    @property
    def right_coverage(self) -> float:
        return self.shared / len(self.right.codes) if self.right.codes else 0.0

    def codes_only_left(self) -> list[str]:
        return sorted(self.left.codes - self.right.codes)

    def codes_only_right(self) -> list[str]:
        return sorted(self.right.codes - self.left.codes)


@dataclass(frozen=True)
class Link:
    """A pair of datasets sharing at least one dimension (left key < right key)."""

    left: str
    right: str
    dimensions: tuple[DimensionMatch, ...]

    @property
    def joinable(self) -> bool:
        """True when some shared dimension has codes in common."""
        return any(m.shared for m in self.dimensions)


# The matches of a build, one row per pair of matching dimension columns, ordered by left key,
# right key, left column and right column. Columns index `Linkage.uses[key]`.
MATCH_SCHEMA = {"left": pl.String, "right": pl.String, "left_index": pl.Int64, "right_index": pl.Int64,
                "kind": pl.String, "shared": pl.Int64, "left_codes": pl.Int64, "right_codes": pl.Int64}


@dataclass
class Linkage:
    datasets: dict[str, Dataset]
    uses: dict[str, list[DimensionUse]]  # dataset key -> its dimension columns
    matches: pl.DataFrame  # MATCH_SCHEMA
    codelists: dict[str, CodeList] = field(default_factory=dict)
    families: list[Family] = field(default_factory=list)

    def links(self) -> list[Link]:
        """The matches as objects, pair by pair (for small builds and tests; the stage works on the frame)."""
        return links_from(self.matches, self.uses)


def _codelist_uri(component: Component, minter: Minter) -> str | None:
    kind = component.codelist
    if kind is None:
        return None
    if kind == CodeListKind.PERIOD:
        return minter.reference_codelist("period")
    if kind == CodeListKind.GEOGRAPHY:
        return minter.reference_codelist("gss-geography")
    if kind.startswith("generated:"):
        return kind.split(":", 1)[1]
    return kind


def dimension_uses(item: Prepared, minter: Minter) -> list[DimensionUse]:
    """The dimension columns of a prepared dataset, each with its distinct codes."""
    dataset = item.dataset
    uses = []
    for column in dataset.columns:
        component = column.component
        if column.role is not Role.DIMENSION or component is None:
            continue
        is_period = component.codelist == CodeListKind.PERIOD and f"{column.name}_ref" in item.frame.columns
        source = f"{column.name}_ref" if is_period else column.name
        codes = frozenset(v for v in item.frame.get_column(source).unique().to_list() if v is not None)
        uses.append(DimensionUse(dataset.key, column.title, column.name, component.id, component.label,
                                 component.uri, component.sub_property_of or component.uri,
                                 _codelist_uri(component, minter), str(component.codelist or ""), codes,
                                 is_period, minter.component_spec(dataset.family, dataset.id, component.id)))
    return uses


def _kind(a: DimensionUse, b: DimensionUse) -> str:
    if a.property == b.property:
        return "same-property"
    if a.codelist is not None and a.codelist == b.codelist:
        return "same-codelist"
    return "shared-parent"


def _masks(uses: list[DimensionUse]) -> list[int]:
    """Each use's codes as the bits of one integer, so an overlap is `(a & b).bit_count()`."""
    index: dict[str, int] = {}
    for use in uses:
        for code in use.codes:
            index.setdefault(code, len(index))
    masks = []
    for use in uses:
        bitmap = bytearray((len(index) + 8) // 8)
        for code in use.codes:
            bit = index[code]
            bitmap[bit >> 3] |= 1 << (bit & 7)
        masks.append(int.from_bytes(bitmap, "little"))
    return masks


def find_matches(uses: dict[str, list[DimensionUse]]) -> pl.DataFrame:
    """Every pair of matching dimension columns of two datasets, with the codes they share.

    Candidate pairs come from a join of the columns on what can make them match (property,
    parent, code list), so only those are ever compared; the overlap of two code sets is one AND
    of two bitmaps. The work grows with the number of matches, and nothing is done per row.
    """
    flat = [(key, n, use) for key in sorted(uses) for n, use in enumerate(uses[key])]
    if not flat:
        return pl.DataFrame(schema=MATCH_SCHEMA)
    dataset = {key: i for i, key in enumerate(sorted(uses))}
    groups, positions = [], []
    for position, (_, _, use) in enumerate(flat):
        for criterion in (f"property {use.property}", f"parent {use.parent}",
                          f"codelist {use.codelist}" if use.codelist is not None else None):
            if criterion is not None:
                groups.append(criterion)
                positions.append(position)
    members = pl.DataFrame({"group": groups, "a": positions}, schema={"group": pl.String, "a": pl.Int64})
    members = members.with_columns(pl.col("a").replace_strict(
        {p: dataset[key] for p, (key, _, _) in enumerate(flat)}, return_dtype=pl.Int64).alias("da"))
    pairs = (members.join(members.rename({"a": "b", "da": "db"}), on="group")
             .filter((pl.col("a") < pl.col("b")) & (pl.col("da") != pl.col("db")))
             .select("a", "b").unique().sort("a", "b"))
    a_list, b_list = pairs["a"].to_list(), pairs["b"].to_list()
    masks = _masks([use for _, _, use in flat])
    return pl.DataFrame({
        "left": [flat[a][0] for a in a_list], "right": [flat[b][0] for b in b_list],
        "left_index": [flat[a][1] for a in a_list], "right_index": [flat[b][1] for b in b_list],
        "kind": [_kind(flat[a][2], flat[b][2]) for a, b in zip(a_list, b_list)],
        "shared": [(masks[a] & masks[b]).bit_count() for a, b in zip(a_list, b_list)],
        "left_codes": [len(flat[a][2].codes) for a in a_list], "right_codes": [len(flat[b][2].codes) for b in b_list],
    }, schema=MATCH_SCHEMA).sort("left", "right", "left_index", "right_index")


def links_from(matches: pl.DataFrame, uses: dict[str, list[DimensionUse]]) -> list[Link]:
    links: list[Link] = []
    for row in matches.iter_rows(named=True):
        a, b = uses[row["left"]][row["left_index"]], uses[row["right"]][row["right_index"]]
        match = DimensionMatch(row["kind"], a, b, row["shared"])
        if links and (links[-1].left, links[-1].right) == (row["left"], row["right"]):
            links[-1] = Link(row["left"], row["right"], links[-1].dimensions + (match,))
        else:
            links.append(Link(row["left"], row["right"], (match,)))
    return links


def find_links(uses: dict[str, list[DimensionUse]]) -> list[Link]:
    return links_from(find_matches(uses), uses)


def link(prepared: dict[str, list[Prepared]], families: list[Family], minter: Minter) -> Linkage:
    """The linkage of a whole build, from its prepared datasets (after their code lists are complete)."""
    datasets: dict[str, Dataset] = {}
    uses: dict[str, list[DimensionUse]] = {}
    codelists: dict[str, CodeList] = {}
    for items in prepared.values():
        for item in items:
            datasets[item.dataset.key] = item.dataset
            uses[item.dataset.key] = dimension_uses(item, minter)
            for codelist in item.dataset.codelists:
                codelists.setdefault(codelist.uri, codelist)
    return Linkage(datasets, uses, find_matches(uses), codelists, families)


def reference_links(uses: dict[str, list[DimensionUse]]) -> list[Link]:
    """The simple path: every pair, every column pair, compared directly. `find_links` must agree."""
    links = []
    for left, right in combinations(sorted(uses), 2):
        matches = []
        for a in uses[left]:
            for b in uses[right]:
                if a.property == b.property or (a.codelist is not None and a.codelist == b.codelist) \
                        or a.parent == b.parent:
                    matches.append(DimensionMatch(_kind(a, b), a, b, len(a.codes & b.codes)))
        if matches:
            links.append(Link(left, right, tuple(matches)))
    return links


# -- linkage.json ------------------------------------------------------------------------------

def _use_json(use: DimensionUse) -> dict[str, object]:
    return {"column": use.column, "name": use.name, "component": use.component, "label": use.label,
            "property": use.property, "parent": use.parent, "codelist": use.codelist, "spec": use.spec,
            "codes": len(use.codes), "used": [use.display(c) for c in sorted(use.codes)]}


def _rates(matches: pl.DataFrame) -> pl.DataFrame:
    union = pl.col("left_codes") + pl.col("right_codes") - pl.col("shared")
    return matches.with_columns(
        pl.when(union > 0).then(pl.col("shared") / union).otherwise(0.0).round(4).alias("match_rate"),
        pl.when(pl.col("left_codes") > 0).then(pl.col("shared") / pl.col("left_codes")).otherwise(0.0).round(4)
        .alias("left_coverage"),
        pl.when(pl.col("right_codes") > 0).then(pl.col("shared") / pl.col("right_codes")).otherwise(0.0).round(4)
        .alias("right_coverage"))


def _pairs(linkage: Linkage) -> pl.DataFrame:
    """One row per linked pair: left, right, its URI, and whether some shared dimension has common codes."""
    uris = {k: d.uri for k, d in linkage.datasets.items()}
    return (linkage.matches.group_by("left", "right", maintain_order=True)
            .agg((pl.col("shared") > 0).any().alias("joinable"))
            .with_columns(pl.concat_str([pl.col("left").replace_strict(uris, return_dtype=pl.String),
                                         pl.lit("#linkage/"), pl.col("right")]).alias("uri")))


def summary_by_dataset(linkage: Linkage) -> dict[str, tuple[int, int, list[str]]]:
    """For each dataset: datasets linked, datasets joinable, and labels of dimensions with shared codes."""
    out: dict[str, tuple[int, int, list[str]]] = {key: (0, 0, []) for key in linkage.datasets}
    if linkage.matches.is_empty():
        return out
    pairs = _pairs(linkage)
    sides = pl.concat([pairs.select(pl.col("left").alias("key"), "joinable"),
                       pairs.select(pl.col("right").alias("key"), "joinable")])
    counts = sides.group_by("key").agg(pl.len().alias("linked"), pl.col("joinable").sum().alias("joinable"))
    shared = linkage.matches.filter(pl.col("shared") > 0)
    used = pl.concat([shared.select(pl.col("left").alias("key"), pl.col("left_index").alias("index")),
                      shared.select(pl.col("right").alias("key"), pl.col("right_index").alias("index"))]).unique()
    labels: dict[str, set[str]] = defaultdict(set)
    for key, index in used.iter_rows():
        labels[key].add(linkage.uses[key][index].label)
    for key, linked, joinable in counts.iter_rows():
        out[key] = (int(linked), int(joinable), sorted(labels.get(key, set())))
    return out


def links_json(linkage: Linkage) -> str:
    """The `links` array of linkage.json, written by polars (there is one entry per linked pair)."""
    if linkage.matches.is_empty():
        return "[]"
    matches = _rates(linkage.matches).rename({"left_index": "left_dimension", "right_index": "right_dimension"})
    grouped = (matches.group_by("left", "right", maintain_order=True)
               .agg(pl.struct("kind", pl.col("left_dimension").alias("left"),
                              pl.col("right_dimension").alias("right"), "shared", "match_rate", "left_coverage",
                              "right_coverage").alias("dimensions")))
    pairs = _pairs(linkage)
    return pairs.join(grouped, on=["left", "right"], maintain_order="left").select(
        "left", "right", "uri", "joinable", "dimensions").write_json()


def linkage_json(linkage: Linkage) -> bytes:
    """linkage.json: datasets with their dimensions and codes, every linked pair, code lists, families."""
    pairs = _pairs(linkage)
    linked: dict[str, list[str]] = defaultdict(list)
    joins: dict[str, list[str]] = defaultdict(list)
    for left, right, joinable in pairs.select("left", "right", "joinable").iter_rows():
        linked[left].append(right)
        linked[right].append(left)
        if joinable:
            joins[left].append(right)
            joins[right].append(left)
    datasets = {}
    for key, dataset in sorted(linkage.datasets.items()):
        datasets[key] = {"uri": dataset.uri, "title": dataset.title, "family": dataset.family,
                         "dimensions": [_use_json(u) for u in linkage.uses[key]],
                         "linked_with": sorted(linked.get(key, [])), "joinable_with": sorted(joins.get(key, []))}
    def compact(data: object) -> str:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    text = "".join(['{"datasets":', compact(datasets), ',"links":', links_json(linkage),
                    ',"codelists":', compact(_codelists_json(linkage)),
                    ',"families":', compact(_families_json(linkage)), "}\n"])
    return text.encode("utf-8")


def _codelists_json(linkage: Linkage) -> dict[str, object]:
    users: dict[str, list[dict[str, object]]] = defaultdict(list)
    for key in sorted(linkage.uses):
        for use in linkage.uses[key]:
            if use.codelist is None:
                continue
            codelist = linkage.codelists.get(use.codelist)
            total = len(codelist.codes) if codelist and codelist.kind in (CodeListKind.SUPPLIED,
                                                                          CodeListKind.GENERATED) else None
            users[use.codelist].append({"dataset": key, "column": use.column, "property": use.property,
                                        "codes": len(use.codes),
                                        "coverage": round(len(use.codes) / total, 4) if total else None})
    out: dict[str, object] = {}
    for uri in sorted(users):
        codelist = linkage.codelists.get(uri)
        out[uri] = {"title": codelist.title if codelist else uri, "kind": str(codelist.kind) if codelist else None,
                    "codes": len(codelist.codes) if codelist and codelist.kind in (
                        CodeListKind.SUPPLIED, CodeListKind.GENERATED) else None,
                    "datasets": users[uri]}
    return out


def _families_json(linkage: Linkage) -> dict[str, object]:
    out: dict[str, object] = {}
    for family in sorted(linkage.families, key=lambda f: f.id):
        keys = [d.key for d in family.datasets if d.key in linkage.uses]
        columns: dict[str, dict[str, Any]] = {}
        for key in keys:
            for use in linkage.uses[key]:
                entry = columns.setdefault(use.parent, {"parent": use.parent, "label": use.label, "properties": [],
                                                        "datasets": {}})
                if use.property not in entry["properties"]:
                    entry["properties"].append(use.property)
                entry["datasets"].setdefault(key, []).append({"column": use.column, "component": use.component,
                                                              "codelist": use.codelist, "codes": len(use.codes)})
        dimensions = []
        for parent in sorted(columns, key=lambda p: (-len(columns[p]["datasets"]), columns[p]["label"], p)):
            entry = columns[parent]
            entry["properties"] = sorted(entry["properties"])
            entry["shared"] = len(entry["datasets"]) > 1
            dimensions.append(entry)
        out[family.id] = {"uri": family.uri, "title": family.title, "datasets": keys, "dimensions": dimensions}
    return out


# -- RDF ---------------------------------------------------------------------------------------

def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: object) -> str:
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{XSD}boolean>'
    if isinstance(value, int):
        return f'"{value}"^^<{XSD}integer>'
    if isinstance(value, float):
        return f'"{value:.4f}"^^<{XSD}decimal>'
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{text}"'


def lang(value: str) -> str:
    return lit(value) + "@en"


class Triples:
    """N-Triples, written without an rdflib graph (there are many of them).

    Text comes out in the order it was added; every producer adds it in a fixed order (sorted
    keys), so the bytes are the same for the same input without sorting them all.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        self.parts.append(f"<{s}> <{p}> {o} .\n")
        self.count += 1

    def add_lines(self, text: str, count: int) -> None:
        """Whole N-Triples lines made elsewhere (column-wise)."""
        self.parts.append(text)
        self.count += count

    def ntriples(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def _iri(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit("<"), expr, pl.lit(">")])


def _line(s: pl.Expr, p: str, o: pl.Expr) -> pl.Expr:
    return pl.concat_str([_iri(s), pl.lit(f" <{p}> "), o, pl.lit(" .\n")])


def linkage_triples(linkage: Linkage, triples: Triples) -> None:
    """The linkage graph: codes used per dimension, each linked pair and each dimension match."""
    for key in sorted(linkage.uses):
        for use in linkage.uses[key]:
            triples.add(use.spec, COGS + "codesUsed", lit(len(use.codes)))
    if linkage.matches.is_empty():
        return
    uris = {k: d.uri for k, d in linkage.datasets.items()}
    pairs = _pairs(linkage).filter("joinable").with_columns(
        pl.col("left").replace_strict(uris, return_dtype=pl.String).alias("l"),
        pl.col("right").replace_strict(uris, return_dtype=pl.String).alias("r"))
    relations = pairs.select(pl.concat_str([
        _line(pl.col("l"), DCTERMS + "relation", _iri(pl.col("r"))),
        _line(pl.col("r"), DCTERMS + "relation", _iri(pl.col("l")))]).str.join("").alias("text"))["text"][0]
    triples.add_lines(relations, 2 * pairs.height)
    spec = {f"{k}\x00{n}": u.spec for k, uses in linkage.uses.items() for n, u in enumerate(uses)}
    name = {f"{k}\x00{n}": segment(u.name) for k, uses in linkage.uses.items() for n, u in enumerate(uses)}
    left = pl.concat_str([pl.col("left"), pl.lit("\x00"), pl.col("left_index").cast(pl.String)])
    right = pl.concat_str([pl.col("right"), pl.lit("\x00"), pl.col("right_index").cast(pl.String)])
    rate = (pl.col("match_rate") * 10000).round(0).cast(pl.Int64)
    matches = _rates(linkage.matches).with_columns(pl.concat_str([
        pl.col("left").replace_strict(uris, return_dtype=pl.String), pl.lit("#linkage/"), pl.col("right"),
        pl.lit("/"), left.replace_strict(name, return_dtype=pl.String), pl.lit("/"),
        right.replace_strict(name, return_dtype=pl.String)]).alias("node"))
    text = matches.select(pl.concat_str([
        _line(pl.col("node"), COGS + "leftDimension", _iri(left.replace_strict(spec, return_dtype=pl.String))),
        _line(pl.col("node"), COGS + "rightDimension", _iri(right.replace_strict(spec, return_dtype=pl.String))),
        _line(pl.col("node"), COGS + "sharedCodes",
              pl.concat_str([pl.lit('"'), pl.col("shared").cast(pl.String), pl.lit(f'"^^<{XSD}integer>')])),
        _line(pl.col("node"), COGS + "matchRate",
              pl.concat_str([pl.lit('"'), (rate // 10000).cast(pl.String), pl.lit("."),
                             (rate % 10000).cast(pl.String).str.zfill(4), pl.lit(f'"^^<{XSD}decimal>')])),
    ]).str.join("").alias("text"))["text"][0]
    triples.add_lines(text, 4 * matches.height)


VOCABULARY: tuple[tuple[str, str, str, str], ...] = (
    # term, kind (Class or Property), label, comment
    ("DimensionMatch", "Class", "Dimension match",
     "A dimension of one dataset matched with a dimension of another (the same property, the same code list, "
     "or sub-properties of one parent), with the overlap of the codes they use. Its URI is "
     "{left dataset}#linkage/{right family}/{right dataset}/{left column}/{right column}."),
    ("leftDimension", "Property", "left dimension",
     "The component specification (qb:ComponentSpecification) of the dimension in the left dataset, the "
     "dataset first in catalogue order."),
    ("rightDimension", "Property", "right dimension",
     "The component specification of the dimension in the right dataset."),
    ("sharedCodes", "Property", "shared codes", "Distinct codes both datasets use in this dimension."),
    ("matchRate", "Property", "match rate",
     "Shared codes over the codes used on either side (Jaccard index), from 0 to 1."),
    ("codesUsed", "Property", "codes used",
     "Distinct codes a dataset uses in a dimension, on the dimension's component specification."),
    ("metadataCompleteness", "Metric", "metadata completeness",
     "Share of the catalogue profile's required and recommended fields a dataset fills, from 0 to 1."),
    ("referenceMatchRate", "Metric", "reference match rate",
     "Share of the distinct area codes of a geography dimension found in the GSS geography reference."),
    ("joinableDatasets", "Metric", "joinable datasets",
     "How many datasets of the catalogue share a dimension with codes in common with this one."),
    ("observationsAdded", "Property", "observations added", "Observations in this version and not the previous."),
    ("observationsRemoved", "Property", "observations removed", "Observations of the previous version now gone."),
    ("observationsRevised", "Property", "observations revised",
     "Observations whose value or attributes differ from the previous version."),
    ("metadataChanged", "Property", "metadata changed",
     "A catalogue or structure property of the dataset that changed in this version."),
)


def vocabulary_triples(triples: Triples) -> None:
    """The vocabulary's own terms, so the dump describes itself."""
    kinds = {"Class": RDFS + "Class", "Property": "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
             "Metric": DQV + "Metric"}
    domains = {"leftDimension": "DimensionMatch", "rightDimension": "DimensionMatch",
               "sharedCodes": "DimensionMatch", "matchRate": "DimensionMatch"}
    for term, kind, label, comment in VOCABULARY:
        triples.add(COGS + term, RDF_TYPE, iri(kinds[kind]))
        if term in domains:
            triples.add(COGS + term, RDFS + "domain", iri(COGS + domains[term]))
        triples.add(COGS + term, RDFS + "label", lang(label))
        triples.add(COGS + term, RDFS + "comment", lang(comment))
        triples.add(COGS + term, RDFS + "isDefinedBy", iri(COGS))


# -- the build stage ---------------------------------------------------------------------------

def dumps(data: object) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


_STAGING = re.compile(r"^\.(?P<name>.+)\.building-\d+$")


def previous_output(staging: Path) -> Path | None:
    """The published build a staging folder will replace (`out/` beside `.out.building-<pid>`)."""
    found = _STAGING.match(staging.name)
    if not found:
        return None
    out = staging.parent / found.group("name")
    return out if (out / "manifest.json").is_file() else None


def write_stage(minter: Minter, families: list[Family], prepared: dict[str, list[Prepared]], staging: Path,
                dump: IO[bytes], graphs: list[dict[str, object]], previous: Path | None = None) -> None:
    """The build's linkage stage: linkage, quality and changes, as JSON beside the build and one graph.

    `previous` is the published build to compare with; by default the `out/` this build replaces.
    """
    # The stage makes many small objects while the build holds many more: collecting garbage would
    # walk all of them again and again, so the objects alive now are left out of collections.
    gc.freeze()
    try:
        _stage(minter, families, prepared, staging, dump, graphs, previous)
    finally:
        gc.unfreeze()


def _stage(minter: Minter, families: list[Family], prepared: dict[str, list[Prepared]], staging: Path,
           dump: IO[bytes], graphs: list[dict[str, object]], previous: Path | None) -> None:
    from cogs import quality, revisions

    linkage = link(prepared, families, minter)
    (staging / LINKAGE_JSON).write_bytes(linkage_json(linkage))
    triples = Triples()
    vocabulary_triples(triples)
    linkage_triples(linkage, triples)
    report = quality.assess(linkage, prepared, minter)
    (staging / quality.QUALITY_JSON).write_bytes(dumps(quality.quality_json(report)))
    quality.quality_triples(report, linkage, triples)
    old = previous if previous is not None else previous_output(staging)
    changes = revisions.build_changes(old, staging, linkage)
    (staging / revisions.CHANGES_JSON).write_bytes(dumps(changes.as_json()))
    revisions.version_triples(changes, linkage, triples)
    graph = minter.base + "linkage/"
    data = triples.ntriples()
    # The graph grows with the square of the number of datasets: it goes in the dump only.
    dump.write(in_graph(data, graph))
    graphs.append({"iri": graph, "sha256": hashlib.sha256(data).hexdigest(), "triples": triples.count,
                   "dataset": None, "file": None})


__all__ = ["DimensionUse", "DimensionMatch", "Link", "Linkage", "link", "find_matches", "find_links",
           "reference_links", "linkage_json", "write_stage", "previous_output", "summary_by_dataset"]
