"""The pages whose work runs in the browser: the scenario form and the article review.

Each page is a form and an empty result area; /static/scenarios.js and /static/review.js
post to the API (/api/forecast, /api/review) and draw what it answers. The fan charts
get the same PNG/SVG download buttons as the server-drawn charts (grapher.js); their
numbers download as the forecast's own CSV and NetCDF.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from derisk.data.blocs import blocs, resolve_bloc
from derisk.errors import InputError
from derisk.forecast.scenario import load_scenario, presets
from derisk.forecast.summary import STABLE_DRAWS
from derisk.web import templates as t
from derisk.web.templates import esc

#: Review uploads: the API enforces its own limit; the page checks first to say so early.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _html(content: str) -> HTMLResponse:
    return HTMLResponse(content, headers=t.SECURITY_HEADERS)


# -- scenarios -----------------------------------------------------------------------------
def _lever_defaults() -> dict[str, Any]:
    """Per preset: its description and the levers the form can change, as the preset has them."""
    out: dict[str, Any] = {}
    for name in presets():
        s = load_scenario(name).model_dump(mode="json")
        out[name] = {
            "description": s["description"],
            "start_year": s["start_year"],
            "end_year": s["end_year"],
            "collection_rate": s["recycling"]["collection_rate"],
            "export_controls": s["china"]["export_controls"],
            "multiplier": s["demand"]["multiplier"],
            "demand_path": s["demand"]["path"],
            "on_time": s["pipeline"]["on_time"],
        }
    return out


def _scenario_fieldset(key: str, label: str, preset_names: list[str], bloc_codes: list[str],
                       preset: str, bloc: str) -> str:  # fmt: skip
    opts = "".join(
        f'<option value="{esc(p)}"{" selected" if p == preset else ""}>{esc(p)}</option>'
        for p in preset_names
    )
    bloc_opts = "".join(
        f'<option value="{esc(b)}"{" selected" if b == bloc else ""}>{esc(b)}</option>'
        for b in bloc_codes
    )
    k = esc(key)
    return f"""
<fieldset class="scenario" id="scenario-{k}" data-key="{k}">
<legend>{esc(label)}</legend>
<label>Preset <select name="scenario">{opts}</select></label>
<p class="preset-description note"></p>
<label>Bloc <select name="bloc">{bloc_opts}</select></label>
<label>Recycling collection rate (0-1)
 <input name="collection_rate" type="number" min="0" max="1" step="0.01" placeholder="preset">
 <span class="hint" data-hint="collection_rate"></span></label>
<label>China export-control approval rate (0-1)
 <input name="approval_rate" type="number" min="0" max="1" step="0.05" placeholder="preset">
 <span class="hint" data-hint="approval_rate"></span></label>
