"""The REST API under /api: the CLI's diagnose, forecast, review and data commands over HTTP.

Each route parses its parameters, calls the same domain function the CLI calls and
returns the same records (derisk.report.records). Nothing here computes a figure.

Errors are JSON ``{"error", "field", "expected", "found"}``: bad input (a derisk
InputError or a request that fails validation) is 422, an unknown table, source,
forecast or review, or a selection with no data, is 404, an upload over 5 MB is 413, a
body that is neither JSON nor (for reviews) multipart is 415, a cross-site POST is 403,
a 21st forecast queued or running is 429, a request over the time limit or a store that
cannot be opened is 503 (guard.py). There is no import endpoint: the API never writes to
the store; ``--read-only`` opens the store read-only and refuses any state-changing
request other than a forecast or a review.

GET answers are computed once per store version and parameters and kept as JSON bytes
(cache.py): a repeated dashboard request costs a stat call, not a diagnosis. Table and
column names from a request are checked against the schema (derisk.data.schema) before
they reach the store; values travel as SQL parameters, never as SQL text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ValidationError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from derisk.data.schema import GROUPS, PROJECTION_MAX_YEAR
from derisk.errors import InputError, StoreError
from derisk.vocabulary import BLOC_CODES, STAGES, VERDICTS, StageName, listing
from derisk.web import models as m
from derisk.web.apiutil import (
    API_RESPONSES,
    ERROR_BODY,
    NOT_FOUND,
    ApiError,
    ExcludeUser,
    cached,
    exact,
    json_error,
    memo,
    not_found,
)
from derisk.web.jobs import JobLimitError

#: Largest article upload (or JSON text) a review accepts.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Room for the multipart boundaries and the title/date fields around the file.
_BODY_OVERHEAD = 64 * 1024
#: An oversize body up to this size is read and dropped before the 413 (see _capped_body).
_DRAIN_BYTES = 64 * 1024 * 1024
#: Earlier reviews kept in memory (oldest dropped first).
MAX_REVIEWS = 100
#: Finished forecasts whose full Dataset (every draw) is kept for the .nc/.csv download;
#: older jobs keep only their JSON result. A 10,000-draw Dataset is about 1 GB.
KEEP_DATASETS = 3
#: Help texts for query parameters, from the vocabulary so they list what is accepted.
_STAGES_HELP = listing(STAGES)
_GROUPS_HELP = listing(GROUPS, "a symbol")
_BLOCS_HELP = listing(BLOC_CODES)

router = APIRouter(prefix="/api", responses=API_RESPONSES)
_NO_DATA: dict[int | str, dict[str, Any]] = {
    404: {**ERROR_BODY, "description": "No data for that selection"}
}
_POST_GUARDS: dict[int | str, dict[str, Any]] = {
    403: {**ERROR_BODY, "description": "Cross-site request refused (Origin/Referer)"},
}


# -- error handlers -----------------------------------------------------------------------
def _field(column: str | None) -> str | None:
    """The CLI names options (`--bloc`); the API names parameters (`bloc`)."""
    return None if column is None else column.replace("--", "")


async def _api_error(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ApiError)
    return json_error(err.status, err.body, err.headers)


async def _input_error(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, InputError)
    body = m.ErrorResponse(
        error=err.message, field=_field(err.column), expected=err.expected, found=err.found
    )
    return json_error(422, body)


async def _store_error(request: Request, err: Exception) -> JSONResponse:
    """503: the store cannot be opened; 403: a write reached a read-only store."""
    store = getattr(request.app.state, "store", None)
    if getattr(store, "read_only", False) and "read-only" in str(err):
        return json_error(403, m.ErrorResponse(error=str(err), field=None, expected="GET"))
    return json_error(503, m.ErrorResponse(error=str(err)))


def _is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


#: Pydantic error types as the value a client should have sent.
_EXPECTED = {
    "string_type": "a string",
    "int_parsing": "an integer",
    "int_type": "an integer",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "missing": "a value",
    "json_invalid": "valid JSON",
    "extra_forbidden": "no such field",
}
_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "min_length": "length >=",
           "max_length": "length <="}  # fmt: skip


def _expected(error: dict[str, Any]) -> str | None:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return str(ctx["expected"])
    bounds = [f"{label} {ctx[key]}" for key, label in _BOUNDS.items() if key in ctx]
    return ", ".join(bounds) if bounds else _EXPECTED.get(str(error.get("type")))


async def _validation_error(request: Request, err: Exception) -> Response:
    assert isinstance(err, RequestValidationError)
    first = err.errors()[0] if err.errors() else {}
    if not _is_api(request):
        return _html_error(422, "Bad request", str(first.get("msg", "invalid request")))
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
    found = first.get("input")
    if first.get("type") in ("missing", "json_invalid") or isinstance(found, dict | bytes):
        found = None
    message = str(first.get("msg", "invalid request"))
    if first.get("type") == "json_invalid":
        loc = ["body"]
        detail = (first.get("ctx") or {}).get("error")
        message = "the body is not valid JSON" + (f": {detail}" if detail else "")
    body = m.ErrorResponse(
        error=message,
        field=".".join(loc) or None,
        expected=_expected(first),
        found=None if found is None else repr(found)[:80],
    )
    return json_error(422, body)


def _html_error(
    status: int, title: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error page for a path outside /api (the dashboard's own look, escaped text)."""
    from fastapi.responses import HTMLResponse

    from derisk.web import templates as t
    from derisk.web.pages import SECURITY_HEADERS

    body = t.page(title, t.error_body(status, message, '<a href="/">Overview</a>'))
    return HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _allowed_methods(request: Request) -> str:
    """Every method some route offers at this path (Starlette names only the first route's)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in [*request.app.router.routes, *router.routes]:
        if not hasattr(route, "methods"):
            continue  # a mount or an included router; the /api routes are listed from `router`
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _http_error(request: Request, err: Exception) -> Response:
    assert isinstance(err, StarletteHTTPException)
    headers = dict(getattr(err, "headers", None) or {})
    if err.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        err.headers = headers
    if not _is_api(request):
        message = err.detail if isinstance(err.detail, str) else "error"
        title = "Not found" if err.status_code == 404 else message
        text = f"No page at {request.url.path[:200]}." if err.status_code == 404 else message
        return _html_error(err.status_code, title, text, headers)
    if err.status_code == 400 and err.detail == "There was an error parsing the body":
        body = m.ErrorResponse(error="the body is not valid JSON", field="body",
                               expected="a UTF-8 JSON document")  # fmt: skip
        return json_error(422, body)
    message = err.detail if isinstance(err.detail, str) else json.dumps(err.detail)
    if err.status_code == 404 and message == "Not Found":
        body = m.ErrorResponse(error="no such endpoint", field="path",
                               expected="a path listed in /openapi.json",
                               found=request.url.path[:80])  # fmt: skip
        return json_error(404, body, headers or None)
    if err.status_code == 405:
        body = m.ErrorResponse(error="method not allowed", field="method",
                               expected=headers.get("Allow") or None,
                               found=request.method)  # fmt: skip
        return json_error(405, body, headers)
    return JSONResponse(
        m.ErrorResponse(error=message).model_dump(),
        status_code=err.status_code,
        headers=headers or None,
    )


def register(app: FastAPI) -> None:
    """Add the /api routes (this module's, the data routes and the charts' numbers), the
    JSON error handlers and the offline /docs page."""
    from derisk.web import chart_api, data_api
    from derisk.web.docs import install_docs

    app.state.review_results = OrderedDict()  # review id -> full critique (to_dict)
    app.state.reviewer = None  # built on the first review, then reused
    app.state.reviewer_lock = threading.Lock()
    app.include_router(router)
    app.include_router(data_api.router)
    app.include_router(chart_api.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(JobLimitError, _job_limit_error)
    _document_models(app, [m.ReviewRequest])
    install_docs(app)


def _document_models(app: FastAPI, extra: list[type]) -> None:
    """Add schemas that routes reference by hand (the review body) to /openapi.json, and
    the values the dataset accepts (blocs, groups, years, presets) as of server start."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in extra:
            schemas.setdefault(
                model.__name__,
                model.model_json_schema(ref_template="#/components/schemas/{model}"),
            )
        _document_choices(schema, app.state.store, app.state.max_draws)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_choices(schema: dict[str, Any], store: Any, max_draws: int) -> None:
    """Enums and bounds that depend on the dataset: what a valid request may say."""
    from derisk.data.blocs import blocs
    from derisk.data.schema import TABLES
    from derisk.diagnose.dependency import dependency_blocs
    from derisk.forecast.scenario import presets
    from derisk.web.chartbook import SPECS

    bloc_codes = blocs(store)
    groups = _groups(store)
    first = _first_year(store, include_user=True)
    for path, item in schema.get("paths", {}).items():
        if not path.startswith("/api/diagnose/"):
            continue
        for param in item.get("get", {}).get("parameters", []):
            target = param.get("schema", {})
            target = next((s for s in target.get("anyOf", []) if s.get("type") != "null"), target)
            if param["name"] == "bloc":
                target["enum"] = dependency_blocs(store)  # China has no dependency on China
            elif param["name"] == "group":
                target["enum"] = groups
            elif param["name"] == "year" and first is not None:
                target["minimum"] = first
    named = {("/api/data/{table}", "table"): [t.name for t in TABLES],
             ("/api/charts/{chart_id}", "chart_id"): list(SPECS)}  # fmt: skip
    for (path, name), values in named.items():
        for param in schema.get("paths", {}).get(path, {}).get("get", {}).get("parameters", []):
            if param["name"] == name:
                param["schema"]["enum"] = values
    body = schema.get("components", {}).get("schemas", {}).get("ForecastRequest", {})
    props = body.get("properties", {})
    if "bloc" in props:
        props["bloc"]["enum"] = bloc_codes
    if "scenario" in props:
        props["scenario"]["enum"] = presets()
    if "draws" in props:
        props["draws"]["maximum"] = max_draws
        props["draws"]["default"] = min(props["draws"].get("default", max_draws), max_draws)


