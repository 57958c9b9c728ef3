"""Bloc demand shares (issue 12): every bloc but China runs, with a share that adds up.

The baseline scenario gives each bloc of derisk.vocabulary a share of world magnet
rare-earth demand, and China its own share (`demand.china_share`). The checks here:
every share is cited or labelled as an assumption, every source id an assumption's
derivation names is in the store, the blocs that share no member plus China never exceed
the whole world, a bloc made of other blocs (ALLIES) spans exactly the sum of its parts,
and the forecast runs for each bloc. Bloc codes come from derisk.vocabulary and member
lists from the store's bloc_members table, never written out here (docs/METHODS.md,
"Bloc demand shares").
"""

from __future__ import annotations

import re

import pytest

from derisk import vocabulary
from derisk.data.store import Store
from derisk.forecast.run import forecast
from derisk.forecast.scenario import MAGNET_ELEMENTS, Dist, load_scenario

#: China's bloc: it has `demand.china_share` instead of a bloc share.
CHINA = "CN"
#: Slack for sums of decimal bounds written in YAML.
TOLERANCE = 1e-9
#: A word that looks like a source id: letters and digits with _ . - inside.
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*[A-Za-z0-9]")


def _looks_like_id(word: str) -> bool:
    """A source id such as GUYONNET2015, COURAGE_FAQ, RIZINIA or adamas-2021-japan.

    At least three letters, and a digit or an underscore, or an upper-case word of five
    letters or more. Bloc codes (EU27) and shorter words (REO, IEA, 2024) do not count.
    """
    if word in vocabulary.BLOC_CODES or sum(c.isalpha() for c in word) < 3:
        return False
    if any(c.isdigit() for c in word) or "_" in word:
        return True
    return word.isalpha() and word.isupper() and len(word) >= 5


def cited_ids(source: str) -> list[str]:
    """The words of a source text that look like source ids (a path's file name aside)."""
    words = _WORD.findall(source.replace("docs/METHODS.md", ""))
    return [w for w in words if _looks_like_id(w)]


def bounds(dist: Dist) -> tuple[float, float]:
    """The smallest and largest value a share can take."""
    if dist.dist == "fixed":
        return dist.value, dist.value
    if dist.dist in ("uniform", "triangular"):
        return dist.low, dist.high
    pytest.fail(f"a demand share needs bounds (fixed, uniform or triangular), not {dist.dist}")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def members(session_store: Store) -> dict[str, frozenset[str]]:
    table = session_store.table("bloc_members")
    return {bloc: frozenset(rows["country"]) for bloc, rows in table.groupby("bloc") if len(rows)}


@pytest.fixture(scope="module")
def known_sources(session_store: Store) -> set[str]:
    return set(session_store.table("sources")["source_id"])


def shared_blocs() -> list[str]:
    return [b for b in vocabulary.BLOC_CODES if b != CHINA]


def composite_blocs(members: dict[str, frozenset[str]]) -> dict[str, list[str]]:
    """Each bloc that contains other blocs whole (ALLIES), with the blocs it contains."""
    found = {}
    for bloc in shared_blocs():
        parts = [
            other
            for other in shared_blocs()
            if other != bloc and members[other] and members[other] <= members[bloc]
        ]
        if parts:
            found[bloc] = parts
    return found


def test_every_bloc_but_china_has_a_share_and_china_has_its_own(scenario) -> None:
    missing = [b for b in shared_blocs() if b not in scenario.demand.bloc_share]
    assert not missing, f"blocs without a demand share: {missing}"
    assert scenario.demand.china_share is not None
    for dist in (*scenario.demand.bloc_share.values(), scenario.demand.china_share):
        low, high = bounds(dist)
        assert 0 < low <= high < 1, dist


def test_every_share_is_cited_or_says_assumption(scenario, known_sources) -> None:
    shares = {**scenario.demand.bloc_share, "china_share": scenario.demand.china_share}
    for name, dist in shares.items():
        text = dist.source.strip()
        assert text, name
        if not text.startswith("assumption"):
            assert text in known_sources, (name, text)


