"""Pydantic models for every request and response of the REST API (they make /openapi.json).

Record models mirror the DataFrame columns the CLI prints with ``--format json``: known
columns are typed, further columns are allowed (a method adds its own, a diagnosis may
gain one). Routes that hand out records send them exactly as derisk.report.records made
them, so keys keep the CLI's order; these models document that shape.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from derisk.forecast.summary import STABLE_DRAWS
from derisk.vocabulary import BLOC_CODES, VERDICTS, listing


class Open(BaseModel):
    """A record whose columns come from a DataFrame: known columns typed, others kept."""

    model_config = ConfigDict(extra="allow")


# -- errors and the index -----------------------------------------------------------------
class ErrorResponse(BaseModel):
    error: str = Field(description="What went wrong, in one line.")
    field: str | None = Field(None, description="The parameter or column at fault.")
    expected: str | None = Field(None, description="What would have been accepted.")
    found: str | None = Field(None, description="What was received.")


class ApiInfo(BaseModel):
    name: str = "derisk"
    version: str
    dataset_version: str | None
    built_at: str | None
    read_only: bool
    docs: str = "/docs"
    openapi: str = "/openapi.json"


# -- diagnose -----------------------------------------------------------------------------
class ConcentrationRecord(Open):
    stage: str | None = None
    group: str | None = None
    year: int | None = None
    hhi: float | None = Field(None, description="Herfindahl-Hirschman index, 0-10,000.")
    top1_country: str | None = None
    top1_share: float | None = Field(None, description="Per cent of world output.")
    top3_share: float | None = None
    china_share: float | None = None
    n_effective: float | None = None
    residual_convention: str | None = None
    sources: str | None = Field(None, description="Source ids, ';'-separated.")


class DependencyRecord(Open):
    bloc: str | None = None
    stage: str | None = None
    group: str | None = None
    year: float | int | None = None
    china_share_world: float | None = None
    bloc_share_world: float | None = None
    direct_china_share: float | None = None
    direct_basis: str | None = None
    dependency_low: float | None = Field(None, description="Per cent, best routing.")
    dependency_high: float | None = Field(None, description="Per cent, pro-rata routing.")
    missing: str | None = None
    sources: str | None = None


class ChokepointRecord(Open):
    rank: int | None = None
    group: str | None = None
    stage: str | None = None
    year: int | float | None = None
    china_share: float | None = None
    hhi: float | None = None
    dependency_low: float | None = None
    dependency_high: float | None = None
    score: float | None = None
    evidence: str | None = None
    sources: str | None = None


class CriticalityRecord(Open):
    """Columns depend on the method; eu2017 also gives every input of the formula."""

    material: str | None = None
    assessment_year: int | None = None
    supply_risk_published: float | None = None
    supply_risk: float | None = None
    supply_risk_low: float | None = None
    supply_risk_high: float | None = None
    sr_check: str | None = None
    economic_importance: float | None = None
    critical_published: bool | None = None
    critical: bool | None = None
    geopolrisk: float | None = None
    missing_inputs: str | None = None
    method: str | None = None
    sources: str | None = None


class DiagnoseResponse(BaseModel):
    diagnosis: str
    params: dict[str, Any] = Field(description="The options as applied.")
    notes: list[str] = Field(description="Data caveats (the CLI prints them on stderr).")


class ConcentrationResponse(DiagnoseResponse):
    records: list[ConcentrationRecord]


class DependencyResponse(DiagnoseResponse):
    records: list[DependencyRecord]


class ChokepointsResponse(DiagnoseResponse):
    records: list[ChokepointRecord]


class CriticalityResponse(DiagnoseResponse):
    records: list[CriticalityRecord]


# -- forecast -----------------------------------------------------------------------------
#: Largest seed numpy's generators take from the API (any non-negative int would do).
MAX_SEED = 2**32 - 1


def _json_integer(value: object) -> object:
    """JSON Schema's integer: 5 and 5.0 are integers, true and "5" are not."""
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer)]


