"""Revisions: what changed between two builds, and each dataset's versions and changelog.

Two builds are compared dataset by dataset (by `family/dataset` key): datasets added and
removed; catalogue and structure metadata that changed (read from `dataset.ttl`, parsed only
when its bytes differ); and observations added, removed and revised, found by joining the two
published CSVs on the dimension columns of the CSVW `primaryKey` (polars joins, never per row).

Inside a build the previous published build is the `out/` being replaced: each dataset's
version number and history are carried forward from its `changes.json`, and a new version is
recorded when the dataset changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, QB, RDF, SKOS

from cogs.graphs import build_time
from cogs.linkage import COGS, DCTERMS, DCAT as DCAT_NS, PROV, RDF_TYPE, RDFS, Linkage, Triples, iri, lang, lit
from cogs.problems import CogsError, Location, Problem
from cogs.vocab import PREFIXES

CHANGES_JSON = "changes.json"
SAMPLE = 50  # rows listed for each kind of observation change; counts are always complete
XSD = "http://www.w3.org/2001/XMLSchema#"
# Catalogue properties whose change is not a change of the dataset (they follow from its URI).
IGNORED = {str(DCAT.distribution)}


@dataclass(frozen=True)
class DatasetFiles:
    """Where one dataset's files are in a build folder (paths relative to it)."""

    key: str
    uri: str
    title: str
    csv: str
    metadata: str
    turtle: str
    rows: int | None = None


@dataclass(frozen=True)
class BuildView:
    root: Path
    datasets: dict[str, DatasetFiles]
    changes: dict[str, Any] | None = None  # the build's changes.json, if any


@dataclass(frozen=True)
class MetadataChange:
    property: str  # compact name (dcterms:title), or `qb:component`, `skos:Concept`
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass
class ObservationChanges:
    key: list[str]  # the key columns (titles)
    added: int = 0
    removed: int = 0
    revised: int = 0
    added_rows: list[dict[str, str | None]] = field(default_factory=list)
    removed_rows: list[dict[str, str | None]] = field(default_factory=list)
    revised_rows: list[dict[str, object]] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    structure_changed: bool = False  # the key columns differ: rows cannot be matched

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.revised or self.columns_added or self.columns_removed
                    or self.structure_changed)

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "added": self.added, "removed": self.removed, "revised": self.revised,
                "added_rows": self.added_rows, "removed_rows": self.removed_rows,
                "revised_rows": self.revised_rows, "columns_added": self.columns_added,
                "columns_removed": self.columns_removed, "structure_changed": self.structure_changed}


@dataclass
class DatasetChange:
    key: str
    status: str  # added, removed, changed, unchanged
    title: str
    uri: str
    metadata: list[MetadataChange] = field(default_factory=list)
    observations: ObservationChanges | None = None
    rows: int | None = None

    def summary(self) -> str:
        if self.status in ("added", "removed"):
            rows = f" ({self.rows} observations)" if self.rows is not None else ""
            return f"dataset {self.status}{rows}"
        if self.status == "unchanged":
            return "no changes"
        parts = []
        if self.metadata:
            parts.append("metadata changed: " + ", ".join(m.property for m in self.metadata))
        obs = self.observations
        if obs is not None and obs.structure_changed:
            parts.append("dimension columns changed, observations not compared")
        elif obs is not None and obs.any:
            parts.append(f"{obs.added} observations added, {obs.removed} removed, {obs.revised} revised")
        return "; ".join(parts)

    def as_json(self) -> dict[str, object]:
        return {"dataset": self.key, "status": self.status, "title": self.title, "uri": self.uri,
                "summary": self.summary(),
                "metadata": [{"property": m.property, "old": list(m.old), "new": list(m.new)} for m in self.metadata],
                "observations": self.observations.as_json() if self.observations else None}


@dataclass
class BuildDiff:
    datasets: list[DatasetChange]

    @property
    def has_changes(self) -> bool:
        return any(d.status != "unchanged" for d in self.datasets)

    def of(self, status: str) -> list[DatasetChange]:
        return [d for d in self.datasets if d.status == status]

    def as_json(self) -> dict[str, object]:
        return {"has_changes": self.has_changes,
                "summary": {s: [d.key for d in self.of(s)] for s in ("added", "removed", "changed")}
                | {"unchanged": len(self.of("unchanged"))},
                "datasets": [d.as_json() for d in self.datasets]}


# -- reading builds ----------------------------------------------------------------------------

