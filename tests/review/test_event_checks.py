"""Events checks (derisk.review.checking.checks.events): dated steps of named laws, counts of
controlled elements in a month named without a year, and controls whose status changed
after the article. The planted errors of the sample articles must be caught for the
right reason, and the same sentences with the facts right must not be. Every expected
date, count and source is read from the events row that decides the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from derisk import vocabulary
from derisk.data.store import Store
from derisk.review.checking.checks.laws import check_law_date
from derisk.review.checking.verify import FactBase, Verdict, verify
from derisk.review.extraction.claims import Claim, claim_from_sentence, extract_claims
from derisk.review.extraction.lexicon import Lexicon
from derisk.review.reading.text import article_from_text

#: The sample articles' dates (src/derisk/review/samples/articles/*.labels.json).
EUROPE_2026 = dt.date(2026, 3, 10)  # brief-europe-reality-2026
HOLSTER_2025 = dt.date(2025, 11, 12)  # oped-holster-2025
LICENSING_2025 = dt.date(2025, 10, 20)  # trade-magnets-licensing-2025

NUMBER_WORDS = {5: "five", 7: "seven", 9: "nine", 12: "twelve"}


def verdicts(text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None) -> list[Verdict]:
    return verify(extract_claims(article_from_text(text, date=date), lexicon), facts, date)


def one(text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None) -> Verdict:
    found = verdicts(text, lexicon, facts, date)
    assert len(found) == 1, [(v.claim.text, v.verdict) for v in found]
    return found[0]


def events(store: Store, **where: object) -> pd.DataFrame:
    """The events rows whose columns equal ``where``; ``summary`` is a substring."""
    rows = store.table("events")
    for column, value in where.items():
        text = rows[column].astype(str)
        rows = rows[text.str.contains(str(value), regex=False) if column == "summary" else
                    text == str(value)]  # fmt: skip
    assert len(rows) >= 1, where
    return rows


def policy_claim(text: str, year: int | None) -> Claim:
    """A certain, checkworthy policy claim for a sentence the extractor does not pass to
    the events checker (see test_the_crma_sentence_is_gated_before_the_checker)."""
    return Claim(text, 0, (), "policy_event", None, None, (), year, "in", "certain", True, None)


def check(claim: Claim, facts: FactBase, date: dt.date | None) -> Verdict:
    (v,) = verify([claim], facts, date)
    return v


def month_name(date: str) -> str:
    return vocabulary.MONTHS[int(date[5:7]) - 1]


# -- 1. when a named law entered into force -----------------------------------------------
def test_the_crma_entering_into_force_a_year_early_is_contradicted(
    session_store: Store, facts: FactBase
) -> None:
    # events 2024-05-23, European Union: the CRMA enters into force (montanambiente_crma)
    force = events(session_store, summary="Critical Raw Materials Act", type="law")
    force = force[force["summary"].str.contains("enters into force")].iloc[0]
    year, month = int(force["date"][:4]), month_name(force["date"])
    text = f"The Critical Raw Materials Act entered into force in {month} {year - 1}"
    wrong = check(policy_claim(text, year - 1), facts, EUROPE_2026)
    assert wrong.verdict == "contradicted", wrong.explanation
    assert [e.source_id for e in wrong.evidence] == [force["source_id"]]
    assert force["date"] in wrong.explanation
    right = check(policy_claim(text.replace(str(year - 1), str(year)), year), facts, EUROPE_2026)
    assert right.verdict == "supported", right.explanation
    assert right.evidence[0].source_id == force["source_id"]


def test_a_proposal_date_never_refutes_an_entry_into_force(
    session_store: Store, facts: FactBase
) -> None:
    # events 2023-03-16: the Commission proposes the CRMA (urdupoint_crma_2023_03_16)
    proposal = events(session_store, summary="proposes Critical Raw Materials Act").iloc[0]
    year, month = int(proposal["date"][:4]), month_name(proposal["date"])
    proposed = check(
        policy_claim(f"The Commission proposed the CRMA in {month} {year}.", year),
        facts,
        EUROPE_2026,
    )
    assert proposed.verdict == "supported", proposed.explanation
    assert proposed.evidence[0].source_id == proposal["source_id"]
    # the proposal's date is on record, but as a proposal: not an entry into force
    early = check(
        policy_claim(f"The CRMA entered into force in {month} {year}.", year), facts, EUROPE_2026
    )
    assert early.verdict == "contradicted"
    assert proposal["source_id"] not in {e.source_id for e in early.evidence}
    # no adoption of the Act is on record: another step's date does not answer it
    adopted = check(policy_claim("The CRMA was adopted in 2024.", 2024), facts, EUROPE_2026)
    assert adopted.verdict == "unverifiable", adopted.explanation
    assert "no adoption on record" in adopted.explanation


def test_a_relative_date_is_not_the_steps_date(facts: FactBase) -> None:
    text = "In May 2025, a year after it entered into force, the CRMA named its projects."
    v = check(policy_claim(text, 2025), facts, EUROPE_2026)
    assert v.verdict != "contradicted", v.explanation


def test_a_law_or_announcement_not_in_the_store_is_unverifiable(
    session_store: Store, facts: FactBase
) -> None:
    law = "Inflation Reduction Act"
    announcement = 99
    summaries = " ".join(session_store.table("events")["summary"].astype(str))
    assert law not in summaries and f"No.{announcement}" not in summaries
    for text, year in (
        (f"The {law} entered into force in August 2022.", 2022),
        (f"Announcement No. {announcement} took effect in April 2025.", 2025),
    ):
        v = check(policy_claim(text, year), facts, EUROPE_2026)
        assert v.verdict == "unverifiable", (text, v.explanation)
        assert v.evidence == ()


def test_an_announcement_in_force_at_once_is_dated_by_its_row(
    session_store: Store, facts: FactBase
) -> None:
    # events 2025-04-04: Announcement No.18, licences required effective immediately
    april = events(session_store, summary="Announcement No.18").iloc[0]
    year, month = int(april["date"][:4]), month_name(april["date"])
    text = f"Announcement No. 18 took effect in {month} {year}."
    right = check(policy_claim(text, year), facts, HOLSTER_2025)
    assert right.verdict == "supported", right.explanation
    assert right.evidence[0].source_id == april["source_id"]
    other = vocabulary.MONTHS[int(april["date"][5:7]) % 12]
    wrong = check(policy_claim(text.replace(month, other), year), facts, HOLSTER_2025)
    assert wrong.verdict == "contradicted", wrong.explanation


def test_the_crma_sentence_is_gated_before_the_checker(lexicon: Lexicon, facts: FactBase) -> None:
    """The article's sentence reaches no events checker today: claims.py gives it the
    metric "target" (CRMA + a percentage + the EU) and hedge "speculative" (its "should
    come from" clause), so verify.verify_claim answers "opinion" first. The checker
    itself, given the sentence, catches the wrong year."""
    text = (
        "The Critical Raw Materials Act entered into force in May 2023, and it set "
        "benchmarks that look modest on paper: by 2030, at least 10% of annual EU "
        "consumption of each strategic raw material should come from extraction in the EU, "
        "and no more than 65% from any single third country."
    )
    claim = claim_from_sentence(text, 0, lexicon)
    assert claim is not None
    result = check_law_date(claim, facts, EUROPE_2026)
    assert result is not None and result[0] == "contradicted", result


# -- 2. a count of elements in a month named without a year -------------------------------
def test_a_count_in_a_month_without_a_year_is_read_in_the_articles_year(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # events 2025-04-04 (hklaw_2025_04): the April announcement's list of elements
    april = events(session_store, summary="Announcement No.18").iloc[0]
    n = len(str(april["elements_affected"]).split(";"))
    assert int(april["date"][:4]) == HOLSTER_2025.year and n != 9
    text = "In April Beijing required licences for {} medium and heavy rare earths."
    wrong = one(text.format("nine"), lexicon, facts, HOLSTER_2025)
    assert wrong.verdict == "contradicted", wrong.explanation  # was: unverifiable
    assert [e.source_id for e in wrong.evidence] == [april["source_id"]]
    right = one(text.format(NUMBER_WORDS[n]), lexicon, facts, HOLSTER_2025)
    assert right.verdict == "supported", right.explanation
    assert right.evidence[0].source_id == april["source_id"]


def test_a_month_with_no_event_on_record_is_not_judged(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # an article of March 2025: "April" is April 2024, when no announcement is on record
    date = dt.date(2025, 3, 1)
    rows = session_store.table("events")
    rows = rows[rows["type"] == "export_control"]
    assert not rows["date"].astype(str).str.startswith("2024-04").any()
    v = one("In April Beijing required licences for nine rare earths.", lexicon, facts, date)
    assert v.verdict == "unverifiable", v.explanation


def test_in_all_counts_distinct_elements(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # events 2025: April (No.18), its June licence approvals and October (No.57) name the
    # same elements more than once; in all they control the union of their lists
    rows = session_store.table("events")
    rows = rows[
        (rows["type"] == "export_control")
        & rows["actor"].str.contains("China")
        & (rows["year"] == 2025)
        & ~rows["elements_affected"].str.contains("all|magnets|techn|dual")
    ]
    union = {e for listed in rows["elements_affected"] for e in listed.split(";")}
    assert sum(len(listed.split(";")) for listed in rows["elements_affected"]) != len(union)
    text = f"In 2025 China placed export controls on {NUMBER_WORDS[len(union)]} rare earths."
    v = one(text, lexicon, facts, EUROPE_2026)
    assert v.verdict == "supported", v.explanation  # was: contradicted (the sum of rows)


# -- 3. an announcement's entry into force, suspended after the article ------------------
ANN61 = (
    "From 1 December, exporters abroad will need Chinese licences under Announcement No. 61 "
    "for goods made with Chinese rare earths or Chinese technology."
)


def _ann61_claim(lexicon: Lexicon, text: str = ANN61) -> Claim:
    """The extracted claim, as the checker would get it. Today claims._hedge reads "will"
    as speculative (checkworthy False) and verify.verify_claim answers "opinion" before
    any checker runs: the hedge is lifted here to test the checker on its own."""
    (claim,) = extract_claims(article_from_text(text, date=LICENSING_2025), lexicon)
    assert claim.metric == "policy_event"
    return replace(claim, hedge="certain", checkworthy=True)


def test_a_scheduled_entry_into_force_suspended_later_is_outdated(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # events 2025-10-09 (chemradar_ann61_62): No.61, effective 1 Dec 2025;
    # events 2025-11-07 (chemradar_ann70): No.70 suspends 55-58, 61, 62
    ann61 = events(session_store, summary="Announcement No.61").iloc[0]
    ann70 = events(session_store, summary="Announcement No.70 suspends").iloc[0]
    assert "61" in ann70["summary"] and "1 Dec" in ann61["summary"]
    assert ann61["date"] < LICENSING_2025.isoformat() < ann70["date"]
    v = check(_ann61_claim(lexicon), facts, LICENSING_2025)
    assert v.verdict == "outdated", v.explanation
    assert [e.source_id for e in v.evidence] == [ann61["source_id"], ann70["source_id"]]
    # written after the suspension, the sentence is not judged: never contradicted
    later = check(_ann61_claim(lexicon), facts, dt.date(2025, 12, 1))
    assert later.verdict == "unverifiable", later.explanation
    # a date other than the one on record then is wrong
    january = check(_ann61_claim(lexicon, ANN61.replace("December", "January")), facts,
                    LICENSING_2025)  # fmt: skip
    assert january.verdict == "contradicted", january.explanation


def test_a_dated_rule_in_the_future_tense_is_checked_end_to_end(
    lexicon: Lexicon, facts: FactBase
) -> None:
    """verify_claim no longer stops at the "will": a numbered announcement with a start
    date is a published rule (checks.laws.is_dated_rule), judged on its status."""
    assert one(ANN61, lexicon, facts, LICENSING_2025).verdict == "outdated"
    # a forecast that names no announcement and no start date stays unchecked
    text = "Exporters abroad will need Chinese licences for goods made with rare earths."
    assert all(v.verdict == "opinion" for v in verdicts(text, lexicon, facts, LICENSING_2025))


# -- 4. elements added to the control list, suspended after the article ------------------
OCTOBER = (
    "The October package also adds holmium, erbium, thulium, europium and ytterbium to the "
    "control list, on top of the seven medium and heavy rare earths that have needed "
    "licences since April."
)


def test_elements_added_and_suspended_after_the_article_are_outdated(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # events 2025-10-09 (vbw_2025_10_24): No.57 adds five elements;
    # events 2025-11-07 (chemradar_ann70): No.70 suspends them
    added = events(session_store, summary="Announcement No.57").iloc[0]
    ann70 = events(session_store, summary="Announcement No.70 suspends").iloc[0]
    elements = set(str(added["elements_affected"]).split(";"))
    assert elements <= set(str(ann70["elements_affected"]).split(";"))
    v = one(OCTOBER, lexicon, facts, LICENSING_2025)
    assert {e.key for e in v.claim.entities if e.kind == "element"} == elements
    assert v.verdict == "outdated", v.explanation  # was: unverifiable
    cited = [e.source_id for e in v.evidence]
    assert added["source_id"] in cited and ann70["source_id"] in cited
    # written after the suspension: the package did add them; never contradicted
    after = one(OCTOBER, lexicon, facts, dt.date(2025, 12, 1))
    assert after.verdict == "supported", after.explanation
    assert ann70["date"] in after.explanation


def test_a_past_addition_stays_supported(lexicon: Lexicon, facts: FactBase) -> None:
    text = "In October 2025 China added holmium and erbium to its export control list."
    v = one(text, lexicon, facts, LICENSING_2025)
    assert v.verdict == "supported", v.explanation
