"""The rendered site: every minted URI resolves, links are relative and whole, each page carries
its RDF, and data from the build is shown (never executed)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pytest
from rdflib import Graph, URIRef

from cogs.problems import CogsError
from cogs.site import check_links, render_site
from cogs.site import tables
from cogs.site.render import Linker, write

IRI = re.compile(r"<([^>\s]+)>")


def minted(out: Path) -> set[str]:
    """Every IRI under the base URI in the metadata graphs and in the observations."""
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    base = manifest["base_uri"]
    found: set[str] = set()
    sources = [out / "catalog.ttl", *out.rglob("dataset.ttl"), *out.rglob("codelist.ttl")]
    for source in sources:
        graph = Graph().parse(source)
        for triple in graph:
            found.update(str(t) for t in triple if isinstance(t, URIRef) and str(t).startswith(base))
    for source in [*out.rglob("observations.nt"), *out.rglob("observations.nt.gz")]:
        opener = gzip.open if source.suffix == ".gz" else open
        with opener(source, "rt", encoding="utf-8") as handle:
            for line in handle:
                found.update(i for i in IRI.findall(line) if i.startswith(base))
    return found


def resolves(out: Path, base: str, uri: str) -> bool:
    path = unquote(uri[len(base):].split("#", 1)[0])
    if path == "" or path.endswith("/"):
        return (out / path / "index.html").is_file()
    return (out / path).is_file()


def test_every_minted_uri_resolves_to_a_file(built: Path) -> None:
    base = json.loads((built / "manifest.json").read_text("utf-8"))["base_uri"]
    uris = minted(built)
    assert len(uris) > 500  # datasets, structures, components, code lists, codes, observations
    unresolved = sorted(u for u in uris if not resolves(built, base, u))
    assert unresolved == []


def test_no_broken_internal_link(built: Path) -> None:
    assert [str(p) for p in check_links(built)] == []


def test_the_link_checker_finds_broken_and_absolute_links(fixture_out: Path) -> None:
    render_site(fixture_out)
    page = fixture_out / "trade" / "index.html"
    page.write_text(page.read_text("utf-8").replace("</main>", '<a href="nowhere/index.html">x</a>'
                                                    '<a href="/trade/index.html">y</a></main>'), "utf-8")
    codes = sorted(p.code for p in check_links(fixture_out))
    assert codes == ["site.absolute-link", "site.broken-link"]


def test_pages_have_turtle_and_json_ld_alternates_that_parse(built: Path) -> None:
    base = json.loads((built / "manifest.json").read_text("utf-8"))["base_uri"]
    pages = sorted(built.rglob("index.html"))
    assert len(pages) > 100
    checked = referenced = 0
    for page in pages:
        if page.parent.name in ("search", "quality") or page.parent == built / "sparql":
            continue  # pages of the site itself, not of a URI the build minted
        html = page.read_text("utf-8")
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html)
        assert canonical, page
        if not canonical.group(1).startswith(base):
            # A reference code (an area, a period): no copy of its own, its list's files describe it.
            assert 'rel="alternate"' not in html and not (page.parent / "index.ttl").exists(), page
            links = re.findall(r'<a class="govuk-link" href="([^"]+/index\.(?:ttl|jsonld))">', html)
            assert [Path(link).suffix for link in links] == [".ttl", ".jsonld"], page
            for link, syntax in zip(links, ("turtle", "json-ld")):
                described = Graph().parse(page.parent / link, format=syntax)
                assert (URIRef(canonical.group(1)), None, None) in described, page
            referenced += 1
            continue
        assert '<link rel="alternate" type="text/turtle" href="index.ttl">' in html, page
        assert '<link rel="alternate" type="application/ld+json" href="index.jsonld">' in html, page
        turtle = Graph().parse(page.parent / "index.ttl", format="turtle")
        jsonld = Graph().parse(page.parent / "index.jsonld", format="json-ld")
        assert len(turtle) == len(jsonld) > 0, page
        assert (URIRef(canonical.group(1)), None, None) in turtle, page
        checked += 1
    assert checked > 100 and referenced > 20


def test_dataset_pages_embed_schema_org_and_dcat(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text("utf-8"))
    for entry in manifest["datasets"]:
        html = (built / entry["id"] / "index.html").read_text("utf-8")
        blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
        schema = [b for b in blocks if b.get("@type") == "Dataset"]
        assert len(schema) == 1
        assert schema[0]["name"] == entry["title"]
        assert schema[0]["@id"] == entry["uri"]
        assert any(d["contentUrl"].endswith("data.csv") for d in schema[0]["distribution"])
        dcat = [b for b in blocks if "@graph" in b]
        types = {t for b in dcat for node in b["@graph"] if node["@id"] == entry["uri"] for t in node["@type"]}
        assert {"dcat:Dataset", "qb:DataSet"} <= types


def test_all_links_are_relative(built: Path) -> None:
    for page in [built / "index.html", *sorted(built.glob("*/*/index.html"))]:
        html = page.read_text("utf-8")
        for attr, value in re.findall(r'\b(href|src|action)="([^"]*)"', html):
            assert not value.startswith("/"), f"{page}: {attr}={value}"


def test_the_dataset_page_shows_structure_preview_and_downloads(built: Path) -> None:
    page = (built / "labour-market" / "level-3-qualifications" / "index.html").read_text("utf-8")
    assert "Structure" in page and "Explore the data" in page
    assert 'href="data.csv"' in page and 'href="data-labelled.csv"' in page
    entry = next(d for d in json.loads((built / "manifest.json").read_text("utf-8"))["datasets"]
                 if d["id"] == "labour-market/level-3-qualifications")
    assert f'href="{entry["ntriples"].rsplit("/", 1)[1]}"' in page and 'href="dataset.ttl"' in page
    assert 'href="data.csv-metadata.json"' in page
    labelled = (built / "labour-market" / "level-3-qualifications" / "data-labelled.csv").read_text("utf-8")
    data = (built / "labour-market" / "level-3-qualifications" / "data.csv").read_text("utf-8")
    titles = labelled.splitlines()[0].split(",")
    published = data.splitlines()[0].split(",")
    assert titles == [t for t in published if t in titles] and "Area" in titles  # helper columns left out
    assert "E09000033" in data and "E09000033" not in labelled  # codes became labels
    rows = json.loads((built / "manifest.json").read_text("utf-8"))["datasets"]
    expected = next(d["rows"] for d in rows if d["id"] == "labour-market/level-3-qualifications")
    assert len(labelled.splitlines()) == expected + 1
    assert "Westminster" in labelled


def test_explorer_chunks_hold_every_row(built: Path) -> None:
    for entry in json.loads((built / "manifest.json").read_text("utf-8"))["datasets"]:
        folder = built / entry["id"] / "explore"
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        assert meta["rows"] == entry["rows"]
        total = 0
        for n in range(meta["chunks"]):
            columns = json.loads((folder / f"rows-{n:04d}.json").read_text("utf-8"))["columns"]
            assert len(columns) == len(meta["columns"])
            total += len(columns[0])
            for column, values in zip(meta["columns"], columns):
                if column["coded"]:
                    assert all(v is None or 0 <= v < len(column["values"]) for v in values)
        assert total == entry["rows"]


def test_explorer_chunks_are_json_of_the_columns_whatever_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "CHUNK_ROWS", 4)
    text = ['a"b', "c\\d", "é £", "\x01x", "tab\there", None, "", "line\nbreak", "\u2028", "</script>", "12.5"]
    codes = [None if n == 3 else n % 3 for n in range(len(text))]
    frame = pl.DataFrame({"text": text, "code": codes}, schema={"text": pl.String, "code": pl.Int32})
    chunks = [json.loads(chunk) for chunk in tables._chunks_json(frame)]
    assert len(chunks) == 3
    assert [v for chunk in chunks for v in chunk["columns"][0]] == text
    assert [v for chunk in chunks for v in chunk["columns"][1]] == codes
    assert [len(chunk["columns"][0]) for chunk in chunks] == [4, 4, 3]


def test_search_index_finds_datasets_by_code_and_label(built: Path) -> None:
    datasets = json.loads((built / "search" / "datasets.json").read_text("utf-8"))["datasets"]
    assert len(datasets) == len(json.loads((built / "manifest.json").read_text("utf-8"))["datasets"])
    titles = [d["title"] for d in datasets]
    for shard, column, text in (("e", 0, "E09000033"), ("w", 1, "Westminster")):
        codes = json.loads((built / "search" / "codes" / f"{shard}.json").read_text("utf-8"))["codes"]
        hits = [c for c in codes if c[column] == text]
        assert hits, f"{text} not in shard {shard}"
        users = {titles[i] for c in hits for i in c[4]}
        assert "People aged 16 to 64 with level 3 or above qualifications" in users


def test_rendering_is_deterministic(fixture_out: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    shutil.copytree(fixture_out, other)
    render_site(fixture_out)
    render_site(other)
    render_site(other)  # a second render over its own output changes nothing

    def digest(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}
    assert digest(fixture_out) == digest(other)


def test_unchanged_files_are_linked_from_the_previous_build_and_changed_ones_written(tmp_path: Path) -> None:
    files = {"a/index.html": b"same", "a/b/index.ttl": b"old", "c.json": b"{}"}
    previous, out = tmp_path / "previous", tmp_path / "out"
    write(previous, files)
    write(out, {**files, "a/b/index.ttl": b"new", "d%20e/f.txt": b"added"}, previous)
    assert (out / "a/index.html").samefile(previous / "a/index.html")
    assert (out / "c.json").samefile(previous / "c.json")
    assert not (out / "a/b/index.ttl").samefile(previous / "a/b/index.ttl")
    assert (out / "a/b/index.ttl").read_bytes() == b"new" and (previous / "a/b/index.ttl").read_bytes() == b"old"
    assert (out / "d e/f.txt").read_bytes() == b"added"
    # Writing new bytes over a linked file replaces it: the previous build's copy is not touched.
    write(out, {"a/index.html": b"changed"})
    assert (out / "a/index.html").read_bytes() == b"changed"
    assert (previous / "a/index.html").read_bytes() == b"same"


def test_the_hand_written_fixture_renders_with_labels_for_reference_codes(fixture_out: Path) -> None:
    problems = render_site(fixture_out)
    assert [p for p in problems if str(p.severity) == "error"] == []
    assert check_links(fixture_out) == []
    # Period codes read through a helper column that is not in the CSV fall back to the period rules.
    meta = json.loads((fixture_out / "trade" / "trade-in-goods" / "explore" / "meta.json").read_text("utf-8"))
    assert meta["period"] == "period"
    period = next(c for c in meta["columns"] if c["name"] == "period")
    assert period["values"] == [["2024-Q1", "2024 Q1"], ["2024-Q2", "2024 Q2"]]
    code = fixture_out / "ref" / "codelist" / "gss-geography" / "E09000033" / "index.html"
    assert "Westminster" in code.read_text("utf-8")
    assert "Regional trade in goods" in code.read_text("utf-8")
    family = (fixture_out / "trade" / "index.html").read_text("utf-8")
    assert "Flow" in family and "Shared dimensions" in family


def test_markup_in_metadata_is_shown_as_text_never_executed(fixture_out: Path) -> None:
    catalog = fixture_out / "catalog.ttl"
    catalog.write_text(catalog.read_text("utf-8").replace('dcterms:title "Regional trade in goods"@en',
                                                          'dcterms:title "Trade <script>alert(1)</script>"@en'))
    ttl = fixture_out / "trade" / "regional-trade" / "dataset.ttl"
    text = ttl.read_text("utf-8")
    text = text.replace('dcterms:title "Regional trade in goods"@en',
                        'dcterms:title "Trade <script>alert(1)</script>"@en')
    text = text.replace('"Exports and imports',
                        '"<img src=x onerror=alert(2)> [click](javascript:alert(3)) </script><script>alert(4)</script>'
                        'Exports and imports')
    text = text.replace("<https://www.gov.uk/government/statistics/regional-trade-in-goods>",
                        "<javascript:alert(5)>")
    ttl.write_text(text, "utf-8")
    render_site(fixture_out)
    html = (fixture_out / "trade" / "regional-trade" / "index.html").read_text("utf-8")
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # JSON-LD blocks escape `<` so no `</script>` can end them early.
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        assert "<" not in block
        json.loads(block)
    for page in fixture_out.rglob("index.html"):
        if page.parent.name != "sparql":  # the SPARQL stage's page keeps titles inside a JSON string
            assert "<script>alert" not in page.read_text("utf-8"), page


def test_a_publisher_theme_overrides_templates_and_static_files(fixture_out: Path, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "home.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1 class="govuk-heading-xl">Our own home</h1>'
        '{% endblock %}', "utf-8")
    (theme / "static" / "cogs.css").write_text("body { }\n", "utf-8")
    render_site(fixture_out, theme_dir=theme)
    assert "Our own home" in (fixture_out / "index.html").read_text("utf-8")
    assert (fixture_out / "assets" / "cogs" / "cogs.css").read_text("utf-8") == "body { }\n"
    assert "Regional trade in goods" in (fixture_out / "trade" / "index.html").read_text("utf-8")


def test_a_folder_that_was_not_built_is_a_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(CogsError) as caught:
        render_site(tmp_path)
    assert [p.code for p in caught.value.problems] == ["site.no-manifest"]
    assert "cogs build" in (caught.value.problems[0].hint or "")


@pytest.mark.parametrize(("here", "target", "expected"), [
    ("", "trade/", "trade/index.html"),
    ("trade/regional-trade/", "", "../../index.html"),
    ("trade/codelist/flow/EX/", "search/", "../../../../search/index.html"),
])
def test_links_are_relative_to_the_page(here: str, target: str, expected: str) -> None:
    assert Linker(here).page(target) == expected


def test_a_dataset_without_its_csv_still_gets_a_page_and_a_warning(fixture_out: Path) -> None:
    (fixture_out / "trade" / "trade-in-goods" / "data.csv").unlink()
    problems = render_site(fixture_out)
    assert [(p.code, str(p.severity)) for p in problems] == [("site.no-csv", "warning")]
    page = (fixture_out / "trade" / "trade-in-goods" / "index.html").read_text("utf-8")
    assert "Trade in goods by flow" in page
    assert 'href="data.csv"' not in page  # no download link to a file that is not there
    assert check_links(fixture_out) == []


def test_structure_and_component_fragments_land_on_their_rows(built: Path) -> None:
    qb = "http://purl.org/linked-data/cube#"
    for entry in json.loads((built / "manifest.json").read_text("utf-8"))["datasets"]:
        graph = Graph().parse(built / entry["turtle"])
        page = (built / entry["id"] / "index.html").read_text("utf-8")
        specs = {str(o) for o in graph.objects(None, URIRef(qb + "component"))}
        assert specs
        for spec in specs:
            fragment = spec.split("#", 1)[1]
            assert f'id="{fragment}"' in page, spec
        assert 'id="structure"' in page


def test_descriptions_are_markdown_without_raw_html_and_under_the_page_headings() -> None:
    from cogs.site.render import markdown
    html = str(markdown("# Notes\n\nSee **the** [release](https://example.org/r) <b>now</b> "
                        "[bad](javascript:alert(1))\n"))
    assert "<h3>Notes</h3>" in html and "<h1>" not in html
    assert "<strong>the</strong>" in html
    assert '<a href="https://example.org/r">release</a>' in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html
    assert 'href="javascript' not in html


def test_home_and_family_pages_embed_a_schema_org_data_catalog(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text("utf-8"))
    for path, expected in (("index.html", {d["uri"] for d in manifest["datasets"]}),
                           ("trade/index.html", {d["uri"] for d in manifest["datasets"] if d["id"].startswith("trade/")})):
        html = (built / path).read_text("utf-8")
        blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
        catalog = next(b for b in blocks if b.get("@type") == "DataCatalog")
        assert {d["@id"] for d in catalog["dataset"]} == expected


def test_compiled_templates_are_kept_and_give_the_same_site(fixture_out: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    render_site(fixture_out)
    first = {p: p.read_bytes() for p in sorted(fixture_out.rglob("*.html"))}
    kept = list((tmp_path / "cache" / "cogs" / "templates").iterdir())
    assert kept, "no compiled template was kept"
    render_site(fixture_out)  # from the kept templates this time
    assert {p: p.read_bytes() for p in sorted(fixture_out.rglob("*.html"))} == first


def test_a_cache_folder_that_cannot_be_made_is_skipped(fixture_out: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    render_site(fixture_out)
    assert (fixture_out / "index.html").is_file()