# -- index --------------------------------------------------------------------------------
@router.get("", response_model=m.ApiInfo, summary="About this server and its dataset")
async def api_info(request: Request) -> Response:
    def compute() -> dict:
        meta = request.app.state.store.meta()
        return m.ApiInfo(
            version=request.app.version,
            dataset_version=meta.get("dataset_version"),
            built_at=meta.get("built_at"),
            read_only=bool(request.app.state.read_only),
        ).model_dump()

    return await cached(request, ("api",), compute)


# -- diagnose -----------------------------------------------------------------------------
def _diagnosis(name: str, params: dict[str, Any], frame: Any) -> dict[str, Any]:
    from derisk.report.records import records

    return {
        "diagnosis": name,
        "params": params,
        "notes": list(frame.attrs.get("notes") or []),
        "records": records(frame),
    }


def _groups(store: Any) -> list[str]:
    """Element groups a diagnosis accepts: the vocabulary's GROUPS and the element symbols."""
    return list(GROUPS) + sorted(store.table("elements")["symbol"])


def _first_year(store: Any, include_user: bool) -> int | None:
    """The first year with a China share at any stage: no diagnosis has data before it."""
    from derisk.diagnose.concentration import concentration

    conc = concentration(store, include_user=include_user)
    years = conc.loc[conc["china_share"].notna(), "year"]
    return None if years.empty else int(years.min())


