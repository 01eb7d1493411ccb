"""Render the discovery site: one page per minted URI, plus search, assets and data files.

Pages are gathered in memory as `path -> bytes` and written at the end; a file whose bytes are
unchanged is left alone, so re-rendering is cheap and byte-stable.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import polars as pl
from jinja2 import ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDFS

from cogs.problems import Location, Problem, Severity
from cogs.site import assets, reports
from cogs.site.load import Site, label, read_site, sort_codes, text
from cogs.site.rdf import Index, dumps, schema_catalog, schema_dataset
from cogs.site.search import build_index, plain
from cogs.site.tables import Observations, observations

MAX_OPTIONS = 1000
# Threads writing the site's files. More contend for the directories' locks and the GIL: the
# examples' 3,700 files took 0.8 s and 1.1 CPU s on eight, 0.3-0.4 s and 0.5 on two (bench/README.md).
WRITERS = 2
LATEST = 10
JOIN_TABLES = 25  # joinable datasets shown with their figures, in each group (own family, others)
JOIN_LINKS = 200  # the next ones, shown as links
_MARKDOWN = MarkdownIt("js-default")  # raw HTML off: markup in metadata is shown as text


def _demote_headings(state: StateCore) -> None:
    """Headings in a description sit under the page's own h1 and h2: `#` becomes h3."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"


_MARKDOWN.core.ruler.push("demote_headings", _demote_headings)
LICENCES = {
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/": "Open Government Licence v3.0",
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/": "Open Government Licence v3.0",
}
# The standard properties a build reuses say nothing of their code lists: these are the site's.
REFERENCE_CODELISTS = {
    "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod": "ref/codelist/period/",
    "http://purl.org/linked-data/sdmx/2009/dimension#refArea": "ref/codelist/gss-geography/",
    "http://purl.org/linked-data/sdmx/2009/attribute#obsStatus": "ref/codelist/obs-status/",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Linker:
    """Relative links from one page, so the site works from disk and under any base path."""

    here: str  # the page's own site path, e.g. "trade/regional-trade/"

    @property
    def root(self) -> str:
        return "../" * self.here.count("/")

    def page(self, path: str) -> str:
        return f"{self.root}{path}index.html"

    def file(self, path: str) -> str:
        return f"{self.root}{path}"

    def asset(self, path: str) -> str:
        return f"{self.root}assets/{path}"


def markdown(text: str) -> Markup:
    """Markdown rendered with raw HTML disabled and unsafe link schemes refused."""
    return Markup(_MARKDOWN.render(text or ""))


def is_web(url: str | None) -> bool:
    return bool(url) and re.match(r"^(https?:|mailto:)", str(url), re.IGNORECASE) is not None


def date(value: str | None) -> str:
    found = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value or "")
    if not found:
        return value or ""
    year, month, day = found.groups()
    return f"{int(day)} {MONTHS[int(month) - 1]} {year}"


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between builds (compiling them is some 0.4 s a build), under
    $XDG_CACHE_HOME/cogs (else ~/.cache/cogs). Jinja checks each against its template's source,
    so an edited template is compiled again. None where the folder cannot be made."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cogs" / "templates"
        root.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no home folder, or one that cannot be written
        return None
    return FileSystemBytecodeCache(str(root)) if os.access(root, os.W_OK) else None


def environment(themes: list[Path]) -> Environment:
    loaders = [FileSystemLoader(str(theme / "templates")) for theme in reversed(themes)]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True,
                      auto_reload=False,  # templates do not change during a render: no mtime check a page
                      bytecode_cache=_bytecode_cache())
    env.filters.update(markdown=markdown, plain=plain, date=date, is_web=is_web, field_label=reports.field_label)
    return env


