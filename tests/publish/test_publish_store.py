"""`cogs publish` into a real Oxigraph server: incremental, whole-graph, and safe under faults."""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from cube_fixture import BASE, make_out
from store_fixture import FaultProxy, OxigraphServer

from cogs.cli import main
from cogs.problems import CogsError
from cogs.publish import Options, Outcome, publish, state_graph_iri

pytestmark = pytest.mark.server

V1 = {"trade/regional-trade": 44, "trade/overseas-trade": 20, "labour-market/employment": 7}
STATE = state_graph_iri(BASE)
FAST = Options(retries=2, backoff=0.01, timeout=30)
REGIONAL = f"{BASE}trade/regional-trade/"


def build(tmp_path: Path, name: str, datasets: dict[str, int], versions: dict[str, int] | None = None
          ) -> tuple[Path, dict[str, set[str]]]:
    out = tmp_path / name / "out"
    graphs = make_out(out, datasets, versions)
    return out, {iri: set(lines) for iri, lines in graphs.items()}


def holds_exactly(server: OxigraphServer, out: Path, graphs: dict[str, set[str]]) -> None:
    """The store holds the build's graphs, each exactly, plus the state graph recording their hashes."""
    stored = server.graphs()
    state = stored.pop(STATE)
    assert stored == graphs
    manifest = json.loads((out / "manifest.json").read_text())
    assert state == {f'<{g["iri"]}> <{STATE}#sha256> "{g["sha256"]}" .' for g in manifest["graphs"]}


def actions(report_outcomes: list[Outcome]) -> dict[str, str]:
    return {o.graph: o.action for o in report_outcomes}


