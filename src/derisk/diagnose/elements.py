"""Which figures describe an element: its own group, not a neighbour's.

A share for "magnet rare earths" is dominated by neodymium and praseodymium; quoting it
on dysprosium's page would tell a reader that China's grip on Dy is Nd's. So an element
is shown with figures for itself first, then for its own group: heavy rare earths for
Dy and Tb, the magnet group for Nd and Pr, the light group for La and Ce. Promethium
does not occur in ores (the reference's element note says so) and is shown as not mined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derisk.errors import InputError
from derisk.vocabulary import ELEMENT_CLASSES, GROUP_TERMS, groups_of

#: Most specific group first (groups.json precedence); all rare earths last.
_PRECEDENCE = {g.code: g.precedence or 99 for g in GROUP_TERMS if g.code}
_NOT_IN_ORE = re.compile(r"does not occur naturally", re.IGNORECASE)


@dataclass(frozen=True)
class ElementScope:
    """The groups whose figures describe an element, most specific first."""

    symbol: str
    own_group: str | None
    groups: tuple[str, ...]
    mined: bool
    note: str


def element_scope(store: object, symbol: str) -> ElementScope:
    """The figure groups for one element (an InputError names unknown symbols)."""
    elements = store.table("elements")  # type: ignore[attr-defined]
    match = elements[elements["symbol"].str.lower() == symbol.strip().lower()]
    if match.empty:
        raise InputError(
            "unknown element",
            column="element",
            expected=", ".join(elements["symbol"]),
            found=symbol,
        )
    el = match.iloc[0]
    sym, group, magnet = str(el["symbol"]), str(el["ree_group"]), bool(el["magnet_ree"])
    mined = not _NOT_IN_ORE.search(str(el.get("note", "") or ""))
    if not mined:
        return ElementScope(sym, group, (), False, f"{el['name']} does not occur in ores: "
                            "it is not mined and no stage share applies")  # fmt: skip
    if group == "HREE":
        groups: tuple[str, ...] = (sym, group)
        note = (
            f"{sym} is a heavy rare earth: shares for all rare earths or the magnet group "
            "are dominated by light elements (La, Ce, Nd, Pr) and are not shown as its figures"
        )
    elif group in ELEMENT_CLASSES:
        groups = (sym, *sorted(groups_of(sym, group, magnet), key=_PRECEDENCE.get))
        note = f"{sym} is a light rare earth" + (" and a magnet rare earth" if magnet else "")
    else:
        groups = (sym,)
        note = f"{sym} is outside the light/heavy grouping; only figures for {sym} apply"
    return ElementScope(sym, group if group in ELEMENT_CLASSES else None, groups, True, note)
