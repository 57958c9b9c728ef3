"""Blocs from the store: turns what a user types (EU, Japan, us) into a `Bloc`.

The names, regions and spellings of blocs are vocabulary (derisk.vocabulary); the
members are the store's bloc_members rows, curated and user-imported alike, so a
user who imports rows for 'ALLIES' changes what every layer means by it.
"""

from __future__ import annotations

from derisk.errors import InputError
from derisk.vocabulary import BLOC_USER_ALIASES, Bloc, blocs_from_rows

#: A spelling a user may type, upper case -> bloc code (kept under its old name).
ALIASES = BLOC_USER_ALIASES


def bloc_pairs(store: object) -> list[tuple[str, str]]:
    """Every (bloc, country) row of the store's bloc_members table, curated and user."""
    members = store.table("bloc_members")  # type: ignore[attr-defined]
    return list(zip(members["bloc"].astype(str), members["country"].astype(str), strict=True))


def blocs(store: object) -> list[str]:
    """The codes of every bloc in the store, sorted."""
    return sorted({bloc for bloc, _ in bloc_pairs(store)})


def bloc_objects(store: object) -> dict[str, Bloc]:
    """Every bloc in the store with its members, in the order bloc_members lists them."""
    return blocs_from_rows(bloc_pairs(store))


def resolve_bloc(store: object, bloc: str) -> str:
    """The stored bloc code for a user's spelling; an error lists the known blocs."""
    wanted = ALIASES.get(bloc.upper(), bloc.upper())
    known = blocs(store)
    for code in known:
        if code.upper() == wanted:
            return code
    raise InputError("unknown bloc", column="--bloc", expected=" | ".join(known), found=bloc)


def bloc_of(store: object, bloc: str) -> Bloc:
    """The `Bloc` a user's spelling names, members from the store; unknown: InputError."""
    return Bloc.from_rows(resolve_bloc(store, bloc), bloc_pairs(store))