def test_first_publish_sends_every_graph_and_a_rerun_sends_nothing(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    out, graphs = build(tmp_path, "v1", V1)
    report = publish(out, oxigraph.store, FAST)
    assert report.ok
    assert actions(report.outcomes) == {iri: "sent" for iri in graphs}
    holds_exactly(oxigraph, out, graphs)
    for dataset, rows in V1.items():
        assert oxigraph.count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?o <http://purl.org/linked-data/cube#dataSet> <{BASE}{dataset}/> }} }}") == rows
    again = publish(out, oxigraph.store, FAST)
    assert actions(again.outcomes) == {iri: "unchanged" for iri in graphs}


def test_only_changed_graphs_are_sent_and_removed_datasets_deleted(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    out1, _ = build(tmp_path, "v1", V1)
    publish(out1, oxigraph.store, FAST)
    v2 = {"trade/regional-trade": 50, "labour-market/employment": 7}  # overseas-trade removed
    out2, graphs2 = build(tmp_path, "v2", v2)
    report = publish(out2, oxigraph.store, FAST)
    assert actions(report.outcomes) == {
        BASE: "sent",  # the catalogue lists one dataset fewer
        REGIONAL: "sent",
        f"{BASE}labour-market/employment/": "unchanged",
        f"{BASE}trade/overseas-trade/": "deleted",
    }
    holds_exactly(oxigraph, out2, graphs2)


def test_graphs_it_did_not_publish_are_left_alone(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    import requests

    foreign = "https://elsewhere.example/graph"
    requests.put(oxigraph.store, params={"graph": foreign}, data=b"<http://a> <http://b> <http://c> .\n",
                 headers={"Content-Type": "application/n-triples"}, timeout=10).raise_for_status()
    out, graphs = build(tmp_path, "v1", V1)
    publish(out, oxigraph.store, FAST)
    out2, graphs2 = build(tmp_path, "v2", {"labour-market/employment": 7})
    publish(out2, oxigraph.store, FAST)
    stored = oxigraph.graphs()
    assert stored.pop(foreign) == {"<http://a> <http://b> <http://c> ."}
    stored.pop(STATE)
    assert stored == graphs2


def test_transient_500s_are_retried(tmp_path: Path, oxigraph: OxigraphServer,
                                    proxy_factory: Callable[..., FaultProxy]) -> None:
    proxy = proxy_factory(oxigraph.url, lambda method, graph, n: "500" if graph == REGIONAL and n < 2 else "pass")
    out, graphs = build(tmp_path, "v1", V1)
    report = publish(out, proxy.store, FAST)
    assert report.ok
    assert {o.graph: o.attempts for o in report.outcomes}[REGIONAL] == 3
    holds_exactly(oxigraph, out, graphs)


def test_a_500_on_one_graph_fails_it_alone_and_a_rerun_completes(
        tmp_path: Path, oxigraph: OxigraphServer, proxy_factory: Callable[..., FaultProxy]) -> None:
    out1, graphs1 = build(tmp_path, "v1", V1)
    publish(out1, oxigraph.store, FAST)
    out2, graphs2 = build(tmp_path, "v2", V1, versions={d: 2 for d in V1})
    broken = proxy_factory(oxigraph.url, lambda method, graph, n: "500" if method == "PUT" and graph == REGIONAL else "pass")
    report = publish(out2, broken.store, FAST)
    assert not report.ok
    failed = [o for o in report.outcomes if o.action == "failed"]
    assert [o.graph for o in failed] == [REGIONAL]
    assert "HTTP 500" in (failed[0].error or "") and "3 attempt(s)" in (failed[0].error or "")
    stored = oxigraph.graphs()
    assert stored[REGIONAL] == graphs1[REGIONAL]  # still the old graph, whole
    assert {iri: lines for iri, lines in stored.items() if iri not in (REGIONAL, STATE)} == \
           {iri: lines for iri, lines in graphs2.items() if iri != REGIONAL}
    rerun = publish(out2, oxigraph.store, FAST)
    assert [o.graph for o in rerun.outcomes if o.action == "sent"] == [REGIONAL]
    holds_exactly(oxigraph, out2, graphs2)


def test_a_slow_server_times_out_and_the_repeated_put_duplicates_nothing(
        tmp_path: Path, oxigraph: OxigraphServer, proxy_factory: Callable[..., FaultProxy]) -> None:
    # The store applies each first PUT but answers too late: the client gives up and sends it again.
    slow = proxy_factory(oxigraph.url, lambda method, graph, n: 1.5 if method == "PUT" and graph != STATE and n == 0 else "pass")
    out, graphs = build(tmp_path, "v1", V1)
    report = publish(out, slow.store, Options(retries=3, backoff=0.01, timeout=0.5))
    assert report.ok
    assert all(o.attempts == 2 for o in report.outcomes)
    holds_exactly(oxigraph, out, graphs)
    for iri, lines in graphs.items():
        assert oxigraph.count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}") == len(lines)


def test_a_connection_cut_mid_graph_leaves_the_old_graph_whole(
        tmp_path: Path, oxigraph: OxigraphServer, proxy_factory: Callable[..., FaultProxy]) -> None:
    out1, graphs1 = build(tmp_path, "v1", V1)
    publish(out1, oxigraph.store, FAST)
    out2, graphs2 = build(tmp_path, "v2", V1, versions={d: 2 for d in V1})
    cutting = proxy_factory(oxigraph.url, lambda method, graph, n: "cut" if method == "PUT" and graph == REGIONAL else "pass")
    report = publish(out2, cutting.store, Options(retries=1, backoff=0.01))
    assert actions(report.outcomes)[REGIONAL] == "failed"
    assert ("PUT", REGIONAL, "cut") in cutting.log
    assert oxigraph.graphs()[REGIONAL] == graphs1[REGIONAL]
    publish(out2, oxigraph.store, FAST)
    holds_exactly(oxigraph, out2, graphs2)


def test_the_server_stopped_mid_publish_leaves_each_graph_old_or_new(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    out1, graphs1 = build(tmp_path, "v1", V1)
    publish(out1, oxigraph.store, FAST)
    out2, graphs2 = build(tmp_path, "v2", V1, versions={d: 2 for d in V1})

    def stop_after_two(outcome: Outcome) -> None:
        if sum(1 for _ in sent) == 1 and outcome.action == "sent":
            oxigraph.kill()
        if outcome.action == "sent":
            sent.append(outcome.graph)

    sent: list[str] = []
    report = publish(out2, oxigraph.store, Options(retries=2, backoff=0.01, timeout=5), on_graph=stop_after_two)
    assert len(sent) == 2, report.outcomes
    changed = {iri for iri in graphs2 if graphs2[iri] != graphs1[iri]}
    failed = [o for o in report.outcomes if o.action == "failed"]
    assert sorted(o.graph for o in failed) == sorted(changed - set(sent))
    assert all(o.attempts == 3 and "Connection" in (o.error or "") for o in failed)
    oxigraph.start()
    stored = oxigraph.graphs()
    stored.pop(STATE)
    assert set(stored) == set(graphs2)
    for iri, lines in stored.items():
        assert lines == (graphs2[iri] if iri in sent else graphs1[iri]), iri
    rerun = publish(out2, oxigraph.store, FAST)
    assert sorted(o.graph for o in rerun.outcomes if o.action == "sent") == sorted(changed - set(sent))
    holds_exactly(oxigraph, out2, graphs2)


def test_credentials_are_sent_and_a_refusal_is_reported(tmp_path: Path, oxigraph: OxigraphServer,
                                                         proxy_factory: Callable[..., FaultProxy]) -> None:
    expected = "Basic " + base64.b64encode(b"publisher:s3cret").decode()
    guarded = proxy_factory(oxigraph.url, require_auth=expected)
    out, graphs = build(tmp_path, "v1", V1)
    with pytest.raises(CogsError) as refused:
        publish(out, guarded.store, FAST)
    assert refused.value.problems[0].code == "publish.store-unreachable"
    assert "401" in str(refused.value)
    report = publish(out, guarded.store, Options(auth="publisher:s3cret", retries=0))
    assert report.ok
    holds_exactly(oxigraph, out, graphs)


def test_dry_run_changes_nothing(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    out, graphs = build(tmp_path, "v1", V1)
    report = publish(out, oxigraph.store, Options(dry_run=True))
    assert actions(report.outcomes) == {iri: "would-send" for iri in graphs}
    assert oxigraph.graphs() == {}


def test_the_publish_command_reports_what_it_sent(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    out, graphs = build(tmp_path, "v1", V1)
    runner = CliRunner()
    result = runner.invoke(main, ["publish", str(out), "--endpoint", oxigraph.store])
    assert result.exit_code == 0, result.output
    assert f"sent         {REGIONAL}  {len(graphs[REGIONAL]):,} triples" in result.output
    assert f"{len(graphs)} sent" in result.output
    again = runner.invoke(main, ["publish", str(out), "--endpoint", oxigraph.store, "--json"])
    assert again.exit_code == 0, again.output
    assert {g["action"] for g in json.loads(again.output)["graphs"]} == {"unchanged"}
    unreachable = runner.invoke(main, ["publish", str(out), "--endpoint", "http://127.0.0.1:9/store", "--retries", "0"])
    assert unreachable.exit_code == 1
    assert "publish.store-unreachable" in unreachable.output


@pytest.mark.xdist_group("cogs-families")
def test_the_example_families_published_hold_every_csv_row(families_out: Path, oxigraph: OxigraphServer) -> None:
    out = families_out
    manifest = json.loads((out / "manifest.json").read_text())
    report = publish(out, oxigraph.store, FAST)
    assert report.ok and report.count("sent") == len(manifest["graphs"])
    for graph in manifest["graphs"]:
        assert oxigraph.count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph['iri']}> {{ ?s ?p ?o }} }}") == graph["triples"]
    for dataset in manifest["datasets"]:
        with (out / dataset["csv"]).open(newline="", encoding="utf-8") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
        assert oxigraph.count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?o <http://purl.org/linked-data/cube#dataSet> "
                              f"<{dataset['uri']}> }} }}") == rows


def test_without_hashes_in_the_manifest_they_are_computed_and_force_resends(tmp_path: Path,
                                                                             oxigraph: OxigraphServer) -> None:
    out, graphs = build(tmp_path, "v1", V1)
    manifest = json.loads((out / "manifest.json").read_text())
    for graph in manifest["graphs"]:
        del graph["sha256"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert actions(publish(out, oxigraph.store, FAST).outcomes) == {iri: "sent" for iri in graphs}
    assert actions(publish(out, oxigraph.store, FAST).outcomes) == {iri: "unchanged" for iri in graphs}
    stored = oxigraph.graphs()
    assert {iri: lines for iri, lines in stored.items() if iri != STATE} == graphs
    forced = publish(out, oxigraph.store, Options(force=True, retries=0))
    assert actions(forced.outcomes) == {iri: "sent" for iri in graphs}
