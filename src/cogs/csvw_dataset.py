"""Datasets given only as CSVW: converted by cogs' own csv2rdf and published like any other.

A dataset folder whose config is a CSVW metadata document (see docs/families.md) is read as it
was published. `csv2rdf` converts it (standard mode, without provenance) through a fetcher that
serves the document's folder at the dataset's URI, so the CSVW's relative URIs land under the
dataset in the built site and nothing is read from the network. The triples are split into
observations and metadata; the CSVW's `qb:DataSet` gets the catalogue record (`csvw_record`),
from `dataset.toml` where it gives a field, else the CSVW's own properties, else the family.

`check` runs with the other datasets' checks, before anything is written; `write` runs once the
build's own datasets are in the staging folder, and adds these datasets' files, named graphs,
manifest entries and catalogue records there; `settle` sorts the shapes' verdict on them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urldefrag, urljoin

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, QB, RDF
from rdflib.term import Node

from cogs import csvw, graphs
from cogs.config import CsvwDatasetConfig, FamilyConfig, ProjectConfig
from cogs.csvcubed.jsonpos import JsonError, line_column, parse_json
from cogs.csvw_record import OBSERVATIONS, REFERENCE_PROPERTIES, catalogue_record, describe_reused, normalise, the_dataset
from cogs.problems import CogsError, Location, Problem, Severity, errors
from cogs.uris import Minter
from cogs.validate.columnar import gzip_open, whole_lines

if TYPE_CHECKING:
    from cogs.build import BuildResult
    from cogs.csv2rdf.fetch import Fetcher

CSVW_NS = "http://www.w3.org/ns/csvw#"
_TYPE = f"<{RDF.type}>"
_OBSERVATION = f"<{QB.Observation}>"
_DATASET_OF = f"<{QB.dataSet}>"
_TABLE_GROUP = f"<{CSVW_NS}TableGroup>"
_TABLE = f"<{CSVW_NS}Table>"
HINT_JSON = "fix the JSON syntax at this position (a CSVW metadata document is JSON)"


@dataclass
class CsvwDataset:
    """A checked CSVW dataset, ready to convert."""

    family: FamilyConfig
    config: CsvwDatasetConfig
    uri: str  # the dataset's folder URI: the metadata document is read as `uri + name`
    root: Path  # the folder served under `uri`
    tables: list[str] = field(default_factory=list)  # CSV files, relative to root
    external: set[str] = field(default_factory=set)  # component properties defined outside the CSVW
    warnings: list[Problem] = field(default_factory=list)  # what csv2rdf said of it

    @property
    def key(self) -> str:
        return f"{self.family.id}/{self.config.id}"

    @property
    def metadata_name(self) -> str:
        return self.config.metadata.name

    def local(self, url: str) -> Path | None:
        """The file a URL under this dataset's URI stands for, or None when it lies outside."""
        plain = urldefrag(url)[0]
        if not plain.startswith(self.uri):
            return None
        path = (self.root / unquote(plain[len(self.uri):])).resolve()
        root = self.root.resolve()
        return path if root in path.parents else None


# ------------------------------------------------------------------------------------------- check


def check(project: ProjectConfig, minter: Minter) -> tuple[list[CsvwDataset], list[Problem]]:
    """Every CSVW dataset of the project, with problems for metadata that is not JSON or names missing CSVs."""
    found: list[CsvwDataset] = []
    problems: list[Problem] = []
    for family in project.families:
        for config in family.csvw_datasets:
            item = CsvwDataset(family, config, minter.dataset(family.id, config.id), config.metadata.parent)
            more = _check_one(item)
            problems.extend(more)
            if not errors(more):
                found.append(item)
    return found, problems


