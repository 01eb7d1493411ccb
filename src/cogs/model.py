"""The cube model: plain typed values the later stages read. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CodeListKind(StrEnum):
    SUPPLIED = "supplied"
    GENERATED = "generated"
    PERIOD = "ref:period"
    GEOGRAPHY = "ref:gss-geography"
    OBS_STATUS = "obs-status"


class Role(StrEnum):
    DIMENSION = "dimension"
    ATTRIBUTE = "attribute"
    OBSERVATIONS = "observations"
    MEASURE_TYPE = "measure-type"
    UNIT = "unit"
    MARKER = "marker"


@dataclass(frozen=True)
class Code:
    notation: str
    label: str
    uri: str
    parent: str | None = None
    sort_priority: int | None = None
    description: str = ""


@dataclass(frozen=True)
class CodeList:
    id: str
    uri: str
    title: str
    kind: CodeListKind
    codes: tuple[Code, ...] = ()
    description: str = ""
    source: str | None = None

    def by_notation(self) -> dict[str, Code]:
        return {c.notation: c for c in self.codes}


@dataclass(frozen=True)
class Component:
    """A component property: dimension, measure or attribute."""

    id: str
    kind: str
    uri: str
    label: str
    description: str = ""
    codelist: str | None = None
    datatype: str | None = None
    sub_property_of: str | None = None
    minted: bool = True


@dataclass(frozen=True)
class Unit:
    id: str
    uri: str
    label: str
    description: str = ""
    minted: bool = True


@dataclass(frozen=True)
class Column:
    """How one CSV column becomes RDF: its CSVW name, role and component."""

    title: str
    name: str
    role: Role
    component: Component | None = None
    value_url: str | None = None
    datatype: str | None = None
    helper: str | None = None


@dataclass(frozen=True)
class Dataset:
    family: str
    id: str
    uri: str
    title: str
    description: str
    issued: str
    modified: str | None
    keywords: tuple[str, ...]
    landing_page: str | None
    source: tuple[str, ...]
    summary: str
    columns: tuple[Column, ...]
    dimensions: tuple[Component, ...]
    measures: tuple[Component, ...]
    attributes: tuple[Component, ...]
    codelists: tuple[CodeList, ...]
    units: tuple[Unit, ...]
    rows: int
    observations: int
    source_csv: str
    csv_name: str = "data.csv"
    publisher: str | None = None  # these three override the family's when set
    publisher_uri: str | None = None
    contact_point: str | None = None
    statuses: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.family}/{self.id}"


@dataclass(frozen=True)
class Family:
    id: str
    uri: str
    title: str
    description: str
    themes: tuple[str, ...]
    publisher: str
    publisher_uri: str | None
    contact_point: str
    license: str
    datasets: tuple[Dataset, ...] = field(default=())
    codelists: tuple[CodeList, ...] = field(default=())
