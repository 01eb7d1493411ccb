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

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import IO, Any

from cogs.cube import Prepared
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
_KIND_TERM = {"same-property": "SameProperty", "same-codelist": "SameCodeList", "shared-parent": "SharedParent"}


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
        return period_label(code) if self.is_period else code


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


@dataclass
class Linkage:
    datasets: dict[str, Dataset]
    uses: dict[str, list[DimensionUse]]  # dataset key -> its dimension columns
    links: list[Link]
    codelists: dict[str, CodeList] = field(default_factory=dict)
    families: list[Family] = field(default_factory=list)

    def by_dataset(self) -> dict[str, list[Link]]:
        """Each dataset's links (computed once: there are many)."""
        out: dict[str, list[Link]] = {key: [] for key in self.datasets}
        for item in self.links:
            out[item.left].append(item)
            out[item.right].append(item)
        return out


# -- computing ---------------------------------------------------------------------------------

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


def find_links(uses: dict[str, list[DimensionUse]]) -> list[Link]:
    """Every pair of datasets sharing a dimension, found through an index of what can match.

    Only dimensions that share a property, a code list or a parent are ever compared, and the
    overlap of two code sets is one AND of two bitmaps.
    """
    flat = [(key, n, use) for key in sorted(uses) for n, use in enumerate(uses[key])]
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, (_, _, use) in enumerate(flat):
        index[("property", use.property)].append(position)
        index[("parent", use.parent)].append(position)
        if use.codelist is not None:
            index[("codelist", use.codelist)].append(position)
    pairs: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    seen: set[tuple[int, ...]] = set()
    for group in index.values():
        members = tuple(group)
        if len(members) < 2 or members in seen:
            continue
        seen.add(members)
        for a, b in combinations(members, 2):  # positions ascend with the dataset key
            (ka, na, _), (kb, nb, _) = flat[a], flat[b]
            if ka != kb:
                pairs[(ka, kb)].add((na, nb))
    masks = _masks([use for _, _, use in flat])
    offset = {}
    for position, (key, n, _) in enumerate(flat):
        offset[(key, n)] = position
    links = []
    for (left, right), columns in sorted(pairs.items()):
        matches = []
        for na, nb in sorted(columns):
            a, b = uses[left][na], uses[right][nb]
            shared = (masks[offset[(left, na)]] & masks[offset[(right, nb)]]).bit_count()
            matches.append(DimensionMatch(_kind(a, b), a, b, shared))
        links.append(Link(left, right, tuple(matches)))
    return links


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
    return Linkage(datasets, uses, find_links(uses), codelists, families)


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


def match_json(match: DimensionMatch, left: int, right: int) -> dict[str, object]:
    return {"kind": match.kind, "left": left, "right": right, "shared": match.shared,
            "match_rate": round(match.match_rate, 4), "left_coverage": round(match.left_coverage, 4),
            "right_coverage": round(match.right_coverage, 4)}


def link_uri(linkage: Linkage, link_: Link) -> str:
    right = linkage.datasets[link_.right]
    return f"{linkage.datasets[link_.left].uri}#linkage/{right.family}/{right.id}"