def _check_group(request: Request, group: str | None) -> None:
    if group is None:
        return
    known = memo(request, ("groups",), lambda: _groups(request.app.state.store))
    if group not in known:
        raise InputError(
            "unknown group",
            column="group",
            expected=listing(GROUPS, "an element symbol"),
            found=group,
        )


def _check_year(request: Request, year: int | None, include_user: bool) -> None:
    """A year before the dataset's first China share has no data in any diagnosis."""
    if year is None:
        return
    store = request.app.state.store
    first = memo(request, ("first_year", include_user), lambda: _first_year(store, include_user))
    if first is not None and year < first:
        raise InputError(
            "no data before the dataset's first year",
            column="year",
            expected=f">= {first}",
            found=str(year),
        )


Year = Query(
    None,
    ge=1900,
    le=PROJECTION_MAX_YEAR,
    description="A year; the first year with data is the minimum in /openapi.json.",
)
StageQuery = Query(None, description=_STAGES_HELP)


@router.get(
    "/diagnose/concentration",
    response_model=m.ConcentrationResponse,
    responses=_NO_DATA,
    summary="HHI, top-1/top-3 and China's share per stage x group x year",
)
async def diagnose_concentration(
    request: Request,
    stage: StageName | None = StageQuery,
    group: str | None = Query(None, description=_GROUPS_HELP),
    year: int | None = Year,
    residual: Literal["atomistic", "single"] = Query(
        "atomistic", description="atomistic or single"
    ),
    exclude_user: bool = ExcludeUser,
) -> Response:
    """`derisk diagnose concentration --format json`; 404 when the selection has no data."""
    from derisk.diagnose.concentration import concentration

    def compute() -> dict:
        _check_group(request, group)
        _check_year(request, year, not exclude_user)
        frame = concentration(
            request.app.state.store,
            stage=stage,
            group=group,
            year=year,
            residual=residual,
            include_user=not exclude_user,
            gaps=True,
        )
        if frame.empty:
            raise ApiError(
                404,
                "no data for that selection",
                field="stage/group/year",
                expected="a stage, group and year the dataset covers",
                found=f"{stage}/{group}/{year}",
            )
        params = {"stage": stage, "group": group, "year": year, "residual": residual,
                  "exclude_user": exclude_user}  # fmt: skip
        return _diagnosis("concentration", params, frame)

    key = ("concentration", stage, group, year, residual, exclude_user)
    return await cached(request, key, compute)