class Renderer:
    def __init__(self, site: Site, env: Environment, writer: Writer | None = None) -> None:
        self.site = site
        self.env = env
        self.writer = writer  # given files as they are rendered, to write them meanwhile
        self.index = Index(site.graph)  # rebuilt once the observations have added reference codes
        self.files: dict[str, bytes] = {}
        self.tables: set[str] = set()  # CSV written straight to disk as rendered: they can be large
        self.pages: set[str] = set()
        self.problems: list[Problem] = []
        self.observations: dict[str, Observations] = {}
        self.queries = _example_queries()
        self.sparql = (site.out / "sparql" / "index.html").is_file()
        self.reports = reports.read_reports(site.out)
        self.quality = self.reports.quality is not None
        self.by_key = {d.key: d for d in site.datasets.values()}
        self.usage: dict[str, list[reports.Usage]] = {}

    # -- output ----------------------------------------------------------------------------------
    def page(self, path: str, template: str, subjects: list[str] | None = None, **context: Any) -> None:
        """Render one page at `path` (a folder), with Turtle and JSON-LD alternates of `subjects`."""
        to = Linker(path)
        jsonld = list(context.pop("jsonld", []))
        alternates = subjects is not None
        if subjects is not None:
            triples = self.index.describe(*subjects)
            graph = self.index.jsonld(triples)
            jsonld.append(graph)
            self.files[f"{path}index.ttl"] = self.index.turtle(triples)
            self.files[f"{path}index.jsonld"] = dumps(graph)
        context.setdefault("uri", subjects[0] if subjects else None)
        context.setdefault("description", "")
        context.setdefault("breadcrumbs", [])
        context.setdefault("section", "home")
        text = self.env.get_template(template).render(site=self.site, to=to, jsonld=jsonld, alternates=alternates,
                                                      sparql=self.sparql, quality=self.quality, **context)
        self.files[f"{path}index.html"] = text.encode("utf-8")
        self.pages.add(path)

    def owners(self, path: str) -> list[tuple[str, str]]:
        """Breadcrumbs of the family and dataset a path lies under (for code lists and components)."""
        site = self.site
        found = []
        family = site.families.get(f"{site.base}{path.split('/', 1)[0]}/")
        if family is not None:
            found.append((family.title, family.path))
            dataset = site.datasets.get(f"{site.base}{'/'.join(path.split('/')[:2])}/")
            if dataset is not None and path != dataset.path:
                found.append((dataset.title, dataset.path))
        return found

    def crumbs(self, to: Linker, *items: tuple[str, str]) -> list[tuple[str, str]]:
        return [("Home", to.page(""))] + [(text, to.page(path)) for text, path in items]

    # -- pages -----------------------------------------------------------------------------------
    def render(self) -> None:
        site = self.site
        for uri in sorted(site.datasets):
            self.observations[uri] = observations(site, site.datasets[uri])
        for codelist in site.codelists.values():
            sort_codes(codelist)
        for component in site.components.values():
            reference = REFERENCE_CODELISTS.get(component.uri)
            if component.codelist is None and reference and f"{site.base}{reference}" in site.codelists:
                component.codelist = f"{site.base}{reference}"
                site.codelists[component.codelist].components.add(component.uri)
        self.index = Index(site.graph)
        distinct = {(u, c.title): len(c.values) for u, o in self.observations.items() for c in o.columns if c.coded}
        self.usage = reports.codelist_usage(site, distinct)
        # The data files (explorer chunks, labelled CSV) are column work in polars, which lets go
        # of the GIL: they are made on a thread while the pages, Python work, are rendered.
        with ThreadPoolExecutor(max_workers=1) as worker:
            made = [worker.submit(self.data_files, uri) for uri in sorted(site.datasets)]
            self.sparql_page()
            for uri in sorted(site.datasets):
                self.dataset_page(uri)
            for uri in sorted(site.families):
                self.family_page(uri)
            self.home_page()
            for uri in sorted(site.codelists):
                self.codelist_pages(uri)
                if self.writer is not None:
                    self.writer.send(self.files)
            for uri in sorted(site.components):
                self.component_page(uri)
            self.search_page()
            self.quality_page()
            for done in made:
                self.files.update(done.result())
        self.fallback_pages()

    def data_files(self, uri: str) -> dict[str, bytes]:
        """A dataset's explorer chunks (returned) and its labelled CSV (streamed to disk)."""
        dataset, obs = self.site.datasets[uri], self.observations[uri]
        if obs.labelled is not None:
            labelled = self.site.out / unquote(dataset.path) / "data-labelled.csv"
            labelled.parent.mkdir(parents=True, exist_ok=True)
            obs.labelled.sink_csv(labelled, line_terminator="\n")  # streamed: never all in memory
        return {f"{dataset.path}explore/{name}": data for name, data in obs.explorer().items()}

    def sparql_page(self) -> None:
        """`sparql/`: the SPARQL stage's query page (`cogs.queries`), written with the site so the
        navigation's link resolves on any static host too (`cogs serve` answers its queries)."""
        try:
            from cogs.queries import sparql_page_files
        except ImportError:
            return
        datasets = [{"uri": d.uri, "title": d.title, "id": d.key} for d in sorted(self.site.datasets.values(),
                                                                                   key=lambda d: d.key)]
        # The endpoint answers beside the page (`cogs serve` at /sparql), linked relatively by default.
        self.files.update(sparql_page_files(self.site.base, datasets))
        self.sparql = True

    def home_page(self) -> None:
        site = self.site
        families = [site.families[u] for u in sorted(site.families, key=lambda u: site.families[u].title.lower())]
        datasets = list(site.datasets.values())
        by_title = sorted(datasets, key=lambda d: (d.title.lower(), d.uri))
        latest = sorted(by_title, key=lambda d: d.modified or d.issued, reverse=True)[:LATEST]
        self.page("", "home.html", [site.base], title=site.title, description=plain(site.description),
                  families=families, datasets=datasets, latest=latest, jsonld=[schema_catalog(site)])

    def family_page(self, uri: str) -> None:
        site = self.site
        family = site.families[uri]
        to = Linker(family.path)
        datasets = sorted((site.datasets[u] for u in family.datasets), key=lambda d: d.title.lower())
        counts: dict[str, int] = {}
        for d in datasets:
            for c in {*d.dimensions, *d.measures, *d.attributes}:
                counts[c] = counts.get(c, 0) + 1
        shared = [(site.components[c], n, site.codelists.get(site.components[c].codelist or ""))
                  for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], site.components[kv[0]].label))
                  if n > 1 or (site.components[c].path or "").startswith(family.path)]
        shared = [row for row in shared if row[1] > 1]
        lists = []
        for cl in site.codelists.values():
            used = len(cl.datasets & set(family.datasets))
            if used or cl.path.startswith(family.path):
                lists.append((cl, used))
        lists.sort(key=lambda item: (-item[1], item[0].title.lower()))
        dimensions = reports.family_dimensions(site, self.reports, family.id, datasets)
        self.page(family.path, "family.html", [uri], title=family.title, family=family, datasets=datasets,
                  shared=shared, codelists=lists, dimensions=dimensions, description=plain(family.description)[:300],
                  breadcrumbs=self.crumbs(to), jsonld=[schema_catalog(site, family)])

    def dataset_page(self, uri: str) -> None:
        site = self.site
        dataset = site.datasets[uri]
        obs = self.observations[uri]
        to = Linker(dataset.path)
        family = site.families.get(f"{site.base}{dataset.family}/")
        if obs.labelled is not None:
            self.tables.add(f"{dataset.path}data-labelled.csv")
        formats = {"csv": ("Data (CSV)", "CSV"), "csvw": ("CSVW metadata", "JSON"),
                   "turtle": ("Metadata and structure (Turtle)", "Turtle"),
                   "ntriples": ("Observations (N-Triples)", "N-Triples")}
        def local(path: str) -> str:
            return path[len(dataset.path):] if path.startswith(dataset.path) else to.file(path)
        downloads = [(formats[k][0], local(dataset.files[k]),
                      formats[k][1] + (", gzip" if dataset.files[k].endswith(".gz") else ""))
                     for k in formats if k in dataset.files]
        if obs.labelled is not None:
            downloads.insert(1, ("Data with labels (CSV)", "data-labelled.csv", "CSV"))
        downloads.append(("This page's metadata (JSON-LD)", "index.jsonld", "JSON-LD"))
        columns = {c.component: c.title for c in dataset.columns if c.component}
        structure = []
        for kind_uris in (dataset.dimensions, dataset.measures, dataset.attributes):
            for c in kind_uris:
                component = site.components[c]
                structure.append((component, site.codelists.get(component.codelist or ""), columns.get(c)))
        filters = [c for c in obs.columns if c.role == "dimension" and c.coded and len(c.values) > 1]
        period_title = next((c.title.lower() for c in obs.columns if c.name == obs.period), "time")
        temporal = None
        period_column = next((c for c in obs.columns if c.name == obs.period), None)
        if period_column and period_column.values:
            temporal = f"{period_column.values[0].code}/{period_column.values[-1].code}"
        crumbs = self.crumbs(to, *([(family.title, family.path)] if family else []))
        joins = reports.joins(site, self.reports, dataset, self.by_key)
        self.page(dataset.path, "dataset.html", [uri], title=dataset.title, dataset=dataset, family=family,
                  obs=obs, downloads=downloads, structure=structure, filters=filters, max_options=MAX_OPTIONS,
                  period_title=period_title, queries=self.queries(uri), license_name=LICENCES.get(dataset.license or ""),
                  linkage=self.reports.linkage is not None, joins=joins,
                  join_groups=reports.join_groups(joins, family.title if family else dataset.family, JOIN_TABLES,
                                                  JOIN_LINKS), changelog=reports.changelog(self.reports, dataset),
                  reconciled=reports.reconciled(site, self.reports, dataset),
                  assessment=reports.quality_of(self.reports, dataset), percent=reports.percent,
                  description=dataset.summary or plain(dataset.description)[:300], breadcrumbs=crumbs,
                  jsonld=[schema_dataset(site, dataset, temporal)])

    def codelist_pages(self, uri: str) -> None:
        site = self.site
        cl = site.codelists[uri]
        to = Linker(cl.path)
        datasets = sorted((site.datasets[u] for u in cl.datasets), key=lambda d: d.title.lower())
        components = sorted((site.components[c] for c in cl.components), key=lambda c: c.label)
        downloads = [(text, name) for text, name in (("Codes (CSV)", "codelist.csv"),
                                                     ("CSVW metadata", "codelist.csv-metadata.json"),
                                                     ("Turtle", "codelist.ttl"))
                     if (site.out / unquote(cl.path) / name).is_file()]
        usage = self.usage.get(uri, [])
        self.page(cl.path, "codelist.html", [uri, *(c.uri for c in cl.codes)], title=cl.title, codelist=cl,
                  datasets=datasets, components=components, usage=usage, codes=site.codes, downloads=downloads,
                  description=plain(cl.description)[:300], breadcrumbs=self.crumbs(to, *self.owners(cl.path)))
        children: dict[str, list[Any]] = {}
        for code in cl.codes:
            if code.broader:
                children.setdefault(code.broader, []).append(code)
        for code in cl.codes:
            if code.path in self.pages:
                continue
            used = sorted((site.datasets[u] for u in code.datasets), key=lambda d: d.title.lower())
            crumbs = self.crumbs(Linker(code.path), *self.owners(cl.path), (cl.title, cl.path))
            # A code whose URI the build mints has Turtle and JSON-LD of its own. A reference code (a
            # statistics.data.gov.uk area, a reference.data.gov.uk period) is not ours to describe at
            # its URI: the code list's alternates describe it with the rest of the list, once, rather
            # than a copy of its few triples beside each of the hundreds of such pages.
            minted = code.uri.startswith(site.base)
            title = f"{code.label} ({code.notation})" if code.notation and code.notation != code.label else code.label
            self.page(code.path, "code.html", [code.uri] if minted else None, uri=code.uri, title=title, code=code,
                      codelist=cl, parent=site.codes.get(code.broader or ""), children=children.get(code.uri, []),
                      datasets=used, description=plain(code.description)[:300], breadcrumbs=crumbs)

    def component_page(self, uri: str) -> None:
        site = self.site
        component = site.components[uri]
        if component.path is None:
            return  # a standard property (sdmx, qb): it has its own home
        datasets = sorted((site.datasets[u] for u in component.datasets), key=lambda d: d.title.lower())
        parents = sorted(str(o) for o in site.graph.objects(URIRef(uri),
                                                             URIRef("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")))
        crumbs = self.crumbs(Linker(component.path), *self.owners(component.path))
        self.page(component.path, "component.html", [uri], title=component.label, component=component,
                  codelist=site.codelists.get(component.codelist or ""), datasets=datasets, parents=parents,
                  description=plain(component.description)[:300], breadcrumbs=crumbs)

    def search_page(self) -> None:
        site = self.site
        for name, data in build_index(site).items():
            self.files[f"search/{name}"] = data
        datasets = list(site.datasets.values())
        facets = [
            ("family", "Family", sorted({f.title for f in site.families.values() if f.datasets})),
            ("theme", "Theme", sorted({t for d in datasets for t in d.themes})),
            ("publisher", "Publisher", sorted({d.publisher for d in datasets if d.publisher})),
            ("dimension", "Dimension", sorted({site.components[c].label for d in datasets for c in d.dimensions})),
        ]
        self.page("search/", "search.html", None, title="Search", facets=[f for f in facets if f[2]],
                  section="search", breadcrumbs=self.crumbs(Linker("search/")))

    def quality_page(self) -> None:
        """`quality/`: every dataset's metadata completeness, validation, linkage and provenance."""
        if self.reports.quality is None:
            return
        self.page(reports.QUALITY_PATH, "quality.html", None, title="Quality of the datasets",
                  rows=reports.quality_rows(self.site, self.reports), summary=self.reports.quality.get("summary", {}),
                  profile=self.reports.quality.get("profile", []),
                  changes=reports.build_changes(self.site, self.reports),
                  percent=reports.percent, section="quality", breadcrumbs=self.crumbs(Linker(reports.QUALITY_PATH)))

    def fallback_pages(self) -> None:
        """A page for every other URI this site mints (units, publishers, themes' catalogue, ...)."""
        site = self.site
        minted: set[str] = set()
        for s, _, o in site.graph:
            for term in (s, o):
                if isinstance(term, URIRef) and str(term).startswith(site.base):
                    minted.add(str(term))
        for uri in sorted(minted):
            path = site.path_of(uri)
            assert path is not None
            if path in self.pages or path in self.files or path in self.tables:
                continue
            if not path.endswith("/") and path != "":
                if not (site.out / unquote(path)).is_file():
                    self.problems.append(Problem("site.unresolved-uri", f"{uri} names a file that is not in the "
                                                 "built site", Location(str(site.out / unquote(path))),
                                                 Severity.WARNING, focus=uri))
                continue
            owner = URIRef(site.base + path)
            title = label(site.graph, str(owner))
            statements = []
            for s, p, o in self.index.describe(str(owner)):
                target = None
                if isinstance(o, URIRef):
                    target_path = site.path_of(str(o))
                    target = Linker(path).file(target_path) if target_path and not target_path.endswith("/") else (
                        Linker(path).page(target_path) if target_path is not None else (str(o) if is_web(str(o))
                                                                                         else None))
                statements.append((str(s), self.index.compact(str(p)), str(o), target))
            kind = "Unit of measure" if "/unit/" in f"/{path}" else "Resource"
            users = sorted((d for u, o in self.observations.items() if str(owner) in o.used_codes
                            for d in [site.datasets[u]]), key=lambda d: d.title.lower())
            self.page(path, "resource.html", [str(owner)], title=title, kind=kind, statements=statements,
                      datasets=users, description=text(site.graph, owner, (RDFS.comment, DCTERMS.description)),
                      one_subject=all(row[0] == str(owner) for row in statements),
                      breadcrumbs=self.crumbs(Linker(path), *self.owners(path)))


