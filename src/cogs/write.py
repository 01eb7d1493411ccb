"""The writing stage of `cogs build`: checked datasets into the files of `out/` (CSV and CSVW
metadata, Turtle, the observations' N-Triples, code lists, the catalogue, the N-Quads dump and
the manifest), keeping in memory what the check against the shapes needs.
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

import isal.igzip as igzip
import polars as pl

from cogs import csvw, graphs, linkage, observations
from cogs.codelists import generated
from cogs.config import ProjectConfig
from cogs.cube import Prepared
from cogs.model import CodeList, CodeListKind, Dataset, Family
from cogs.table import LINE
from cogs.uris import Minter
from cogs.validate import columnar

if TYPE_CHECKING:
    from cogs.build import BuildResult, Progress

DUMP = "cogs.nq.gz"
OBSERVATIONS = "observations.nt.gz"


class _Tee(io.BytesIO):
    """Writes go to the dump and are kept: the metadata, for the check against the shapes."""

    def __init__(self, dump: BinaryIO) -> None:
        super().__init__()
        self.dump = dump

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.dump.write(data)
        return super().write(data)


@dataclass
class Made:
    """What the build wrote, held in memory so the check need not read the output back."""

    observations: columnar.Gathered = field(default_factory=columnar.Gathered)
    metadata: bytes = b""


def complete_codelists(items: list[Prepared], minter: Minter) -> dict[str, CodeList]:
    """Generated code lists hold every code their datasets use; the others are as declared."""
    values: dict[str, set[str]] = {}
    found: dict[str, CodeList] = {}
    for item in items:
        for uri, codes in item.generated_values.items():
            if not uri.startswith("ref:"):
                values.setdefault(uri, set()).update(codes)
        for codelist in item.dataset.codelists:
            found.setdefault(codelist.uri, codelist)
    for uri, codes in values.items():
        id = uri.rstrip("/").rsplit("/", 1)[-1]
        title = id.replace("-", " ").capitalize()
        found[uri] = generated(id, uri, title, sorted(codes), minter)
    return found


def write_output(project: ProjectConfig, minter: Minter, families: list[Family],
                 prepared: dict[str, list[Prepared]], staging: Path, progress: Progress, made: Made,
                 result: BuildResult) -> None:
    """Write the checked datasets, their code lists, the catalogue, the dump and the manifest into
    `staging`; each graph written, and the observations' count, go into `result`."""
    manifest_datasets: list[dict[str, object]] = []
    written_lists: set[str] = set()
    total = sum(len(v) for v in prepared.values())
    done = 0
    with (staging / DUMP).open("wb") as raw, gzip_writer(raw) as observation_dump, _Tee(observation_dump) as dump:
        catalog = graphs.catalog_graph(project.site.title, project.site.description, families, minter)
        catalog_nt = graphs.ntriples_sorted(catalog)
        (staging / "catalog.ttl").write_bytes(graphs.turtle(catalog))
        dump.write(graphs.in_graph(catalog_nt, minter.catalog()))
        result.graphs.append(_graph_entry(minter.catalog(), catalog_nt, None, "catalog.ttl"))
        for family in families:
            items = prepared[family.id]
            lists = complete_codelists(items, minter)
            for item in items:
                progress(f"writing {item.dataset.key}", done, total)
                dataset = _with_codelists(item, lists, minter)
                folder = staging / family.id / dataset.id
                folder.mkdir(parents=True)
                metadata = graphs.dataset_graph(dataset, family, minter, lists)
                _write_csv(item, folder / dataset.csv_name)
                (folder / "data.csv-metadata.json").write_bytes(csvw.dumps(csvw.dataset_metadata(item, metadata)))
                meta_nt = graphs.ntriples_sorted(metadata)
                (folder / "dataset.ttl").write_bytes(graphs.turtle(metadata, meta_nt))
                digest = hashlib.sha256(meta_nt)
                dump.write(graphs.in_graph(meta_nt, dataset.uri))
                count = len(meta_nt.splitlines())
                count += _write_observations(item, folder / OBSERVATIONS, digest, observation_dump, made.observations)
                result.graphs.append({"iri": dataset.uri, "sha256": digest.hexdigest(), "triples": count,
                                      "dataset": dataset.key})
                result.observations += dataset.observations
                manifest_datasets.append({"id": dataset.key, "uri": dataset.uri, "title": dataset.title,
                                          "csv": f"{dataset.key}/{dataset.csv_name}", "rows": dataset.rows,
                                          "observations": dataset.observations,
                                          "metadata": f"{dataset.key}/data.csv-metadata.json",
                                          "turtle": f"{dataset.key}/dataset.ttl",
                                          "ntriples": f"{dataset.key}/{OBSERVATIONS}"})
                for codelist in dataset.codelists:
                    if codelist.uri not in written_lists:
                        written_lists.add(codelist.uri)
                        _write_codelist(lists.get(codelist.uri, codelist), staging, minter)
                done += 1
        linkage.write_stage(minter, families, prepared, staging, dump, result.graphs)
        made.metadata = dump.getvalue()
    _write_schemas(staging / "schemas")
    manifest = {"base_uri": minter.base, "dump": DUMP, "datasets": manifest_datasets, "graphs": result.graphs,
                "codelists": sorted(written_lists)}
    (staging / "manifest.json").write_bytes(csvw.dumps(manifest))