@router.get(
    "/diagnose/dependency",
    response_model=m.DependencyResponse,
    summary="Share of a bloc's supply that depends on China, per stage (bounds)",
)
async def diagnose_dependency(
    request: Request,
    bloc: str = Query(description=_BLOCS_HELP),
    group: str | None = Query(None, description=_GROUPS_HELP),
    year: int | None = Year,
    exclude_user: bool = ExcludeUser,
) -> Response:
    """`derisk diagnose dependency --bloc BLOC --format json`."""
    from derisk.diagnose.dependency import dependency

    def compute() -> dict:
        _check_group(request, group)
        _check_year(request, year, not exclude_user)
        frame = dependency(
            request.app.state.store, bloc, group=group, year=year, include_user=not exclude_user
        )
        params = {"bloc": bloc, "group": group, "year": year, "exclude_user": exclude_user}
        return _diagnosis("dependency", params, frame)

    return await cached(request, ("dependency", bloc, group, year, exclude_user), compute)


@router.get(
    "/diagnose/chokepoints",
    response_model=m.ChokepointsResponse,
    summary="(group, stage) pairs ranked by China share, HHI and the bloc's dependency",
)
async def diagnose_chokepoints(
    request: Request,
    bloc: str = Query("US", description=_BLOCS_HELP),
    year: int | None = Year,
    top: int | None = Query(None, ge=1, description="Keep the top N pairs."),
    exclude_user: bool = ExcludeUser,
) -> Response:
    """`derisk diagnose chokepoints --format json`."""
    from derisk.diagnose.chokepoints import chokepoints

    def compute() -> dict:
        _check_year(request, year, not exclude_user)
        frame = chokepoints(
            request.app.state.store, bloc=bloc, year=year, top=top, include_user=not exclude_user
        )
        params = {"bloc": bloc, "year": year, "top": top, "exclude_user": exclude_user}
        return _diagnosis("chokepoints", params, frame)

    return await cached(request, ("chokepoints", bloc, year, top, exclude_user), compute)


