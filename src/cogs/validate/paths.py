"""What `cogs validate PATH...` reads: RDF files, a built `out/`, CSVW metadata, or family folders."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from cogs.problems import CogsError, Problem, Severity, location
from cogs.validate.locate import CsvwLocator


def is_csvw_metadata(path: Path) -> bool:
    if path.suffix != ".json" or not path.is_file():
        return False
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(meta, dict) and ("tables" in meta or "tableSchema" in meta or "url" in meta)


def project_root(path: Path) -> Path | None:
    """The project folder (holding `site.toml`) that a family or dataset folder belongs to."""
    for folder in (path, *path.resolve().parents):
        if (folder / "site.toml").exists():
            return folder
        if folder != path and not ((folder / "family.toml").exists() or (folder / "dataset.toml").exists()):
            break
    return None


def validate_paths(paths: list[Path], *, engine: str = "auto", strict: bool = False) -> list[Problem]:
    """Problems in every path, each located at its CSV cell where the data came from a CSV."""
    from cogs.validate import validate_graph_files

    rdf: list[Path] = []
    metadata: list[Path] = []
    renames: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="cogs-validate-") as tmp:
        for n, path in enumerate(paths):
            if not path.exists():
                raise CogsError([Problem("validate-no-such-file", f"{path} does not exist", location(path))])
            root = project_root(path) if path.is_dir() else None
            if root is not None:
                from cogs.build import build

                out = Path(tmp) / f"out-{n}"
                build(root, out, strict=strict)
                rdf.append(out)
                found = sorted(out.rglob("*-metadata.json"))
                metadata.extend(found)
                for meta in found:  # point at the project's own tables, not the temporary copy
                    rel = meta.parent.relative_to(out)
                    source = root / rel / "data.csv"
                    if source.exists():
                        renames[str((meta.parent / "data.csv").resolve())] = str(source)
            elif path.is_dir():
                rdf.append(path)
                metadata.extend(sorted(path.rglob("*-metadata.json")))
            elif is_csvw_metadata(path):
                from cogs.csv2rdf import csv2rdf

                converted = Path(tmp) / f"csvw-{n}.nt"
                with converted.open("wb") as output:
                    conversion = csv2rdf(path, metadata=path, output=output)
                if conversion.ntriples:
                    converted.write_text(conversion.ntriples, encoding="utf-8")
                rdf.append(converted)
                metadata.append(path)
            else:
                rdf.append(path)
        locator = CsvwLocator.from_metadata(metadata, Path.cwd())
        for table in locator.tables:
            table.shown = renames.get(str(table.csv_path), table.shown)
        problems = validate_graph_files(rdf, locate=locator, engine=engine)
        # Locating reads the tables lazily, so it must finish while the temporary copies exist.
        return [p for p in problems]


def exit_code(problems: list[Problem], strict: bool = False) -> int:
    fatal = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return 1 if any(p.severity in fatal for p in problems) else 0
