"""Errors that name the problem precisely.

Every error a user can trigger with bad input says where (file, row, column) and
what was expected against what was found, so that a data steward can fix the
file without reading our code.
"""

from __future__ import annotations


class DeriskError(Exception):
    """Base class so the CLI can turn any of our errors into a clean exit code."""


class InputError(DeriskError, ValueError):
    """Bad input from a file or a parameter; the store is never touched when raised."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.row is not None:
                where += f":{self.row}"
            where += ": "
        elif self.row is not None:
            where = f"row {self.row}: "
        if self.column is not None:
            where += f"{self.column}: "
        detail = []
        if self.expected is not None:
            detail.append(f"expected {self.expected}")
        if self.found is not None:
            detail.append(f"found {self.found!r}")
        tail = f" ({', '.join(detail)})" if detail else ""
        return f"{where}{self.message}{tail}"


class StoreError(DeriskError):
    """The store cannot be opened or written (missing, locked, wrong version)."""