@router.get(
    "/diagnose/criticality",
    response_model=m.CriticalityResponse,
    summary="Criticality by the EU 2017, USGS (Nassar 2020) or GeoPolRisk method",
)
async def diagnose_criticality(
    request: Request,
    method: Literal["eu2017", "usgs2020", "geopolrisk"] = Query(
        "eu2017", description="eu2017, usgs2020 or geopolrisk"
    ),
    exclude_user: bool = ExcludeUser,
) -> Response:
    """`derisk diagnose criticality --format json` (the CLI's --inputs CSV is not offered)."""
    from derisk.diagnose.criticality import criticality

    def compute() -> dict:
        frame = criticality(request.app.state.store, method=method, include_user=not exclude_user)
        return _diagnosis("criticality", {"method": method, "exclude_user": exclude_user}, frame)

    return await cached(request, ("criticality", method, exclude_user), compute)


# -- scenarios and forecasts --------------------------------------------------------------
#: What GET /api/scenarios shows for baseline, which changes nothing relative to itself.
HEADLINE_LEVERS = (
    "demand.path",
    "china.capacity_path",
    "china.export_controls",
    "pipeline.on_time",
    "recycling.collection_rate",
    "allocation",
    "routing",
)


def _preset(name: str, sets: list[str] | None = None):  # noqa: ANN202 - a Scenario
    """A preset by name only: the API never reads a scenario file a client names."""
    from derisk.forecast.scenario import load_scenario, presets

    known = presets()
    if name not in known:
        raise InputError(
            "unknown scenario", column="scenario", expected=", ".join(known), found=name
        )
    return load_scenario(name, sets)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to values; a distribution ({dist: ...}) or a list stays one value."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and "dist" not in value:
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


@router.get("/scenarios", response_model=m.ScenarioList, summary="The forecast presets")
async def list_scenarios(request: Request) -> Response:
    return await cached(request, ("scenarios",), _scenarios)


def _scenarios() -> dict:
    from derisk.forecast.scenario import presets

    base = _flatten(_preset("baseline").model_dump(mode="json"))
    out = []
    for name in presets():
        spec = _preset(name)
        flat = _flatten(spec.model_dump(mode="json"))
        if name == "baseline":
            levers = {k: flat[k] for k in HEADLINE_LEVERS if k in flat}
        else:
            skip = {"name", "description", "extends"}
            levers = {k: v for k, v in flat.items() if k not in skip and base.get(k) != v}
        out.append(
            {
                "name": name,
                "description": spec.description,
                "extends": spec.extends,
                "start_year": spec.start_year,
                "end_year": spec.end_year,
                "levers": levers,
            }
        )
    return {"scenarios": out}


def _job_url(job_id: str) -> str:
    return f"/api/forecast/{job_id}"


def _forecast_job(request: Request, job_id: str):  # noqa: ANN202 - a derisk.web.jobs.Job
    job = request.app.state.jobs.get(job_id)
    if job is None or job.kind != "forecast":
        raise not_found("forecast", job_id, "an id from POST /api/forecast")
    return job


def _drop_old_datasets(jobs: Any, keep: int) -> None:
    """Keep the full Dataset of the newest ``keep`` finished forecasts only."""
    held = [
        j for j in jobs.list("forecast")
        if isinstance(j.result, dict) and j.result.get("dataset") is not None
    ]  # fmt: skip
    for job in held[: max(0, len(held) - keep)]:
        job.result["dataset"] = None


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _unsupported(found: str, expected: str) -> ApiError:
    return ApiError(
        415, "unsupported content type", field="content-type", expected=expected,
        found=found or "(none)",
    )  # fmt: skip


