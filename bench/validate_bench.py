"""Time `cogs validate` on synthetic Data Cubes of 100k and 1M observations, against pySHACL and
against Oxigraph's bulk load of the same files, all in one run.

    python bench/validate_bench.py [--rows 100000 1000000] [--pyshacl-rows 100000] [--out bench/work/validate]

Writes under `bench/work/validate/` a cube per size (`dataset.ttl` with the catalogue entry,
structure and code lists; `observations.nt`; and the whole cube as one Turtle file, as RDF from
elsewhere would come) and prints a Markdown table. Each measurement runs in its own process so its
peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

BASE = "https://stats.example/"
AREAS, PERIODS, SEXES = 400, 50, 3


def _metadata(ages: int) -> str:
    ds = f"{BASE}bench/people/"
    lines = [
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix qb: <http://purl.org/linked-data/cube#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix sdmxa: <http://purl.org/linked-data/sdmx/2009/attribute#> .",
        f"<{BASE}> a dcat:Catalog ; dcterms:title \"Bench\" ; dcat:dataset <{ds}> .",
        f"<{BASE}theme/people> a skos:Concept ; skos:prefLabel \"People\" ; skos:notation \"people\" ; skos:inScheme <{BASE}theme/> ; skos:topConceptOf <{BASE}theme/> .",
        f"<{BASE}theme/> a skos:ConceptScheme ; skos:prefLabel \"Themes\" ; skos:hasTopConcept <{BASE}theme/people> .",
        f"<{ds}> a qb:DataSet , dcat:Dataset ; dcterms:title \"People\" ; dcterms:description \"Synthetic.\" ;",
        f"  dcterms:publisher <{BASE}org/bench> ; dcterms:license <http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/> ;",
        "  dcterms:issued \"2024-01-01\"^^xsd:date ; dcterms:modified \"2024-01-02\"^^xsd:date ;",
        f"  dcat:contactPoint <mailto:bench@stats.example> ; dcat:theme <{BASE}theme/people> ; dcat:landingPage <{BASE}about> ;",
        f"  dcat:distribution <{ds}#csv> ; qb:structure <{ds}#structure> .",
        f"<{ds}#csv> a dcat:Distribution ; dcat:downloadURL <{ds}data.csv> ; dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> .",
        f"<{ds}#structure> a qb:DataStructureDefinition ; qb:component "
        + " , ".join(f"<{ds}#component/{c}>" for c in ("area", "period", "sex", "age", "count", "unit", "status")) + " .",
    ]
    for i, dim in enumerate(("area", "period", "sex", "age"), start=1):
        lines.append(f"<{ds}#component/{dim}> a qb:ComponentSpecification ; qb:dimension <{BASE}bench/dimension/{dim}/> ; qb:order {i} .")
        lines.append(f"<{BASE}bench/dimension/{dim}/> a qb:DimensionProperty ; rdfs:label \"{dim}\" ; rdfs:range skos:Concept ; qb:codeList <{BASE}bench/codelist/{dim}/> .")
        size = {"area": AREAS, "period": PERIODS, "sex": SEXES, "age": ages}[dim]
        scheme = f"<{BASE}bench/codelist/{dim}/>"
        lines.append(f"{scheme} a skos:ConceptScheme ; skos:prefLabel \"{dim}\" ; skos:hasTopConcept <{BASE}bench/codelist/{dim}/0/> .")
        for code in range(size):
            top = f" ; skos:topConceptOf {scheme}" if code == 0 else f" ; skos:broader <{BASE}bench/codelist/{dim}/0/>"
            lines.append(f"<{BASE}bench/codelist/{dim}/{code}/> a skos:Concept ; skos:prefLabel \"{dim} {code}\" ; skos:notation \"{code}\" ; skos:inScheme {scheme}{top} .")
    lines += [
        f"<{ds}#component/count> a qb:ComponentSpecification ; qb:measure <{BASE}bench/measure/count/> .",
        f"<{BASE}bench/measure/count/> a qb:MeasureProperty ; rdfs:label \"Count\" ; rdfs:range xsd:decimal .",
        f"<{ds}#component/unit> a qb:ComponentSpecification ; qb:attribute sdmxa:unitMeasure ; qb:componentRequired true .",
        "sdmxa:unitMeasure a qb:AttributeProperty ; rdfs:label \"Unit\" .",
        f"<{ds}#component/status> a qb:ComponentSpecification ; qb:attribute sdmxa:obsStatus ; qb:componentRequired false .",
        f"sdmxa:obsStatus a qb:AttributeProperty ; rdfs:label \"Status\" ; qb:codeList <{BASE}ref/codelist/obs-status/> .",
        f"<{BASE}ref/codelist/obs-status/> a skos:ConceptScheme ; skos:prefLabel \"Status\" ; skos:hasTopConcept <{BASE}ref/codelist/obs-status/c/> .",
        f"<{BASE}ref/codelist/obs-status/c/> a skos:Concept ; skos:prefLabel \"Confidential\" ; skos:notation \"c\" ; skos:inScheme <{BASE}ref/codelist/obs-status/> ; skos:topConceptOf <{BASE}ref/codelist/obs-status/> .",
    ]
    return "\n".join(lines) + "\n"


def generate(rows: int, folder: Path) -> tuple[Path, Path, Path]:
    """A valid cube of `rows` observations: 1% suppressed ([c], a status and no value)."""
    folder.mkdir(parents=True, exist_ok=True)
    ages = -(-rows // (AREAS * PERIODS * SEXES))
    meta, obs, whole = folder / "dataset.ttl", folder / "observations.nt", folder / "cube.ttl"
    if obs.exists() and whole.exists():
        return meta, obs, whole
    meta.write_text(_metadata(ages), encoding="utf-8")
    ds = f"{BASE}bench/people/"
    i = pl.int_range(0, rows, eager=True).alias("i")
    codes = pl.DataFrame(i).select(
        (pl.col("i") % AREAS).alias("area"), (pl.col("i") // AREAS % PERIODS).alias("period"),
        (pl.col("i") // (AREAS * PERIODS) % SEXES).alias("sex"), (pl.col("i") // (AREAS * PERIODS * SEXES)).alias("age"),
        (pl.col("i") % 100 == 7).alias("suppressed"), (pl.col("i") * 37 % 100003 / 4).alias("value"))
    subject = pl.concat_str([pl.lit(f"<{ds}#obs/"), pl.col("area"), pl.lit("/"), pl.col("period"), pl.lit("/"),
                             pl.col("sex"), pl.lit("/"), pl.col("age"), pl.lit(">")])
    codes = codes.with_columns(subject.alias("s"))

    def line(pred: str, obj: pl.Expr) -> pl.Expr:
        return pl.concat_str([pl.col("s"), pl.lit(f" <{pred}> "), obj, pl.lit(" .")])

    exprs = [
        line("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", pl.lit("<http://purl.org/linked-data/cube#Observation>")),
        line("http://purl.org/linked-data/cube#dataSet", pl.lit(f"<{ds}>")),
        *(line(f"{BASE}bench/dimension/{d}/", pl.concat_str([pl.lit(f"<{BASE}bench/codelist/{d}/"), pl.col(d), pl.lit("/>")]))
          for d in ("area", "period", "sex", "age")),
        line("http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure", pl.lit(f"<{BASE}bench/unit/people/>")),
    ]
    value = line(f"{BASE}bench/measure/count/", pl.concat_str([pl.lit('"'), pl.col("value").cast(pl.String), pl.lit('"^^<http://www.w3.org/2001/XMLSchema#decimal>')]))
    status = line("http://purl.org/linked-data/sdmx/2009/attribute#obsStatus", pl.lit(f"<{BASE}ref/codelist/obs-status/c/>"))
    with obs.open("w", encoding="utf-8") as out:
        for expr in exprs:
            out.write("\n".join(codes.select(expr).to_series().to_list()) + "\n")
        out.write("\n".join(codes.filter(~pl.col("suppressed")).select(value).to_series().to_list()) + "\n")
        out.write("\n".join(codes.filter(pl.col("suppressed")).select(status).to_series().to_list()) + "\n")
    # The same cube as one Turtle file, as RDF from elsewhere would come.
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(meta), format=ox.RdfFormat.TURTLE)
    store.bulk_load(path=str(obs), format=ox.RdfFormat.N_TRIPLES)
    store.dump(str(whole), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    return meta, obs, whole


TASKS = {
    "cogs": "from cogs.validate import validate_graph_files as v; p = v(FILES); print(len(p))",
    "cogs-sparql": "from cogs.validate import validate_graph_files as v; p = v(FILES, engine='sparql'); print(len(p))",
    "oxigraph-load": "import pyoxigraph as ox\nfrom cogs.validate.load import load_store\ns = load_store(FILES); print(len(s))",
    "pyshacl-ic1": (
        "import rdflib, pyshacl\nfrom cogs.validate.shapes import load_shapes_graph, COGS\n"
        "shapes = load_shapes_graph()\nkeep = rdflib.Graph()\n"
        "for t in shapes.triples((rdflib.URIRef('https://w3id.org/cogs/shapes/IC-1'), None, None)): keep.add(t)\n"
        "g = rdflib.Graph()\nfor f in FILES: g.parse(f)\n"
        "ok, _, _ = pyshacl.validate(g, shacl_graph=keep, inference='none'); print(ok)"),
    "pyshacl-all": (
        "import rdflib\nfrom cogs.validate.reference import pyshacl_results\n"
        "g = rdflib.Graph()\nfor f in FILES: g.parse(f)\nprint(len(pyshacl_results(g)))"),
}


def measure_rss(task: str, files: list[Path], timeout: float) -> dict[str, object]:
    code = f"from pathlib import Path\nFILES = [Path(f) for f in {[str(f) for f in files]!r}]\n" + TASKS[task]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            return {"task": task, "seconds": None, "timeout": timeout}
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    out = proc.stdout.read().decode().strip() if proc.stdout else ""
    err = proc.stderr.read().decode().strip() if proc.stderr else ""
    return {"task": task, "seconds": round(seconds, 2), "peak_mb": round(usage.ru_maxrss / 1024), "result": out,
            "error": err[-300:] if status else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pyshacl-rows", type=int, default=100_000, help="largest size pySHACL runs on (IC-1 alone)")
    parser.add_argument("--pyshacl-all-rows", type=int, default=2_000, help="size pySHACL runs all shapes on")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "work" / "validate")
    args = parser.parse_args()
    results = []
    for rows in sorted(set(args.rows) | ({args.pyshacl_all_rows} - {0})):
        meta, obs, whole = generate(rows, args.out / str(rows))
        runs: list[tuple[str, list[Path]]] = []
        if rows in args.rows:
            runs += [("cogs", [meta, obs]), ("oxigraph-load", [whole]), ("cogs", [whole])]
            if rows <= args.pyshacl_rows:
                runs.append(("pyshacl-ic1", [whole]))
        if rows <= args.pyshacl_all_rows:
            runs += [("cogs", [whole]), ("cogs-sparql", [whole]), ("pyshacl-all", [whole])]
        for task, files in runs:
            result = measure_rss(task, files, args.timeout)
            result.update(load=round(os.getloadavg()[0], 1), rows=rows, input=" + ".join(f.name for f in files),
                          input_mb=round(sum(f.stat().st_size for f in files) / 1e6, 1))
            results.append(result)
            print(json.dumps(result), flush=True)
    print(f"\nCPUs: {os.cpu_count()}\n")
    print("| observations | task | input | seconds | peak MB | load average |\n|---|---|---|---|---|---|")
    for r in results:
        secs = r["seconds"] if r["seconds"] is not None else f"> {r['timeout']} (stopped)"
        print(f"| {r['rows']:,} | {r['task']} | {r['input']} ({r['input_mb']} MB) | {secs} | {r.get('peak_mb', '')} | {r['load']} |")


if __name__ == "__main__":
    main()