def _example_queries() -> Any:
    """Example SPARQL queries from `cogs.endpoint`, when that module provides them."""
    try:
        from cogs import queries as module
    except ImportError:
        return lambda uri: []
    make = getattr(module, "example_queries", None)
    if make is None:
        return lambda uri: []

    def queries(uri: str) -> list[dict[str, str]]:
        found = make(uri)
        out = []
        items = found.items() if isinstance(found, dict) else found
        for item in items:
            if isinstance(item, dict):
                out.append({"title": str(item.get("title") or item.get("name") or "Query"),
                            "query": str(item.get("query") or item.get("sparql") or "")})
            elif isinstance(item, (tuple, list)) and len(item) == 2:
                out.append({"title": str(item[0]), "query": str(item[1])})
            else:
                out.append({"title": "Query", "query": str(getattr(item, "query", item))})
        return out
    return queries


class Writer:
    """Writes the site's files on threads while more are rendered; only those whose bytes changed.

    A file that `previous` (the build this one replaces) holds byte for byte is hard-linked from
    there instead: a rebuild then makes no new copy of the hundreds of unchanged small pages, and
    removing the replaced build frees nothing for them. Small files dominate and each is mostly
    the file system's work, so a folder's files are a task of their own on a few threads, and a
    folder made by the task itself is known to be empty: its files are created without first
    looking for one already there.
    """

    def __init__(self, out: Path, previous: Path | None = None) -> None:
        self.out, self.previous = out, previous
        self.pool = ThreadPoolExecutor(max_workers=WRITERS)
        self.pending: list[Future[None]] = []
        self.sent: dict[str, bytes] = {}

    def send(self, files: dict[str, bytes]) -> None:
        """Start writing those of `files` not sent already (a path sent again with other bytes is
        written again, after everything sent before it)."""
        fresh = {path: data for path, data in files.items() if self.sent.get(path) is not data}
        if any(path in self.sent for path in fresh):
            self.wait()
        self.sent.update(fresh)
        by_folder: dict[str, list[tuple[str, bytes]]] = {}
        for path, data in sorted(fresh.items()):
            by_folder.setdefault(unquote(path).rpartition("/")[0], []).append((unquote(path), data))
        self.pending.extend(self.pool.submit(self._folder, folder, items) for folder, items in by_folder.items())

    def wait(self) -> None:
        pending, self.pending = self.pending, []
        for done in pending:
            done.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown()

    def _folder(self, folder: str, items: list[tuple[str, bytes]]) -> None:
        try:
            (self.out / folder).mkdir(parents=True)
        except FileExistsError:
            fresh = False
        else:
            fresh = True  # made just now: no file in it to compare with or to unlink
        for path, data in items:
            target = self.out / path
            if not fresh and _holds(target, data):
                continue
            if self.previous is not None and _holds(self.previous / path, data):
                try:
                    os.link(self.previous / path, target)
                    continue
                except OSError:
                    pass  # a file system without hard links, or a target in the way: write it
            if not fresh:
                target.unlink(missing_ok=True)  # never write through a link into another build
            _create(target, data)