def _require_json(request: Request) -> None:
    """JSON bodies only: a form or text/plain post (what a browser sends cross-site without
    asking first) is refused before the body is read."""
    kind = _media_type(request)
    if kind != "application/json" and not (kind.startswith("application/") and
                                           kind.endswith("+json")):  # fmt: skip
        raise _unsupported(kind, "application/json")


async def _job_limit_error(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, JobLimitError)
    body = m.ErrorResponse(
        error="too many forecasts queued or running; retry when one has finished",
        field=None,
        expected=f"at most {err.limit} at once",
        found=str(err.active),
    )
    return json_error(429, body, {"Retry-After": "10"})


@router.post(
    "/forecast",
    status_code=202,
    response_model=m.ForecastAccepted,
    responses={
        **_POST_GUARDS,
        413: {**ERROR_BODY, "description": "Body over 1 MB"},
        415: {**ERROR_BODY, "description": "Not a JSON body"},
        429: {**ERROR_BODY, "description": "Too many forecasts queued or running"},
    },
    dependencies=[Depends(_require_json)],
    summary="Start a Monte Carlo forecast; poll the returned url",
)
def start_forecast(body: m.ForecastRequest, request: Request, response: Response) -> dict:
    """`derisk forecast --scenario PRESET --set ... --format json`, run in the background.

    At most 20 runs (the server's setting) may be queued or running at once, 429 beyond;
    each asks for at most 100,000 draws, or the server's lower limit (`draws` in
    /openapi.json)."""
    from derisk.data.blocs import resolve_bloc
    from derisk.forecast.output import forecast_json
    from derisk.forecast.run import forecast

    store = request.app.state.store
    jobs = request.app.state.jobs
    limit = request.app.state.max_draws
    if "draws" not in body.model_fields_set:  # the default, within this server's limit
        body = body.model_copy(update={"draws": min(body.draws, limit)})
    if body.draws > limit:
        raise ApiError(
            422,
            f"Input should be less than or equal to {limit}",
            field="draws",
            expected=f"<= {limit}",
            found=str(body.draws),
        )
    spec = _preset(body.scenario, body.set)
    from derisk.forecast.run import year_span

    years = year_span(body.years)
    if years is not None:  # the scenario's own check of the range, before the run
        try:
            _preset(body.scenario, [*body.set, f"start_year={years[0]}", f"end_year={years[1]}"])
        except InputError as err:
            raise InputError(err.message, column="years", found=body.years) from None
    resolve_bloc(store, body.bloc)

    def work(job: Any) -> dict:
        ds = forecast(
            store,
            spec,
            bloc=body.bloc,
            draws=body.draws,
            seed=body.seed,
            years=years,
            progress=job.advance,
        )
        _drop_old_datasets(jobs, KEEP_DATASETS - 1)
        return {"json": json.loads(forecast_json(ds)), "dataset": ds}

    job = jobs.submit("forecast", body.model_dump(), total=body.draws, work=work)
    response.headers["Location"] = _job_url(job.id)
    return {"id": job.id, "status": job.status, "url": _job_url(job.id)}


def _job_summary(job: Any) -> dict:
    return {
        "id": job.id,
        "status": job.status,
        "progress": round(job.progress, 4),
        "params": job.params,
        "error": job.error,
        "url": _job_url(job.id),
    }


@router.get("/forecast", response_model=m.ForecastList, summary="Forecast jobs, oldest first")
def list_forecasts(request: Request) -> dict:
    return {"jobs": [_job_summary(j) for j in request.app.state.jobs.list("forecast")]}


