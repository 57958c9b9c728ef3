/* Scenarios page: build the forecast request from the form, run it as an API job, poll
 * its progress and draw fan charts (P10-P90 band, P50 line) from the result JSON, which
 * is the object of `derisk forecast --format json`. Nothing is computed here beyond
 * picking rows of that JSON to draw.
 */
"use strict";

(function () {
  const { el, splitIds, sourceLinks, plot, jsonBlock, api } = window.derisk;
  const LEVERS = jsonBlock("preset-levers") || {};
  const END_USES = ["ev", "wind", "other"]; // the forecast's multiplier end uses
  const COLORS = [
    { line: "#b03a2e", band: "rgba(176,58,46,0.18)" },
    { line: "#1a5fb4", band: "rgba(26,95,180,0.16)" },
  ];
  const POLL_MS = 400;

  const form = document.getElementById("forecast-form");
  const compare = document.getElementById("compare");
  const statusBox = document.getElementById("forecast-status");
  const progressBox = document.getElementById("forecast-progress");
  const errorBox = document.getElementById("forecast-error");
  const resultsBox = document.getElementById("forecast-results");
  const elementSelect = document.getElementById("fan-element");
  let runs = [];

  function fieldset(key) {
    return document.getElementById("scenario-" + key);
  }

  function field(set, name) {
    return set.querySelector(`[name="${name}"]`);
  }

  function describeDist(d) {
    if (!d) return "";
    const parts = { fixed: `fixed ${d.value}`, uniform: `uniform ${d.low}–${d.high}`,
      triangular: `triangular ${d.low}/${d.mode}/${d.high}`, normal: `normal ${d.mean}±${d.sd}`,
      lognormal: `lognormal mean ${d.mean}, sd ${d.sd}` };
    return parts[d.dist] || d.dist;
  }

  function updateHints(set) {
    const preset = LEVERS[field(set, "scenario").value];
    if (!preset) return;
    set.querySelector(".preset-description").textContent = preset.description || "";
    const hint = (name, text) => { set.querySelector(`[data-hint="${name}"]`).textContent = text; };
    hint("collection_rate", "preset: " + describeDist(preset.collection_rate));
    const controls = preset.export_controls || [];
    const approval = field(set, "approval_rate");
    if (controls.length) {
      approval.disabled = false;
      hint("approval_rate", "preset: " + controls.map((c) => `${c.approval_rate} (${c.name})`).join("; "));
    } else {
      approval.disabled = true;
      approval.value = "";
      hint("approval_rate", "the preset has no export controls");
    }
    hint("demand_path", "preset: " + preset.demand_path);
  }

  function toggleCompare() {
    fieldset("b").disabled = !compare.checked;
  }

  function scaleDist(dist, k) {
    const out = Object.assign({}, dist);
    for (const key of ["value", "low", "high", "mode", "mean", "sd"]) {
      if (typeof out[key] === "number") out[key] = Math.round(out[key] * k * 1e6) / 1e6;
    }
    out.source = `${dist.source} (x${k} from the dashboard's demand multiplier)`;
    return out;
  }

  /** The ForecastRequest for one fieldset: {scenario, bloc, draws, seed, set: [...]}. */
  function request(set) {
    const name = field(set, "scenario").value;
    const preset = LEVERS[name] || {};
    const sets = [];
    const rate = field(set, "collection_rate").value.trim();
    if (rate !== "") sets.push(`recycling.collection_rate=${Number(rate)}`);
    const approval = field(set, "approval_rate").value.trim();
    if (approval !== "" && (preset.export_controls || []).length) {
      const controls = preset.export_controls.map((c) => Object.assign({}, c, { approval_rate: Number(approval) }));
      sets.push(`china.export_controls=${JSON.stringify(controls)}`);
    }
    const k = Number(field(set, "demand_multiplier").value || 1);
    if (k !== 1) {
      for (const use of END_USES) {
        const base = (preset.multiplier || {})[use] ||
          { dist: "fixed", value: 1.0, source: "default multiplier 1" };
        sets.push(`demand.multiplier.${use}=${JSON.stringify(scaleDist(base, k))}`);
      }
    }
    const path = field(set, "demand_path").value;
    if (path) sets.push(`demand.path=${path}`);
    if (field(set, "on_time").checked) sets.push("pipeline.on_time=true");
    for (const line of field(set, "extra").value.split("\n")) {
      if (line.trim()) sets.push(line.trim());
    }
    return {
      scenario: name,
      bloc: field(set, "bloc").value,
      draws: Number(form.elements.draws.value || form.elements.draws.defaultValue),
      seed: Number(form.elements.seed.value || 1),
      set: sets,
    };
  }

  function showError(message) {
    errorBox.hidden = false;
    errorBox.textContent = message;
  }

  function label(run) {
    const p = run.params;
    return `${run.key.toUpperCase()}: ${p.scenario} · ${p.bloc}` + (p.set.length ? ` · ${p.set.length} override(s)` : "");
  }

  async function poll(run) {
    for (;;) {
      const { body } = await api(run.url);
      run.bar.value = body.progress || 0;
      run.text.textContent = ` ${Math.round(100 * (body.progress || 0))}% · ${body.status}`;
      if (body.status === "done") {
        run.result = body.result;
        run.downloads = body.downloads || {};
        return run;
      }
      if (body.status === "failed") throw new Error(`${label(run)} failed: ${body.error}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async function start(key) {
    const params = request(fieldset(key));
    const run = { key, params };
    run.bar = el("progress", { max: 1, value: 0, id: `progress-${key}` });
    run.text = el("span", {}, " queued");
    progressBox.append(el("div", { className: "job" }, el("span", {}, label(run) + " "), run.bar, run.text));
    const { body } = await api("/api/forecast", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(params),
    });
    run.id = body.id;
    run.url = body.url || `/api/forecast/${body.id}`;
    return poll(run);
  }

  async function onSubmit(event) {
    event.preventDefault();
    errorBox.hidden = true;
    resultsBox.hidden = true;
    progressBox.replaceChildren();
    const button = document.getElementById("run-forecast");
    button.disabled = true;
    statusBox.textContent = "Running…";
    try {
      const keys = compare.checked ? ["a", "b"] : ["a"];
      runs = await Promise.all(keys.map(start));
      await Promise.all(runs.map(fetchShare));
      statusBox.textContent = "Done.";
      showResults();
    } catch (err) {
      statusBox.textContent = "";
      showError(err.message);
    } finally {
      button.disabled = false;
    }
  }

  /** China-free supply as % of demand: the forecast JSON carries it (per-draw ratio). */
  async function fetchShare(run) {
    const share = run.result.series.filter((r) => r.metric === "china_free_share_pct");
    run.share = share.length ? share : null; // older results: the chart falls back to tonnes
  }

  function rows(result, element, metric) {
    return result.series
      .filter((r) => r.element === element && r.metric === metric)
      .sort((a, b) => a.year - b.year);
  }

  function bandTraces(series, name, color, unitScale) {
    const x = series.map((r) => r.year);
    const s = (v) => v * unitScale;
    return [
      { x, y: series.map((r) => s(r.p90)), type: "scatter", mode: "lines", line: { width: 0 },
        hoverinfo: "skip", showlegend: false, name: name + " P90" },
      { x, y: series.map((r) => s(r.p10)), type: "scatter", mode: "lines", line: { width: 0 },
        fill: "tonexty", fillcolor: color.band, name: name + " P10–P90",
        hovertemplate: "%{x}: P10 %{y:,.1f}<extra></extra>" },
      { x, y: series.map((r) => s(r.p50)), type: "scatter", mode: "lines",
        line: { color: color.line, width: 2.5 }, name: name + " P50",
        hovertemplate: "%{x}: P50 %{y:,.1f}<extra></extra>" },
    ];
  }

  function sourceNote(ids) {
    const lines = [];
    let line = "Sources:";
    for (const id of ids) {
      if (line.length + id.length > 110) { lines.push(line); line = ""; }
      line = line ? `${line} ${id};` : `${id};`;
    }
    lines.push(line.replace(/;$/, ""));
    return {
      text: lines.join("<br>"), showarrow: false, xref: "paper", yref: "paper", x: 0, y: -0.2,
      xanchor: "left", yanchor: "top", align: "left", font: { size: 9, color: "#555" },
    };
  }

  function layout(title, yTitle, ids) {
    const note = sourceNote(ids);
    const lines = note.text.split("<br>").length;
    return {
      title: { text: title, font: { size: 15 } },
      paper_bgcolor: "#fff",
      plot_bgcolor: "#fff",
      xaxis: { title: { text: "year" }, gridcolor: "#ebf0f8", zeroline: false },
      yaxis: { title: { text: yTitle }, rangemode: "tozero", gridcolor: "#ebf0f8" },
      legend: { font: { size: 11 } },
      margin: { t: 60, b: 80 + 12 * lines, l: 70, r: 20 },
      height: 470 + 12 * lines,
      annotations: [note],
    };
  }

  function runIds() {
    const ids = [];
    for (const run of runs) for (const id of splitIds(run.result.sources)) if (!ids.includes(id)) ids.push(id);
    return ids.sort();
  }

  function drawFans() {
    const element = elementSelect.value;
    const ids = runIds();
    const shortfall = [];
    const free = [];
    const hasShare = runs.every((run) => Array.isArray(run.share));
    runs.forEach((run, i) => {
      const name = `${run.key.toUpperCase()} ${run.result.scenario}`;
      shortfall.push(...bandTraces(rows(run.result, element, "shortfall"), name, COLORS[i], 1));
      if (hasShare) {
        free.push(...bandTraces(rows({ series: run.share }, element, "china_free_share_pct"), name, COLORS[i], 1));
      } else {
        free.push(...bandTraces(rows(run.result, element, "china_free_supply"), name + " China-free supply", COLORS[i], 1));
        const demand = rows(run.result, element, "demand");
        free.push({ x: demand.map((r) => r.year), y: demand.map((r) => r.p50), type: "scatter",
          mode: "lines", line: { color: COLORS[i].line, dash: "dot", width: 1.5 },
          name: name + " demand P50" });
      }
    });
    const bloc = runs.map((r) => r.result.bloc).filter((b, i, a) => a.indexOf(b) === i).join(" / ");
    plot("chart-fan-shortfall", { data: shortfall,
      layout: layout(`${element}: shortfall for ${bloc} (P10–P90, P50)`, `t ${element} (tonnes of element)`, ids) });
    if (hasShare) {
      const years = rows(runs[0].result, element, "demand").map((r) => r.year);
      free.push({ x: [years[0], years[years.length - 1]], y: [100, 100], type: "scatter",
        mode: "lines", line: { color: "#555", dash: "dash", width: 1 },
        name: "100% = demand covered without China", hoverinfo: "skip" });
    }
    plot("chart-fan-chinafree", { data: free,
      layout: hasShare
        ? layout(`${element}: China-free share of ${bloc} demand (P10–P90, P50)`, "% of demand", ids)
        : layout(`${element}: China-free supply against ${bloc} demand (P10–P90, P50)`, `t ${element} (tonnes of element)`, ids) });
    for (const box of ["fan-sources-1", "fan-sources-2"]) {
      document.getElementById(box).replaceChildren("Sources: ", sourceLinks(ids));
    }
  }

  function fmtYear(v) {
    return v === null || v === undefined ? "never" : String(v);
  }

  function derisked() {
    const head = ["element"];
    for (const run of runs) {
      const k = run.key.toUpperCase();
      head.push(`${k} year de-risked P50 (P10–P90)`, `${k} P(de-risked by 2035)`,
        `${k} P(by end)`, `${k} worst shortfall P50 (t)`);
    }
    head.push("note");
    const elements = Object.keys(runs[0].result.year_derisked);
    const body = elements.map((element) => {
      const cells = [element];
      let note = "";
      for (const run of runs) {
        const y = run.result.year_derisked[element] || {};
        const w = (run.result.worst_shortfall || {})[element];
        if (y.note) { note = y.note; cells.push("—", "—", "—", "—"); continue; }
        const years = Object.keys(y.prob_by || {}).sort();
        const last = years[years.length - 1];
        cells.push(`${fmtYear(y.p50)} (${fmtYear(y.p10)}–${fmtYear(y.p90)})`,
          y.prob_by && y.prob_by["2035"] !== undefined ? `${Math.round(100 * y.prob_by["2035"])}%` : "—",
          last ? `${Math.round(100 * y.prob_by[last])}% (${last})` : "—",
          w ? Number(w.p50_t).toLocaleString("en") : "—");
      }
      cells.push(note);
      return el("tr", {}, cells.map((c) => el("td", {}, c)));
    });
    const table = el("table", { className: "data", id: "derisked-table" },
      el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, body));
    document.getElementById("table-derisked").replaceChildren(el("div", { className: "table-wrap" }, table));
  }

  function downloads() {
    const list = el("ul", {});
    for (const run of runs) {
      const links = Object.keys(run.downloads).length ? run.downloads : {
        csv: `/api/forecast/${run.id}/download?format=csv`, nc: `/api/forecast/${run.id}/download?format=nc`,
      };
      const item = el("li", {}, label(run) + ": ");
      Object.entries(links).forEach(([fmt, href], i) => {
        if (i) item.append(" · ");
        item.append(el("a", { href, download: "" }, fmt === "nc" ? ".nc (every draw)" : `.${fmt} (P10/P50/P90 series)`));
      });
      list.append(item);
    }
    document.getElementById("forecast-downloads").replaceChildren(list);
  }

  function showResults() {
    const first = runs[0].result;
    const elements = Object.keys(first.year_derisked).filter((e) => !first.year_derisked[e].note);
    const previous = elementSelect.value;
    elementSelect.replaceChildren(...elements.map((e) => el("option", { value: e }, e)));
    elementSelect.value = elements.includes(previous) ? previous : (elements.includes("Nd") ? "Nd" : elements[0]);
    document.getElementById("forecast-summary").textContent = runs
      .map((r) => `${label(r)} · ${r.result.draws} draws · seed ${r.result.seed}`)
      .join(" | ");
    resultsBox.hidden = false;
    drawFans();
    derisked();
    downloads();
  }

  for (const key of ["a", "b"]) {
    const set = fieldset(key);
    field(set, "scenario").addEventListener("change", () => updateHints(set));
    updateHints(set);
  }
  compare.addEventListener("change", toggleCompare);
  toggleCompare();
  elementSelect.addEventListener("change", drawFans);
  form.addEventListener("submit", onSubmit);
})();
