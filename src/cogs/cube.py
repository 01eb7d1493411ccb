"""From a dataset config and its tidy table to a checked cube: the model plus columnar observations.

Everything here works on whole columns (polars expressions); the only per-value Python is over
the distinct codes of a column, which are few. The result keeps, for each column, the polars
expression of its RDF object and its CSVW description, so the CSVW and the RDF come from one
place and agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from cogs import codelists as cl
from cogs.config import ColumnConfig, ComponentConfig, DatasetConfig, Definitions, FamilyConfig
from cogs.model import CodeList, CodeListKind, Column, Component, Dataset, Role, Unit
from cogs.problems import CogsError, Location, Problem, Severity, errors
from cogs.reference import GSS_CODE, period_paths
from cogs.table import LINE, Table, located, read_table, repeated
from cogs.uris import GSS_GEOGRAPHY, QB, REF_TIME, SDMX_ATTRIBUTE, SDMX_DIMENSION, Minter, segment

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MARKER = r"^\[(c|x|z|low|u|w|e|p|r)\]$"
TRAILING_MARKER = r"^(.*\S)\s*\[(c|x|z|low|u|w|e|p|r)\]$"
NUMBER = {
    "decimal": r"^[+-]?(\d+(\.\d*)?|\.\d+)$",
    "integer": r"^[+-]?\d+$",
    "double": r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^(NaN|INF|-INF)$",
}
THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
OBS_STATUS_PROPERTY = SDMX_ATTRIBUTE + "obsStatus"
UNIT_PROPERTY = SDMX_ATTRIBUTE + "unitMeasure"
MEASURE_TYPE = QB + "measureType"

BUILTIN: dict[str, ComponentConfig] = {
    "period": ComponentConfig("period", "dimension", "Period", "The time period of the observation.",
                              "ref:period", uri=SDMX_DIMENSION + "refPeriod"),
    "geography": ComponentConfig("geography", "dimension", "Geography", "The area the observation describes.",
                                 "ref:gss-geography", uri=SDMX_DIMENSION + "refArea"),
}


@dataclass
class Scope:
    """What names resolve to for one dataset: its own definitions, then its family's, then built-ins."""

    minter: Minter
    family: FamilyConfig
    dataset: DatasetConfig
    family_codelists: dict[str, CodeList]
    dataset_codelists: dict[str, CodeList]

    def _find(self, kind: str, id: str) -> tuple[object, str | None] | None:
        for defs, owner in ((self.dataset.definitions, self.dataset.id), (self.family.definitions, None)):
            found = getattr(defs, kind).get(id)
            if found is not None:
                return found, owner
        return None

    def component(self, id: str) -> Component | None:
        found = self._find("components", id)
        if found is None:
            builtin = BUILTIN.get(id)
            if builtin is None:
                return None
            return Component(id, "dimension", builtin.uri or "", builtin.label, builtin.description,
                             builtin.codelist, minted=False)
        config, owner = found
        assert isinstance(config, ComponentConfig)
        scope = self.minter.scope(self.family.id, owner)
        uri = config.uri or self.minter.property(scope, config.type, config.id)
        codelist = config.codelist
        if codelist and not codelist.startswith("ref:") and codelist != "generated":
            codelist = self.codelist_uri(codelist)
        elif codelist == "generated":
            codelist = "generated:" + self.minter.codelist(scope, config.id)
        datatype = config.datatype or ("decimal" if config.type == "measure" else None)
        return Component(config.id, config.type, uri, config.label, config.description, codelist, datatype,
                         _expand(config.sub_property_of), minted=config.uri is None)

    def codelist_uri(self, id: str) -> str | None:
        found = self.dataset_codelists.get(id) or self.family_codelists.get(id)
        return found.uri if found else None

    def codelist(self, uri: str) -> CodeList | None:
        for lists in (self.dataset_codelists, self.family_codelists):
            for item in lists.values():
                if item.uri == uri:
                    return item
        return None

    def measures(self) -> dict[str, Component]:
        ids = {k for defs in (self.dataset.definitions, self.family.definitions)
               for k, v in defs.components.items() if v.type == "measure"}
        return {i: c for i in sorted(ids) if (c := self.component(i)) is not None}

    def units(self) -> dict[str, Unit]:
        out: dict[str, Unit] = {}
        for defs, owner in ((self.family.definitions, None), (self.dataset.definitions, self.dataset.id)):
            scope = self.minter.scope(self.family.id, owner)
            for id, unit in defs.units.items():
                out[id] = Unit(id, unit.uri or self.minter.unit(scope, id), unit.label, unit.description,
                               minted=unit.uri is None)
        return out