@router.get(
    "/forecast/{job_id}",
    response_model=m.ForecastStatus,
    responses=NOT_FOUND,
    summary="A forecast's status, progress and (once done) result",
)
def get_forecast(job_id: str, request: Request) -> Response:
    """`result` is the object of `derisk forecast --format json`."""
    job = _forecast_job(request, job_id)
    done = job.status == "done" and isinstance(job.result, dict)
    downloads = {}
    if done and job.result.get("dataset") is not None:
        downloads = {f: f"{_job_url(job.id)}/download?format={f}" for f in ("csv", "nc")}
    return exact(
        {
            **_job_summary(job),
            "result": job.result["json"] if done else None,
            "downloads": downloads,
        }
    )


_MEDIA = {"csv": "text/csv", "nc": "application/x-netcdf"}


@router.get(
    "/forecast/{job_id}/download",
    response_class=FileResponse,
    responses={
        200: {"content": {t: {} for t in _MEDIA.values()}, "description": "The file"},
        **NOT_FOUND,
        409: {"model": m.ErrorResponse, "description": "Not finished"},
        410: {"model": m.ErrorResponse, "description": "Dataset no longer kept"},
    },
    summary="A finished forecast as .csv (P10/P50/P90 series) or .nc (every draw)",
)
def download_forecast(
    job_id: str,
    request: Request,
    fmt: Literal["csv", "nc"] = Query("csv", alias="format"),
) -> FileResponse:
    """The file `derisk forecast --out FILE` writes."""
    from derisk.forecast.output import write_forecast

    job = _forecast_job(request, job_id)
    if job.status != "done":
        raise ApiError(
            409, "the forecast has not finished", field="id", expected="done", found=job.status
        )
    ds = job.result.get("dataset")
    if ds is None:
        raise ApiError(
            410,
            f"only the newest {KEEP_DATASETS} forecasts keep their draws; run this one again",
            field="id",
            found=job_id,
        )
    folder = tempfile.mkdtemp(prefix="derisk-forecast-")
    path = Path(folder) / f"forecast-{job_id}.{fmt}"
    try:
        write_forecast(ds, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=_MEDIA[fmt],
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


# -- review -------------------------------------------------------------------------------
_REVIEW_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReviewRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": ".txt .md .html .pdf, at most 5 MB",
                        },
                        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD"},
                        "title": {"type": "string"},
                    },
                },
                "encoding": {
                    "file": {"contentType": "text/plain, text/markdown, text/html, application/pdf"}
                },
            },
        },
    }
}


def _too_large(size: int | str) -> ApiError:
    return ApiError(
        413,
        "article too large",
        field="file",
        expected=f"at most {MAX_UPLOAD_BYTES} bytes",
        found=f"{size} bytes",
    )


