/* derisk dashboard: shared helpers and the server-rendered charts.
 *
 * Charts arrive as Plotly figure JSON in <script type="application/json"> blocks next to
 * their container (div.chart[data-figure]); this file draws them. Text from the server
 * or the API is only ever set with textContent, never parsed as HTML.
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

  /** Draw a Plotly figure into a container (by node or id). */
  function plot(target, figure) {
    const node = typeof target === "string" ? document.getElementById(target) : target;
    if (!node || !window.Plotly) return Promise.resolve(null);
    return window.Plotly.react(node, figure.data || [], figure.layout || {}, PLOT_CONFIG);
  }

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

  window.derisk = { el, splitIds, sourceLinks, plot, jsonBlock, api };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawServerCharts);
  } else {
    drawServerCharts();
  }
})();
