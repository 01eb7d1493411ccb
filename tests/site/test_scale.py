"""Scale: a site of 1,000 datasets renders in under a minute.

Generates a built `out/` of 10 families x 100 small datasets (the shape `cogs build` writes:
catalogue, dataset Turtle, CSVW, CSV) and times `render_site` over it. Run it alone with

    python tests/site/test_scale.py [OUT]

which prints the figure (see bench/README.md).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from cogs.site import check_links, render_site

BASE = "https://data.example.gov.uk/"
AREAS = [f"E0900{n:04d}" for n in range(1, 34)]
YEARS = [str(y) for y in range(2015, 2025)]
FLOWS = [("EX", "Exports"), ("IM", "Imports")]
PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def generate(out: Path, families: int = 10, per_family: int = 100) -> int:
    """Write a built `out/` with `families * per_family` datasets; returns the number of datasets."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"base_uri": BASE, "datasets": [], "graphs": [], "codelists": []}
    catalog = [PREFIXES, f"<{BASE}> a dcat:Catalog ; dcterms:title \"Scale test\"@en ."]
    for f in range(families):
        family = f"family-{f:02d}"
        fam = f"{BASE}{family}/"
        flow_list = f"{fam}codelist/flow/"
        catalog.append(f"<{BASE}> dcat:catalog <{fam}> .\n<{fam}> a dcat:Catalog ; dcterms:title \"Family {f}\"@en ; "
                       f"dcterms:description \"Statistics of family {f}.\"@en ; dcat:theme \"Theme {f % 3}\" .")
        manifest["codelists"].append(flow_list)
        codelist = [PREFIXES, f"<{flow_list}> a skos:ConceptScheme ; rdfs:label \"Flow\"@en ."]
        for code, label in FLOWS:
            codelist.append(f"<{flow_list}{code}/> a skos:Concept ; skos:inScheme <{flow_list}> ; "
                            f"skos:prefLabel \"{label}\"@en ; skos:notation \"{code}\" .")
        (out / family / "codelist" / "flow").mkdir(parents=True, exist_ok=True)
        (out / family / "codelist" / "flow" / "codelist.ttl").write_text("\n".join(codelist) + "\n", "utf-8")
        for d in range(per_family):
            name = f"dataset-{d:03d}"
            uri = f"{fam}{name}/"
            folder = out / family / name
            folder.mkdir(parents=True, exist_ok=True)
            areas = AREAS[d % 10: d % 10 + 5]
            rows = [f"{y},{a},{c},{(d * 7 + i) % 1000}.5"
                    for i, (y, a, c) in enumerate((y, a, c) for y in YEARS for a in areas for c, _ in FLOWS)]
            (folder / "data.csv").write_text("Year,Area,Flow,Value\n" + "\n".join(rows) + "\n", "utf-8")
            columns = [
                {"titles": "Year", "name": "year", "propertyUrl": "sdmx-dimension:refPeriod",
                 "valueUrl": "http://reference.data.gov.uk/id/year/{year}"},
                {"titles": "Area", "name": "area", "propertyUrl": "sdmx-dimension:refArea",
                 "valueUrl": "http://statistics.data.gov.uk/id/statistical-geography/{area}"},
                {"titles": "Flow", "name": "flow", "propertyUrl": f"{fam}dimension/flow/", "valueUrl": f"{flow_list}{{flow}}/"},
                {"titles": "Value", "name": "value", "propertyUrl": f"{fam}measure/value/", "datatype": "decimal"},
            ]
            (folder / "data.csv-metadata.json").write_text(json.dumps(
                {"@context": "http://www.w3.org/ns/csvw", "tables": [{"url": "data.csv", "tableSchema": {
                    "columns": columns, "aboutUrl": f"{uri}#obs/{{year}}/{{area}}/{{flow}}"}}]}), "utf-8")
            title = f"Dataset {d} of family {f}"
            (folder / "dataset.ttl").write_text(PREFIXES + f"""
<{uri}> a qb:DataSet, dcat:Dataset ; dcterms:title "{title}"@en ;
    dcterms:description "Trade in goods, sample {d}, by area and flow."@en ; dcterms:issued "2024-01-{1 + d % 28:02d}"^^xsd:date ;
    dcat:keyword "trade", "sample {d}" ; dcterms:publisher <{fam}#publisher> ; qb:structure <{uri}#structure> .
<{fam}#publisher> rdfs:label "Publisher {f % 4}"@en .
<{uri}#structure> a qb:DataStructureDefinition ; qb:component <{uri}#component/year>, <{uri}#component/area>,
    <{uri}#component/flow>, <{uri}#component/value> .
<{uri}#component/year> qb:dimension <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> ; qb:order 1 .
<{uri}#component/area> qb:dimension <http://purl.org/linked-data/sdmx/2009/dimension#refArea> ; qb:order 2 .
<{uri}#component/flow> qb:dimension <{fam}dimension/flow/> ; qb:order 3 .
<{uri}#component/value> qb:measure <{fam}measure/value/> .
<{fam}dimension/flow/> a qb:DimensionProperty ; rdfs:label "Flow"@en ; qb:codeList <{flow_list}> .
<{fam}measure/value/> a qb:MeasureProperty ; rdfs:label "Value"@en .
""", "utf-8")
            catalog.append(f"<{fam}> dcat:dataset <{uri}> .")
            manifest["datasets"].append({"id": f"{family}/{name}", "uri": uri, "title": title,
                                         "csv": f"{family}/{name}/data.csv", "rows": len(rows),
                                         "metadata": f"{family}/{name}/data.csv-metadata.json",
                                         "turtle": f"{family}/{name}/dataset.ttl"})
    (out / "catalog.ttl").write_text("\n".join(catalog) + "\n", "utf-8")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return len(manifest["datasets"])