def _expand(curie: str | None) -> str | None:
    prefixes = {"sdmx-dimension:": SDMX_DIMENSION, "sdmx-attribute:": SDMX_ATTRIBUTE, "qb:": QB}
    if curie is None:
        return None
    for prefix, namespace in prefixes.items():
        if curie.startswith(prefix):
            return namespace + curie[len(prefix):]
    return curie


def csvw_name(title: str, taken: set[str]) -> str:
    """A CSVW column name (a URI template variable) for a title: letters, digits and `_`."""
    base = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in title.strip().lower()).strip("_") or "column"
    if base[0].isdigit():
        base = "c_" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


@dataclass
class Prepared:
    """A checked dataset: model, the table as it is published, and how each column becomes RDF."""

    dataset: Dataset
    frame: pl.DataFrame  # published columns by CSVW name, helper columns, LINE
    objects: dict[str, pl.Expr]  # CSVW name -> expression of the N-Triples object (null: no triple)
    predicates: dict[str, pl.Expr]  # CSVW name -> expression of the N-Triples predicate
    key: list[str]  # CSVW names of the dimension columns, in order
    csvw_columns: list[dict[str, object]]
    about_url: str
    fixed: list[tuple[str, str]] = field(default_factory=list)  # (predicate IRI, object IRI) on every observation
    table: Table | None = None
    problems: list[Problem] = field(default_factory=list)
    generated_values: dict[str, set[str]] = field(default_factory=dict)  # generated code list URI -> codes


def iri(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit("<"), expr, pl.lit(">")])


def literal(expr: pl.Expr, datatype: str | None) -> pl.Expr:
    """N-Triples literals of `expr`'s text. Numbers (checked against NUMBER before any is written)
    have nothing to escape."""
    escaped = expr if datatype in NUMBER else (
        expr.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
        .str.replace_all("\n", "\\n", literal=True).str.replace_all("\r", "\\r", literal=True))
    tail = f'"^^<{XSD}{datatype}>' if datatype and datatype != "string" else '"'
    return pl.concat_str([pl.lit('"'), escaped, pl.lit(tail)])


def prepare(scope: Scope) -> Prepared:
    """Read, check and model one dataset. Raises CogsError when the table has errors."""
    config = scope.dataset
    table = read_table(config.data, config.encoding)
    problems = list(table.problems)
    problems.extend(_check_header(table, config))
    if errors(problems):
        raise CogsError(problems)
    builder = _Builder(scope, table)
    for title in table.header:
        builder.column(config.columns[title])
    problems.extend(builder.problems)
    problems.extend(builder.finish())
    if errors(problems):
        raise CogsError(problems)
    prepared = builder.result()
    prepared.problems = problems
    return prepared


def _check_header(table: Table, config: DatasetConfig) -> list[Problem]:
    problems = []
    for title in table.header:
        if title not in config.columns:
            problems.append(Problem("csv.unknown-column", f"column {title!r} is not mapped in dataset.toml",
                                    table.header_cell(title),
                                    hint=f'add [columns."{title}"] with a role to {config.path.name}'))
    for title, column in config.columns.items():
        if title not in table.header:
            close = [h for h in table.header if h.strip().lower() == title.strip().lower()]
            hint = f"the CSV has {close[0]!r}: match the title exactly" if close else \
                f"the CSV's columns are: {', '.join(table.header)}"
            problems.append(Problem("csv.missing-column", f"column {title!r} of dataset.toml is not in {table.path.name}",
                                    column.location, hint=hint))
    roles = [c.role for c in config.columns.values()]
    if roles.count("observations") != 1:
        problems.append(Problem("config.observations-column", f"a dataset needs exactly one observations column, "
                                f"found {roles.count('observations')}", Location(str(config.path)),
                                hint='give one column role = "observations"'))
    for role in ("measure-type", "unit", "marker"):
        if roles.count(role) > 1:
            problems.append(Problem("config.repeated-role", f"more than one {role} column", Location(str(config.path)),
                                    hint=f"a table has at most one {role} column"))
    return problems