def test_ids_in_derivations_exist_in_the_store(scenario, members, known_sources) -> None:
    composite = composite_blocs(members)
    shares = {**scenario.demand.bloc_share, "china_share": scenario.demand.china_share}
    for name, dist in shares.items():
        if not dist.source.startswith("assumption"):
            continue
        cited = cited_ids(dist.source)
        if dist.source.startswith("assumption: derived") and name not in composite:
            # A bloc of blocs is derived from its parts' shares, not from figures.
            assert cited, (name, "a derivation names the source ids of its figures")
        unknown = [c for c in cited if c not in known_sources]
        assert not unknown, (name, unknown)


def test_the_id_finder_reads_the_usual_forms() -> None:
    text = (
        "assumption: derived, GUYONNET2015 EU27 Nd 1,230 t (2010) / 98,200 t (CHINAORG2013) "
        "x 29-32.5 wt% RE (COURAGE_FAQ), RIZINIA, adamas-2021-japan; REO, IEA; see "
        "docs/METHODS.md"
    )
    assert cited_ids(text) == [
        "GUYONNET2015", "CHINAORG2013", "COURAGE_FAQ", "RIZINIA", "adamas-2021-japan",
    ]  # fmt: skip


def test_disjoint_blocs_and_china_fit_in_the_world(scenario, members) -> None:
    composite = composite_blocs(members)
    atoms = [b for b in shared_blocs() if b not in composite]
    for i, a in enumerate(atoms):
        for b in atoms[i + 1 :]:
            assert not members[a] & members[b], f"{a} and {b} share members"
        assert not members[a] & members.get(CHINA, frozenset()), a
    highs = sum(bounds(scenario.demand.bloc_share[b])[1] for b in atoms)
    china_low = bounds(scenario.demand.china_share)[0]
    assert highs + china_low <= 1 + TOLERANCE, (highs, china_low)
    # China's share and each bloc's share can both be true at once.
    china_high = bounds(scenario.demand.china_share)[1]
    lows = sum(bounds(scenario.demand.bloc_share[b])[0] for b in atoms)
    assert lows + china_high <= 1 + TOLERANCE


def test_a_bloc_of_blocs_spans_the_sum_of_its_parts(scenario, members) -> None:
    composite = composite_blocs(members)
    assert composite, "the vocabulary has a bloc made of other blocs (the allies)"
    china_low = bounds(scenario.demand.china_share)[0]
    for bloc, parts in composite.items():
        parts = [p for p in parts if not any(p != q and members[p] <= members[q] for q in parts)]
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                assert not members[a] & members[b], (bloc, a, b)
        low, high = bounds(scenario.demand.bloc_share[bloc])
        part_low = sum(bounds(scenario.demand.bloc_share[p])[0] for p in parts)
        part_high = sum(bounds(scenario.demand.bloc_share[p])[1] for p in parts)
        covered = frozenset().union(*(members[p] for p in parts))
        if covered == members[bloc]:  # exactly its parts: exactly their sum
            assert low == pytest.approx(part_low) and high == pytest.approx(part_high), bloc
        else:  # more members than its parts: at least their sum
            assert low >= part_low - TOLERANCE and high >= part_high - TOLERANCE, bloc
        assert high + china_low <= 1 + TOLERANCE, bloc


@pytest.mark.parametrize("bloc", shared_blocs())
def test_each_bloc_runs_with_positive_demand(session_store: Store, scenario, bloc) -> None:
    ds = forecast(session_store, scenario, bloc=bloc, draws=20, seed=1)
    assert ds.attrs["bloc"] == bloc
    magnet = [e for e in MAGNET_ELEMENTS if e in set(ds["element"].values)]
    assert magnet
    demand = ds["demand"].sel(element=magnet)
    assert float(demand.min()) >= 0
    assert float(demand.sum()) > 0