def read_build(folder: Path) -> BuildView:
    """A built `out/` folder, from its manifest.json. Raises CogsError when it is not a build."""
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except FileNotFoundError:
        raise CogsError([Problem("diff.not-a-build", f"{folder} holds no manifest.json", Location(str(folder)),
                                 hint="give the folders `cogs build` wrote (its -o/--out)")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CogsError([Problem("diff.bad-manifest", f"manifest.json is not JSON: {exc}",
                                 Location(str(manifest_path)), hint="rebuild this folder with `cogs build`")]) from None
    datasets = {}
    for entry in manifest.get("datasets", []):
        key = entry["id"]
        datasets[key] = DatasetFiles(key, entry.get("uri", ""), entry.get("title", key), entry["csv"],
                                     entry["metadata"], entry["turtle"], entry.get("rows"))
    changes = None
    if (folder / CHANGES_JSON).is_file():
        try:
            changes = json.loads((folder / CHANGES_JSON).read_text("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            changes = None
    return BuildView(folder, datasets, changes)


def staged_view(staging: Path, linkage: Linkage) -> BuildView:
    """The build being written, before its manifest exists."""
    datasets = {}
    for key, dataset in linkage.datasets.items():
        datasets[key] = DatasetFiles(key, dataset.uri, dataset.title, f"{key}/{dataset.csv_name}",
                                     f"{key}/data.csv-metadata.json", f"{key}/dataset.ttl", dataset.rows)
    return BuildView(staging, datasets)


# -- comparing ---------------------------------------------------------------------------------

def diff_builds(old: BuildView, new: BuildView) -> BuildDiff:
    changes = []
    for key in sorted(set(old.datasets) | set(new.datasets)):
        before, after = old.datasets.get(key), new.datasets.get(key)
        if before is None and after is not None:
            changes.append(DatasetChange(key, "added", after.title, after.uri, rows=after.rows))
        elif after is None and before is not None:
            changes.append(DatasetChange(key, "removed", before.title, before.uri, rows=before.rows))
        elif before is not None and after is not None:
            changes.append(diff_dataset(old.root, before, new.root, after))
    return BuildDiff(changes)


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    """Whether two files hold the same bytes, read a megabyte at a time."""
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        with a.open("rb") as left, b.open("rb") as right:
            while True:
                x, y = left.read(chunk), right.read(chunk)
                if x != y:
                    return False
                if not x:
                    return True
    except FileNotFoundError:
        return False


def diff_dataset(old_root: Path, before: DatasetFiles, new_root: Path, after: DatasetFiles) -> DatasetChange:
    change = DatasetChange(after.key, "unchanged", after.title, after.uri, rows=after.rows)
    if not _same_bytes(old_root / before.turtle, new_root / after.turtle):
        change.metadata = diff_metadata(old_root / before.turtle, new_root / after.turtle, after.uri)
    if not _same_bytes(old_root / before.csv, new_root / after.csv):
        found = diff_observations(old_root / before.csv, old_root / before.metadata,
                                  new_root / after.csv, new_root / after.metadata)
        change.observations = found if found.any else None
    if change.metadata or change.observations:
        change.status = "changed"
    return change


def _compact(uri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if uri.startswith(namespace):
            return f"{prefix}:{uri[len(namespace):]}"
    return uri


def _graph(path: Path) -> Graph:
    graph = Graph()
    if path.is_file():
        graph.parse(path, format="turtle")
    return graph


def diff_metadata(old_path: Path, new_path: Path, uri: str) -> list[MetadataChange]:
    """Changed properties of the dataset's catalogue record, its components and its codes."""
    return metadata_changes(_graph(old_path), _graph(new_path), uri)


def metadata_changes(old: Graph, new: Graph, uri: str) -> list[MetadataChange]:
    """Changed properties of the dataset's catalogue record, its components and its codes (two graphs)."""
    node = URIRef(uri)
    changes = []

    def values(graph: Graph) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for p, o in graph.predicate_objects(node):
            if str(p) not in IGNORED:
                out.setdefault(str(p), set()).add(str(o))
        return out

    before, after = values(old), values(new)
    for prop in sorted(set(before) | set(after)):
        a, b = before.get(prop, set()), after.get(prop, set())
        if a != b:
            changes.append(MetadataChange(_compact(prop), tuple(sorted(a - b)), tuple(sorted(b - a))))

    def components(graph: Graph) -> set[str]:
        return {str(o) for spec in graph.subjects(RDF.type, QB.ComponentSpecification)
                for p in (QB.dimension, QB.measure, QB.attribute) for o in graph.objects(spec, p)}

    a, b = components(old), components(new)
    if a != b:
        changes.append(MetadataChange("qb:component", tuple(sorted(a - b)), tuple(sorted(b - a))))

    def concepts(graph: Graph) -> set[str]:
        return {f"{c} {label}" for c in graph.subjects(RDF.type, SKOS.Concept)
                for label in graph.objects(c, SKOS.prefLabel)}

    a, b = concepts(old), concepts(new)
    if a != b:
        changes.append(MetadataChange("skos:Concept", tuple(sorted(a - b))[:SAMPLE], tuple(sorted(b - a))[:SAMPLE]))
    return changes


def _columns(metadata: Path) -> tuple[list[str], dict[str, str]]:
    """The key column titles and every published column's name -> title, from CSVW metadata."""
    data = json.loads(metadata.read_text("utf-8"))
    table = data["tables"][0] if "tables" in data else data
    schema = table["tableSchema"]
    titles = {c["name"]: c["titles"] if isinstance(c.get("titles"), str) else (c.get("titles") or [c["name"]])[0]
              for c in schema["columns"] if not c.get("virtual") and not c.get("suppressOutput")}
    key = schema.get("primaryKey", [])
    key = [key] if isinstance(key, str) else key
    return [titles[k] for k in key if k in titles], titles


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def diff_observations(old_csv: Path, old_meta: Path, new_csv: Path, new_meta: Path) -> ObservationChanges:
    """Observations added, removed and revised between two published tables, joined on their keys."""
    old_key, old_titles = _columns(old_meta)
    new_key, new_titles = _columns(new_meta)
    old, new = _read(old_csv), _read(new_csv)
    # Helper columns (suppressOutput) follow from the others: compare what the publisher wrote.
    old = old.select([c for c in old.columns if c in old_titles.values()])
    new = new.select([c for c in new.columns if c in new_titles.values()])
    changes = ObservationChanges(new_key)
    changes.columns_added = [c for c in new.columns if c not in old.columns]
    changes.columns_removed = [c for c in old.columns if c not in new.columns]
    if old_key != new_key or not new_key:
        changes.structure_changed = True
        return changes
    key = new_key
    values = [c for c in new.columns if c in old.columns and c not in key]
    added = new.join(old.select(key), on=key, how="anti", nulls_equal=True).sort(key)
    removed = old.join(new.select(key), on=key, how="anti", nulls_equal=True).sort(key)
    both = old.select(key + values).join(new.select(key + values), on=key, how="inner", suffix="\x00new",
                                         nulls_equal=True)
    if values:
        differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(c + "\x00new")) for c in values])
        revised = both.filter(differs).sort(key)
    else:
        revised = both.clear()
    changes.added, changes.removed, changes.revised = added.height, removed.height, revised.height
    changes.added_rows = added.head(SAMPLE).to_dicts()
    changes.removed_rows = removed.head(SAMPLE).to_dicts()
    for row in revised.head(SAMPLE).to_dicts():
        entry: dict[str, object] = {k: row[k] for k in key}
        entry["changes"] = {c: [row[c], row[c + "\x00new"]] for c in values if row[c] != row[c + "\x00new"]}
        changes.revised_rows.append(entry)
    return changes


def report_lines(diff: BuildDiff) -> list[str]:
    """The diff as text, one line each: what `cogs diff` prints."""
    if not diff.has_changes:
        return [f"no changes ({len(diff.datasets)} datasets compared)"]
    lines = []
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for change in diff.datasets:
        if change.status == "unchanged":
            continue
        lines.append(f"{marks[change.status]} {change.key}: {change.summary()}")
        for m in change.metadata:
            lines.append(f"    {m.property}: {' | '.join(m.old) or '(none)'} -> {' | '.join(m.new) or '(none)'}")
        obs = change.observations
        if obs is None:
            continue
        for title in obs.columns_added:
            lines.append(f"    column added: {title}")
        for title in obs.columns_removed:
            lines.append(f"    column removed: {title}")
        for row in obs.removed_rows:
            lines.append("    - " + ", ".join(str(row[k]) for k in obs.key))
        for row in obs.added_rows:
            lines.append("    + " + ", ".join(str(row[k]) for k in obs.key))
        for revised in obs.revised_rows:
            changed = revised["changes"]
            assert isinstance(changed, dict)
            detail = "; ".join(f"{c}: {a} -> {b}" for c, (a, b) in changed.items())
            lines.append("    ~ " + ", ".join(str(revised[k]) for k in obs.key) + f": {detail}")
        shown = len(obs.removed_rows) + len(obs.added_rows) + len(obs.revised_rows)
        if shown < obs.added + obs.removed + obs.revised:
            lines.append(f"    ... and {obs.added + obs.removed + obs.revised - shown} more")
    unchanged = len(diff.of("unchanged"))
    lines.append(f"{len(diff.of('added'))} added, {len(diff.of('removed'))} removed, "
                 f"{len(diff.of('changed'))} changed, {unchanged} unchanged")
    return lines


# -- versions inside a build -------------------------------------------------------------------

@dataclass
class Changes:
    """The changes of one build against the previous, with every dataset's carried-forward history."""

    compared: bool
    diff: BuildDiff
    datasets: dict[str, dict[str, Any]]  # key -> {uri, title, version, modified, status, history}
    removed: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, object]:
        return {"compared_with_previous": self.compared, "summary": self.diff.as_json()["summary"],
                "datasets": self.datasets, "removed": self.removed}


def _release_date(linkage: Linkage, key: str) -> str:
    time = build_time()
    if time is not None:
        return str(time)
    dataset = linkage.datasets[key]
    return dataset.modified or dataset.issued


def build_changes(previous: Path | None, staging: Path, linkage: Linkage) -> Changes:
    """Compare the build being written with the previous published build, and carry versions forward."""
    new = staged_view(staging, linkage)
    old: BuildView | None = None
    if previous is not None:
        try:
            old = read_build(previous)
        except CogsError:
            old = None
    diff = diff_builds(old, new) if old is not None else BuildDiff(
        [DatasetChange(k, "added", f.title, f.uri, rows=f.rows) for k, f in sorted(new.datasets.items())])
    before: dict[str, Any] = (old.changes or {}).get("datasets", {}) if old is not None else {}
    datasets: dict[str, dict[str, Any]] = {}
    removed: dict[str, dict[str, Any]] = {}
    for change in diff.datasets:
        if change.status == "removed":
            last = before.get(change.key, {})
            removed[change.key] = {"uri": change.uri, "title": change.title, "last_version": last.get("version", 1)}
            continue
        carried = before.get(change.key)
        if carried is None and change.status != "added":
            # The previous build predates changes.json: its datasets count as version 1.
            carried = {"version": 1, "modified": None,
                       "history": [{"version": 1, "status": "added", "modified": None, "summary": "dataset added"}]}
        history = list(carried["history"]) if carried else []
        version = int(carried["version"]) if carried else 0
        modified = carried.get("modified") if carried else None
        if change.status in ("added", "changed"):
            version += 1
            modified = _release_date(linkage, change.key)
            entry = {"version": version, **{k: v for k, v in change.as_json().items()
                                            if k in ("status", "summary", "metadata", "observations")},
                     "modified": modified}
            history.append(entry)
        datasets[change.key] = {"uri": change.uri, "title": change.title, "version": version, "modified": modified,
                                "status": change.status, "history": history}
    return Changes(old is not None, diff, datasets, removed)


def version_uri(dataset_uri: str, version: int) -> str:
    return f"{dataset_uri}#version/{version}"


def _date(value: str) -> str:
    kind = "date" if len(value) == 10 else "dateTime"
    return f'"{value}"^^<{XSD}{kind}>'


def version_triples(changes: Changes, linkage: Linkage, triples: Triples) -> None:
    """Each dataset's versions: dcat:hasVersion, dcterms:isVersionOf, dcat:previousVersion, counts."""
    for key, record in changes.datasets.items():
        uri = record["uri"]
        current = record["version"]
        triples.add(uri, DCAT_NS + "version", lit(str(current)))
        triples.add(uri, DCAT_NS + "hasCurrentVersion", iri(version_uri(uri, current)))
        for entry in record["history"]:
            number = int(entry["version"])
            node = version_uri(uri, number)
            triples.add(uri, DCAT_NS + "hasVersion", iri(node))
            triples.add(node, RDF_TYPE, iri(PROV + "Entity"))
            triples.add(node, DCTERMS + "isVersionOf", iri(uri))
            triples.add(node, DCAT_NS + "version", lit(str(number)))
            triples.add(node, RDFS + "label", lang(f"{record['title']}, version {number}"))
            triples.add(node, RDFS + "comment", lang(str(entry.get("summary", ""))))
            if entry.get("modified"):
                triples.add(node, DCTERMS + "modified", _date(str(entry["modified"])))
            if number > 1:
                triples.add(node, DCAT_NS + "previousVersion", iri(version_uri(uri, number - 1)))
                triples.add(node, PROV + "wasRevisionOf", iri(version_uri(uri, number - 1)))
            obs = entry.get("observations")
            if obs:
                triples.add(node, COGS + "observationsAdded", lit(int(obs["added"])))
                triples.add(node, COGS + "observationsRemoved", lit(int(obs["removed"])))
                triples.add(node, COGS + "observationsRevised", lit(int(obs["revised"])))
            for meta in entry.get("metadata") or []:
                triples.add(node, COGS + "metadataChanged", lit(str(meta["property"])))
