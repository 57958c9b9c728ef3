/* derisk dashboard: the chart cards (derisk.web.grapher).
 *
 * Each card has four views as tabs (Chart, Table, Sources, Download); a selector in the
 * card reloads the page with the new choice (the form works without this script too).
 * PNG and SVG are drawn here by plotly.js from the figure as the server made it, with
 * its source note, at a fixed size, so an image reads the same from any screen; the
 * CSV comes from the server (/api/charts/ID?_format=csv).
 */
"use strict";

(function () {
  document.documentElement.classList.add("js");
  const IMAGE_WIDTH = 1100;

  function showView(card, key) {
    card.querySelectorAll("[role=tab]").forEach((tab) => {
      tab.setAttribute("aria-selected", String(tab.dataset.view === key));
    });
    card.querySelectorAll(".chart-view").forEach((view) => {
      view.hidden = view.dataset.view !== key;
    });
    if (key === "chart" && window.derisk) window.derisk.refit();
  }

  /** The figure as served (source note and all), for an image file. */
  function imageFigure(node) {
    const figure = node.derisk || { data: node.data, layout: node.layout };
    const layout = JSON.parse(JSON.stringify(figure.layout || {}));
    delete layout.autosize;
    return { data: figure.data, layout };
  }

  function download(button) {
    const node = document.getElementById(button.dataset.chart);
    if (!node || !window.Plotly) return;
    const figure = imageFigure(node);
    const height = figure.layout.height || 520;
    window.Plotly.downloadImage(figure, {
      format: button.dataset.download, filename: button.dataset.chart,
      width: IMAGE_WIDTH, height,
    });
  }

  document.addEventListener("click", (event) => {
    const tab = event.target.closest(".grapher [role=tab]");
    if (tab) {
      showView(tab.closest(".grapher"), tab.dataset.view);
      return;
    }
    const button = event.target.closest("button[data-download]");
    if (button) download(button);
  });

  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
})();
