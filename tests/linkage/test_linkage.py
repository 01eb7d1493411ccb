"""Linkage on the example families: which datasets join, on what, and how far their codes overlap.

The overlap figures are recomputed here straight from the source CSVs with the csv module, not
from the build's frames, so a mistake in the stage cannot hide behind the same mistake twice.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from cogs.build import build
from cogs.linkage import COGS, DimensionUse, find_links, reference_links

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ROOT / "families"
BASE = "https://statistics.example.gov.uk/"
TRADE = ("trade/overseas-trade", "trade/regional-trade", "trade/trade-in-services")
# The column holding each shared dimension in each Trade dataset.
COLUMNS = {
    "trade/overseas-trade": {"flow": "Flow", "geography": "Reporter", "period": "Year"},
    "trade/regional-trade": {"flow": "Flow", "geography": "Area", "period": "Year"},
    "trade/trade-in-services": {"flow": "Flow", "geography": "Area", "period": "Period"},
}
PROPERTIES = {"flow": BASE + "trade/dimension/flow/",
              "geography": "http://purl.org/linked-data/sdmx/2009/dimension#refArea",
              "period": "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("linkage") / "out"
    build(FAMILIES, out)
    return out


def period(code: str) -> str:
    """The same period however it is written: 2015-Q3 and 2015 Q3 are one quarter."""
    quarter = re.fullmatch(r"(\d{4})[- ]?Q([1-4])", code)
    if quarter:
        return f"quarter/{quarter[1]}-Q{quarter[2]}"
    assert re.fullmatch(r"\d{4}", code), code
    return f"year/{code}"


def used(key: str, dimension: str) -> set[str]:
    with (FAMILIES / key / "data.csv").open(newline="", encoding="utf-8") as handle:
        values = {row[COLUMNS[key][dimension]].strip() for row in csv.DictReader(handle)}
    return {period(v) for v in values} if dimension == "period" else values


def resolved(linkage: dict, link: dict) -> dict:  # type: ignore[type-arg]
    """A link with each match's `left` and `right` replaced by the dimension entries they index."""
    left, right = (linkage["datasets"][link[side]]["dimensions"] for side in ("left", "right"))
    return {**link, "dimensions": [{**m, "left": left[m["left"]], "right": right[m["right"]]}
                                   for m in link["dimensions"]]}


def test_trade_datasets_join_on_flow_geography_and_period(built: Path) -> None:
    linkage = json.loads((built / "linkage.json").read_text())
    links = {(link["left"], link["right"]): resolved(linkage, link) for link in linkage["links"]}
    for left, right in [(TRADE[0], TRADE[1]), (TRADE[0], TRADE[2]), (TRADE[1], TRADE[2])]:
        link = links[(left, right)]
        by_property = {m["left"]["property"]: m for m in link["dimensions"]}
        assert set(by_property) == set(PROPERTIES.values()), (left, right)
        for dimension, prop in PROPERTIES.items():
            match = by_property[prop]
            assert match["kind"] == "same-property"
            assert match["left"]["column"] == COLUMNS[left][dimension]
            assert match["right"]["column"] == COLUMNS[right][dimension]
            a, b = used(left, dimension), used(right, dimension)
            assert match["left"]["codes"] == len(a)
            assert match["right"]["codes"] == len(b)
            assert match["shared"] == len(a & b), (left, right, dimension)
            assert match["match_rate"] == round(len(a & b) / len(a | b), 4)
            assert match["left_coverage"] == round(len(a & b) / len(a), 4)
            assert match["right_coverage"] == round(len(a & b) / len(b), 4)
            if dimension != "period":
                assert set(match["left"]["used"]) - set(match["right"]["used"]) == a - b
                assert set(match["right"]["used"]) - set(match["left"]["used"]) == b - a
        assert link["joinable"] is True
        assert right in linkage["datasets"][left]["joinable_with"]


def test_flow_overlap_is_partial_where_services_have_a_balance(built: Path) -> None:
    """Trade in services has exports, imports and the balance; goods only exports and imports."""
    linkage = json.loads((built / "linkage.json").read_text())
    link = resolved(linkage, next(x for x in linkage["links"] if (x["left"], x["right"]) == (TRADE[1], TRADE[2])))
    flow = next(m for m in link["dimensions"] if m["left"]["property"] == PROPERTIES["flow"])
    only_services = set(flow["right"]["used"]) - set(flow["left"]["used"])
    assert used(TRADE[2], "flow") - used(TRADE[1], "flow") == only_services != set()
    assert flow["match_rate"] < 1


def test_datasets_of_other_families_join_on_geography_and_period_only(built: Path) -> None:
    linkage = json.loads((built / "linkage.json").read_text())
    for link in (resolved(linkage, x) for x in linkage["links"]):
        if link["left"].split("/")[0] != link["right"].split("/")[0]:
            assert {m["left"]["property"] for m in link["dimensions"]} <= {PROPERTIES["geography"],
                                                                            PROPERTIES["period"]}


