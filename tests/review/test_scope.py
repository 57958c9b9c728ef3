"""What's Missing by meaning and scope (review.scope, through Reviewer.review): never a
topic the article discusses, never one it has no reason to cover, no contradictory notes."""

from __future__ import annotations

import datetime as dt

import pytest

from derisk.data.store import Store
from derisk.review.checking.coverage import MATCHER
from derisk.review.checking.scope import heavy_focus
from derisk.review.reading.text import article_from_text
from derisk.review.writing.critique import MAX_MISSING, Reviewer

FUNDING_ONLY = (
    "The Pentagon made a $400 million equity investment in MP Materials in July 2025, "
    "with long-term offtake commitments. China restricts exports of rare earth magnets."
)
TEN_YEAR = (
    "The European Commission's plan sets a ten-year horizon for rare earth supply. "
    "By 2030 the EU wants 40% of its processing needs met at home, while China controls "
    "most refining today. Officials concede the targets may slip."
)
HEAVY = (
    "Dysprosium and terbium are the heavy rare earths that keep magnets working at high "
    "temperature. China separates almost all of the world's heavy rare earths, much of "
    "the ore coming from ionic clays in Myanmar. Lynas plans to separate dysprosium and "
    "terbium at its Malaysian plant, and export controls on heavy rare earths since April "
    "2025 have pushed carmakers to look for substitutes."
)


@pytest.fixture(scope="module")
def reviewer(session_store: Store) -> Reviewer:
    return Reviewer(session_store)


def missing(reviewer: Reviewer, text: str, **kw: object) -> list[str]:
    d = reviewer.review(article_from_text(text, **kw)).to_dict()
    key_of = {t.label: t.topic for t in reviewer.review(article_from_text(text, **kw)).coverage}
    return [key_of[m["topic"]] for m in d["missing"]]


def test_naming_a_company_is_not_covering_allied_capacity() -> None:
    assert not MATCHER.find(FUNDING_ONLY)["allied_capacity"]
    assert MATCHER.find("Lynas expanded its Kalgoorlie plant.")["allied_capacity"]


def test_a_horizon_or_dates_ahead_cover_timelines(reviewer: Reviewer) -> None:
    assert MATCHER.find("The plan sets a ten-year horizon.")["timelines"]
    assert MATCHER.find("Output should double by 2030.")["timelines"]
    assert "timelines" not in missing(reviewer, TEN_YEAR, date=dt.date(2025, 3, 1))


def test_a_topic_the_claims_discuss_is_covered_by_meaning(reviewer: Reviewer) -> None:
    text = "China set a price floor of $110 per kg for NdPr. China mines 69% of rare earths."
    critique = reviewer.review(article_from_text(text))
    covered = {t.topic for t in critique.coverage if t.covered}
    assert "prices" in covered
    assert "prices" not in [t.topic for t in critique.missing]


def test_a_heavy_rare_earth_piece_is_not_faulted_off_its_subject(reviewer: Reviewer) -> None:
    assert heavy_focus(HEAVY)
    critique = reviewer.review(article_from_text(HEAVY))
    listed = [t.topic for t in critique.missing]
    assert "demand" not in listed and "stockpiles" not in listed
    assert "heavy_vs_light" not in listed  # its subject
    assert len(listed) <= MAX_MISSING
    d = critique.to_dict()
    assert "demand" in d["out_of_scope"] or d["coverage"]["demand"]


def test_no_money_figures_is_never_beside_money_figures_lack_scale(reviewer: Reviewer) -> None:
    text = "China mines about 69% of the world's rare earths and refines about 90% of them."
    d = reviewer.review(article_from_text(text)).to_dict()
    assert d["ratings"]["financial_transparency"]["reason"].startswith("No money figures")
    assert "no money figures" in d["investor_takeaway"]
    assert "lack" not in d["investor_takeaway"]


def test_takeaway_follows_the_ratings(reviewer: Reviewer) -> None:
    d = reviewer.review(article_from_text(FUNDING_ONLY)).to_dict()
    levels = {k: r["level"] for k, r in d["ratings"].items()}
    take = d["investor_takeaway"]
    if levels["investor_usefulness"] == "Low":
        assert take.startswith("Of little direct use")
    if levels["investor_usefulness"] == "High":
        assert take.startswith("Useful for due diligence")
    if levels["detail_risk_disclosure"] != "High":
        assert "names most of the risks" not in take
    if levels["financial_transparency"] != "Low":
        assert "no money figures" not in take


def _claim(**kw: object) -> object:
    from types import SimpleNamespace

    base = {"text": "", "metric": None, "stage": None, "quantity": None, "entities": ()}
    base.update(kw)
    base.setdefault("year", None)
    base.setdefault("period_kind", None)
    return SimpleNamespace(**base)


def test_a_midstream_figure_covers_the_midstream_by_meaning() -> None:
    from types import SimpleNamespace

    from derisk.review.checking.scope import claim_topics

    q = SimpleNamespace(text="12 percent")
    magnet = _claim(text="Korea's share of magnet output is 12 percent.", metric="share",
                    stage="magnet", quantity=q)  # fmt: skip
    assert "midstream" in claim_topics([magnet], 2025)
    # a mining figure, or a midstream word with no figure, does not
    mining = _claim(text="Korea mines 12 percent.", metric="share", stage="mining", quantity=q)
    vague = _claim(text="China dominates refining.", metric="share", stage="separation")
    assert "midstream" not in claim_topics([mining, vague], 2025)


def test_an_export_restriction_covers_chinas_levers_only_when_it_is_chinas() -> None:
    from types import SimpleNamespace

    from derisk.review.checking.scope import claim_topics

    eu = SimpleNamespace(key="EU27", kind="bloc")
    ours = _claim(text="Brussels proposes limits on exports of copper scrap.",
                  metric="policy_event", entities=(eu,))  # fmt: skip
    assert "china_policy" not in claim_topics([ours], 2025)
    theirs = _claim(text="Beijing tightened licences for gallium.", metric="policy_event")
    assert "china_policy" in claim_topics([theirs], 2025)
