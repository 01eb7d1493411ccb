"""The fixture corpus: valid cubes, and broken ones made from them by a SPARQL update.

A broken fixture `fixtures/broken/<name>.ru` says which valid cube it starts from (`# base:`)
and which problem codes it must produce, no more and no fewer (`# expect:`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
BROKEN = sorted((FIXTURES / "broken").glob("*.ru"))

PREFIXES = """BASE <https://stats.example/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sdmxa: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmxd: <http://purl.org/linked-data/sdmx/2009/dimension#>
"""


@dataclass(frozen=True)
class Broken:
    name: str
    base: Path
    expect: frozenset[str]
    update: str

    def graph(self) -> rdflib.Graph:
        graph = rdflib.Graph().parse(self.base, format="turtle")
        graph.update(PREFIXES + self.update)
        return graph


def broken(path: Path) -> Broken:
    text = path.read_text(encoding="utf-8")
    headers = dict(
        line[2:].split(":", 1) for line in text.splitlines() if line.startswith("# ") and ":" in line
    )
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return Broken(path.stem, FIXTURES / "valid" / headers["base"].strip(), frozenset(headers["expect"].split()), body)


def write_ntriples(graph: rdflib.Graph, path: Path) -> Path:
    graph.serialize(path, format="nt", encoding="utf-8")
    return path
