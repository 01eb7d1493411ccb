"""Generate a synthetic, deterministic cube to benchmark builds with.

One run writes, under `--out`:

    families/                      a cogs project (see docs/config.md)
      site.toml
      synthetic/
        family.toml                family-level code lists, components and the unit
        codelists/industry.csv     SIC 2007 sections
        codelists/commodity.csv    SITC sections (and more, numbered, for very large cubes)
        cube-01/dataset.toml
        cube-01/data.csv           Area, Period, Industry, Commodity, Amount
    csvcubed/
      cube-01/data.csv             the same table as csvcubed reads it
      cube-01/qube-config.json     csvcubed's config for it (schema v1.4)
    manifest.json                  what was written: rows, markers, distinct codes, seed

The table has four dimensions: geography (GSS codes such as E06000001), period (years, quarters
and months: 2019, 2019-Q1, 2019-01), and two classifications with code lists supplied as CSV at
family level; one measure in a fixed unit (£ million, decimals). About 1% of the cells hold the
GSS marker `[c]` (confidential) and 1% hold `[x]` (not available) instead of a value.

csvcubed wants two things written differently, so its copy of the table differs in exactly these:
a marker cannot stand in the value cell, so the value is left blank and the marker moves to a
`Marker` column (an observation-status attribute); and a period cell is written as its
reference.data.gov.uk path (`quarter/2019-Q1`) so that csvcubed mints the same period URIs cogs
does, without a code list. Rows, keys and values are otherwise identical. (The value column is
called `Amount` in both, as csvcubed refuses an observations column titled `Value`.)

The same `--seed`, `--rows` and `--datasets` always give byte-identical files.

    python bench/generate.py --rows 100000 --out bench/work/100k
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

FAMILY = "synthetic"
BASE_URI = "https://bench.example.org/"
UNIT_LABEL = "£ million"
MARKERS = ("[c]", "[x]")
MARKER_RATE = 0.01  # per marker
HEADER = ("Area", "Period", "Industry", "Commodity", "Amount")

# SIC 2007 sections.
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("A", "Agriculture, forestry and fishing"),
    ("B", "Mining and quarrying"),
    ("C", "Manufacturing"),
    ("D", "Electricity, gas, steam and air conditioning supply"),
    ("E", "Water supply; sewerage, waste management and remediation activities"),
    ("F", "Construction"),
    ("G", "Wholesale and retail trade; repair of motor vehicles and motorcycles"),
    ("H", "Transportation and storage"),
    ("I", "Accommodation and food service activities"),
    ("J", "Information and communication"),
    ("K", "Financial and insurance activities"),
    ("L", "Real estate activities"),
    ("M", "Professional, scientific and technical activities"),
    ("N", "Administrative and support service activities"),
    ("O", "Public administration and defence; compulsory social security"),
    ("P", "Education"),
    ("Q", "Human health and social work activities"),
    ("R", "Arts, entertainment and recreation"),
    ("S", "Other service activities"),
    ("T", "Activities of households as employers"),
    ("U", "Activities of extraterritorial organisations and bodies"),
)

# SITC sections; very large cubes add numbered commodities after these.
COMMODITIES: tuple[tuple[str, str], ...] = (
    ("0", "Food and live animals"),
    ("1", "Beverages and tobacco"),
    ("2", "Crude materials, inedible, except fuels"),
    ("3", "Mineral fuels, lubricants and related materials"),
    ("4", "Animal and vegetable oils, fats and waxes"),
    ("5", "Chemicals and related products"),
    ("6", "Manufactured goods classified chiefly by material"),
    ("7", "Machinery and transport equipment"),
    ("8", "Miscellaneous manufactured articles"),
    ("9", "Commodities and transactions not classified elsewhere"),
)

# Real-looking GSS codes: English unitary authorities, non-metropolitan districts,
# metropolitan districts, London boroughs, Welsh unitary authorities, Scottish council areas.
AREA_SERIES: tuple[tuple[str, int], ...] = (
    ("E06", 60), ("E07", 150), ("E08", 36), ("E09", 33), ("W06", 22), ("S12", 32),
)
YEARS = range(2010, 2024)


def areas() -> list[str]:
    return [f"{prefix}{n:06d}" for prefix, count in AREA_SERIES for n in range(1, count + 1)]


def periods() -> list[str]:
    """Years, then quarters, then months: 2010 .. 2023, 2010-Q1 .., 2010-01 .."""
    return ([str(y) for y in YEARS]
            + [f"{y}-Q{q}" for y in YEARS for q in range(1, 5)]
            + [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)])


def period_path(period: str) -> str:
    """The reference.data.gov.uk path of a period code: `2019-Q1` -> `quarter/2019-Q1`."""
    if len(period) == 4:
        return f"year/{period}"
    if "Q" in period:
        return f"quarter/{period}"
    return f"month/{period}"


def commodities(needed: int) -> list[tuple[str, str]]:
    extra = max(0, needed - len(COMMODITIES))
    return list(COMMODITIES) + [(f"{10 + i}", f"Commodity group {10 + i}") for i in range(extra)]


def generator_version() -> str:
    """A digest of this file, so that cubes written by an older generator can be told apart."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


