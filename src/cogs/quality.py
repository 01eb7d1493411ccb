"""Catalogue quality: how complete each dataset's metadata is, where it came from, how it links.

The completeness score counts the fields of the catalogue profile (the DCAT shapes in
`shapes/dcat.ttl` and the recommended fields of docs/config.md) a dataset fills. Results are
written to `quality.json` and, as W3C Data Quality Vocabulary measurements, to the linkage graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cogs import __version__
from cogs.cube import Prepared
from cogs.graphs import build_time
from cogs.linkage import COGS, DQV, PROV, RDF_TYPE, RDFS, Linkage, Triples, iri, lang, lit, summary_by_dataset
from cogs.model import Dataset, Family
from cogs.problems import Severity
from cogs.reference import gss_areas
from cogs.uris import Minter, SDMX_DIMENSION, segment

QUALITY_JSON = "quality.json"
REF_AREA = SDMX_DIMENSION + "refArea"
SOFTWARE = f"https://pypi.org/project/cogs-lod/{__version__}/"
SAMPLE = 20

# (field, level, what it is in the catalogue) — the catalogue profile a dataset is scored against.
PROFILE: tuple[tuple[str, str, str], ...] = (
    ("title", "required", "dcterms:title"),
    ("description", "required", "dcterms:description"),
    ("issued", "required", "dcterms:issued"),
    ("publisher", "required", "dcterms:publisher"),
    ("license", "required", "dcterms:license"),
    ("contact_point", "required", "dcat:contactPoint"),
    ("themes", "required", "dcat:theme"),
    ("modified", "recommended", "dcterms:modified (its own date, not the date of issue)"),
    ("landing_page", "recommended", "dcat:landingPage"),
    ("keywords", "recommended", "dcat:keyword"),
    ("summary", "recommended", "rdfs:comment (a one-line summary)"),
    ("source", "recommended", "dcterms:source (the source files)"),
    ("component_descriptions", "recommended", "rdfs:comment on every component the dataset defines"),
)


@dataclass(frozen=True)
class ReferenceMatch:
    """How many of the area codes a geography dimension uses are in the bundled GSS reference."""

    column: str
    codes: int
    matched: int
    misses: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.matched / self.codes if self.codes else 1.0


@dataclass
class DatasetQuality:
    key: str
    dataset: Dataset
    present: list[str]
    missing: list[tuple[str, str]]  # (field, level)
    problems: dict[str, int]  # severity -> count
    problem_codes: list[str]
    reference: list[ReferenceMatch] = field(default_factory=list)
    linked: int = 0
    joinable: int = 0
    shared_dimensions: list[str] = field(default_factory=list)
    source_csv: str = ""

    @property
    def score(self) -> float:
        return len(self.present) / len(PROFILE)

    @property
    def status(self) -> str:
        if self.problems.get("error"):
            return "errors"
        return "warnings" if self.problems.get("warning") else "passed"


@dataclass
class QualityReport:
    datasets: list[DatasetQuality]
    build_time: str | None


def _filled(dataset: Dataset, family: Family | None) -> dict[str, bool]:
    components = [c for c in (*dataset.dimensions, *dataset.measures, *dataset.attributes) if c.minted]
    return {
        "title": bool(dataset.title.strip()),
        "description": bool(dataset.description.strip()),
        "issued": bool(dataset.issued),
        "publisher": bool(family and family.publisher),
        "license": bool(family and family.license),
        "contact_point": bool(family and family.contact_point),
        "themes": bool(family and family.themes),
        "modified": bool(dataset.modified),
        "landing_page": bool(dataset.landing_page),
        "keywords": bool(dataset.keywords),
        "summary": bool(dataset.summary.strip()),
        "source": bool(dataset.source),
        "component_descriptions": all(c.description.strip() for c in components),
    }


def _source_csv(dataset: Dataset) -> str:
    path = Path(dataset.source_csv)
    if path.parent.name == dataset.id and path.parent.parent.name == dataset.family:
        return f"{dataset.family}/{dataset.id}/{path.name}"
    return path.name


def assess(linkage: Linkage, prepared: dict[str, list[Prepared]], minter: Minter) -> QualityReport:
    families = {f.id: f for f in linkage.families}
    areas = gss_areas()
    summary = summary_by_dataset(linkage)
    out = []
    for key in sorted(linkage.datasets):
        dataset = linkage.datasets[key]
        filled = _filled(dataset, families.get(dataset.family))
        item = next(i for i in prepared.get(dataset.family, []) if i.dataset.key == key)
        counts = {str(s): sum(p.severity is s for p in item.problems) for s in Severity}
        quality = DatasetQuality(key, dataset, [f for f, _, _ in PROFILE if filled[f]],
                                 [(f, level) for f, level, _ in PROFILE if not filled[f]], counts,
                                 sorted({p.code for p in item.problems}), source_csv=_source_csv(dataset))
        for use in linkage.uses[key]:
            if use.parent == REF_AREA:
                misses = tuple(sorted(c for c in use.codes if c not in areas))
                quality.reference.append(ReferenceMatch(use.column, len(use.codes), len(use.codes) - len(misses),
                                                        misses))
        quality.linked, quality.joinable, quality.shared_dimensions = summary[key]
        out.append(quality)
    time = build_time()
    return QualityReport(out, str(time) if time is not None else None)


def quality_json(report: QualityReport) -> dict[str, object]:
    scores = [q.score for q in report.datasets]
    return {
        "profile": [{"field": f, "level": level, "property": what} for f, level, what in PROFILE],
        "summary": {"datasets": len(report.datasets),
                    "mean_score": round(sum(scores) / len(scores), 4) if scores else None,
                    "complete": sum(not q.missing for q in report.datasets)},
        "datasets": {q.key: {
            "title": q.dataset.title,
            "uri": q.dataset.uri,
            "score": round(q.score, 4),
            "present": q.present,
            "missing": [{"field": f, "level": level} for f, level in q.missing],
            "provenance": {
                "landing_page": q.dataset.landing_page,
                "source": list(q.dataset.source),
                "source_csv": q.source_csv,
                "generated_by": {"activity": f"{q.dataset.uri}#build", "software": f"cogs {__version__}",
                                 "software_uri": SOFTWARE, "ended": report.build_time},
            },
            "validation": {"status": q.status, "errors": q.problems.get("error", 0),
                           "warnings": q.problems.get("warning", 0), "notes": q.problems.get("info", 0),
                           "codes": q.problem_codes},
            "linkage": {"linked_datasets": q.linked, "joinable_datasets": q.joinable,
                        "shared_dimensions": q.shared_dimensions,
                        "reference_match": [{"column": r.column, "codes": r.codes, "matched": r.matched,
                                             "rate": round(r.rate, 4), "misses": list(r.misses[:SAMPLE]),
                                             "misses_count": len(r.misses)} for r in q.reference]},
        } for q in report.datasets},
    }


def _measurement(triples: Triples, dataset: str, node: str, metric: str, value: object) -> None:
    triples.add(dataset, DQV + "hasQualityMeasurement", iri(node))
    triples.add(node, RDF_TYPE, iri(DQV + "QualityMeasurement"))
    triples.add(node, DQV + "computedOn", iri(dataset))
    triples.add(node, DQV + "isMeasurementOf", iri(COGS + metric))
    triples.add(node, DQV + "value", lit(value))


def quality_triples(report: QualityReport, linkage: Linkage, triples: Triples) -> None:
    triples.add(SOFTWARE, RDF_TYPE, iri(PROV + "SoftwareAgent"))
    triples.add(SOFTWARE, RDFS + "label", lang(f"cogs {__version__}"))
    for q in report.datasets:
        uri = q.dataset.uri
        _measurement(triples, uri, f"{uri}#quality/completeness", "metadataCompleteness", round(q.score, 4))
        _measurement(triples, uri, f"{uri}#quality/joinable", "joinableDatasets", q.joinable)
        for ref in q.reference:
            name = next(u.name for u in linkage.uses[q.key] if u.column == ref.column)
            _measurement(triples, uri, f"{uri}#quality/reference-match/{segment(name)}", "referenceMatchRate",
                         round(ref.rate, 4))
        triples.add(f"{uri}#build", PROV + "wasAssociatedWith", iri(SOFTWARE))
        for source in q.dataset.source:
            triples.add(uri, PROV + "hadPrimarySource", iri(source))
