"""Small built `out/` folders with the layout `cogs build` writes, for the serve and publish tests.

`make_out` writes a catalogue graph and one graph per dataset (metadata, structure and one
observation per CSV row) into `cogs.nq.gz`, with `manifest.json`, the CSVs and a few site pages.
`build_families` builds the real example families with the library's `build()`; `running` serves
an out/ folder on a free loopback port.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cogs.endpoint import SparqlServer, make_server
from cogs.store import StoreInfo

BASE = "https://statistics.example.gov.uk/"
QB = "http://purl.org/linked-data/cube#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCTERMS = "http://purl.org/dc/terms/"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
XSD = "http://www.w3.org/2001/XMLSchema#"

REPO = Path(__file__).resolve().parents[2]


def dataset_lines(dataset_id: str, rows: int, version: int = 1) -> list[str]:
    """The N-Triples of one dataset: metadata, a structure, and `rows` observations."""
    ds = f"{BASE}{dataset_id}/"
    family = dataset_id.split("/")[0]
    area = f"{BASE}{family}/dimension/area/"
    value = f"{BASE}{family}/measure/value/"
    lines = [
        f"<{ds}> <{RDF_TYPE}> <{QB}DataSet> .",
        f'<{ds}> <{DCTERMS}title> "Dataset {dataset_id} (version {version})"@en .',
        f"<{ds}> <{QB}structure> <{ds}#structure> .",
        f"<{ds}#structure> <{QB}component> <{ds}#component/period> .",
        f"<{ds}#structure> <{QB}component> <{ds}#component/area> .",
        f"<{ds}#component/period> <{QB}dimension> <{SDMX_DIM}refPeriod> .",
        f"<{ds}#component/area> <{QB}dimension> <{area}> .",
        f"<{area}> <{QB}codeList> <{BASE}ref/codelist/gss-geography/> .",
    ]
    for row in range(rows):
        year = 2000 + row // 10
        code = f"E0600{row % 10:04d}"
        obs = f"<{ds}#obs/{year}/{code}>"
        lines += [
            f"{obs} <{RDF_TYPE}> <{QB}Observation> .",
            f"{obs} <{QB}dataSet> <{ds}> .",
            f"{obs} <{SDMX_DIM}refPeriod> <http://reference.data.gov.uk/id/year/{year}> .",
            f"{obs} <{area}> <http://statistics.data.gov.uk/id/statistical-geography/{code}> .",
            f'{obs} <{value}> "{row * version}.5"^^<{XSD}decimal> .',
        ]
    return sorted(set(lines))


def catalogue_lines(dataset_ids: list[str]) -> list[str]:
    lines = [f"<{BASE}> <{RDF_TYPE}> <http://www.w3.org/ns/dcat#Catalog> ."]
    lines += [f"<{BASE}> <http://www.w3.org/ns/dcat#dataset> <{BASE}{d}/> ." for d in dataset_ids]
    return sorted(lines)


def graph_sha256(lines: list[str]) -> str:
    return hashlib.sha256("".join(line + "\n" for line in sorted(lines)).encode("utf-8")).hexdigest()


def make_out(out: Path, datasets: dict[str, int], versions: dict[str, int] | None = None) -> dict[str, list[str]]:
    """Write a built `out/` holding `datasets` (id -> CSV rows); returns graph IRI -> N-Triples lines."""
    versions = versions or {}
    out.mkdir(parents=True, exist_ok=True)
    graphs: dict[str, list[str]] = {BASE: catalogue_lines(sorted(datasets))}
    manifest_datasets = []
    for dataset_id, rows in sorted(datasets.items()):
        uri = f"{BASE}{dataset_id}/"
        graphs[uri] = dataset_lines(dataset_id, rows, versions.get(dataset_id, 1))
        folder = out / dataset_id
        folder.mkdir(parents=True, exist_ok=True)
        csv = ["period,area,value"] + [f"{2000 + r // 10},E0600{r % 10:04d},{r}.5" for r in range(rows)]
        (folder / "data.csv").write_text("\n".join(csv) + "\n", encoding="utf-8")
        (folder / "index.html").write_text(f"<!DOCTYPE html><title>{dataset_id}</title>\n", encoding="utf-8")
        (folder / "index.ttl").write_text(f"<{uri}> a <{QB}DataSet> .\n", encoding="utf-8")
        manifest_datasets.append({"id": dataset_id, "uri": uri, "title": f"Dataset {dataset_id}",
                                  "csv": f"{dataset_id}/data.csv", "rows": rows, "observations": rows})
    with gzip.open(out / "cogs.nq.gz", "wt", encoding="utf-8") as dump:
        for iri, lines in sorted(graphs.items()):
            for line in lines:
                dump.write(f"{line[:-2]} <{iri}> .\n")
    (out / "index.html").write_text("<!DOCTYPE html><title>Catalogue</title>\n", encoding="utf-8")
    (out / "catalog.ttl").write_text(f"<{BASE}> a <http://www.w3.org/ns/dcat#Catalog> .\n", encoding="utf-8")
    manifest = {
        "base_uri": BASE, "dump": "cogs.nq.gz", "datasets": manifest_datasets,
        "graphs": [{"iri": iri, "sha256": graph_sha256(lines), "triples": len(lines)}
                   for iri, lines in sorted(graphs.items())],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return graphs


_FAMILIES_OUT: list[Path] = []


def families_once(tmp_path_factory: Any) -> Path:
    """The example families built once per test process (tests using it share an xdist group)."""
    if not _FAMILIES_OUT:
        _FAMILIES_OUT.append(build_families(tmp_path_factory.mktemp("families") / "out"))
    return _FAMILIES_OUT[0]


def build_families(out: Path) -> Path:
    """Build the project's example families (`families/`) into `out` with the library."""
    from cogs.build import build

    build(REPO / "families", out)
    return out


@contextlib.contextmanager
def running(out: Path, **options: object) -> Iterator[tuple[SparqlServer, StoreInfo]]:
    """The endpoint over `out` on a free loopback port, serving in a thread until the block ends."""
    server, info = make_server(out, "127.0.0.1", 0, **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, info
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