def _check_one(item: CsvwDataset) -> list[Problem]:
    path = item.config.metadata
    where = item.config.locations.get("csvw", Location(str(path)))
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        return [Problem("csvw-dataset.missing-file", f"CSVW metadata {path} not found", where,
                        hint="csvw names the metadata document, relative to dataset.toml")]
    except UnicodeDecodeError as exc:
        return [Problem("csvw-dataset.not-json", f"not UTF-8 text: {exc.reason}", Location(str(path)),
                        hint="a CSVW metadata document is JSON, saved as UTF-8")]
    try:
        document, positions = parse_json(text)
    except JsonError as exc:
        return [Problem("csvw-dataset.not-json", f"not JSON: {exc}", Location(str(path), *line_column(text, exc.offset)),
                        hint=HINT_JSON)]
    if not isinstance(document, dict):
        return [Problem("csvw-dataset.not-json", "a CSVW metadata document is a JSON object", Location(str(path), 1, 1),
                        hint="write the table group or table description as one object { ... }")]
    tables = document.get("tables") if "tables" in document else [document]
    problems = []
    for number, table in enumerate(tables if isinstance(tables, list) else []):
        if not isinstance(table, dict) or not isinstance(table.get("url"), str):
            continue  # csv2rdf reports a table without url
        keys = ("tables", str(number), "url") if "tables" in document else ("url",)
        offset = positions.get(keys)
        at = Location(str(path), *line_column(text, offset)) if offset is not None else Location(str(path))
        url = urljoin(item.uri + quote(item.metadata_name), table["url"])
        local = item.local(url)
        if local is None:
            problems.append(Problem("csvw-dataset.outside", f"table url {table['url']!r} is outside the dataset's "
                                    "folder", at, hint="give the CSV's path relative to the metadata document, "
                                    "and keep the CSV in the same folder or below it"))
        elif not local.is_file():
            problems.append(Problem("csvw-dataset.missing-csv", f"table url {table['url']!r}: {local} not found", at,
                                    hint="put the CSV beside the metadata document, or correct its url"))
        else:
            item.tables.append(str(local.relative_to(item.root.resolve())))
    return problems


# ------------------------------------------------------------------------------------------- write


def write(items: list[CsvwDataset], project: ProjectConfig, minter: Minter, staging: Path,
          result: BuildResult) -> None:
    """Convert each CSVW dataset into `staging` and add it to the dump, the catalogue and the manifest.

    Raises CogsError when csv2rdf rejects one (the build then discards the staging folder)."""
    if not items:
        return
    from cogs.write import DUMP, gzip_writer

    problems: list[Problem] = []
    catalog = Graph()
    catalog_path = staging / "catalog.ttl"
    catalog.parse(catalog_path, format="turtle")
    added = graphs.new_graph()
    manifest_path = staging / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    with (staging / DUMP).open("ab") as raw, gzip_writer(raw) as dump:
        for item in items:
            try:
                entry, graph_entry, record, count = _write_one(item, minter, staging, dump, problems)
            except CogsError as exc:
                problems.extend(exc.problems)
                continue
            family_uri = URIRef(minter.family(item.family.id))
            added += record
            added.add((family_uri, DCAT.dataset, URIRef(entry["uri"])))
            added.add((URIRef(minter.catalog()), DCAT.dataset, URIRef(entry["uri"])))
            manifest["datasets"].append(entry)
            manifest["graphs"].append(graph_entry)
            result.observations += count
        if errors(problems):
            raise CogsError(result.problems + problems)
        new = added - catalog
        dump.write(graphs.in_graph(graphs.ntriples_sorted(new), minter.catalog()))
    catalog += new
    for prefix, namespace in graphs.new_graph().namespaces():
        catalog.bind(prefix, namespace)
    catalog_path.write_bytes(graphs.turtle(catalog))
    catalog_nt = graphs.ntriples_sorted(catalog)
    for entry in manifest["graphs"]:
        if entry.get("iri") == minter.catalog():
            entry.update(sha256=hashlib.sha256(catalog_nt).hexdigest(), triples=catalog_nt.count(b"\n"))
    manifest_path.write_bytes(csvw.dumps(manifest))
    result.graphs[:] = manifest["graphs"]
    schema = resources.files("cogs").joinpath("schemas", "csvw-dataset.schema.json").read_bytes()
    (staging / "schemas").mkdir(exist_ok=True)
    (staging / "schemas" / "csvw-dataset.schema.json").write_bytes(schema)
    result.problems.extend(problems)