async def _capped_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 once it passes ``limit`` bytes.

    An oversize body is read to its end (and dropped) up to _DRAIN_BYTES first: a client
    that is still sending when the server answers would see a broken pipe, not the 413.
    """
    declared = request.headers.get("content-length")
    size = int(declared) if declared and declared.isdigit() else 0
    if size > _DRAIN_BYTES:
        raise _too_large(size)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _DRAIN_BYTES:
            break
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        raise _too_large(size if size <= _DRAIN_BYTES else f"more than {_DRAIN_BYTES}")
    return b"".join(chunks)


def _date(text: str | None) -> dt.date | None:
    """A calendar date written YYYY-MM-DD (the OpenAPI `date` format), nothing looser."""
    if text is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            "not a date", column="date", expected="YYYY-MM-DD", found=text[:80]
        ) from None


async def _form_article(request: Request, body: bytes) -> tuple[bytes, str, str | None, str | None]:
    """The uploaded file, its name, and the optional title and date fields."""
    from starlette.datastructures import UploadFile

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, receive).form(max_files=1, max_fields=10)
    except StarletteHTTPException as err:  # a malformed multipart body or too many parts
        raise ApiError(
            422,
            f"cannot read the upload: {err.detail}",
            field="body",
            expected="multipart/form-data with a 'file' part and optional 'title' and 'date'",
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(
                422, "no file uploaded", field="file", expected="a multipart field 'file'"
            )
        data = await upload.read()
        title, date = form.get("title"), form.get("date")
    finally:
        await form.close()
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large(len(data))
    name = Path(upload.filename).name if upload.filename else "-"
    return (
        data,
        name or "-",
        title if isinstance(title, str) and title else None,
        date if isinstance(date, str) else None,
    )


def _reviewer(app: FastAPI):  # noqa: ANN202 - a derisk.review.writing.critique.Reviewer
    """One Reviewer per app: it reads its facts from the store once."""
    from derisk.review.writing.critique import Reviewer

    with app.state.reviewer_lock:
        if app.state.reviewer is None:
            app.state.reviewer = Reviewer(app.state.store)
        return app.state.reviewer


def _review(app: FastAPI, data: bytes, name: str, title: str | None, date: str | None) -> dict:
    from derisk.review.reading.text import read_article_bytes
    from derisk.review.writing.batch import BatchItem, summary_row

    article = read_article_bytes(data, name=name, title=title, date=_date(date))
    critique = _reviewer(app).review(article)
    full = critique.to_dict()
    row = summary_row(BatchItem(path=Path(name), critique=critique))
    review_id = uuid.uuid4().hex[:12]
    summary = {
        "id": review_id,
        "title": full["title"],
        "date": full["date"],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": full["source"],
        "word_count": full["word_count"],
        "verdicts": {v: int(row.get(v, 0)) for v in VERDICTS},
        "ratings": {k: str(row[k]) for k in critique.ratings},
        "url": f"/api/review/{review_id}",
    }
    with app.state.reviewer_lock:
        app.state.reviews.append(summary)
        app.state.review_results[review_id] = full
        del app.state.reviews[:-MAX_REVIEWS]
        while len(app.state.review_results) > MAX_REVIEWS:
            app.state.review_results.popitem(last=False)
    return {"id": review_id, "critique": full}


@router.post(
    "/review",
    status_code=201,
    response_model=m.Critique,
    responses={
        **_POST_GUARDS,
        413: {"model": m.ErrorResponse, "description": "Article over 5 MB"},
        415: {"model": m.ErrorResponse, "description": "Neither JSON nor multipart"},
    },
    openapi_extra=_REVIEW_BODY,
    summary="Critique an article: JSON {text, date, title} or a multipart file upload",
)
async def post_review(request: Request) -> Response:
    """The object of `derisk review --format json`; the Location header names the review."""
    content_type = _media_type(request)
    if content_type not in ("multipart/form-data", "application/json"):
        raise _unsupported(content_type, "application/json or multipart/form-data")
    body = await _capped_body(request, MAX_UPLOAD_BYTES + _BODY_OVERHEAD)
    if content_type == "multipart/form-data":
        data, name, title, date = await _form_article(request, body)
    else:
        try:
            req = m.ReviewRequest.model_validate_json(body or b"null")
        except ValidationError as err:
            raise RequestValidationError(err.errors()) from None
        data, name, title, date = req.text.encode("utf-8"), "-", req.title, req.date
        if len(data) > MAX_UPLOAD_BYTES:
            raise _too_large(len(data))
    out = await run_in_threadpool(_review, request.app, data, name, title, date)
    headers = {"Location": f"/api/review/{out['id']}", "X-Review-Id": out["id"]}
    return exact(out["critique"], status=201, headers=headers)


@router.get("/review", response_model=m.ReviewList, summary="Earlier reviews, newest first")
def list_reviews(request: Request) -> dict:
    return {"reviews": list(reversed(request.app.state.reviews))}


@router.get(
    "/review/{review_id}", response_model=m.Critique, responses=NOT_FOUND, summary="One review"
)
def get_review(review_id: str, request: Request) -> Response:
    found = request.app.state.review_results.get(review_id)
    if found is None:
        raise not_found("review", review_id, "an id from GET /api/review")
    return exact(found)