def test_family_table_lists_the_shared_dimensions_of_each_dataset(built: Path) -> None:
    family = json.loads((built / "linkage.json").read_text())["families"]["trade"]
    assert family["datasets"] == list(TRADE)
    shared = {d["parent"]: d for d in family["dimensions"] if d["shared"]}
    assert set(shared) == set(PROPERTIES.values())
    for dimension, prop in PROPERTIES.items():
        assert {k: v[0]["column"] for k, v in shared[prop]["datasets"].items()} == \
               {k: COLUMNS[k][dimension] for k in TRADE}


def test_code_lists_name_the_datasets_using_them(built: Path) -> None:
    codelists = json.loads((built / "linkage.json").read_text())["codelists"]
    flow = codelists[BASE + "trade/codelist/flow/"]
    assert [u["dataset"] for u in flow["datasets"]] == list(TRADE)
    with (FAMILIES / "trade/codelists/flow.csv").open(newline="", encoding="utf-8") as handle:
        assert flow["codes"] == sum(1 for _ in csv.DictReader(handle))


def test_linkage_graph_is_in_the_dump_and_the_manifest(built: Path, linkage_graph: Callable[[Path], bytes]) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    entry = next(g for g in manifest["graphs"] if g["iri"] == BASE + "linkage/")
    data = linkage_graph(built)
    import hashlib

    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert data.count(b"\n") == entry["triples"] == len(set(data.splitlines()))
    store = Dataset()
    graph = store.graph(URIRef(BASE + "linkage/"))
    graph.parse(data=data, format="nt")
    assert len(graph) == entry["triples"]
    pair = BASE + "trade/regional-trade/#linkage/trade/trade-in-services/"
    specs = {"flow": "flow", "geography": "geography", "period": "period"}
    for dimension, (left, right) in {"flow": ("flow", "flow"), "geography": ("area", "area"),
                                     "period": ("year", "period")}.items():
        node = URIRef(pair + f"{left}/{right}")
        assert (node, URIRef(COGS + "leftDimension"),
                URIRef(BASE + f"trade/regional-trade/#component/{specs[dimension]}")) in graph
        assert (node, URIRef(COGS + "rightDimension"),
                URIRef(BASE + f"trade/trade-in-services/#component/{specs[dimension]}")) in graph
        a, b = used(TRADE[1], dimension), used(TRADE[2], dimension)
        assert int(graph.value(node, URIRef(COGS + "sharedCodes"))) == len(a & b)
        assert float(graph.value(node, URIRef(COGS + "matchRate"))) == pytest.approx(len(a & b) / len(a | b),
                                                                                     abs=5e-5)
    flow = URIRef(BASE + "trade/regional-trade/#component/flow")
    assert (flow, URIRef(COGS + "codesUsed"), Literal(len(used(TRADE[1], "flow")))) in graph
    assert (URIRef(BASE + "trade/regional-trade/"), URIRef("http://purl.org/dc/terms/relation"),
            URIRef(BASE + "trade/trade-in-services/")) in graph
    assert (URIRef(COGS + "matchRate"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("match rate", lang="en")) in graph


def _random_uses(seed: int) -> dict[str, list[DimensionUse]]:
    rng = random.Random(seed)
    properties = ["p:area", "p:period", "p:sex", "p:flow", "p:local-area"]
    parents = {"p:local-area": "p:area"}
    lists = {"p:sex": "c:sex", "p:flow": "c:flow", "p:area": None, "p:period": None, "p:local-area": None}
    uses: dict[str, list[DimensionUse]] = {}
    for n in range(rng.randint(2, 9)):
        key = f"f{n % 3}/d{n}"
        chosen = rng.sample(properties, rng.randint(1, 4))
        uses[key] = [DimensionUse(key, p, p, p, p, p, parents.get(p, p), lists[p] if rng.random() > 0.2 else "c:flow",
                                  "", frozenset(str(rng.randint(0, 12)) for _ in range(rng.randint(0, 8))))
                     for p in chosen]
    return uses


@pytest.mark.parametrize("seed", range(30))
def test_indexed_pairs_agree_with_comparing_every_pair(seed: int) -> None:
    uses = _random_uses(seed)
    assert find_links(uses) == reference_links(uses)


def test_the_same_input_gives_the_same_linkage_files(built: Path, tmp_path: Path,
                                                     linkage_graph: Callable[[Path], bytes]) -> None:
    again = tmp_path / "out"
    build(FAMILIES, again)
    for name in ("linkage.json", "quality.json", "changes.json"):
        assert (again / name).read_bytes() == (built / name).read_bytes(), name
    assert linkage_graph(again) == linkage_graph(built)