def settle(found: list[Problem], items: list[CsvwDataset], result: BuildResult) -> list[Problem]:
    """The build's violations, less IC-4 and IC-5 for properties a CSVW dataset uses but does not
    define: those concern a definition in another vocabulary, which a build cannot read offline,
    so each dataset gets one warning naming them instead (added to `result`)."""
    external = {uri: item for item in items for uri in item.external}
    kept: list[Problem] = []
    unchecked: dict[str, set[str]] = {}
    for problem in found:
        if problem.code in ("qb-ic-4", "qb-ic-5") and problem.focus in external:
            unchecked.setdefault(str(external[problem.focus].config.metadata), set()).add(problem.focus)
        else:
            kept.append(problem)
    if kept:  # the build fails: the conversions' warnings often say why, so they go with it
        kept = [w for item in items for w in item.warnings] + kept
    for path, uris in sorted(unchecked.items()):
        names = ", ".join(f"<{u}>" for u in sorted(uris))
        result.problems.append(Problem(
            "csvw-dataset.external-property", f"the structure uses properties it does not define, so their "
            f"range and code list were not checked: {names}", Location(path), Severity.WARNING,
            hint="describe them in the metadata (rdfs:range, qb:codeList) to have them checked"))
    return kept


def _write_one(item: CsvwDataset, minter: Minter, staging: Path, dump: Any,
               problems: list[Problem]) -> tuple[dict[str, Any], dict[str, Any], Graph, int]:
    folder = staging / item.family.id / item.config.id
    folder.mkdir(parents=True, exist_ok=True)
    from cogs.csv2rdf import csv2rdf  # here, not at the top: most builds have no such dataset

    served: dict[str, Path] = {}
    converted = folder / ".converted.nt"
    try:
        with converted.open("wb") as out:
            conversion = csv2rdf(item.uri + quote(item.metadata_name), mode="standard", prov=False,
                                 fetch=_fetcher(item, served), output=out)
    except CogsError as exc:
        raise CogsError([_located(item, p) for p in exc.problems]) from None
    item.warnings = [_located(item, p) for p in conversion.problems]
    problems.extend(item.warnings)
    _copy_files(item, served, folder)
    observed, tables = _observation_subjects(converted)
    metadata_lines: list[str] = []
    reference_values: dict[str, set[str]] = {}
    digest = hashlib.sha256()
    with converted.open("r", encoding="utf-8") as source, (folder / OBSERVATIONS).open("wb") as raw:
        from cogs.write import gzip_writer

        with gzip_writer(raw) as own:
            observation_lines = _split(source, observed, tables, metadata_lines, own, problems, item,
                                       reference_values)
    graph = Graph()
    graph.parse(data="".join(metadata_lines), format="nt")
    converted.unlink()
    record, found = catalogue_record(graph, item, minter)
    problems.extend(found)
    if errors(found):
        raise CogsError(found)
    graph += record
    describe_reused(graph, reference_values, minter)
    item.external = normalise(graph)
    for prefix, namespace in graphs.new_graph().namespaces():
        graph.bind(prefix, namespace)
    (folder / "dataset.ttl").write_bytes(graphs.turtle(graph))
    meta_nt = graphs.ntriples_sorted(graph)
    dataset_uri = str(the_dataset(graph, item))
    digest.update(meta_nt)
    dump.write(graphs.in_graph(meta_nt, dataset_uri))
    with gzip_open(folder / OBSERVATIONS, "rb") as lines:
        for chunk in whole_lines(lines, 1 << 22):
            digest.update(chunk)
            dump.write(graphs.in_graph(chunk, dataset_uri))
    title = _text(graph, URIRef(dataset_uri), DCTERMS.title)
    csv = item.tables[0] if item.tables else item.metadata_name
    entry = {"id": item.key, "uri": dataset_uri, "title": title, "csv": f"{item.key}/{csv}",
             "rows": len(observed), "observations": len(observed),
             "metadata": f"{item.key}/{item.metadata_name}", "turtle": f"{item.key}/dataset.ttl",
             "ntriples": f"{item.key}/{OBSERVATIONS}", "given_as": "csvw"}
    graph_entry = {"iri": dataset_uri, "sha256": digest.hexdigest(),
                   "triples": meta_nt.count(b"\n") + observation_lines, "dataset": item.key}
    return entry, graph_entry, record, len(observed)


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str:
    values = sorted(str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal))
    return values[0] if values else ""


