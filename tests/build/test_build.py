"""`cogs build` on a small valid project: what it writes, and that every output reads back."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from csvw import TableGroup
from rdflib.namespace import DCAT, QB, RDF

from cogs.build import build
from cogs.cli import main
from cogs.site import render


def observations(folder: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(data=gzip.decompress((folder / "observations.nt.gz").read_bytes()).decode(),
                                format="nt")


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cli_build_writes_out(good_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(good_project), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "built 2 datasets in 1 family (10 observations)" in result.output
    for name in ["index.html", "catalog.ttl", "cogs.nq.gz", "manifest.json", "trade/goods/data.csv",
                 "trade/goods/data.csv-metadata.json", "trade/goods/dataset.ttl", "trade/goods/observations.nt.gz",
                 "trade/codelist/flow/codelist.csv", "trade/codelist/flow/codelist.csv-metadata.json"]:
        assert (out / name).is_file(), name


def test_every_rdf_file_parses(good_project: Path, tmp_path: Path) -> None:
    out = build(good_project, tmp_path / "out").out
    rdf_files = sorted(out.rglob("*.ttl")) + sorted(out.rglob("*.nt.gz"))
    assert len(rdf_files) >= 6
    for path in rdf_files:
        if path.suffix == ".ttl":
            graph = rdflib.Graph().parse(path, format="turtle")
        else:
            graph = rdflib.Graph().parse(data=gzip.decompress(path.read_bytes()).decode(), format="nt")
        assert len(graph) > 0, path


def test_every_csvw_reads_with_the_csvw_package(good_project: Path, tmp_path: Path) -> None:
    out = build(good_project, tmp_path / "out").out
    metadata = sorted(out.rglob("*-metadata.json"))
    assert len(metadata) >= 4
    for path in metadata:
        group = TableGroup.from_file(path)
        for table in group.tables:
            rows = list(table.iterdicts(strict=True))
            csv_rows = (path.parent / str(table.url)).read_text("utf-8").count("\n") - 1
            assert len(rows) == csv_rows > 0, path


def test_dump_has_one_graph_per_dataset_and_the_catalogue(good_project: Path, tmp_path: Path) -> None:
    out = build(good_project, tmp_path / "out").out
    dataset = rdflib.Dataset()
    with gzip.open(out / "cogs.nq.gz", "rb") as handle:
        dataset.parse(handle, format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    base = "https://stats.example.org/"
    assert {base, base + "trade/goods/", base + "trade/services/"} <= names
    manifest_graphs = {g["iri"] for g in json.loads((out / "manifest.json").read_text())["graphs"]}
    assert names == manifest_graphs
    goods = dataset.graph(rdflib.URIRef(base + "trade/goods/"))
    assert len(set(goods.subjects(RDF.type, QB.Observation))) == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert {d["id"]: d["observations"] for d in manifest["datasets"]} == {"trade/goods": 4, "trade/services": 6}


def test_catalogue_lists_every_dataset(good_project: Path, tmp_path: Path) -> None:
    out = build(good_project, tmp_path / "out").out
    graph = rdflib.Graph().parse(out / "catalog.ttl")
    catalog = rdflib.URIRef("https://stats.example.org/")
    listed = {str(d) for d in graph.objects(catalog, DCAT.dataset)}
    assert listed == {"https://stats.example.org/trade/goods/", "https://stats.example.org/trade/services/"}
    assert (catalog, RDF.type, DCAT.Catalog) in graph


def test_two_builds_are_byte_identical(good_project: Path, tmp_path: Path) -> None:
    first = files(build(good_project, tmp_path / "a").out)
    second = files(build(good_project, tmp_path / "b").out)
    assert first == second


def test_a_rebuild_links_unchanged_pages_and_equals_one_that_copies(good_project: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    linked, copied = tmp_path / "linked", tmp_path / "copied"
    build(good_project, linked)
    shutil.copytree(linked, copied)
    made: list[str] = []
    real_link = os.link

    def link(source: object, target: object) -> None:
        made.append(str(target))
        real_link(source, target)  # type: ignore[arg-type]
    monkeypatch.setattr(render.os, "link", link)
    build(good_project, linked)
    assert len(made) > 100  # the unchanged pages

    def refuse(source: object, target: object) -> None:
        raise OSError("no hard links here")
    monkeypatch.setattr(render.os, "link", refuse)
    build(good_project, copied)  # every page written out
    assert files(linked) == files(copied)
    assert [p for p in linked.rglob("*") if p.is_file() and p.stat().st_nlink > 1] == []  # the old build is gone
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging or old build left


def test_markers_become_status_and_suppress_the_value(good_project: Path, tmp_path: Path) -> None:
    out = build(good_project, tmp_path / "out").out
    graph = observations(out / "trade/goods")
    suppressed = rdflib.URIRef("https://stats.example.org/trade/goods/#obs/E12000001/2019/import")
    status = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/attribute#obsStatus")
    measure = rdflib.URIRef("https://stats.example.org/trade/measure/trade-value/")
    assert graph.value(suppressed, status) == rdflib.URIRef("https://stats.example.org/ref/codelist/obs-status/c/")
    assert graph.value(suppressed, measure) is None
    provisional = rdflib.URIRef("https://stats.example.org/trade/goods/#obs/E12000002/2019-Q1/import")
    assert graph.value(provisional, measure).toPython() == 100
    assert str(graph.value(provisional, status)).endswith("/obs-status/p/")


def test_codes_stay_as_written_and_labels_map_to_notations(good_project: Path, tmp_path: Path) -> None:
    out = build(good_project, tmp_path / "out").out
    text = (out / "trade/goods/data.csv").read_text()
    assert "E12000001,2019,export,1234.5" in text
    assert "E12000002,2019-Q1,export,99" in text  # "Exports" (a label) written as its notation
    graph = observations(out / "trade/goods")
    period = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod")
    assert set(graph.objects(None, period)) == {rdflib.URIRef("http://reference.data.gov.uk/id/year/2019"),
                                                rdflib.URIRef("http://reference.data.gov.uk/id/quarter/2019-Q1")}


def test_generated_codelist_holds_the_codes_used(good_project: Path, tmp_path: Path) -> None:
    out = build(good_project, tmp_path / "out").out
    rows = (out / "trade/services/codelist/service/codelist.csv").read_text().splitlines()
    assert rows[0] == "label,notation,parent,sort_priority,description"
    assert sorted(r.split(",")[0] for r in rows[1:]) == ['"Transport', "Financial services", "Travel"]


def test_bom_and_crlf_simply_work(good_project: Path, tmp_path: Path) -> None:
    plain = build(good_project, tmp_path / "plain").out
    csv = good_project / "trade/goods/data.csv"
    csv.write_bytes(b"\xef\xbb\xbf" + csv.read_bytes().replace(b"\n", b"\r\n"))
    windows = build(good_project, tmp_path / "windows").out
    assert files(plain) == files(windows)


def test_strict_turns_warnings_into_failure(good_project: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(good_project), "-o", str(tmp_path / "out"), "--strict"])
    assert result.exit_code == 1, result.output
    assert "obs.marker-in-value" in result.output


@pytest.mark.parametrize("flag", ["--json"])
def test_json_summary(good_project: Path, tmp_path: Path, flag: str) -> None:
    result = CliRunner().invoke(main, ["build", str(good_project), "-o", str(tmp_path / "out"), flag])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["datasets"] == 2 and report["observations"] == 10


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    """The `cogs` console script's own entry point, in a process of its own (output piped, so
    block-buffered: what it prints must still all arrive)."""
    return subprocess.run([sys.executable, "-c", "from cogs.cli import entry; entry()", *args],
                          capture_output=True, text=True, timeout=300)


def test_the_command_exits_with_its_code_and_all_its_output(good_project: Path, tmp_path: Path) -> None:
    done = _command("build", str(good_project), "-o", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["observations"] == 10
    assert (tmp_path / "out" / "index.html").is_file()

    failed = _command("build", str(good_project), "-o", str(tmp_path / "out"), "--strict")
    assert failed.returncode == 1
    assert "obs.marker-in-value" in failed.stderr and "left as it was" in failed.stderr

    usage = _command("build", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr


def test_leaving_waits_for_a_thread_still_running(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    script = ("import threading, time\nfrom cogs import cli\n"
              f"def late():\n    time.sleep(0.3)\n    open({str(marker)!r}, 'w').write('done')\n"
              "threading.Thread(target=late).start()\ncli._leave(3)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert marker.read_text() == "done"


def test_the_site_from_the_build_equals_one_rendered_from_its_files(good_project: Path, tmp_path: Path) -> None:
    """The build hands its published tables to the site instead of reading the CSV files back: the
    pages, explorer chunks and labelled CSV must be those the files give, awkward cells included."""
    services = good_project / "trade" / "services" / "data.csv"
    rows = services.read_text().splitlines()
    rows[1] = rows[1].replace("MTN7", '"MT,N7"')
    rows[2] = rows[2].replace(",,20,", ',"say ""N8""",20,')
    rows[3] = rows[3].replace("MTN8", '" MTN8"')
    rows[4] = rows[4].replace(",,,[z]", ',"two\nlines",,[z]')
    services.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    build(good_project, out)
    assert b'"MT,N7"' in (out / "trade" / "services" / "data.csv").read_bytes()
    again = tmp_path / "again"
    shutil.copytree(out, again)
    for page in again.rglob("*"):
        if page.is_file() and (page.name in ("index.html", "data-labelled.csv") or page.parent.name == "explore"):
            page.unlink()
    render.render_site(again)  # every table read back from its CSV file
    assert files(again) == files(out)


def test_the_later_stages_are_imported_while_tables_are_checked(good_project: Path, tmp_path: Path) -> None:
    """`cogs.build` itself imports only what reading and checking need; a build imports the rest
    (rdflib, jinja2, the writing, validation and site modules) on a thread of its own."""
    later = ["cogs.site", "cogs.validate", "cogs.write", "jinja2", "pyoxigraph", "rdflib"]
    script = f"""
import sys, threading
from pathlib import Path
import cogs.build as b
print(sorted(n for n in {later!r} if n in sys.modules))
alive = []
checking = b._prepare_all
def watched(*args):
    alive.extend(t.name for t in threading.enumerate())
    return checking(*args)
b._prepare_all = watched
b.build(Path({str(good_project)!r}), Path({str(tmp_path / "out")!r}))
print(sorted(n for n in {later!r} if n in sys.modules))
print("cogs-imports" in alive)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after, threaded = done.stdout.splitlines()
    assert before == "[]", done.stdout
    assert after == str(later) and threaded == "True", done.stdout
