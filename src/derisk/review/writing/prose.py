"""The critique's judgement: the Bottom line and the Investor Takeaway.

Why a module of its own: these two paragraphs are what a reader takes away, so they must
state a judgement (not a tally of verdicts) and must never contradict the ratings printed
under them. Both are still templates over the evidence (review.critique's sections, the
omissions and the four ratings), so every phrase can be traced to a verdict, a framing
slip, a topic or a rating signal; an LLM may rephrase them (review.llm) but not the facts.

The Bottom line is one or two sentences: how far the article's figures can be trusted
(which checked figures hold, which slip or are framed misleadingly), then what it leaves
out that its subject calls for. The Investor Takeaway follows the ratings one by one:
usefulness sets the lead, claim clarity says how far to trust the figures, financial
transparency what the money figures lack (or that there are none), risk disclosure which
risks are not named, and the omitted topics what to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from derisk.review.checking.checks.dominance import is_dominance_claim, stages_named

#: How many subjects (figures that hold, topics left out) a sentence names at most.
MAX_NAMED = 2

_HEAVY = re.compile(r"\bheavy\b|\bHREEs?\b|dysprosium|terbium", re.IGNORECASE)
#: Claim metric -> how a figure of that metric is named ("{e}" is the entity).
METRIC_PHRASES = {
    "share": "{e}'s {stage}share",
    "production": "{e}'s output",
    "capacity": "{e}'s capacity",
    "reserves": "{e}'s reserves",
    "funding": "the award to {e}",
    "price": "the {e} price",
    "price_floor": "the price floor",
    "quota": "China's quota",
    "policy_event": "the export controls",
    "facility_status": "the status of {e}",
    "demand": "the demand figure",
    "element_count": "the count of controlled elements",
}


@dataclass
class Findings:
    """What the critique found, as the prose needs it."""

    held: list[object] = field(default_factory=list)  # claims whose figures hold up
    slipped: list[object] = field(default_factory=list)  # claims whose figures slip
    framing: list[str] = field(default_factory=list)  # framing problems, named
    unchecked: int = 0  # sentences that could not be checked
    checked: int = 0  # sentences checked against the record
    sourced: int = 0  # unchecked sentences whose figure is credited to an official body
    missing: list[str] = field(default_factory=list)  # omitted topic keys, in order


def subject(claim: object) -> str:
    """A figure named the way an editor would: "China's separation share (90%)"."""
    if is_dominance_claim(claim):  # a stated lead with no figure: name its stages
        stages = stages_named(getattr(claim, "text", ""))
        return f"China's lead in {_names(stages)} (stated without a figure)"
    entities = list(getattr(claim, "entities", ()))
    metric = getattr(claim, "metric", None) or ""
    if metric == "funding":
        entities.sort(key=lambda e: e.kind != "company")
    elif metric == "facility_status":  # the status of a plant, not of its country
        entities.sort(key=lambda e: e.kind != "facility")
    else:  # the party named nearest before the figure: "... Japan ... China's nine in ten"
        entities = _nearest_first(claim, entities)
    name = entities[0].name if entities else "its"
    stage = getattr(claim, "stage", None)
    template = METRIC_PHRASES.get(metric, "the figure for {e}")
    if metric == "policy_event" and re.search(r"\btariffs?\b", getattr(claim, "text", ""), re.I):
        template = "the tariff"  # a tariff rate, not an export control
    if stage and _HEAVY.search(getattr(claim, "text", "")):
        stage = f"heavy rare-earth {stage}"
    text = template.format(e=name, stage=f"{stage} " if stage else "")
    text = text.replace("its's", "its")
    q = getattr(claim, "quantity", None)
    return f"{text} ({q.text})" if q is not None and getattr(q, "text", "") else text


def _names(items: list[str]) -> str:
    items = list(dict.fromkeys(items))[:MAX_NAMED]
    return " and ".join(items)


#: Topic key -> how a sentence names it.
TOPIC_NAMES = {
    "allied_capacity": "allied capacity",
    "midstream": "the midstream",
    "heavy_vs_light": "the heavy-light split",
    "recycling": "recycling",
    "substitution": "substitution",
    "stockpiles": "stockpiles",
    "financing": "financing",
    "permitting_esg": "permitting and ESG risk",
    "timelines": "project timelines",
    "china_policy": "China's policy levers",
    "demand": "the demand outlook",
    "prices": "prices",
}


def _topic_name(key: str) -> str:
    return TOPIC_NAMES.get(key, key.replace("_", " "))


def _gaps(found: Findings) -> str:
    if not found.missing:
        return "It covers what its subject calls for."
    names = _names([_topic_name(m) for m in found.missing])
    return f"It leaves out {names}, which its subject calls for."


def _verb(items: list, one: str, many: str) -> str:
    return one if len(list(dict.fromkeys(subject(c) for c in items))[:MAX_NAMED]) == 1 else many


def bottom_line(found: Findings) -> str:
    """One judgement on the figures, one on the gaps."""
    gaps = _gaps(found)
    if not found.checked and found.sourced:
        # Not "the author's word": What Holds Up lists the figures it credits to a source.
        return (
            "None of its claims could be checked against the dataset, though it credits "
            f"official or statistical sources for some of its figures. {gaps}"
        )
    if not found.checked:
        return (
            "Commentary rather than reporting: none of its claims could be checked "
            f"against the dataset, so it rests on the author's word. {gaps}"
        )
    held = _names([subject(c) for c in found.held])
    slipped = _names([subject(c) for c in found.slipped])
    framing = _names(found.framing)
    if found.slipped and len(found.slipped) >= len(found.held):
        first = f"Not reliable on the figures: {slipped} {_verb(found.slipped, 'does', 'do')} "
        first += "not match the record"
        first += f", and it {framing}" if framing else ""
    elif found.slipped:
        first = f"Partly reliable: {held} {_verb(found.held, 'checks', 'check')} out, but "
        first += f"{slipped} {_verb(found.slipped, 'does', 'do')} not match the record"
    elif framing:
        first = (
            f"Right on the figures it gives ({held} {_verb(found.held, 'checks', 'check')} "
            f"out), but it {framing}"
            if held
            else f"Its figures cannot carry the argument: it {framing}"
        )
    else:
        verb = _verb(found.held, "checks", "check")
        what = "figures it gives" if any(_has_figure(c) for c in found.held) else "facts it states"
        first = f"Sound on the {what}: {held} {verb} out against the record"
    return f"{first}. {gaps}"


def _nearest_first(claim: object, entities: list) -> list:
    """Entities ordered by how near before the claim's figure they are named (those named
    after it, or not found in the text, keep their order at the end)."""
    text = getattr(claim, "text", "")
    q = getattr(claim, "quantity", None)
    at = text.find(q.text) if q is not None and getattr(q, "text", "") else -1
    if at < 0:
        return entities

    def distance(e: object) -> int:
        pos = text.rfind(getattr(e, "name", ""), 0, at)
        return at - pos if pos >= 0 else len(text) + 1

    return sorted(entities, key=distance)


def _has_figure(claim: object) -> bool:
    return getattr(claim, "quantity", None) is not None


def _money(signals: dict, level: str) -> str:
    if not signals.get("money_figures"):
        return "It gives no money figures, so it cannot size an investment."
    if level == "High":
        return "Its money figures come with scale, period and payer."
    lacks = [
        label
        for key, label in (
            ("without_scale", "scale"),
            ("without_period", "a period"),
            ("without_named_party", "a named payer"),
        )
        if signals.get(key)
    ]
    if not lacks:
        return "Check its money figures against filings before relying on them."
    what = " or ".join(lacks)
    if signals.get("money_figures") == 1:
        return f"Its one money figure lacks {what}; check it against filings."
    return f"Some of its money figures lack {what}; check them against filings."


_LEADS = {
    "High": "Useful for due diligence: it names companies, quantities, dates and catalysts",
    "Medium": "Of some use to an investor: it gives part of the companies, figures, dates "
    "and catalysts needed",
    "Low": "Of little direct use to an investor: it names few companies, figures, dates "
    "or catalysts",
}
_TRUST = {
    "High": "its figures are specific and hold up.",
    "Medium": "its figures need checking before use.",
    "Low": "its figures are vague or do not match the record.",
}


def _connector(useful: str, clarity: str) -> str:
    """'but' where the clarity rating tempers the usefulness lead, else 'and'."""
    if useful == "High" and clarity != "High":
        return "but"
    if useful != "High" and clarity == "High":
        return "though"
    return "and"


_ADVICE = (
    ("timelines", "Allow for project slippage."),
    ("prices", "Add a price view: margins depend on it."),
    ("china_policy", "Weigh China's quotas and export controls."),
    ("financing", "Ask who pays and on what terms."),
)


def investor_takeaway(ratings: dict, missing_keys: list[str]) -> str:
    """A takeaway that follows each rating's level, then what to add."""
    useful = ratings["investor_usefulness"].level
    clarity = ratings["claim_clarity"].level
    money = ratings["financial_transparency"]
    risk = ratings["detail_risk_disclosure"]
    lead, trust = _LEADS.get(useful, _LEADS["Low"]), _TRUST.get(clarity, _TRUST["Medium"])
    parts = [f"{lead}, {_connector(useful, clarity)} {trust}"]
    parts.append(_money(money.signals, money.level))
    not_named = str(risk.signals.get("not_named", "") or "")
    if risk.level == "High":
        parts.append("It names most of the risks an investor should weigh.")
    elif not_named and not_named != "none":
        kinds = not_named.split(", ")[:3]
        listed = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
        parts.append(f"It does not weigh {listed} risks.")
    parts += [text for key, text in _ADVICE if key in missing_keys][:2]
    return " ".join(parts)


__all__ = ["Findings", "bottom_line", "investor_takeaway", "subject"]
