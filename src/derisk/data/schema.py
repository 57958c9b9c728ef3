"""The dataset's schema: one declaration drives curation, validation, storage and docs.

Keeping the table definitions in one place means a user's import is checked by
exactly the rules the curated rows passed, and docs/DATA.md can be checked
against the code instead of drifting from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from derisk import vocabulary

ColumnKind = Literal["str", "int", "float", "bool"]
Reference = Literal["countries", "country_or_composite", "elements", "group", "sources"]

# The shared terms are defined once, in derisk.vocabulary; re-exported for the modules
# that have always imported them from here.
STAGES = vocabulary.STAGES
FACILITY_STAGES = vocabulary.FACILITY_STAGES
GROUPS = vocabulary.GROUPS
QUALIFIERS = ("=", "~", ">", ">=", "<", "<=", "range", "NA", "text")
#: What a figure measures (oxide, element, material, ...); docs: vocabulary.BASIS_DOCS.
BASES = vocabulary.BASES
#: Historical series may not run past this year; projections may run to PROJECTION_MAX_YEAR.
MIN_YEAR = 1900
HISTORICAL_MAX_YEAR = 2030
PROJECTION_MAX_YEAR = 2100


@dataclass(frozen=True)
class Column:
    """One column of a table, with the checks a value must pass to be stored."""

    name: str
    kind: ColumnKind = "str"
    required: bool = False
    choices: tuple[str, ...] | None = None
    ref: Reference | None = None
    minimum: float | None = None
    maximum: float | None = None
    doc: str = ""


MEASURE_COLUMNS: tuple[Column, ...] = (
    Column("value", "float", doc="the number, NULL when the source gives a range, NA or text"),
    Column("value_text", "str", doc="the figure exactly as the source prints it"),
    Column("qualifier", "str", choices=QUALIFIERS, doc="=, ~, >, <, range, NA or text"),
    Column("value_low", "float", doc="lower end of a range"),
    Column("value_high", "float", doc="upper end of a range"),
    Column("unit", "str", required=True, doc="unit as printed, e.g. 't REO', 'percent'"),
    Column("basis", "str", required=True, choices=BASES, doc="oxide, element, material, ..."),
    Column("vintage", "str", required=True, doc="edition or publication year of the source"),
    Column("estimate", "bool", required=True, doc="true when the source or derisk flags it"),
)
PROVENANCE_COLUMNS: tuple[Column, ...] = (
    Column("source_id", "str", required=True, ref="sources", doc="';'-separated source ids"),
    Column("note", "str", doc="caveats carried from the reference data"),
)


@dataclass(frozen=True)
class TableSpec:
    """A table: its own columns, whether it carries measures, and its natural key."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    measure: bool = True
    allowed_units: tuple[str, ...] | None = None
    nonnegative: bool = True
    year_columns: tuple[str, ...] = ("year",)
    projection: bool = False
    reference_files: tuple[str, ...] = field(default_factory=tuple)

    @property
    def all_columns(self) -> tuple[Column, ...]:
        extra = MEASURE_COLUMNS if self.measure else ()
        own = {c.name for c in self.columns}
        return self.columns + extra + tuple(c for c in PROVENANCE_COLUMNS if c.name not in own)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.all_columns]

    def column(self, name: str) -> Column:
        for col in self.all_columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def max_year(self) -> int:
        return PROJECTION_MAX_YEAR if self.projection else HISTORICAL_MAX_YEAR


def _c(name: str, kind: ColumnKind = "str", **kw: object) -> Column:
    return Column(name, kind, **kw)  # type: ignore[arg-type]


