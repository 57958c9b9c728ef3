"""Chokepoints: regression tests."""

from __future__ import annotations

import pytest

from derisk.diagnose.chokepoints import chokepoints
from derisk.errors import InputError


def test_a_year_before_any_share_is_a_clear_error(session_store) -> None:
    """Issue 6: a year before the data once ended in a pandas traceback."""
    with pytest.raises(InputError, match="no China share on record by that year"):
        chokepoints(session_store, bloc="US", year=1990)
