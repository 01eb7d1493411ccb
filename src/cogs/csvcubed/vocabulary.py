"""What a csvcubed config can say: schema versions, column types and keys, templates, conventions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

CONFIG_FILE = "qube-config.json"

VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")

SCHEMA_URI = re.compile(r"^https?://purl\.org/csv-cubed/qube-config/v(\d+\.\d+)(\.\d+)?#?$")

SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"

SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"

REF_PERIOD = SDMX_DIMENSION + "refPeriod"

REF_AREA = SDMX_DIMENSION + "refArea"

OBS_STATUS = SDMX_ATTRIBUTE + "obsStatus"

REF_TIME = "http://reference.data.gov.uk/id/"

GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"

# csvcubed's column templates (readers/cubeconfig/v1_0/templates), bundled: cogs never fetches them.

PERIOD_KINDS = {"year": "year", "half-year": "half", "quarter": "quarter", "month": "month", "week": "week",
                 "day": "day", "hour": "hour", "minute": "minute", "second": "second",
                 "government-year": "government-year", "government-half-year": "government-half",
                 "government-quarter": "government-quarter", "government-week": "government-week",
                 "gregorian-instant": "gregorian-instant", "gregorian-interval": "gregorian-interval",
                 "mixed-period": ""}
# Period kinds the bundled reference list of cogs recognises (cogs.reference.PERIOD_FORMS).

COGS_PERIODS = {"year", "quarter", "month", "day", "government-year", ""}

TEMPLATES: dict[str, dict[str, Any]] = {
    **{name: {"type": "dimension", "from_existing": REF_PERIOD,
              "label": name.replace("-", " ").capitalize(),
              "cell_uri_template": f"{REF_TIME}{kind + '/' if kind else ''}{{+<column_name>}}"}
       for name, kind in PERIOD_KINDS.items()},
    "statistical-geography": {"type": "dimension", "from_existing": REF_AREA, "label": "Statistical Geography",
                              "code_list": False, "cell_uri_template": GEOGRAPHY + "{+<column_name>}"},
    "observation-status": {"type": "attribute", "from_existing": OBS_STATUS, "label": "Observation Status"},
    "qudt": {"type": "units", "cell_uri_template": "http://qudt.org/vocab/unit/{+<column_name>}"},
}

# csvcubed's reserved titles for configuration by convention (readers/cubeconfig/v1/constants.py).

CONVENTION_NAMES = {
    "measures": {"measure", "measures", "measures column", "measure column", "measure type", "measure types"},
    "observations": {"observation", "observations", "obs", "values", "value", "val", "vals"},
    "units": {"unit", "units", "units column", "unit column", "unit type", "unit types"},
}

COLUMN_KEYS = {
    "dimension": {"type", "from_template", "label", "description", "from_existing", "definition_uri",
                  "cell_uri_template", "code_list"},
    "attribute": {"type", "from_template", "label", "description", "from_existing", "definition_uri", "data_type",
                  "describes_observations", "values", "required", "cell_uri_template"},
    "measures": {"type", "values", "cell_uri_template"},
    "units": {"type", "from_template", "describes_observations", "values", "cell_uri_template"},
    "observations": {"type", "data_type", "unit", "measure"},
}

TOP_KEYS = {"$schema", "id", "title", "description", "summary", "publisher", "creator", "themes", "keywords",
             "dataset_issued", "dataset_modified", "license", "public_contact_point_uri", "columns"}

FAMILY_KEYS = ("publisher", "creator", "license", "themes", "public_contact_point_uri")

VALUE_KEYS = {"label", "description", "from_existing", "definition_uri", "scaling_factor", "quantity_kind",
               "si_scaling_factor"}

INTEGER_TYPES = {"integer", "long", "int", "short", "nonNegativeInteger", "positiveInteger", "unsignedLong",
                  "unsignedInt", "unsignedShort", "nonPositiveInteger", "negativeInteger"}

DATA_TYPES = INTEGER_TYPES | {"anyURI", "boolean", "date", "dateTime", "dateTimeStamp", "decimal", "double",
                                "float", "string", "language", "time"}

MARKER = re.compile(r"^\[?(c|x|z|low|u|w|e|p|r)\]?$")

VARIABLE = re.compile(r"\{[+#./;?&]?([^}]*)\}")
# Observation-status labels seen in csvcubed configs, by slug, and the GSS shorthand marker they mean.

STATUS_LABELS = {
    "confidential": "c", "suppressed": "c", "not-available": "x", "data-not-available": "x", "na": "x",
    "not-applicable": "z", "low": "low", "low-figure": "low", "low-reliability": "u", "no-data": "w",
    "estimated": "e", "estimate": "e", "provisional": "p", "revised": "r",
}

STRING_KEYS = ("label", "description", "from_existing", "definition_uri", "cell_uri_template",
                "describes_observations")


def slug(text: str) -> str:
    """A cogs id for a title: lower-case letters, digits and hyphens."""
    out = re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")
    return out or "x"


def csvw_name(title: str) -> str:
    """csvcubed's CSV-W column name for a title (utils/uri.py `csvw_column_name_safe`)."""
    return re.sub(r"[^\w]+", "_", title).lower()


def title_from_file_name(path: Path) -> str:
    """csvcubed's default title: `csv-data_file.csv` -> `Csv Data File`."""
    return " ".join(w.capitalize() for w in path.stem.replace("-", " ").replace("_", " ").split(" "))


def expand(template: str, value: str) -> str:
    return VARIABLE.sub(value, template, count=1)