def _year(name: str = "year", required: bool = True) -> Column:
    return Column(name, "int", required=required, doc="data year (not edition year)")


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "sources",
        "One row per source; every figure's source_id resolves here.",
        (
            _c("source_id", required=True),
            _c("title", required=True),
            _c("publisher"),
            _c("date", doc="YYYY, YYYY-MM or YYYY-MM-DD; 'n.d.' when undated"),
            _c("url"),
            _c("accessed_via", doc="where the figure was actually read (often a mirror)"),
            _c("reliability"),
            _c("folder", doc="reference folder it came from, or 'derisk' for project sources"),
        ),
        key=("source_id",),
        measure=False,
        year_columns=(),
    ),
    TableSpec(
        "elements",
        "The 17 rare earths with their light/heavy group and magnet flag.",
        (
            _c("symbol", required=True),
            _c("name", required=True),
            _c("atomic_number", "int", required=True, minimum=21, maximum=71),
            _c("ree_group", required=True, choices=(*vocabulary.ELEMENT_CLASSES, "none")),
            _c("magnet_ree", "bool", required=True),
        ),
        key=("symbol",),
        measure=False,
        year_columns=(),
    ),
    TableSpec(
        "countries",
        "ISO 3166 alpha-3 codes, plus WLD (world), OTH (other countries) and EUR (Europe).",
        (
            _c("code", required=True),
            _c("name", required=True),
            _c("kind", required=True, choices=("country", "aggregate", "residual")),
            _c("aliases", doc="';'-separated labels used by the reference files"),
        ),
        key=("code",),
        measure=False,
        year_columns=(),
    ),
    TableSpec(
        "bloc_members",
        "Which countries form each bloc; users add rows to change the 'ALLIES' bloc.",
        (
            _c("bloc", required=True),
            _c("country", required=True, ref="countries"),
        ),
        key=("bloc", "country"),
        measure=False,
        year_columns=(),
    ),
    TableSpec(
        "bloc_sourcing",
        "Bloc-specific evidence of sourcing from China (import shares, import reliance).",
        (
            _c("bloc", required=True),
            _c("stage", required=True, choices=STAGES),
            _c("group", required=True, ref="group"),
            _c(
                "measure",
                required=True,
                choices=("share_of_supply", "share_of_imports", "import_reliance"),
            ),
            _year("period_start"),
            _year(),
        ),
        key=("bloc", "stage", "group", "measure", "year"),
        year_columns=("period_start", "year"),
    ),
    TableSpec(
        "mine_production",
        "Rare-earth mine production by country and year, tonnes REO.",
        (_c("country", required=True, ref="countries"), _year()),
        key=("country", "year"),
        allowed_units=("t REO",),
        reference_files=("supply/mine_production.csv",),
    ),
    TableSpec(
        "reserves",
        "Rare-earth reserves by country, tonnes REO (year = data year of the edition).",
        (
            _c("country", required=True, ref="countries"),
            _year(),
            _c("scope", doc="e.g. 'JORC-compliant or equivalent'; empty = as reported"),
            _c(
                "superseded_by",
                ref="sources",
                doc="empty for the current edition; else the source id of the edition "
                "that revised this value (the older value stays visible, not current)",
            ),
        ),
        key=("country", "year", "scope", "superseded_by"),
        allowed_units=("t REO",),
        reference_files=("supply/reserves.csv",),
    ),
    TableSpec(
        "stage_shares",
        "Country shares and tonnages at the mining, separation, metal and magnet stages.",
        (
            _c("stage", required=True, choices=STAGES),
            _c(
                "measure",
                required=True,
                choices=("share", "other_share", "production", "capacity", "fact"),
                doc="share = % of world output at the stage; other_share = % of something else",
            ),
            _c("element_or_group", required=True, doc="label as the source words it"),
            _c("group", ref="group", doc=vocabulary.listing(GROUPS, "element symbol(s)")),
            _c("country", required=True, ref="country_or_composite"),
            _year(required=False),
            _c("projection", "bool", required=True),
        ),
        key=("stage", "measure", "element_or_group", "country", "year", "value_text", "source_id"),
        projection=True,
        reference_files=("supply/stage_shares.csv",),
    ),
    TableSpec(
        "china_quotas",
        "China's mining, smelting/separation and export quotas, tonnes REO.",
        (_year(), _c("quota_type", required=True), _c("period", required=True)),
        key=("year", "quota_type", "period", "source_id"),
        allowed_units=("t REO",),
        reference_files=("supply/china_quotas.csv",),
    ),
    TableSpec(
        "prices",
        "USGS price series and trade-press quotes, nominal USD/kg.",
        (
            _c("element", required=True, ref="elements", doc="symbol, or symbols joined by '+'"),
            _c("product", required=True),
            _year(),
            _c("price_basis", doc="annual average, yearend range, spot ..."),
        ),
        key=("element", "product", "year", "price_basis", "source_id"),
        allowed_units=("USD/kg",),
        reference_files=("supply/prices.csv",),
    ),
    TableSpec(
        "us_salient",
        "USGS salient statistics for the United States.",
        (
            _year("year_start"),
            _year("year_end"),
            _c("item", required=True),
        ),
        key=("year_start", "year_end", "item", "source_id"),
        year_columns=("year_start", "year_end"),
        reference_files=("supply/us_salient.csv",),
    ),
    TableSpec(
        "deposit_composition",
        "Per cent of total REO by element for selected deposits and ore types.",
        (
            _c("deposit", required=True),
            _c("country", required=True, ref="countries"),
            _c("deposit_type"),
            _c("element", required=True, ref="elements"),
        ),
        key=("deposit", "element"),
        year_columns=(),
        reference_files=("supply/deposit_composition.csv",),
    ),
    TableSpec(
        "deposit_profiles",
        "Other deposit facts (LREE/HREE split, grades).",
        (_c("deposit", required=True), _c("deposit_type"), _c("metric", required=True)),
        key=("deposit", "metric"),
        year_columns=(),
        reference_files=("supply/deposit_profiles.csv",),
    ),
    TableSpec(
        "eu_criticality",
        "EU criticality assessments: supply risk, economic importance and their inputs.",
        (
            _year("assessment_year"),
            _c("material", required=True),
            _c("supply_risk", "float", minimum=0),
            _c("economic_importance", "float", minimum=0),
            _c("critical", "bool", required=True),
            _c("hhi_wgi_global", "float", minimum=0),
            _c("hhi_wgi_eu", "float", minimum=0),
            _c("import_reliance_percent", "float", minimum=0, maximum=100),
            _c("eol_rir_percent", "float", minimum=0, maximum=100),
            _c("si_sr", "float", minimum=0),
            _c("si_ei", "float", minimum=0),
            _c("basis", required=True, choices=BASES),
            _c("vintage", required=True),
            _c("estimate", "bool", required=True),
        ),
        key=("assessment_year", "material"),
        measure=False,
        year_columns=("assessment_year",),
        reference_files=("supply/eu_criticality.csv",),
    ),
    TableSpec(
        "facilities",
        "Mines and plants outside China (plus Chinese reference plants); capacity as value.",
        (
            _c("name", required=True),
            _c("company"),
            _c("country", required=True, ref="countries"),
            _c("stage", required=True, choices=FACILITY_STAGES),
            _c("products"),
            _c(
                "status",
                required=True,
                choices=("operating", "construction", "planned", "cancelled"),
            ),
            _c("as_of"),
            _c("announced_start", doc="successive announced start dates, as printed"),
            _c("announced_start_first_year", "int", doc="first announced start year"),
            _c("announced_start_latest_year", "int", doc="latest announced start year"),
            _c("actual_start", doc="as printed; empty until a source reports production"),
            _c("actual_start_year", "int"),
            _c("heavy_ree", required=True, choices=("yes", "no", "unknown")),
        ),
        key=("name", "company", "stage"),
        year_columns=(
            "announced_start_first_year",
            "announced_start_latest_year",
            "actual_start_year",
        ),
        projection=True,
        reference_files=("policy/facilities.csv",),
    ),
    TableSpec(
        "funding",
        "Public (and flagged private) finance for rare-earth projects; unit = currency.",
        (
            _c("date"),
            _year(required=False),
            _c("funder", required=True),
            _c("recipient", required=True),
            _c("instrument"),
            _c("purpose"),
        ),
        key=("date", "funder", "recipient", "instrument", "purpose", "value_text"),
        projection=True,
        reference_files=("policy/funding.csv",),
    ),
    TableSpec(
        "events",
        "Export controls, quotas, embargoes, laws, funding and other dated policy moves.",
        (
            _c("date"),
            _year(required=True),
            _c("actor", required=True),
            _c(
                "type",
                required=True,
                choices=(
                    "embargo",
                    "export_control",
                    "funding",
                    "law",
                    "offtake",
                    "price_floor",
                    "quota",
                    "stockpile",
                    "suspension",
                    "tariff",
                    "other",
                ),
            ),
            _c("elements_affected"),
            _c("summary", required=True),
        ),
        key=("date", "actor", "type", "summary"),
        measure=False,
        projection=True,
        reference_files=("policy/events.csv",),
    ),
    TableSpec(
        "benchmarks",
        "Policy targets, caps and thresholds (IEA projections labelled as such).",
        (
            _c("jurisdiction", required=True),
            _c("target", required=True),
            _c("metric"),
            _year("deadline_year", required=False),
            _c("kind"),
        ),
        key=("jurisdiction", "target"),
        year_columns=("deadline_year",),
        projection=True,
        reference_files=("policy/benchmarks.csv",),
    ),
    TableSpec(
        "recycling_substitution",
        "Recycling rates and capacity, thrifting and substitution facts.",
        (_c("category", required=True), _c("item", required=True), _year(required=False)),
        key=("category", "item"),
        nonnegative=False,
        reference_files=("policy/recycling_substitution.csv",),
    ),
    TableSpec(
        "ownership",
        "Equity stakes in rare-earth companies that articles often cite.",
        (
            _c("holder", required=True),
            _c("company", required=True),
            _c("as_of", required=True),
            _c("stake_basis"),
        ),
        key=("holder", "company", "as_of"),
        year_columns=(),
        reference_files=("policy/ownership.csv",),
    ),
    TableSpec(
        "demand_by_end_use",
        "Demand by end use: shares or tonnages by scope (US, world, EU, China) and year.",
        (
            _c("scope", required=True),
            _year(required=False),
            _c("year_printed", doc="the year as printed, e.g. 'c.2022' or 'unknown'"),
            _c("end_use", required=True),
            _c("measure_basis", doc="what the share or tonnage is of, as the source says"),
        ),
        key=("scope", "year", "end_use", "unit", "source_id"),
        reference_files=("demand/demand_by_end_use.csv",),
    ),
    TableSpec(
        "demand_projections",
        "Demand and supply projections (IEA STEPS/APS/NZE, Adamas, McKinsey ...).",
        (
            _c("scope", required=True),
            _year(),
            _c("scenario", required=True),
            _c("element_or_group", required=True),
            _year("base_year", required=False),
        ),
        key=("scope", "year", "scenario", "element_or_group", "unit", "source_id"),
        nonnegative=False,
        year_columns=("year", "base_year"),
        projection=True,
        reference_files=("demand/demand_projections.csv",),
    ),
    TableSpec(
        "magnet_composition",
        "NdFeB composition ranges by grade or use (value = typical, low/high = range).",
        (_c("grade_or_type", required=True), _c("element", required=True)),
        key=("grade_or_type", "element", "unit", "value_text", "source_id"),
        year_columns=(),
        reference_files=("demand/magnet_composition.csv",),
    ),
    TableSpec(
        "material_intensity",
        "Rare-earth or magnet mass per product (EV motor, wind MW, F-35 ...).",
        (
            _c("product", required=True),
            _c("element_or_material", required=True),
            _c("year_or_vintage"),
            _c("scope"),
        ),
        key=("product", "element_or_material", "unit", "scope", "source_id"),
        year_columns=(),
        reference_files=("demand/material_intensity.csv",),
    ),
    TableSpec(
        "lifetimes_recycling",
        "Product lifetimes, end-of-life recycling rates and scrap potentials.",
        (
            _c("product_or_flow", required=True),
            _c("scope"),
            _c("mean_lifetime_years", "float", minimum=0),
            _c("lifetime_low_years", "float", minimum=0),
            _c("lifetime_high_years", "float", minimum=0),
            _c("distribution_or_sd"),
            _c("collection_rate_pct", "float", minimum=0, maximum=100),
            _c("eol_recycling_rate_pct", "float", minimum=0, maximum=100),
            _c("recovery_yield_pct", "float", minimum=0, maximum=100),
            _c("other_metric"),
            _c("other_value", "float"),
            _c("other_unit"),
            _c("basis", required=True, choices=BASES),
            _c("vintage", required=True),
            _c("estimate", "bool", required=True),
        ),
        key=("product_or_flow", "scope", "other_metric", "source_id"),
        measure=False,
        year_columns=(),
        reference_files=("demand/lifetimes_recycling.csv",),
    ),
    TableSpec(
        "market_sizes",
        "Volumes and values: China NdFeB output, world magnet-REE volumes, EV and wind.",
        (
            _c("metric", required=True),
            _c("scope", required=True),
            _year(),
            _c("kind", required=True, choices=("historical", "estimate", "projection")),
        ),
        key=("metric", "scope", "year", "unit", "value_text", "note", "source_id"),
        nonnegative=False,
        projection=True,
        reference_files=("demand/market_sizes.csv",),
    ),
)

TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}

#: Tables that describe the dataset itself rather than holding figures.
REFERENCE_TABLES = ("sources", "elements", "countries", "bloc_members")


def spec(name: str) -> TableSpec:
    """Look up a table, with an error that lists the valid names."""
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        from derisk.errors import InputError

        raise InputError(
            "unknown table", column="table", expected=", ".join(TABLES_BY_NAME), found=name
        ) from None
