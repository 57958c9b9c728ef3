"""A critique rendered as Markdown, HTML or JSON, in the critic's structure.

HTML output escapes every string that came from the article or the store exactly once:
an article is untrusted input and may carry markup or script. Markdown output holds no
HTML entities (a reader of the .md file sees "<1 %" and "->", not "&lt;1 %"): article
text is kept from being read as markup with backslash escapes, which CommonMark renders
as the bare character, and only where markup could start (a "<" before a tag name, "/",
"!" or "?"; an "&" that would begin an entity; a table pipe).
"""

from __future__ import annotations

import html
import json
import re

from derisk.review.writing.critique import CRITERIA, Critique
from derisk.vocabulary import VERDICT_TERMS, WRONG_VERDICTS

CRITERION_LABELS = {
    "claim_clarity": "Claim Clarity",
    "financial_transparency": "Financial Transparency",
    "detail_risk_disclosure": "Detail Risk Disclosure",
    "investor_usefulness": "Investor Usefulness",
}
FORMATS = ("md", "html", "json")


def to_json(critique: Critique) -> str:
    return json.dumps(critique.to_dict(), indent=1, ensure_ascii=False, default=str)


#: Where Markdown could read raw HTML or an entity: "<" opening a tag, comment or
#: processing instruction, "&" opening a character reference.
_MD_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


def _md_escape(text: str) -> str:
    """Keep article text from being read as Markdown markup or raw HTML (no entities)."""
    text = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    text = _MD_TAG_START.sub(r"\\<", text)
    return _MD_ENTITY.sub(r"\\&", text)


def _evidence_md(evidence: list[dict]) -> str:
    cites = []
    for e in evidence:
        label = f"{e['table']}: {e['value']} ({e['source_id']})"
        cites.append(f"[{_md_escape(label)}]({e['url']})" if e.get("url") else _md_escape(label))
    return "; ".join(cites)


def to_markdown(critique: Critique) -> str:
    d = critique.to_dict()
    lines = [f"# {_md_escape(d['title'])}", ""]
    if d["date"]:
        lines += [f"*Article date: {d['date']}*", ""]
    for note in d["notes"]:
        lines += [f"> {_md_escape(note)}", ""]

    def section(title: str, items: list[str]) -> None:
        lines.extend([f"## {title}", ""])
        lines.extend([f"- {_md_escape(i)}" for i in items] or ["- (none)"])
        lines.append("")

    section("Highlights", d["highlights"])
    section("What Holds Up", d["holds_up"])
    section("Where It Slips", d["slips"])
    section("Could Not Be Checked", d["could_not_check"])
    lines += ["## What's Missing", ""]
    for m in d["missing"] or [{"topic": "(nothing on the checklist)", "why": "", "evidence": []}]:
        ev = _evidence_md(m["evidence"])
        lines.append(
            f"- **{_md_escape(m['topic'])}**: {_md_escape(m['why'] or '')}"
            + (f" Evidence: {ev}" if ev else "")
        )
    lines += ["", "## Bottom line", "", _md_escape(d["bottom_line"]), ""]
    lines += ["## Investor Takeaway", "", _md_escape(d["investor_takeaway"]), ""]
    lines += ["## Ratings", "", "| Criterion | Rating | Why |", "|---|---|---|"]
    for key in CRITERIA:
        r = d["ratings"][key]
        lines.append(f"| {CRITERION_LABELS[key]} | {r['level']} | {_md_escape(r['reason'])} |")
    lines += ["", "## Claims checked", "", "| Claim | Verdict | Evidence |", "|---|---|---|"]
    for c in d["claims"]:
        lines.append(
            f"| {_md_escape(c['text'])} | {c['verdict']} | "
            f"{_md_escape(c['explanation'])} {_evidence_md(c['evidence'])} |"
        )
    return "\n".join(lines) + "\n"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _evidence_html(evidence: list[dict]) -> str:
    items = []
    for e in evidence:
        label = _e(f"{e['table']}: {e['value']} ({e['source_id']})")
        url = e.get("url")
        if url and str(url).startswith(("http://", "https://")):
            items.append(f'<a href="{_e(url)}" rel="noopener noreferrer">{label}</a>')
        else:
            items.append(label)
    return "; ".join(items)


STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.3rem .5rem;vertical-align:top;text-align:left}
td,th,small,li,a{overflow-wrap:anywhere}
.High{color:#0a6b2d;font-weight:600}.Medium{color:#8a5a00;font-weight:600}
.Low{color:#a4161a;font-weight:600}.verdict{font-weight:600}
"""


def _verdict_style() -> str:
    """Verdict colours by what a verdict means, so a new verdict is coloured without CSS."""

    def rule(names: list[str] | tuple[str, ...], colour: str) -> str:
        return ",".join(f".{name}" for name in names) + "{color:" + colour + "}"

    holds = [v.name for v in VERDICT_TERMS if v.holds]
    unchecked = [v.name for v in VERDICT_TERMS if not v.checked]
    wrong = rule(WRONG_VERDICTS, "#a4161a")
    return f"{rule(holds, '#0a6b2d')}{wrong}\n{rule(unchecked, '#555')}\n"


STYLE += _verdict_style()


def to_html(critique: Critique) -> str:
    d = critique.to_dict()
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>{_e(d['title'])}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(d['title'])}</h1>",
    ]
    if d["date"]:
        out.append(f"<p><em>Article date: {_e(d['date'])}</em></p>")
    for note in d["notes"]:
        out.append(f"<p class='note'>{_e(note)}</p>")

    def section(title: str, items: list[str]) -> None:
        out.append(f"<h2>{_e(title)}</h2><ul>")
        out.extend(f"<li>{_e(i)}</li>" for i in items) if items else out.append("<li>(none)</li>")
        out.append("</ul>")

    section("Highlights", d["highlights"])
    section("What Holds Up", d["holds_up"])
    section("Where It Slips", d["slips"])
    section("Could Not Be Checked", d["could_not_check"])
    out.append("<h2>What's Missing</h2><ul>")
    for m in d["missing"]:
        ev = _evidence_html(m["evidence"])
        out.append(
            f"<li><strong>{_e(m['topic'])}</strong>: {_e(m['why'] or '')}"
            + (f" <small>Evidence: {ev}</small>" if ev else "")
            + "</li>"
        )
    if not d["missing"]:
        out.append("<li>(nothing on the checklist)</li>")
    out.append("</ul>")
    out.append(f"<h2>Bottom line</h2><p>{_e(d['bottom_line'])}</p>")
    out.append(f"<h2>Investor Takeaway</h2><p>{_e(d['investor_takeaway'])}</p>")
    out.append("<h2>Ratings</h2><table><tr><th>Criterion</th><th>Rating</th><th>Why</th></tr>")
    for key in CRITERIA:
        r = d["ratings"][key]
        level = r["level"] if r["level"] in ("High", "Medium", "Low") else "Low"
        out.append(
            f"<tr><td>{CRITERION_LABELS[key]}</td><td class='{level}'>{_e(r['level'])}</td>"
            f"<td>{_e(r['reason'])}</td></tr>"
        )
    out.append("</table><h2>Claims checked</h2>")
    out.append("<table><tr><th>Claim</th><th>Verdict</th><th>Evidence</th></tr>")
    for c in d["claims"]:
        verdict = _e(c["verdict"])
        out.append(
            f"<tr><td>{_e(c['text'])}</td><td class='verdict {verdict}'>{verdict}</td>"
            f"<td>{_e(c['explanation'])}<br>{_evidence_html(c['evidence'])}</td></tr>"
        )
    out.append("</table></body></html>")
    return "\n".join(out)


def render(critique: Critique, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(critique)
    if fmt == "html":
        return to_html(critique)
    return to_json(critique)