class ForecastRequest(BaseModel):
    """The options of `derisk forecast`; scenario files are not accepted, only presets.

    Types as JSON has them: a number must be a JSON number, text a JSON string (no `"5"`
    for 5, no `true` for 1), and no other fields."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field("baseline", description="A preset name (GET /api/scenarios).")
    set: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Overrides like `recycling.collection_rate=0.5` (the CLI's --set); "
        "a path must name a lever of the preset and the value must fit it (else 422).",
    )
    bloc: str = Field("US", description=listing(BLOC_CODES))
    draws: JsonInt = Field(
        STABLE_DRAWS,
        ge=1,
        le=100_000,
        description="Monte Carlo draws; the default is the CLI's (stable P50s between seeds).",
    )
    seed: JsonInt = Field(1, ge=0, le=MAX_SEED)
    years: str | None = Field(
        None,
        description="START:END, e.g. 2025:2050, with 2010 <= START < END <= 2100 (else 422)",
    )


class ForecastAccepted(BaseModel):
    id: str
    status: str
    url: str = Field(description="Poll this for progress and the result.")


class YearDerisked(Open):
    p50: int | None = Field(None, description="Median year de-risked; null = not by the end.")
    p10: int | None = None
    p90: int | None = None
    prob_by: dict[str, float] = Field(
        default_factory=dict, description="Probability of being de-risked by each year."
    )
    note: str | None = Field(None, description="Why an element has no result (no data).")


class WorstShortfall(Open):
    p10_t: float | None = None
    p50_t: float | None = None
    p90_t: float | None = None
    year_of_largest_p50: int | None = None
    share_of_demand_p50_pct: float | None = None


class Milestone(BaseModel):
    """When China-free supply covers a share of demand for good (P10/P50/P90 over draws)."""

    p50: int | None = Field(None, description="Median year; null = not within the horizon.")
    p10: int | None = None
    p90: int | None = None
    se: float | None = Field(
        None,
        description="Monte Carlo standard error of the P50 in years (batch means, 10 "
        "batches; 'never' counted as the end year + 1); null with fewer than 10 draws.",
    )
    prob_by: dict[str, float] = Field(
        default_factory=dict, description="Share of draws that reached it by each year."
    )


class ShareQuantiles(BaseModel):
    """A per cent over draws: P10/P50/P90 (null where undefined)."""

    p10: float | None = None
    p50: float | None = None
    p90: float | None = None


class HeadlineShare(ShareQuantiles):
    se: float | None = Field(None, description="Monte Carlo standard error of the P50, points.")


class SeriesRow(Open):
    element: str | None = None
    year: int | None = None
    metric: str | None = None
    p10: float | None = None
    p50: float | None = None
    p90: float | None = None


class ForecastResult(Open):
    """The object `derisk forecast --format json` prints (crma_check only for EU27)."""

    scenario: str | None = None
    bloc: str | None = None
    draws: int | None = None
    seed: int | None = None
    year_derisked: dict[str, YearDerisked] | None = None
    worst_shortfall: dict[str, WorstShortfall] | None = None
    milestones: dict[str, dict[str, Milestone]] | None = Field(
        None,
        description="Per element with demand, per milestone: '10', '25', '50', '80', '100' "
        "(per cent of demand covered by China-free supply for good; '100' = year_derisked) "
        "and, for EU27, 'crma_65' (at most 65 % of the bloc's supply from China).",
    )
    headline_share: dict[str, dict[str, HeadlineShare]] | None = Field(
        None, description="China-free share of demand (%) per element in 2030, 2035, 2040, 2050."
    )
    world_china_share: dict[str, dict[str, ShareQuantiles]] | None = Field(
        None, description="China's share (%) of world output per stage and year, Nd+Pr+Dy+Tb."
    )
    series: list[SeriesRow] | None = None
    sources: str | None = None
    crma_check: list[dict[str, Any]] | None = None


class ForecastStatus(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(description="0 to 1: draws simulated over draws asked.")
    params: dict[str, Any]
    error: str | None
    result: ForecastResult | None = Field(description="Set once status is done.")
    url: str
    downloads: dict[str, str] = Field(description="File formats and their URLs, once done.")


class ForecastJob(BaseModel):
    id: str
    status: str
    progress: float
    params: dict[str, Any]
    error: str | None
    url: str


class ForecastList(BaseModel):
    jobs: list[ForecastJob]


class ScenarioInfo(BaseModel):
    name: str
    description: str
    extends: str | None
    start_year: int
    end_year: int
    levers: dict[str, Any] = Field(
        description="What the preset sets apart from baseline (dotted path: value); "
        "for baseline, its headline levers."
    )


class ScenarioList(BaseModel):
    scenarios: list[ScenarioInfo]


# -- review -------------------------------------------------------------------------------
class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(
        min_length=1,
        description="The article: plain text, Markdown or HTML (at most 5 MB). Text with no "
        "words, or that looks binary, is refused (422).",
    )
    date: str | None = Field(
        None,
        description="YYYY-MM-DD; else from the text's metadata.",
        json_schema_extra={"format": "date"},
    )
    title: str | None = None


class Evidence(BaseModel):
    table: str
    key: str
    value: str
    source_id: str
    url: str | None = None
    note: str | None = None


class ClaimVerdict(BaseModel):
    text: str
    entity: str | None
    metric: str | None
    value: float | None
    unit: str | None
    verdict: str = Field(description=listing(VERDICTS))
    explanation: str
    evidence: list[Evidence]


class MissingTopic(BaseModel):
    topic: str
    why: str
    evidence: list[Evidence]


class RatingOut(BaseModel):
    level: str = Field(description="High, Medium or Low")
    reason: str
    signals: dict[str, int | float | str]
    evidence: list[str]


class Critique(BaseModel):
    """The object `derisk review --format json` prints."""

    title: str | None
    date: str | None
    highlights: list[str]
    holds_up: list[str]
    slips: list[str]
    missing: list[MissingTopic]
    coverage: dict[str, bool]
    bottom_line: str
    investor_takeaway: str
    ratings: dict[str, RatingOut]
    claims: list[ClaimVerdict]
    source: str
    word_count: int
    notes: list[str]


class ReviewSummary(BaseModel):
    id: str
    title: str | None
    date: str | None
    created: str = Field(description="When the review was made (UTC, ISO 8601).")
    source: str
    word_count: int
    verdicts: dict[str, int] = Field(description="Claims per verdict.")
    ratings: dict[str, str] = Field(description="Criterion: High, Medium or Low.")
    url: str


class ReviewList(BaseModel):
    reviews: list[ReviewSummary] = Field(description="Newest first; the last 100 are kept.")


# -- data ---------------------------------------------------------------------------------
class TableInfo(BaseModel):
    table: str
    curated_rows: int
    user_rows: int
    coverage: str
    description: str
    columns: list[str]
    url: str


class TableList(BaseModel):
    tables: list[TableInfo]


class FacetCount(BaseModel):
    value: str
    count: int = Field(description="Matching rows with this value (or citing this source).")


class DataPage(BaseModel):
    table: str
    total: int = Field(description="Rows matching the filters.")
    limit: int
    offset: int
    filters: dict[str, str]
    sort: str | None = Field(None, description="The column the rows are sorted by.")
    descending: bool = False
    rows: list[dict[str, Any]]
    facets: dict[str, list[FacetCount]] = Field(
        default_factory=dict, description="Counts per country, year and source id."
    )


class Source(Open):
    source_id: str
    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    accessed_via: str | None = None
    reliability: str | None = None
    folder: str | None = None
    note: str | None = None
    origin: str | None = None
    import_id: int | None = None


class SourceList(BaseModel):
    total: int
    sources: list[Source]


class ChartParam(BaseModel):
    name: str = Field(description="The query parameter.")
    label: str


class ChartInfo(BaseModel):
    id: str
    question: str = Field(description="The one question the chart answers.")
    context: list[str] = Field(description="The page parameter it needs (symbol, bloc).")
    params: list[ChartParam] = Field(description="Its selectors.")
    url: str


class ChartList(BaseModel):
    charts: list[ChartInfo]


class ChartData(BaseModel):
    chart: str
    title: str
    question: str
    params: dict[str, str] = Field(description="The context and selections drawn.")
    sources: list[str]
    columns: list[str] = Field(description="series, x, y (and value, low, high).")
    rows: list[dict[str, Any]] = Field(description="One row per plotted point.")