def _fetcher(item: CsvwDataset, served: dict[str, Path]) -> Fetcher:
    """Serve the dataset's folder at its URI; refuse everything else (a build never needs the network)."""
    from cogs.csv2rdf.fetch import FetchError, Resource

    def fetch(url: str) -> Resource:
        path = item.local(url)
        if path is None:
            raise FetchError(f"{url}: outside the dataset's folder, not read by a build")
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise FetchError(f"{path}: {exc.strerror or exc}") from exc
        served[str(path.relative_to(item.root.resolve()))] = path
        kind = "application/csvm+json" if path.suffix == ".json" else "text/csv" if path.suffix == ".csv" else None
        return Resource(url, content, kind)

    return fetch


def _located(item: CsvwDataset, problem: Problem) -> Problem:
    """A converter's problem about a URL under the dataset's URI, pointed at the file instead."""
    if problem.location is None:
        return problem
    local = item.local(problem.location.path)
    if local is None:
        return problem
    location = Location(str(local), problem.location.line, problem.location.column)
    code = "csvw-dataset.rejected" if problem.severity is Severity.ERROR else problem.code
    hint = problem.hint and "fix the metadata or CSV so it follows the CSVW recommendation (docs/csv2rdf.md)"
    return Problem(code, problem.message, location, problem.severity, hint, problem.focus)


def _copy_files(item: CsvwDataset, served: dict[str, Path], folder: Path) -> None:
    """The files the conversion read, and the CSV and JSON files beside the metadata document."""
    files = dict(served)
    for path in sorted(item.root.iterdir()):
        if path.is_file() and path.suffix in (".csv", ".json"):
            files.setdefault(path.name, path)
    for relative, path in sorted(files.items()):
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _observation_subjects(path: Path) -> tuple[set[str], set[str]]:
    """Subjects typed qb:Observation or attached to a data set with qb:dataSet, and the blank nodes
    that stand for the CSVW's table group and tables."""
    found: set[str] = set()
    tables: set[str] = set()
    with path.open("r", encoding="utf-8") as lines:
        for line in lines:
            parts = line.split(" ", 2)
            if len(parts) < 3:
                continue
            if parts[1] == _DATASET_OF or (parts[1] == _TYPE and parts[2].startswith(_OBSERVATION)):
                found.add(parts[0])
            elif parts[1] == _TYPE and parts[2].startswith((_TABLE_GROUP, _TABLE)):
                tables.add(parts[0])
    return found, tables


def _split(lines: Any, observed: set[str], tables: set[str], metadata: list[str], own: Any,
           problems: list[Problem], item: CsvwDataset, reference_values: dict[str, set[str]]) -> int:
    """Observations to `own` (N-Triples), the rest to `metadata`. Leave out the CSVW's description of
    its table group, tables and rows (blank nodes, with what is said of them), which a cube does not
    need, and warn of any other blank node. The observations' periods and areas (IRIs) go to
    `reference_values`."""
    wanted = {f"<{p}>": p for p in REFERENCE_PROPERTIES}
    count = 0
    dropped = 0
    batch: list[str] = []
    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) < 3:
            continue
        subject, predicate, rest = parts
        if predicate.startswith(f"<{CSVW_NS}") or (predicate == _TYPE and rest.startswith(f"<{CSVW_NS}")):
            continue
        if subject.startswith("_:") or rest.startswith("_:"):
            dropped += subject not in tables
            continue
        if subject in observed:
            batch.append(line)
            count += 1
            if predicate in wanted:
                value = rest.rsplit(" .", 1)[0].strip()
                reference_values.setdefault(wanted[predicate], set()).add(value[1:-1] if value.startswith("<") else value)
            if len(batch) >= 100_000:
                own.write("".join(batch).encode("utf-8"))
                batch.clear()
        else:
            metadata.append(line)
    own.write("".join(batch).encode("utf-8"))
    if dropped:
        problems.append(Problem("csvw-dataset.blank-nodes", f"{dropped} triples about blank nodes left out",
                                Location(str(item.config.metadata)), Severity.WARNING,
                                hint="give nested objects an @id: published data has no blank nodes"))
    return count