class _Builder:
    """Walks the columns of one table, checking cells and recording each column's RDF and CSVW."""

    def __init__(self, scope: Scope, table: Table) -> None:
        self.scope = scope
        self.table = table
        self.frame = table.frame
        self.problems: list[Problem] = []
        self.names: set[str] = set()
        self.published: list[str] = []
        self.helpers: list[str] = []
        self.objects: dict[str, pl.Expr] = {}
        self.predicates: dict[str, pl.Expr] = {}
        self.key: list[str] = []
        self.csvw: list[dict[str, object]] = []
        self.columns: list[Column] = []
        self.dimensions: list[Component] = []
        self.attributes: list[Component] = []
        self.measures: list[Component] = []
        self.codelists: dict[str, CodeList] = {}
        self.units: dict[str, Unit] = {}
        self.generated: dict[str, set[str]] = {}
        self.fixed: list[tuple[str, str]] = []
        self.value_name: str | None = None
        self.status_name: str | None = None
        self.measure_name: str | None = None
        self.unit_name: str | None = None
        self.value_config: ColumnConfig | None = None
        self.in_cell_status: pl.Series | None = None

    # -- helpers -------------------------------------------------------------------------------
    def _where(self, config: ColumnConfig) -> Location | None:
        return config.location

    def _set(self, name: str, series: pl.Series) -> None:
        self.frame = self.frame.with_columns(series.alias(name))

    def _trimmed(self, title: str, name: str) -> pl.Series:
        raw = self.frame[title]
        trimmed = raw.str.strip_chars()
        changed = (raw != trimmed).fill_null(False)
        if changed.any():
            self.problems.extend(located(self.table, changed, title, "csv.trimmed-spaces",
                                         "spaces around {value!r} were removed", "remove the spaces in the source",
                                         Severity.WARNING, limit=5))
        else:
            trimmed = raw  # the same cells: the column as read is kept, not a copy of it
        # Blank cells: polars reads an empty field as null already; a quoted "" or spaces are text.
        return trimmed.replace("", None) if (trimmed == "").any() else trimmed

    def _coded(self, name: str, values: pl.Series, uris: dict[str, str], prefix: str, suffix: str) -> str:
        """Record a coded column; return its CSVW valueUrl (a template over the column or a helper)."""
        segments = {code: segment(code) for code in uris}
        templated = all(uri == f"{prefix}{segments[code]}{suffix}" for code, uri in uris.items())
        if templated and all(segments[code] == code for code in uris) and values.drop_nulls().is_in(list(uris)).all():
            # Codes that need no escaping: the IRI is the code between two strings, which polars
            # joins in half the time of looking each code up.
            self.objects[name] = iri(pl.concat_str([pl.lit(prefix), pl.col(name), pl.lit(suffix)]))
        else:
            self.objects[name] = iri(pl.col(name).replace_strict(uris, default=None, return_dtype=pl.String))
        if templated:
            return f"{prefix}{{{name}}}{suffix}"
        helper = f"{name}_uri"
        self.helpers.append(helper)
        self._set(helper, values.replace_strict(uris, default=None, return_dtype=pl.String))
        return f"{{+{helper}}}"

    def _blank(self, title: str, values: pl.Series, what: str) -> None:
        blank = values.is_null()
        if blank.any():
            self.problems.extend(located(self.table, blank, title, "csv.blank-" + what,
                                         f"blank {what} cell", f"every observation needs a {what} value; fill the "
                                         "cell or drop the row", values=False))

    # -- columns -------------------------------------------------------------------------------
    def column(self, config: ColumnConfig) -> None:
        name = csvw_name(config.title, self.names)
        role = Role(config.role)
        handler = {
            Role.DIMENSION: self._dimension, Role.ATTRIBUTE: self._attribute, Role.OBSERVATIONS: self._observations,
            Role.MEASURE_TYPE: self._measure_type, Role.UNIT: self._unit, Role.MARKER: self._marker,
        }[role]
        description = handler(config, name)
        if description is None:
            return
        self.published.append(name)
        self.csvw.append({"titles": config.title, "name": name, **description})

    def _component(self, config: ColumnConfig, kinds: tuple[str, ...]) -> Component | None:
        if not config.component:
            self.problems.append(Problem("config.missing-component", f"column {config.title!r} needs `component`",
                                         config.location, hint="name a component of the dataset, its family, or "
                                         "a built-in one (period, geography)"))
            return None
        component = self.scope.component(config.component)
        if component is None:
            self.problems.append(Problem("config.unknown-component", f"no component {config.component!r}",
                                         config.location, hint="declare it under [components] in family.toml or "
                                         "dataset.toml, or use period or geography"))
            return None
        if component.kind not in kinds:
            self.problems.append(Problem("config.wrong-component-type", f"component {component.id!r} is a "
                                         f"{component.kind}, not a {' or '.join(kinds)}", config.location,
                                         hint="use a component of the right type"))
            return None
        return component

    def _codes(self, config: ColumnConfig, name: str, component: Component, required: bool) -> dict[str, object] | None:
        """Check a coded column against its code list; record its RDF. Returns the CSVW valueUrl part."""
        title = config.title
        values = self._trimmed(title, name)
        if required:
            self._blank(title, values, "dimension")
        kind = component.codelist
        if kind is None:
            self.problems.append(Problem("config.no-codelist", f"component {component.id!r} has no code list",
                                         config.location, hint="set `codelist` on the component (a code list id, "
                                         "generated, ref:period or ref:gss-geography)"))
            return None
        distinct = [v for v in values.unique().sort().to_list() if v is not None]
        if kind == CodeListKind.PERIOD:
            # Each distinct code is parsed once, then mapped back onto the column.
            parsed = pl.select(period_paths(pl.lit(pl.Series(distinct, dtype=pl.String)))).to_series().to_list()
            paths = values.replace_strict(dict(zip(distinct, parsed, strict=True)), default=None,
                                          return_dtype=pl.String)
            bad = values.is_not_null() & paths.is_null()
            if bad.any():
                self.problems.extend(located(self.table, bad, title, "period.unrecognised",
                                             "{value!r} is not a period code this build knows",
                                             "write years as 2019, quarters as 2019-Q1, months as 2019-01, "
                                             "government years as 2019-2020"))
                return None
            helper = f"{name}_ref"
            self._set(name, values)
            self._set(helper, paths)
            self.helpers.append(helper)
            self.objects[name] = iri(pl.lit(REF_TIME) + pl.col(helper))
            self.codelists.setdefault("ref:period", CodeList("period", self.scope.minter.reference_codelist("period"),
                                                             "Time periods", CodeListKind.PERIOD))
            self.generated.setdefault("ref:period", set()).update(p for p in paths.unique().to_list() if p)
            return {"valueUrl": f"{REF_TIME}{{+{helper}}}"}
        if kind == CodeListKind.GEOGRAPHY:
            wrong = pl.Series(distinct, dtype=pl.String)
            bad = values.is_in(wrong.filter(~wrong.str.contains(GSS_CODE)).implode())
            if bad.any():
                self.problems.extend(located(self.table, bad, title, "geography.not-gss-code",
                                             "{value!r} is not a GSS statistical geography code",
                                             "use nine-character GSS codes such as E09000033, or a code list "
                                             "of your own for other areas"))
                return None
            self._set(name, values)
            self.codelists.setdefault("ref:gss-geography", CodeList(
                "gss-geography", self.scope.minter.reference_codelist("gss-geography"),
                "GSS statistical geography", CodeListKind.GEOGRAPHY))
            self.generated.setdefault("ref:gss-geography", set()).update(distinct)
            return {"valueUrl": self._coded(name, values, {v: GSS_GEOGRAPHY + v for v in distinct},
                                            GSS_GEOGRAPHY, "")}
        if kind.startswith("generated:"):
            uri = kind.split(":", 1)[1]
            self.problems.extend(cl.segment_problems(distinct, config.location or self.table.header_cell(title),
                                                     f"code in column {title!r}"))
            self._set(name, values)
            self.generated.setdefault(uri, set()).update(distinct)
            return {"valueUrl": self._coded(name, values, {v: self.scope.minter.code(uri, v) for v in distinct},
                                            uri, "/")}
        codelist = self.scope.codelist(kind)
        if codelist is None:
            self.problems.append(Problem("config.unknown-codelist", f"component {component.id!r} names an unknown "
                                         "code list", config.location, hint="declare it under [codelists]"))
            return None
        self.codelists[codelist.uri] = codelist
        notations = codelist.by_notation()
        labels: dict[str, list[str]] = {}
        for code in codelist.codes:
            labels.setdefault(code.label, []).append(code.notation)
        mapping: dict[str, str] = {}
        unknown: list[str] = []
        for value in distinct:
            if value in notations:
                mapping[value] = value
            elif len(labels.get(value, [])) == 1:
                mapping[value] = labels[value][0]
            else:
                unknown.append(value)
        if unknown:
            bad = values.is_in(unknown)
            self.problems.extend(located(self.table, bad, title, "code.unknown",
                                         f"{{value!r}} is not a code of code list {codelist.id!r}",
                                         f"add it to {codelist.source or codelist.id}, or correct the cell"))
            return None
        relabelled = sorted(k for k, v in mapping.items() if k != v)
        if relabelled:
            self.problems.append(Problem("code.label-as-code", f"column {title!r}: {len(relabelled)} labels written "
                                         f"as their notations (e.g. {relabelled[0]!r} -> {mapping[relabelled[0]]!r})",
                                         self.table.header_cell(title), Severity.INFO,
                                         hint="write notations in the CSV to keep it as published"))
            values = values.replace_strict(mapping, default=None, return_dtype=pl.String)
        self._set(name, values)
        uris = {v: notations[v].uri for v in set(mapping.values())}
        return {"valueUrl": self._coded(name, values, uris, codelist.uri, "/")}

    def _dimension(self, config: ColumnConfig, name: str) -> dict[str, object] | None:
        component = self._component(config, ("dimension",))
        if component is None:
            return None
        described = self._codes(config, name, component, required=True)
        if described is None:
            return None
        self.predicates[name] = pl.lit(f"<{component.uri}>")
        self.key.append(name)
        self.dimensions.append(component)
        self.columns.append(Column(config.title, name, Role.DIMENSION, component))
        return {"propertyUrl": component.uri, **described, "required": True}

    def _attribute(self, config: ColumnConfig, name: str) -> dict[str, object] | None:
        component = self._component(config, ("attribute",))
        if component is None:
            return None
        self.attributes.append(component)
        self.columns.append(Column(config.title, name, Role.ATTRIBUTE, component))
        self.predicates[name] = pl.lit(f"<{component.uri}>")
        if component.codelist:
            described = self._codes(config, name, component, required=False)
            return None if described is None else {"propertyUrl": component.uri, **described}
        values = self._trimmed(config.title, name)
        datatype = component.datatype or "string"
        if datatype in NUMBER:
            bad = values.is_not_null() & ~values.str.contains(NUMBER[datatype])
            if bad.any():
                self.problems.extend(located(self.table, bad, config.title, "attribute.bad-value",
                                             f"{{value!r}} is not a valid {datatype}", f"write a {datatype} or leave "
                                             "the cell blank"))
        self._set(name, values)
        self.objects[name] = literal(pl.col(name), datatype)
        return {"propertyUrl": component.uri, "datatype": datatype}

    def _observations(self, config: ColumnConfig, name: str) -> dict[str, object] | None:
        self.value_name = name
        self.value_config = config
        values = self._trimmed(config.title, name)
        status = values.str.extract(MARKER, 1)
        trailing = values.str.extract(TRAILING_MARKER, 2)
        status = status.fill_null(trailing)
        values = pl.select(pl.when(pl.lit(trailing).is_not_null()).then(pl.lit(values).str.extract(TRAILING_MARKER, 1))
                           .when(pl.lit(status).is_not_null()).then(None).otherwise(pl.lit(values))).to_series()
        if trailing.is_not_null().any():
            self.problems.extend(located(self.table, trailing.is_not_null(), config.title, "obs.marker-in-value",
                                         "marker taken out of {value!r} into the observation status",
                                         "put markers in a column of their own", Severity.WARNING, limit=5))
        commas = values.str.contains(THOUSANDS).fill_null(False)
        if commas.any():
            self.problems.extend(located(self.table, commas, config.title, "obs.thousands-separator",
                                         "thousands separators removed from {value!r}", "write numbers without "
                                         "separators", Severity.WARNING, limit=5))
            values = pl.select(pl.when(pl.lit(commas)).then(pl.lit(values).str.replace_all(",", "", literal=True))
                               .otherwise(pl.lit(values))).to_series()
        self.in_cell_status = status
        self._set(name, values)
        return {}  # completed in finish(), once the measure and status columns are known

    def _measure_type(self, config: ColumnConfig, name: str) -> dict[str, object] | None:
        values = self._trimmed(config.title, name)
        self._blank(config.title, values, "measure-type")
        measures = self.scope.measures()
        by_label = {m.label: m.id for m in measures.values()}
        distinct = [v for v in values.unique().sort().to_list() if v is not None]
        mapping = {v: v if v in measures else by_label.get(v, "") for v in distinct}
        unknown = [v for v, m in mapping.items() if not m]
        if unknown:
            self.problems.extend(located(self.table, values.is_in(unknown), config.title, "measure.unknown",
                                         "{value!r} is not a measure of this dataset or family",
                                         "declare it under [components] with type = \"measure\""))
            return None
        values = values.replace_strict(mapping, default=None, return_dtype=pl.String)
        self._set(name, values)
        used = sorted(set(mapping.values()))
        self.measures.extend(measures[m] for m in used)
        uris = {m: measures[m].uri for m in used}
        first = measures[used[0]] if used else None
        prefix = first.uri[: first.uri.rstrip("/").rfind("/") + 1] if first else ""
        value_url = self._coded(name, values, uris, prefix, "/")
        self.measure_name = name
        self.predicates[name] = pl.lit(f"<{MEASURE_TYPE}>")
        self.key.append(name)
        self.columns.append(Column(config.title, name, Role.MEASURE_TYPE))
        return {"propertyUrl": MEASURE_TYPE, "valueUrl": value_url, "required": True}

    def _unit(self, config: ColumnConfig, name: str) -> dict[str, object] | None:
        values = self._trimmed(config.title, name)
        units = self.scope.units()
        by_label = {u.label: u.id for u in units.values()}
        distinct = [v for v in values.unique().sort().to_list() if v is not None]
        mapping = {v: v if v in units else by_label.get(v, "") for v in distinct}
        unknown = [v for v, u in mapping.items() if not u]
        if unknown:
            self.problems.extend(located(self.table, values.is_in(unknown), config.title, "unit.unknown",
                                         "{value!r} is not a unit of this dataset or family",
                                         "declare it under [units] in family.toml or dataset.toml"))
            return None
        values = values.replace_strict(mapping, default=None, return_dtype=pl.String)
        self._set(name, values)
        used = sorted(set(mapping.values()))
        for u in used:
            self.units[u] = units[u]
        uris = {u: units[u].uri for u in used}
        first = units[used[0]] if used else None
        prefix = first.uri[: first.uri.rstrip("/").rfind("/") + 1] if first else ""
        value_url = self._coded(name, values, uris, prefix, "/")
        self.unit_name = name
        self.predicates[name] = pl.lit(f"<{UNIT_PROPERTY}>")
        self.columns.append(Column(config.title, name, Role.UNIT))
        return {"propertyUrl": UNIT_PROPERTY, "valueUrl": value_url}

    def _marker(self, config: ColumnConfig, name: str) -> dict[str, object] | None:
        values = self._trimmed(config.title, name)
        bare = values.str.extract(MARKER, 1).fill_null(values)
        bad = bare.is_not_null() & ~bare.is_in(list(cl.OBS_STATUS))
        if bad.any():
            self.problems.extend(located(self.table, bad, config.title, "marker.unknown",
                                         "{value!r} is not a GSS shorthand marker",
                                         "use one of [c] [x] [z] [low] [u] [w] [e] [p] [r]"))
            return None
        self._set(name, bare)
        self.status_name = name
        self.columns.append(Column(config.title, name, Role.MARKER))
        return {}  # completed in finish()

    # -- the whole table -----------------------------------------------------------------------
    def finish(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.value_name is None or self.value_config is None:
            return problems
        minter = self.scope.minter
        status_list = cl.obs_status(minter)
        status = self.in_cell_status
        if status is not None and status.is_not_null().any():
            if self.status_name is None:
                self.status_name = csvw_name("Observation status", self.names)
                self._set(self.status_name, status)
                self.published.append(self.status_name)
                self.csvw.append({"titles": "Observation status", "name": self.status_name})
                self.columns.append(Column("Observation status", self.status_name, Role.MARKER))
            else:
                current = self.frame[self.status_name]
                clash = current.is_not_null() & status.is_not_null() & (current != status)
                if clash.any():
                    problems.extend(located(self.table, clash.fill_null(False), self.value_config.title,
                                            "marker.conflict", "the marker in {value!r} disagrees with the marker "
                                            "column", "keep one marker per observation"))
                self._set(self.status_name, current.fill_null(status))
        # Values: blank without a suppressing marker is an error; a number is required otherwise.
        config = self.value_config
        name = self.value_name
        values = self.frame[name]
        statuses = self.frame[self.status_name] if self.status_name else pl.Series([None] * self.frame.height,
                                                                                   dtype=pl.String)
        suppressed = statuses.is_in(list(cl.SUPPRESSING)).fill_null(False)
        missing = values.is_null() & ~suppressed
        if missing.any():
            problems.extend(located(self.table, missing, config.title, "obs.missing-value", "blank observation "
                                    "without a marker", "write the value, or a marker such as [x] (not available)",
                                    values=False))
        measure: Component | None = None
        if self.measure_name is None:
            if not config.measure:
                problems.append(Problem("config.no-measure", f"observations column {config.title!r} needs `measure` "
                                        "(or the table a measure-type column)", config.location,
                                        hint='add measure = "<measure id>"'))
                return problems
            measure = self.scope.component(config.measure)
            if measure is None or measure.kind != "measure":
                problems.append(Problem("config.unknown-measure", f"no measure component {config.measure!r}",
                                        config.location, hint='declare it under [components] with type = "measure"'))
                return problems
            self.measures.append(measure)
        datatypes = {config.datatype} if config.datatype else {m.datatype or "decimal" for m in self.measures}
        datatype = sorted(datatypes)[0] if len(datatypes) == 1 else "decimal"
        # The values' datatype is the measures' range, so a column override applies to them too.
        self.measures = [m if m.datatype == datatype else replace(m, datatype=datatype) for m in self.measures]
        if measure is not None:
            measure = self.measures[-1]
        bad = values.is_not_null() & ~values.str.contains(NUMBER.get(datatype, NUMBER["decimal"]))
        if bad.any():
            problems.extend(located(self.table, bad, config.title, "obs.not-a-number",
                                    f"{{value!r}} is not a number ({datatype})",
                                    "write a number, or a GSS marker such as [x] with the value left out"))
        if self.status_name:
            self.objects[self.status_name] = iri(pl.lit(status_list.uri) + pl.col(self.status_name) + pl.lit("/"))
            self.predicates[self.status_name] = pl.lit(f"<{OBS_STATUS_PROPERTY}>")
            self._describe(self.status_name, {"propertyUrl": OBS_STATUS_PROPERTY,
                                              "valueUrl": f"{status_list.uri}{{{self.status_name}}}/"})
            self.codelists[status_list.uri] = status_list
        self.objects[name] = literal(pl.col(name), datatype)
        if measure is not None:
            self.predicates[name] = pl.lit(f"<{measure.uri}>")
            self._describe(name, {"propertyUrl": measure.uri, "datatype": datatype})
        else:
            assert self.measure_name is not None
            self.predicates[name] = self.objects[self.measure_name]
            template = next(c["valueUrl"] for c in self.csvw if c["name"] == self.measure_name)
            self._describe(name, {"propertyUrl": template, "datatype": datatype})
        self.columns.append(Column(config.title, name, Role.OBSERVATIONS, measure, datatype=datatype))
        if self.unit_name is None and config.unit:
            units = self.scope.units()
            if config.unit not in units:
                problems.append(Problem("unit.unknown", f"no unit {config.unit!r}", config.location,
                                        hint="declare it under [units]"))
            else:
                self.units[config.unit] = units[config.unit]
                self.fixed.append((UNIT_PROPERTY, units[config.unit].uri))
        problems.extend(self._duplicates())
        return problems

    def _describe(self, name: str, extra: dict[str, object]) -> None:
        for column in self.csvw:
            if column["name"] == name:
                column.update(extra)

    def _duplicates(self) -> list[Problem]:
        if not self.key:
            return []
        duplicated = repeated(self.frame, self.key)
        if not duplicated.any():
            return []
        first_title = next(c.title for c in self.columns if c.name == self.key[0])
        keys = self.frame.select(pl.concat_str(self.key, separator=", ").alias("k"))["k"]
        self.frame = self.frame.with_columns(keys.alias("__key"))
        self.table = Table(self.table.path, self.table.header, self.frame)
        problems = located(self.table, duplicated, first_title, "obs.duplicate-key",
                           "another row has the same dimension values", "each combination of dimension values "
                           "may appear once; remove or correct the repeated row", values=False)
        self.frame = self.frame.drop("__key")
        return problems

    def result(self) -> Prepared:
        scope = self.scope
        minter = scope.minter
        family, config = scope.family, scope.dataset
        uri = minter.dataset(family.id, config.id)
        segments = []
        for name in self.key:
            uniques = self.frame[name].unique().drop_nulls().to_list()
            escaped = {v: segment(v) for v in uniques}
            segments.append(pl.col(name) if all(k == v for k, v in escaped.items()) else
                            pl.col(name).replace_strict(escaped, default=None, return_dtype=pl.String))
        about = minter.observation_prefix(family.id, config.id) + "/".join(f"{{{n}}}" for n in self.key)
        self.objects["__about"] = pl.concat_str([pl.lit(minter.observation_prefix(family.id, config.id)),
                                                 pl.concat_str(segments, separator="/")])
        statuses = self.frame[self.status_name].drop_nulls().unique().sort().to_list() if self.status_name else []
        for helper in self.helpers:
            self.csvw.append({"name": helper, "titles": helper, "suppressOutput": True})
        self.csvw.append({"name": "observation_type", "virtual": True, "propertyUrl": "rdf:type",
                          "valueUrl": QB + "Observation"})
        self.csvw.append({"name": "observation_dataset", "virtual": True, "propertyUrl": QB + "dataSet",
                          "valueUrl": uri})
        for predicate, value in self.fixed:
            title = "Unit" if predicate == UNIT_PROPERTY else predicate.rsplit("/", 1)[-1]
            self.csvw.append({"name": csvw_name(title, self.names), "titles": title, "virtual": True,
                              "propertyUrl": predicate, "valueUrl": value})
        dataset = Dataset(
            family=family.id, id=config.id, uri=uri, title=config.title, description=config.description,
            issued=config.issued, modified=config.modified, keywords=config.keywords,
            landing_page=config.landing_page, source=config.source, summary=config.summary,
            publisher=config.publisher, publisher_uri=config.publisher_uri, contact_point=config.contact_point,
            columns=tuple(self.columns), dimensions=tuple(self.dimensions),
            measures=tuple(dict.fromkeys(self.measures)), attributes=tuple(self.attributes),
            codelists=tuple(sorted(self.codelists.values(), key=lambda c: c.uri)),
            units=tuple(sorted(self.units.values(), key=lambda u: u.id)),
            rows=self.frame.height, observations=self.frame.height, source_csv=str(config.data),
            statuses=tuple(statuses),
        )
        order = self.published + self.helpers + [LINE]
        return Prepared(dataset, self.frame.select(order), self.objects, self.predicates, self.key, self.csvw,
                        about, self.fixed, self.table, generated_values=self.generated)


def resolve_definitions(defs: Definitions, scope_uri: str, minter: Minter) -> tuple[dict[str, CodeList], list[Problem]]:
    """Load the supplied code lists declared in a family or dataset config."""
    lists: dict[str, CodeList] = {}
    problems: list[Problem] = []
    for id, config in defs.codelists.items():
        try:
            codelist, found = cl.load_codelist(config, minter.codelist(scope_uri, id), minter)
        except CogsError as exc:
            problems.extend(exc.problems)
            continue
        lists[id] = codelist
        problems.extend(found)
    return lists, problems
