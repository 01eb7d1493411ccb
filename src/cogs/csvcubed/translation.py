"""A csvcubed config being translated: the cogs config data so far, and the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogs.csvcubed.jsonpos import JsonError, line_column, parse_json
from cogs.problems import CogsError, Location, Problem, Severity


@dataclass
class Translation:
    """A csvcubed config as cogs config data, with the code lists it writes inline."""

    config: Path | None
    csv: Path
    data: dict[str, Any] = field(default_factory=dict)
    codelists: dict[str, str] = field(default_factory=dict)  # id -> code-list CSV text
    drop: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    positions: dict[tuple[str, ...], tuple[int, int]] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)  # column title -> notes for dataset.toml
    recode: dict[str, dict[str, str]] = field(default_factory=dict)  # status labels read as GSS markers

    def where(self, *keys: str) -> Location:
        path = str(self.config or self.csv)
        for depth in range(len(keys), 0, -1):
            found = self.positions.get(tuple(keys[:depth]))
            if found:
                return Location(path, *found)
        return Location(path, 1, 1) if self.config else Location(path)

    def problem(self, code: str, message: str, keys: tuple[str, ...], hint: str,
                severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(code, message, self.where(*keys), severity, hint))


def read_config(path: Path) -> tuple[dict[str, Any], dict[tuple[str, ...], tuple[int, int]]]:
    """A qube-config.json parsed, with the line and column of every key; syntax errors located."""
    try:
        text = path.read_text("utf-8-sig")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise CogsError([Problem("csvcubed.missing-file", f"{path.name or path} is not a file", Location(str(path)),
                                 hint="give the path of a csvcubed JSON config")]) from None
    except UnicodeDecodeError as exc:
        raise CogsError([Problem("csvcubed.not-utf8", f"not UTF-8 text: {exc.reason}", Location(str(path)),
                                 hint="save the file as UTF-8")]) from None
    try:
        data, offsets = parse_json(text)
    except JsonError as exc:
        raise CogsError([Problem("csvcubed.json-syntax", f"JSON syntax error: {exc}",
                                 Location(str(path), *line_column(text, exc.offset)),
                                 hint="fix the JSON at this position")]) from None
    if not isinstance(data, dict):
        raise CogsError([Problem("csvcubed.json-syntax", "a qube-config.json holds one JSON object",
                                 Location(str(path), 1, 1), hint="wrap the config in { ... }")])
    return data, {k: line_column(text, v) for k, v in offsets.items()}