def _create(path: Path, data: bytes) -> None:
    """Write a file with three system calls (open, write, close): Python's file objects add more,
    and a site is thousands of small files."""
    binary = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | binary, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False


def write(out: Path, files: dict[str, bytes], previous: Path | None = None) -> None:
    """Write `files` (site path -> bytes) under `out`: see `Writer`."""
    writer = Writer(out, previous)
    try:
        writer.send(files)
    finally:
        writer.close()


def render_site(out_dir: Path, *, theme_dir: Path | None = None, previous: Path | None = None,
                tables: dict[str, pl.DataFrame] | None = None) -> list[Problem]:
    """Render the discovery site into a built `out_dir`, reading only what the build wrote there.
    `previous` is an earlier build's folder that `out_dir` will replace: its unchanged pages are
    linked, not copied. `tables` are published CSV files under `out_dir` (path -> polars frame of
    the same cells, see `cogs.write.published`) that need not be read back."""
    out_dir = Path(out_dir)
    site = read_site(out_dir)
    site.tables = dict(tables or {})
    themes = [assets.default_theme()] + ([Path(theme_dir)] if theme_dir else [])
    if theme_dir is not None and not (Path(theme_dir) / "templates").is_dir() and \
            not (Path(theme_dir) / "static").is_dir():
        site.problems.append(Problem("site.empty-theme", f"theme folder {theme_dir} has no templates/ or static/",
                                     Location(str(theme_dir)), Severity.WARNING,
                                     hint="put template overrides in templates/ and files in static/"))
    writer = Writer(out_dir, previous)
    try:
        renderer = Renderer(site, environment(themes), writer)
        renderer.render()
        govuk, problems = assets.govuk_assets()
        for name, data in govuk.items():
            renderer.files[f"assets/{name}"] = data
        for name, data in assets.theme_static(themes).items():
            renderer.files[f"assets/cogs/{name}"] = data
        writer.send(renderer.files)
    finally:
        writer.close()
    return site.problems + renderer.problems + problems