def linkage_json(linkage: Linkage) -> dict[str, object]:
    joins: dict[str, list[str]] = defaultdict(list)
    linked: dict[str, list[str]] = defaultdict(list)
    for item in linkage.links:
        linked[item.left].append(item.right)
        linked[item.right].append(item.left)
        if item.joinable:
            joins[item.left].append(item.right)
            joins[item.right].append(item.left)
    datasets = {}
    for key, dataset in sorted(linkage.datasets.items()):
        datasets[key] = {"uri": dataset.uri, "title": dataset.title, "family": dataset.family,
                         "dimensions": [_use_json(u) for u in linkage.uses[key]],
                         "linked_with": sorted(linked.get(key, [])), "joinable_with": sorted(joins.get(key, []))}
    position = {id(use): n for uses in linkage.uses.values() for n, use in enumerate(uses)}
    links = [{"left": item.left, "right": item.right, "uri": link_uri(linkage, item), "joinable": item.joinable,
              "dimensions": [match_json(m, position[id(m.left)], position[id(m.right)]) for m in item.dimensions]}
             for item in linkage.links]
    return {"datasets": datasets, "links": links, "codelists": _codelists_json(linkage),
            "families": _families_json(linkage)}


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
    """N-Triples lines, written without an rdflib graph (there are many of them).

    Lines come out in the order they were added; every producer adds them in a fixed order
    (sorted keys), so the bytes are the same for the same input without sorting them all.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"<{s}> <{p}> {o} .\n")

    def ntriples(self) -> bytes:
        return "".join(self.lines).encode("utf-8")


def linkage_triples(linkage: Linkage, triples: Triples) -> None:
    for key in sorted(linkage.uses):
        for use in linkage.uses[key]:
            triples.add(use.spec, COGS + "codesUsed", lit(len(use.codes)))
    for item in linkage.links:
        node = link_uri(linkage, item)
        left, right = linkage.datasets[item.left].uri, linkage.datasets[item.right].uri
        triples.add(node, RDF_TYPE, iri(COGS + "Linkage"))
        triples.add(node, COGS + "left", iri(left))
        triples.add(node, COGS + "right", iri(right))
        if item.joinable:
            triples.add(left, DCTERMS + "relation", iri(right))
            triples.add(right, DCTERMS + "relation", iri(left))
        for match in item.dimensions:
            dim = f"{node}/{segment(match.left.name)}/{segment(match.right.name)}"
            triples.add(node, COGS + "dimensionMatch", iri(dim))
            triples.add(dim, COGS + "leftDimension", iri(match.left.spec))
            triples.add(dim, COGS + "rightDimension", iri(match.right.spec))
            triples.add(dim, COGS + "matchKind", iri(COGS + _KIND_TERM[match.kind]))
            triples.add(dim, COGS + "sharedCodes", lit(match.shared))
            triples.add(dim, COGS + "matchRate", lit(round(match.match_rate, 4)))


VOCABULARY: tuple[tuple[str, str, str, str], ...] = (
    # term, kind (Class or Property), label, comment
    ("Linkage", "Class", "Linkage", "Two datasets that share at least one dimension."),
    ("DimensionMatch", "Class", "Dimension match",
     "A dimension of one dataset matched with a dimension of another, with the overlap of their codes."),
    ("SameProperty", "MatchKind", "Same property", "Both datasets use the same dimension property."),
    ("SameCodeList", "MatchKind", "Same code list", "The two dimensions draw their codes from one code list."),
    ("SharedParent", "MatchKind", "Shared parent",
     "The two dimension properties are sub-properties of one parent (e.g. sdmx-dimension:refArea)."),
    ("left", "Property", "left dataset", "The first dataset of a linkage (the lower in catalogue order)."),
    ("right", "Property", "right dataset", "The second dataset of a linkage."),
    ("dimensionMatch", "Property", "dimension match", "A dimension the two datasets of a linkage share."),
    ("leftDimension", "Property", "left dimension",
     "The component specification (qb:ComponentSpecification) of the dimension in the left dataset."),
    ("rightDimension", "Property", "right dimension",
     "The component specification of the dimension in the right dataset."),
    ("matchKind", "Property", "match kind", "Why the two dimensions match."),
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
             "MatchKind": COGS + "MatchKind", "Metric": DQV + "Metric"}
    triples.add(COGS + "MatchKind", RDF_TYPE, iri(RDFS + "Class"))
    for term, kind, label, comment in VOCABULARY:
        triples.add(COGS + term, RDF_TYPE, iri(kinds[kind]))
        triples.add(COGS + term, RDFS + "label", lang(label))
        triples.add(COGS + term, RDFS + "comment", lang(comment))
        triples.add(COGS + term, RDFS + "isDefinedBy", iri(COGS))


# -- the build stage ---------------------------------------------------------------------------

def dumps(data: object) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def dumps_compact(data: object) -> bytes:
    """JSON without indentation, for files that grow with the square of the number of datasets."""
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


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
    from cogs import quality, revisions

    linkage = link(prepared, families, minter)
    (staging / LINKAGE_JSON).write_bytes(dumps_compact(linkage_json(linkage)))
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
    dump.write(data.replace(b" .\n", f" <{graph}> .\n".encode()))
    graphs.append({"iri": graph, "sha256": hashlib.sha256(data).hexdigest(), "triples": len(triples.lines),
                   "dataset": None, "file": None})


__all__ = ["DimensionUse", "DimensionMatch", "Link", "Linkage", "link", "find_links", "reference_links",
           "linkage_json", "write_stage", "previous_output"]
