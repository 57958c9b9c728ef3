"""Schemathesis against the real server's /openapi.json: every operation, every check.

The run uses Schemathesis' own engine (what `schemathesis run` does: examples, coverage,
fuzzing and stateful phases) with every built-in check enabled: not_a_server_error,
status_code_conformance, content_type_conformance, response_headers_conformance,
response_schema_conformance, negative_data_rejection, positive_data_acceptance,
missing_required_header, unsupported_method, allow_header_conformance and the rest.
(Its pytest plugin does not run under pytest 9, hence the engine.)

The changes to what it generates and expects, each because JSON Schema cannot say it:

- The server is created with ``max_draws=5``, which its /openapi.json states: each
  accepted POST /api/forecast starts a real Monte Carlo run in the background pool.
- positive_data_acceptance ("a schema-valid request must not be refused") also counts
  410 as not a refusal: GET /api/forecast/{id}/download answers 410 for a forecast whose
  draws were dropped (only the newest three are kept), like 404 for an unknown one.
- Schema-valid bodies that the domain refuses for reasons a schema cannot state, so 422 is
  right, are not offered as *valid* data: forecast overrides (`set`) that name no lever
  or do not fit it, `years` out of order, and review articles with no words or that look
  binary. The hook asks the same functions the server calls. Negative (schema-violating)
  data is not filtered: every such request must still be refused.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from derisk.web.app import create_app  # noqa: E402
from derisk.web.server import background_server  # noqa: E402

#: Fuzzing examples per operation; the whole run stays near half a minute.
MAX_EXAMPLES = 10
MAX_DRAWS = 5
SEED = int(os.environ.get("DERISK_FUZZ_SEED", "20260101"))  # another seed: explore


@pytest.fixture(scope="module")
def fuzz_url(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    target = tmp_path_factory.mktemp("fuzz-store") / built_store_path.name
    shutil.copyfile(built_store_path, target)
    with background_server(create_app(target, max_draws=MAX_DRAWS)) as url:
        yield url


def load_schema(url: str) -> Any:
    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {
                    "expected-statuses": [
                        "2xx",
                        "3xx",
                        "401",
                        "403",
                        "404",
                        "409",
                        "410",
                        "429",
                        "5xx",
                    ],
                },
            },
            "generation": {"max-examples": MAX_EXAMPLES},
            "phases": {"stateful": {"enabled": False}},
            "operations": [
                {
                    # every distinct valid query is a fresh diagnosis (0.2-1 s of pandas) or a
                    # file written: boundary values are sent as invalid data only; valid
                    # data still comes from the examples and fuzzing phases
                    "include-path-regex": "^/api/(diagnose/|forecast/\\{job_id\\}/download)",
                    "phases": {"coverage": {"generation": {"mode": "negative"}}},
                },
            ],
            "request-timeout": 60,
        }
    )
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)

    @schema.hook
    def filter_case(context: Any, case: Any) -> bool:
        meta = case.meta
        if meta is None or meta.generation.mode.value != "positive":
            return True
        op = context.operation
        label = (op.method.upper(), op.path)
        if label == ("POST", "/api/forecast"):
            return forecast_makes_sense(case.body)
        if label == ("POST", "/api/review"):
            return article_makes_sense(case.body)
        return True

    return schema


def forecast_makes_sense(body: Any) -> bool:
    """True when the overrides and years pass the checks the server runs before a job."""
    from derisk.errors import InputError
    from derisk.forecast.run import year_span
    from derisk.web.api import _preset

    if not isinstance(body, dict):
        return True
    try:
        sets = list(body.get("set") or [])
        _preset(body.get("scenario", "baseline"), sets)
        years = year_span(body.get("years"))
        if years is not None:
            _preset(body.get("scenario", "baseline"),
                    [*sets, f"start_year={years[0]}", f"end_year={years[1]}"])  # fmt: skip
    except (InputError, TypeError, AttributeError):
        return False
    return True


def article_makes_sense(body: Any) -> bool:
    """True when the article is one the reader accepts (words, not binary, a known type)."""
    from derisk.errors import InputError
    from derisk.review.reading.text import read_article_bytes

    if not isinstance(body, dict):
        return True
    if "text" in body:
        data, name = str(body["text"]).encode("utf-8"), "-"
    elif isinstance(body.get("file"), bytes | str):
        file = body["file"]
        data, name = (file if isinstance(file, bytes) else file.encode("utf-8")), "file.txt"
    else:
        return True
    try:
        read_article_bytes(data, name=name)
    except InputError:
        return False
    return True


def run(schema: Any) -> tuple[list[str], list[str], int]:
    """Failures (operation, check, curl), errors, and the number of cases sent."""
    from schemathesis.engine import Status, events, from_schema

    failures: list[str] = []
    errors: list[str] = []
    cases = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and os.environ.get("FUZZ_TIMES"):
            print(f"{event.phase.value:10} {event.elapsed_time:6.1f}s {event.label}")
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for case_checks in event.recorder.checks.values():
                for check in case_checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        info = check.failure_info
                        failures.append(
                            f"{event.label}: {check.name}: {info.failure.title}\n"
                            f"    {info.failure.message}\n    {info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
    return sorted(set(failures)), errors, cases


def test_the_api_conforms_to_its_openapi_document(fuzz_url: str) -> None:
    failures, errors, cases = run(load_schema(fuzz_url))
    assert not errors, "\n".join(errors)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    assert cases > 200  # it did test something
