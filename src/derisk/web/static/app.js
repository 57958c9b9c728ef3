/* derisk dashboard: shared helpers and the server-rendered charts.
 *
 * Charts arrive as Plotly figure JSON in <script type="application/json"> blocks next to
 * their container (div.chart[data-figure]); this file draws them. Text from the server
 * or the API is only ever set with textContent, never parsed as HTML.
 *
 * A figure is drawn for the width it gets (screenLayout): its title becomes an HTML line
 * above the chart (it wraps and cannot cover the plot or the legend), its source note
 * moves into the caption under it, and below 640 px the legend goes under the plot and
 * long category labels are shortened. Downloads (PNG, SVG) use the figure as the server
 * made it, title and source note included (grapher.js).
 */
"use strict";

(function () {
  const PLOT_CONFIG = { displaylogo: false, responsive: true };

  /** Create an element: el("a", {href: "/x", className: "y"}, "text", childNode ...). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "hidden") node.hidden = Boolean(value);
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Source ids of a string: "a;b", "a, b" or "demand: a, b; quota: c" -> [a, b, c]. */
  function splitIds(text) {
    if (!text) return [];
    const ids = [];
    for (const part of String(text).split(";")) {
      const value = part.includes(":") ? part.slice(part.indexOf(":") + 1) : part;
      for (const id of value.split(",")) {
        const clean = id.trim();
        if (clean && !ids.includes(clean)) ids.push(clean);
      }
    }
    return ids;
  }

  /** A fragment of links to /sources/ID, separated by "; ". */
  function sourceLinks(ids) {
    const frag = document.createDocumentFragment();
    ids.forEach((id, i) => {
      if (i) frag.append("; ");
      frag.append(el("a", { className: "src", href: "/sources/" + encodeURIComponent(id) }, id));
    });
    return frag;
  }

  const NARROW = 640;
  const clone = (value) => JSON.parse(JSON.stringify(value || {}));

  const isSourceNote = (a) => typeof a.text === "string" && a.text.startsWith("Sources:");

  /** Legend rows a horizontal legend needs at ``width`` (entries packed left to right). */
  function legendRows(data, width, size) {
    let rows = 1;
    let used = 0;
    for (const trace of data || []) {
      if (trace.showlegend === false || !trace.name || trace.type === "heatmap") continue;
      const entry = 40 + 0.6 * size * String(trace.name).length;
      if (used && used + entry > width) { rows += 1; used = 0; }
      used += entry;
    }
    return rows;
  }

  /** Long category labels on the y axis, cut to ``limit`` characters (hover keeps them). */
  function shortTicks(layout, data, limit) {
    const values = [];
    for (const trace of data || []) {
      if (!Array.isArray(trace.y)) continue;
      for (const v of trace.y) if (typeof v === "string" && !values.includes(v)) values.push(v);
    }
    if (!values.some((v) => v.length > limit)) return;
    layout.yaxis = Object.assign(layout.yaxis || {}, {
      tickmode: "array", tickvals: values,
      ticktext: values.map((v) => (v.length > limit ? v.slice(0, limit - 1) + "…" : v)),
    });
  }

  /** The layout to draw ``figure`` with in a container ``width`` pixels wide. */
  function screenLayout(figure, width) {
    const layout = clone(figure.layout);
    const narrow = width < NARROW;
    layout.autosize = true;
    delete layout.width;
    layout.annotations = (layout.annotations || []).filter((a) => !isSourceNote(a));
    // The title is shown as HTML above the chart (showTitle): text that wraps at any
    // width and cannot overlap the plot or the legend. Images keep the figure's own.
    layout.title = { text: "" };
    layout.margin = Object.assign({}, layout.margin, { t: 16, b: 50 });
    let height = layout.height || 450;
    if (narrow) {
      layout.margin.l = Math.min(layout.margin.l || 60, 50);
      layout.margin.r = 10;
      const rows = layout.showlegend === false ? 0 : legendRows(figure.data, width, 11);
      layout.legend = Object.assign(layout.legend || {}, {
        orientation: "h", x: 0, xanchor: "left", xref: "container", y: 0, yanchor: "bottom",
        yref: "container", font: { size: 11 },
      });
      height += 22 * rows - 30;
      shortTicks(layout, figure.data, Math.max(12, Math.floor((0.4 * width) / 6.5)));
    }
    layout.height = height;
    for (const key of Object.keys(layout)) {
      if (/^[xy]axis\d*$/.test(key)) layout[key] = Object.assign(layout[key] || {}, { automargin: true });
    }
    return layout;
  }

  /** The figure's title as plain text (line breaks as spaces, no markup). */
  function titleText(layout) {
    const title = (layout || {}).title;
    const text = typeof title === "string" ? title : (title || {}).text || "";
    return text.replace(/<br\s*\/?>/gi, " ").replace(/<[^>]*>/g, "");
  }

  /** The chart's title in a <p class="chart-title"> just before its container. */
  function showTitle(node, text) {
    let title = node.previousElementSibling;
    if (!title || !title.classList.contains("chart-title")) {
      title = el("p", { className: "chart-title", id: node.id ? `${node.id}-title` : null });
      node.before(title);
    }
    title.textContent = text;
  }

  /** Draw a Plotly figure into a container (by node or id), fitted to its width. */
  function plot(target, figure) {
    const node = typeof target === "string" ? document.getElementById(target) : target;
    if (!node || !window.Plotly) return Promise.resolve(null);
    node.derisk = figure;
    showTitle(node, titleText(figure.layout));
    const width = node.clientWidth || window.innerWidth;
    node.dataset.width = String(width);
    return window.Plotly.react(node, figure.data || [], screenLayout(figure, width), PLOT_CONFIG)
      .then((gd) => { node.dataset.drawn = String(width); return gd; });
  }

  /** Redraw each chart whose container changed width (a rotated phone, a resized window). */
  function refit() {
    document.querySelectorAll("div.chart").forEach((node) => {
      if (!node.derisk || !node.offsetParent) return;
      if (String(node.clientWidth) !== node.dataset.width) plot(node, node.derisk);
    });
  }
  let refitTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(refitTimer);
    refitTimer = setTimeout(refit, 80);
  });

  /** The JSON of a <script type="application/json" id=...> block. */
  function jsonBlock(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  /** fetch() that returns parsed JSON and throws an Error with the API's message. */
  async function api(url, options) {
    const response = await fetch(url, Object.assign({ headers: { Accept: "application/json" } }, options || {}));
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      if (body && typeof body === "object") {
        message = body.error || (body.detail ? JSON.stringify(body.detail) : message);
        if (body.field) message += ` (field: ${body.field})`;
        if (body.expected) message += ` — expected ${body.expected}`;
        if (body.found) message += `, found ${body.found}`;
      }
      const err = new Error(message);
      err.status = response.status;
      throw err;
    }
    return { body, response };
  }

  function drawServerCharts() {
    document.querySelectorAll("div.chart[data-figure]").forEach((node) => {
      const figure = jsonBlock(node.dataset.figure);
      if (figure) plot(node, figure);
    });
  }

  window.derisk = { el, splitIds, sourceLinks, plot, refit, jsonBlock, api, screenLayout };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawServerCharts);
  } else {
    drawServerCharts();
  }
})();
