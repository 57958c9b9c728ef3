/* Review page: send an article to POST /api/review (JSON or a multipart file), render the
 * critique, and list earlier reviews (GET /api/review). Article text and everything the
 * review quotes from it is untrusted: it is only ever set with textContent.
 */
"use strict";

(function () {
  const { el, splitIds, sourceLinks, api } = window.derisk;
  const CRITERIA = {
    claim_clarity: "Claim Clarity",
    financial_transparency: "Financial Transparency",
    detail_risk_disclosure: "Detail Risk Disclosure",
    investor_usefulness: "Investor Usefulness",
  };
  const form = document.getElementById("review-form");
  const statusBox = document.getElementById("review-status");
  const errorBox = document.getElementById("review-error");
  const resultBox = document.getElementById("review-result");
  const listBox = document.getElementById("review-list");
  const maxBytes = Number(form.dataset.maxBytes || 5 * 1024 * 1024);

  function evidenceLinks(evidence) {
    const frag = document.createDocumentFragment();
    (evidence || []).forEach((e, i) => {
      if (i) frag.append(el("br"));
      const ids = splitIds(e.source_id);
      const span = el("span", { className: "evidence", title: [e.key, e.note].filter(Boolean).join(" — ") },
        `${e.table}: ${e.value} (`);
      span.append(sourceLinks(ids), ")");
      frag.append(span);
    });
    return frag;
  }

  function list(items) {
    if (!items || !items.length) return el("p", { className: "note" }, "(none)");
    return el("ul", {}, items.map((item) => el("li", {}, item)));
  }

  function section(title, ...content) {
    return el("section", {}, el("h3", {}, title), ...content);
  }

  function render(critique) {
    const parts = [el("h2", { id: "review-title" }, critique.title || "(untitled)")];
    const meta = [];
    if (critique.date) meta.push(`Article date: ${critique.date}`);
    if (critique.word_count !== undefined) meta.push(`${critique.word_count} words`);
    if (critique.source) meta.push(`source: ${critique.source}`);
    parts.push(el("p", { className: "note" }, meta.join(" · ")));
    if (critique.notes && critique.notes.length) parts.push(el("ul", { className: "notes" }, critique.notes.map((n) => el("li", {}, n))));

    parts.push(section("Highlights", list(critique.highlights)));
    parts.push(section("What Holds Up", list(critique.holds_up)));
    parts.push(section("Where It Slips", list(critique.slips)));
    const missing = (critique.missing || []).map((m) =>
      el("li", {}, el("strong", {}, m.topic), ": ", m.why, m.evidence && m.evidence.length ? el("div", { className: "note" }, evidenceLinks(m.evidence)) : null));
    parts.push(section("What's Missing", missing.length ? el("ul", {}, missing) : el("p", { className: "note" }, "(none)")));
    parts.push(section("Bottom line", el("p", {}, critique.bottom_line || "")));
    parts.push(section("Investor Takeaway", el("p", {}, critique.investor_takeaway || "")));

    const ratingRows = Object.entries(critique.ratings || {}).map(([key, r]) =>
      el("tr", {},
        el("td", {}, CRITERIA[key] || key),
        el("td", { className: `level-${r.level}` }, r.level),
        el("td", {}, r.reason),
        el("td", {}, (r.evidence || []).join("; "))));
    parts.push(section("Ratings", el("div", { className: "table-wrap" },
      el("table", { className: "data", id: "review-ratings" },
        el("thead", {}, el("tr", {}, ["Criterion", "Rating", "Why", "Evidence"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, ratingRows)))));

    const claimRows = (critique.claims || []).map((c) =>
      el("tr", {},
        el("td", {}, c.text),
        el("td", { className: `verdict verdict-${c.verdict}` }, c.verdict),
        el("td", {}, c.explanation || ""),
        el("td", {}, evidenceLinks(c.evidence))));
    parts.push(section(`Claims (${claimRows.length})`, claimRows.length
      ? el("div", { className: "table-wrap" }, el("table", { className: "data", id: "review-claims" },
        el("thead", {}, el("tr", {}, ["Claim", "Verdict", "Why", "Evidence (stored rows)"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, claimRows)))
      : el("p", { className: "note" }, "No checkable claims found.")));

    resultBox.replaceChildren(...parts);
    resultBox.hidden = false;
  }

  async function refreshList() {
    try {
      const { body } = await api("/api/review");
      const reviews = body.reviews || [];
      if (!reviews.length) {
        listBox.replaceChildren(el("p", { className: "note" }, "No reviews yet in this session."));
        return;
      }
      const rows = reviews.map((r) => {
        const open = el("button", { type: "button", className: "link" }, r.title || "(untitled)");
        open.addEventListener("click", () => load(r.url));
        const verdicts = Object.entries(r.verdicts || {}).filter(([, n]) => n).map(([v, n]) => `${v} ${n}`).join(", ");
        const ratings = Object.entries(r.ratings || {}).map(([k, v]) => `${CRITERIA[k] || k}: ${v}`).join("; ");
        return el("tr", {}, el("td", {}, open), el("td", {}, r.date || ""), el("td", {}, r.created || ""),
          el("td", {}, String(r.word_count)), el("td", {}, verdicts), el("td", {}, ratings));
      });
      listBox.replaceChildren(el("div", { className: "table-wrap" }, el("table", { className: "data", id: "review-list-table" },
        el("thead", {}, el("tr", {}, ["Title", "Article date", "Reviewed (UTC)", "Words", "Verdicts", "Ratings"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows))));
    } catch (err) {
      listBox.replaceChildren(el("p", { className: "error" }, `Could not list reviews: ${err.message}`));
    }
  }

  async function load(url) {
    errorBox.hidden = true;
    try {
      const { body } = await api(url);
      render(body);
      resultBox.scrollIntoView({ behavior: "smooth" });
    } catch (err) {
      errorBox.hidden = false;
      errorBox.textContent = err.message;
    }
  }

  async function onSubmit(event) {
    event.preventDefault();
    errorBox.hidden = true;
    const file = form.elements.file.files[0];
    const text = form.elements.text.value;
    const title = form.elements.title.value.trim();
    const date = form.elements.date.value;
    let options;
    if (file) {
      if (file.size > maxBytes) {
        errorBox.hidden = false;
        errorBox.textContent = `The file is ${file.size.toLocaleString("en")} bytes; the limit is ${maxBytes.toLocaleString("en")} bytes (5 MB).`;
        return;
      }
      const data = new FormData();
      data.append("file", file);
      if (title) data.append("title", title);
      if (date) data.append("date", date);
      options = { method: "POST", body: data };
    } else {
      if (!text.trim()) {
        errorBox.hidden = false;
        errorBox.textContent = "Paste an article or choose a file.";
        return;
      }
      if (new Blob([text]).size > maxBytes) {
        errorBox.hidden = false;
        errorBox.textContent = "The text is over the 5 MB limit.";
        return;
      }
      options = {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ text, title: title || null, date: date || null }),
      };
    }
    const button = document.getElementById("run-review");
    button.disabled = true;
    statusBox.textContent = "Reviewing…";
    try {
      const { body } = await api("/api/review", options);
      statusBox.textContent = "";
      render(body);
      refreshList();
    } catch (err) {
      statusBox.textContent = "";
      errorBox.hidden = false;
      errorBox.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", onSubmit);
  refreshList();
})();