<label>Demand multiplier (x the preset's)
 <input name="demand_multiplier" type="number" min="0.1" max="5" step="0.05" value="1"></label>
<label>Demand path <select name="demand_path"><option value="">preset</option>
 <option>IEA STEPS</option><option>IEA APS</option><option>IEA NZE</option></select>
 <span class="hint" data-hint="demand_path"></span></label>
<label><input name="on_time" type="checkbox"> Projects start on their announced dates</label>
<label>Further overrides (one <code>path=value</code> per line)
 <textarea name="extra" rows="2" placeholder="china.reexport_share=0.1"></textarea></label>
</fieldset>"""


#: The result area the scenario script fills: fan charts with image downloads, the
#: de-risked table and the run's own CSV / NetCDF downloads.
_RESULTS = """
<div id="forecast-status" aria-live="polite"></div>
<div id="forecast-progress" class="progress-list"></div>
<div id="forecast-error" class="error" hidden></div>
<section id="forecast-results" hidden>
 <h2>Results</h2>
 <p class="note" id="forecast-summary"></p>
 <label>Element <select id="fan-element"></select></label>
 <div class="chart-pair">
  <figure class="chart-box"><div class="chart" id="chart-fan-shortfall"></div>
   <figcaption class="chart-sources" id="fan-sources-1"></figcaption>
   <div class="chart-downloads"><button type="button" data-download="png"
    data-chart="chart-fan-shortfall">PNG image</button> <button type="button"
    data-download="svg" data-chart="chart-fan-shortfall">SVG image</button></div></figure>
  <figure class="chart-box"><div class="chart" id="chart-fan-chinafree"></div>
   <figcaption class="chart-sources" id="fan-sources-2"></figcaption>
   <div class="chart-downloads"><button type="button" data-download="png"
    data-chart="chart-fan-chinafree">PNG image</button> <button type="button"
    data-download="svg" data-chart="chart-fan-chinafree">SVG image</button></div></figure>
 </div>
 <h3>Year de-risked</h3>
 <p class="note">The first year from which China-free supply covers demand in every later
 year (P10 / P50 / P90 over the draws; 'never' = not within the horizon).</p>
 <div id="table-derisked"></div>
 <h3>Downloads</h3>
 <div id="forecast-downloads"></div>
</section>"""


def scenarios_page(request: Request, bloc: str = "US") -> HTMLResponse:
    store = request.app.state.store
    names = presets()
    codes = blocs(store)
    try:
        bloc = resolve_bloc(store, bloc)
    except InputError:
        bloc = "US"
    form = (
        '<form id="forecast-form" novalidate>'
        + '<div class="scenario-grid">'
        + _scenario_fieldset("a", "Scenario A", names, codes, "baseline", bloc)
        + _scenario_fieldset("b", "Scenario B (compare)", names, codes, "full-ban", bloc)
        + "</div>"
        + '<div class="run-options">'
        '<label><input type="checkbox" id="compare" name="compare"> Compare with scenario B'
        "</label>"
        '<label>Draws <input name="draws" type="number" min="1" max="100000" '
        f'value="{STABLE_DRAWS}">'
        "</label>"
        '<label>Seed <input name="seed" type="number" value="1"></label>'
        '<button type="submit" id="run-forecast">Run forecast</button>'
        "</div></form>"
    )
    body = (
        t.note(
            "Pick a preset and change the main levers. The run goes to POST /api/forecast "
            "as a background job; the page polls its progress and draws the P10-P90 band "
            "and the P50 line per element. Blank levers keep the preset's distribution; a "
            "number fixes the lever (the CLI's --set)."
        )
        + form
        + _RESULTS
        + t.json_block("preset-levers", _lever_defaults())
    )
    return _html(
        t.page(
            "Scenarios: when can a bloc stop depending on China?",
            body,
            active="Scenarios",
            charts=True,
            scripts=("scenarios.js",),
        )
    )


# -- review --------------------------------------------------------------------------------
def review_page(request: Request) -> HTMLResponse:
    body = f"""
{
        t.note(
            "Paste an article (plain text, Markdown or HTML) or upload a file (.txt, .md, .html, "
            ".pdf; up to 5 MB). The review checks its figures against the dataset as of the "
            "article's date and says what it leaves out. Nothing is sent off this machine."
        )
    }
<form id="review-form" novalidate data-max-bytes="{MAX_UPLOAD_BYTES}">
 <label>Title <input name="title" type="text" maxlength="300"></label>
 <label>Article date <input name="date" type="date"></label>
 <label>Article text <textarea name="text" rows="12"></textarea></label>
 <label>or a file <input name="file" type="file"
   accept=".txt,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf">
 </label>
 <button type="submit" id="run-review">Review</button>
</form>
<div id="review-status" aria-live="polite"></div>
<div id="review-error" class="error" hidden></div>
<section id="review-result" hidden></section>
<section id="review-history"><h2>Earlier reviews</h2><div id="review-list"></div></section>
"""
    return _html(t.page("Review an article", body, active="Review", scripts=("review.js",)))