def gzip_writer(raw: BinaryIO) -> BinaryIO:
    """A fast (ISA-L) gzip stream over `raw`, with no name or time in its header: same bytes every build."""
    stream = igzip.IGzipFile(filename="", mode="wb", compresslevel=1, fileobj=raw, mtime=0)  # type: ignore[no-untyped-call]
    return cast(BinaryIO, stream)


def _write_observations(item: Prepared, path: Path, digest: "hashlib._Hash", dump: BinaryIO,
                        gathered: columnar.Gathered) -> int:
    """Stream the observations into their own gzip'd N-Triples (hashed into the digest as
    written), the dump and the checker; return how many triples they made.

    polars makes the next chunk's terms while two writer threads print, compress and hash the
    previous one, one for the N-Triples file and one for the dump (all of which release the GIL
    but for the hand-over of each printed batch); at most two chunks are held at once.
    """
    graph = item.dataset.uri

    def put_own(chunk: observations.Chunk) -> None:
        chunk.write(own)

    def put_dump(chunk: observations.Chunk) -> None:
        chunk.write(dump, graph)
        gathered.add(chunk.terms, [(p.predicate, p.object) for p in chunk.patterns])

    with (path.open("wb") as file, _Hashing(file, digest) as raw, gzip_writer(cast(BinaryIO, raw)) as own,
          ThreadPoolExecutor(max_workers=1) as own_writer, ThreadPoolExecutor(max_workers=1) as dump_writer):
        pending: list[Future[None]] = []
        written = 0
        for chunk in observations.chunks(item):
            for done in pending:
                done.result()
            pending = [own_writer.submit(put_own, chunk), dump_writer.submit(put_dump, chunk)]
            written += chunk.triples
        for done in pending:
            done.result()
    return written


class _Hashing(io.RawIOBase):
    """A file whose bytes also go to a digest: the observations' compressed text is hashed, a
    fortieth of the text itself, and as much a function of the triples."""

    def __init__(self, file: BinaryIO, digest: "hashlib._Hash") -> None:
        super().__init__()
        self.file, self.digest = file, digest

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.digest.update(data)
        return self.file.write(data)


def _with_codelists(item: Prepared, lists: dict[str, CodeList], minter: Minter) -> Dataset:
    """The dataset with complete code lists: generated ones filled, reference ones with the codes it uses."""
    complete = []
    for codelist in item.dataset.codelists:
        if codelist.kind in (CodeListKind.PERIOD, CodeListKind.GEOGRAPHY):
            used = item.generated_values.get(str(codelist.kind), set())
            complete.append(graphs.reference_codes(codelist, used))
        else:
            complete.append(lists.get(codelist.uri, codelist))
    for uri, codelist in lists.items():
        if codelist.kind is CodeListKind.GENERATED and uri in item.generated_values:
            complete.append(codelist)
    unique = {c.uri: c for c in complete}
    dataset = replace(item.dataset, codelists=tuple(sorted(unique.values(), key=lambda c: c.uri)))
    item.dataset = dataset
    return dataset


def _graph_entry(iri: str, data: bytes, dataset: str | None, file: str) -> dict[str, object]:
    return {"iri": iri, "sha256": hashlib.sha256(data).hexdigest(), "triples": data.count(b"\n"),
            "dataset": dataset, "file": file}


def _published_frame(item: Prepared) -> pl.DataFrame:
    """The table as published: the publisher's titles, codes as written, helper columns last."""
    titles = {c["name"]: c["titles"] for c in item.csvw_columns if "titles" in c}
    frame = item.frame.drop(LINE)
    return frame.rename({n: str(titles.get(n, n)) for n in frame.columns})


def _write_csv(item: Prepared, path: Path) -> None:
    _published_frame(item).write_csv(path, line_terminator="\n", quote_style="necessary")


def published(item: Prepared) -> pl.DataFrame | None:
    """The published table as its CSV file reads back (polars writes an empty text `""` and a
    null as nothing, and reads each back as it was), or None when it holds other than text."""
    frame = _published_frame(item)
    return frame if all(dtype == pl.String for dtype in frame.dtypes) else None


def _write_codelist(codelist: CodeList, staging: Path, minter: Minter) -> None:
    if codelist.kind in (CodeListKind.PERIOD, CodeListKind.GEOGRAPHY):
        return
    relative = minter.path_of(codelist.uri)
    if relative is None:
        return
    folder = staging / relative
    folder.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame({
        "label": [c.label for c in codelist.codes],
        "notation": [c.notation for c in codelist.codes],
        "parent": [c.parent for c in codelist.codes],
        "sort_priority": [c.sort_priority for c in codelist.codes],
        "description": [c.description or None for c in codelist.codes],
    }, schema={"label": pl.String, "notation": pl.String, "parent": pl.String, "sort_priority": pl.Int64,
               "description": pl.String})
    frame.write_csv(folder / "codelist.csv", line_terminator="\n")
    (folder / "codelist.csv-metadata.json").write_bytes(csvw.dumps(csvw.codelist_metadata(codelist)))
    graph = graphs.new_graph()
    graphs.codelist_graph(graph, codelist)
    (folder / "codelist.ttl").write_bytes(graphs.turtle(graph))


def _write_schemas(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("site", "family", "dataset"):
        text = resources.files("cogs").joinpath("schemas", f"{name}.schema.json").read_bytes()
        (folder / f"{name}.schema.json").write_bytes(text)