def generate_linkage(out: Path) -> int:
    """A `linkage.json` for a generated `out/`, as the build would write it: every pair of datasets
    is linked on period and area, and on flow within a family. Returns the number of links."""
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    period, area = ("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod",
                    "http://purl.org/linked-data/sdmx/2009/dimension#refArea")
    datasets, used = {}, {}
    for entry in manifest["datasets"]:
        family, name = entry["id"].split("/")
        d = int(name.rsplit("-", 1)[1])
        flow = f"{BASE}{family}/dimension/flow/"
        codes = [YEARS, AREAS[d % 10: d % 10 + 5], [c for c, _ in FLOWS]]
        used[entry["id"]] = [set(c) for c in codes]
        datasets[entry["id"]] = {"uri": entry["uri"], "title": entry["title"], "family": family, "dimensions": [
            {"column": column, "name": column.lower(), "component": column.lower(), "label": label,
             "property": prop, "parent": prop, "codelist": codelist, "spec": f"{entry['uri']}#component/{column.lower()}",
             "codes": len(values), "used": sorted(values)}
            for (column, label, prop, codelist), values in zip(
                (("Year", "Period", period, f"{BASE}ref/codelist/period/"),
                 ("Area", "Geography", area, f"{BASE}ref/codelist/gss-geography/"),
                 ("Flow", "Flow", flow, f"{BASE}{family}/codelist/flow/")), codes)]}
    keys = sorted(datasets)
    links = []
    for i, left in enumerate(keys):
        for right in keys[i + 1:]:
            same = datasets[left]["family"] == datasets[right]["family"]
            matches = []
            for k in range(3 if same else 2):
                a, b = used[left][k], used[right][k]
                shared = len(a & b)
                matches.append({"kind": "same-property", "left": k, "right": k, "shared": shared,
                                "match_rate": round(shared / len(a | b), 4),
                                "left_coverage": round(shared / len(a), 4), "right_coverage": round(shared / len(b), 4)})
            links.append({"left": left, "right": right, "uri": f"{datasets[left]['uri']}#linkage/{right}",
                          "joinable": any(m["shared"] for m in matches), "dimensions": matches})
    (out / "linkage.json").write_text(json.dumps({"datasets": datasets, "links": links, "codelists": {},
                                                  "families": {}}, separators=(",", ":")), "utf-8")
    return len(links)


def timed_render(out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one `render_site`."""
    start, cpu = time.perf_counter(), time.process_time()
    problems = render_site(out)
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    assert [p for p in problems if str(p.severity) == "error"] == []
    return elapsed, used


@pytest.mark.slow
def test_a_site_of_1000_datasets_renders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert generate(out) == 1000
    elapsed, cpu = timed_render(out)
    print(f"\nrender_site: 1,000 datasets in {elapsed:.1f} s ({cpu:.1f} s CPU)")  # a figure, not a check
    assert len(json.loads((out / "search" / "datasets.json").read_text("utf-8"))["datasets"]) == 1000
    assert (out / "family-09" / "dataset-099" / "index.html").is_file()
    assert check_links(out) == []


@pytest.mark.slow
def test_pages_stay_small_when_200_datasets_all_join(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert generate(out, families=2, per_family=100) == 200
    seconds, _ = timed_render(out)
    sizes = {p: p.stat().st_size for p in out.glob("family-*/dataset-*/index.html")}
    assert generate_linkage(out) == 19900
    with_linkage, cpu = timed_render(out)
    print(f"\nrender_site: 200 datasets in {seconds:.1f} s; with every pair linked {with_linkage:.1f} s ({cpu:.1f} s CPU)")
    page = out / "family-00" / "dataset-000" / "index.html"
    text = page.read_text("utf-8")
    # 25 joinable datasets of its own family with their figures, then 74 as links; the same for the other family.
    assert text.count('data-join="') == 50
    assert "Also joinable" in text
    grown = max(p.stat().st_size - sizes[p] for p in sizes)
    print(f"a dataset page grew by at most {grown / 1000:.0f} kB")
    assert grown < 400_000, grown
    assert with_linkage < 3 * seconds + 30
    assert check_links(out) == []


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/work/site-scale")
    count = generate(target)
    seconds, cpu = timed_render(target)
    pages = sum(1 for _ in target.rglob("index.html"))
    print(f"render_site: {count:,} datasets, {pages:,} pages in {seconds:.1f} s ({cpu:.1f} s CPU)")
    seconds, cpu = timed_render(target)
    print(f"again over its own output: {seconds:.1f} s ({cpu:.1f} s CPU)")