@dataclass(frozen=True)
class Spec:
    rows: int
    datasets: int
    seed: int

    def dataset_ids(self) -> list[str]:
        width = max(2, len(str(self.datasets)))
        return [f"cube-{i:0{width}d}" for i in range(1, self.datasets + 1)]

    def dataset_rows(self) -> list[int]:
        """`rows` split as evenly as possible, the first datasets taking the remainder."""
        base, rest = divmod(self.rows, self.datasets)
        return [base + (1 if i < rest else 0) for i in range(self.datasets)]


def _write_csv(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def site_toml() -> str:
    return (f"base_uri = {_toml_str(BASE_URI)}\n"
            'title = "Synthetic cubes for benchmarking"\n'
            'description = "Deterministic synthetic tables written by bench/generate.py."\n'
            'license = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"\n')


def family_toml() -> str:
    return f'''title = "Synthetic"
description = """
Synthetic tables of the shape official statistics take: a value by area, period, industry and
commodity. The figures are random; only their shape is meant to be realistic.
"""
themes = ["Economy"]
publisher = "Benchmark"
contact_point = "mailto:bench@example.org"
license = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

[codelists.industry]
title = "Industry (SIC 2007 sections)"
file = "codelists/industry.csv"

[codelists.commodity]
title = "Commodity (SITC sections)"
file = "codelists/commodity.csv"

[components.industry]
type = "dimension"
label = "Industry"
codelist = "industry"

[components.commodity]
type = "dimension"
label = "Commodity"
codelist = "commodity"

[components.value]
type = "measure"
label = "Value"
datatype = "decimal"

[units.gbp-million]
label = {_toml_str(UNIT_LABEL)}
'''


def dataset_toml(dataset_id: str, rows: int) -> str:
    return f'''title = "Synthetic cube {dataset_id}"
description = "{rows} synthetic observations by area, period, industry and commodity."
issued = "2024-01-01"
landing_page = "https://www.example.org/publications/{dataset_id}"

[columns.Area]
role = "dimension"
component = "geography"

[columns.Period]
role = "dimension"
component = "period"

[columns.Industry]
role = "dimension"
component = "industry"

[columns.Commodity]
role = "dimension"
component = "commodity"

[columns.Amount]
role = "observations"
measure = "value"
unit = "gbp-million"
'''


def qube_config(dataset_id: str, industries: list[tuple[str, str]],
                commodity_codes: list[tuple[str, str]]) -> dict[str, object]:
    """csvcubed's qube-config.json for the same table: same dimensions, code lists, measure, unit."""

    def inline(title: str, codes: list[tuple[str, str]]) -> dict[str, object]:
        return {"title": title, "concepts": [{"label": label, "notation": notation}
                                             for notation, label in codes]}

    return {
        "$schema": "https://purl.org/csv-cubed/qube-config/v1.4",
        "title": f"Synthetic cube {dataset_id}",
        "summary": "Synthetic observations by area, period, industry and commodity.",
        "dataset_issued": "2024-01-01",
        "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "columns": {
            "Area": {
                "type": "dimension",
                "label": "Area",
                "from_existing": "http://purl.org/linked-data/sdmx/2009/dimension#refArea",
                "code_list": False,
                "cell_uri_template": "http://statistics.data.gov.uk/id/statistical-geography/{+area}",
            },
            "Period": {
                "type": "dimension",
                "label": "Period",
                "from_existing": "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod",
                "code_list": False,
                "cell_uri_template": "http://reference.data.gov.uk/id/{+period}",
            },
            "Industry": {"type": "dimension", "label": "Industry",
                         "code_list": inline("Industry (SIC 2007 sections)", industries)},
            "Commodity": {"type": "dimension", "label": "Commodity",
                          "code_list": inline("Commodity (SITC sections)", commodity_codes)},
            "Amount": {"type": "observations", "data_type": "decimal",
                      "measure": {"label": "Value"}, "unit": {"label": UNIT_LABEL}},
            "Marker": {"type": "attribute", "label": "Observation status",
                       "from_existing": "http://purl.org/linked-data/sdmx/2009/attribute#obsStatus",
                       "describes_observations": "Amount", "values": True},
        },
    }


