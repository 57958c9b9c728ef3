"""Bloc names: one place that turns what a user types (EU, Japan, us) into a bloc code."""

from __future__ import annotations

from derisk.errors import InputError

ALIASES = {"EU": "EU27", "JAPAN": "JP", "USA": "US", "KOREA": "KR", "UNITED KINGDOM": "UK"}


def blocs(store: object) -> list[str]:
    members = store.table("bloc_members")  # type: ignore[attr-defined]
    return sorted(members["bloc"].unique())


def resolve_bloc(store: object, bloc: str) -> str:
    """The stored bloc code for a user's spelling; an error lists the known blocs."""
    wanted = ALIASES.get(bloc.upper(), bloc.upper())
    known = blocs(store)
    for code in known:
        if code.upper() == wanted:
            return code
    raise InputError("unknown bloc", column="--bloc", expected=" | ".join(known), found=bloc)
