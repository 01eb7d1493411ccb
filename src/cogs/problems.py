"""Problems are values: every check yields them, one exception carries them out of a stage."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file, and where known a 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth saying) about the input, with a stable kebab-case code."""

    code: str
    message: str
    location: Location | None = None
    severity: Severity = Severity.ERROR
    hint: str | None = None
    focus: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else (f"<{self.focus}>: " if self.focus else "")
        text = f"{where}{self.severity}[{self.code}] {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
        }
        if self.location is not None:
            out["path"] = self.location.path
            out["line"] = self.location.line
            out["column"] = self.location.column
        if self.hint:
            out["hint"] = self.hint
        if self.focus:
            out["focus"] = self.focus
        return out


class CogsError(Exception):
    """Raised when a stage cannot go on; carries the problems that stopped it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def location(path: Path | str, line: int | None = None, column: int | None = None) -> Location:
    return Location(str(path), line, column)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]