def generate(out: Path, spec: Spec) -> dict[str, object]:
    """Write the cogs project and the csvcubed copies under `out`; return the manifest."""
    if spec.rows < 1 or spec.datasets < 1 or spec.datasets > spec.rows:
        raise ValueError("need rows >= datasets >= 1")
    rng = random.Random(spec.seed)
    area_codes, period_codes = areas(), periods()
    # Keep the cube at most ~80% full so keys are a sparse, realistic sample of the product.
    per_dataset = max(spec.dataset_rows())
    needed = math.ceil(per_dataset / 0.8 / (len(area_codes) * len(period_codes) * len(INDUSTRIES)))
    commodity_codes = commodities(needed)
    radices = (len(area_codes), len(period_codes), len(INDUSTRIES), len(commodity_codes))
    capacity = math.prod(radices)

    if out.exists():
        shutil.rmtree(out)
    root = out / "families"
    family = root / FAMILY
    (family / "codelists").mkdir(parents=True)
    (root / "site.toml").write_text(site_toml(), encoding="utf-8")
    (family / "family.toml").write_text(family_toml(), encoding="utf-8")
    _write_csv(family / "codelists" / "industry.csv", ("label", "notation"),
               [(label, notation) for notation, label in INDUSTRIES])
    _write_csv(family / "codelists" / "commodity.csv", ("label", "notation"),
               [(label, notation) for notation, label in commodity_codes])

    manifest: dict[str, object] = {
        "generator": generator_version(), "seed": spec.seed, "rows": spec.rows, "family": FAMILY, "capacity_per_dataset": capacity,
        "areas": len(area_codes), "periods": len(period_codes), "industries": len(INDUSTRIES),
        "commodities": len(commodity_codes), "datasets": {},
    }
    datasets: dict[str, object] = {}
    for dataset_id, rows in zip(spec.dataset_ids(), spec.dataset_rows(), strict=True):
        keys = sorted(rng.sample(range(capacity), rows))
        cogs_rows: list[tuple[str, ...]] = []
        cube_rows: list[tuple[str, ...]] = []
        counts = {marker: 0 for marker in MARKERS}
        n_i, n_c = radices[2], radices[3]
        n_pic = radices[1] * n_i * n_c
        for key in keys:
            a, rest = divmod(key, n_pic)
            p, rest = divmod(rest, n_i * n_c)
            i, c = divmod(rest, n_c)
            draw = rng.random()
            value = f"{rng.random() * 10000:.1f}"
            marker = ""
            if draw < MARKER_RATE:
                marker, value = MARKERS[0], ""
            elif draw < 2 * MARKER_RATE:
                marker, value = MARKERS[1], ""
            if marker:
                counts[marker] += 1
            area, period = area_codes[a], period_codes[p]
            industry, commodity = INDUSTRIES[i][0], commodity_codes[c][0]
            cogs_rows.append((area, period, industry, commodity, marker or value))
            cube_rows.append((area, period_path(period), industry, commodity, value, marker))
        folder = family / dataset_id
        folder.mkdir()
        (folder / "dataset.toml").write_text(dataset_toml(dataset_id, rows), encoding="utf-8")
        _write_csv(folder / "data.csv", HEADER, cogs_rows)
        del cogs_rows
        cube = out / "csvcubed" / dataset_id
        cube.mkdir(parents=True)
        _write_csv(cube / "data.csv", HEADER + ("Marker",), cube_rows)
        del cube_rows
        config = qube_config(dataset_id, list(INDUSTRIES), commodity_codes)
        (cube / "qube-config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        datasets[dataset_id] = {"rows": rows, "markers": counts,
                                "values": rows - sum(counts.values())}
    manifest["datasets"] = datasets
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="observations in all (default 100000)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (replaced if present)")
    parser.add_argument("--datasets", type=int, default=1, help="datasets in the family; rows are split")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    args = parser.parse_args(argv)
    try:
        manifest = generate(args.out, Spec(args.rows, args.datasets, args.seed))
    except ValueError as e:
        parser.error(str(e))
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
