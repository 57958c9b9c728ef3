"""The embedded DuckDB store: curated rows from the package, user rows from imports.

Design choices, and why:
- Every row carries ``origin`` ('curated' or 'user'). Rebuilding deletes and
  reloads only curated rows, so a user's rows survive upgrades of the dataset.
- Each write is one DuckDB transaction: a failed validation never reaches the
  database, and a process killed mid-write leaves the last committed state
  (DuckDB's write-ahead log discards the unfinished transaction).
- Connections are short-lived. Reads open the file read-only, so many readers
  can work at once; a writer waits (up to ``lock_timeout``) for readers to finish.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from derisk.data.schema import REFERENCE_TABLES, TABLES, TableSpec, spec
from derisk.data.validate import (
    Lookups,
    check_header,
    key_of,
    read_csv_file,
    validate_records,
    validate_tables,
)
from derisk.errors import InputError, StoreError

CURATED_DIR = Path(__file__).with_name("curated")
SCHEMA_VERSION = "1"
_DUCK_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN"}
_ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


def default_db_path() -> Path:
    """$DERISK_DB, else the platform's per-user data directory."""
    env = os.environ.get("DERISK_DB")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "derisk" / "derisk.duckdb"


@dataclass(frozen=True)
class ImportReport:
    import_id: int
    table: str
    file: str
    rows: int


def _arrow_table(
    table: TableSpec, rows: list[dict], origin: str, import_id: int | None
) -> pa.Table:
    fields = [pa.field(c.name, _ARROW_TYPES[c.kind]) for c in table.all_columns]
    fields += [pa.field("origin", pa.string()), pa.field("import_id", pa.int64())]
    records = [{**r, "origin": origin, "import_id": import_id} for r in rows]
    return pa.Table.from_pylist(records, schema=pa.schema(fields))


def packaged_version(curated_dir: Path = CURATED_DIR) -> str:
    """The dataset version shipped in this package (from the curated manifest)."""
    return str(json.loads((curated_dir / "manifest.json").read_text())["dataset_version"])


def load_curated(curated_dir: Path = CURATED_DIR) -> dict[str, list[dict]]:
    """Read and validate the packaged CSVs (the same checks a user import gets)."""
    raw: dict[str, list[dict]] = {}
    for table in TABLES:
        path = curated_dir / f"{table.name}.csv"
        header, records = read_csv_file(path)
        check_header(table, header, str(path))
        raw[table.name] = records
    return validate_tables(raw, origin_label=str(curated_dir))


class Store:
    """A DuckDB file holding the dataset; open it with :meth:`Store.open`."""

    def __init__(self, path: Path, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    @classmethod
    def open(cls, path: str | Path | None = None, *, build: bool = True) -> Store:
        """Open (and on first use build) the store at ``path`` or the default location."""
        store = cls(Path(path) if path else default_db_path())
        if build and (not store.exists() or store.is_stale()):
            store.build()
        return store

    def is_stale(self) -> bool:
        """True when the store was built from another dataset or schema version than ours.

        An upgraded derisk then refreshes the curated rows on first use; user rows stay.
        """
        meta = self.meta()
        return (
            meta.get("dataset_version") != packaged_version()
            or meta.get("schema_version") != SCHEMA_VERSION
        )

    def exists(self) -> bool:
        if not self.path.exists():
            return False
        with self.connect(read_only=True) as con:
            return bool(
                con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = '_meta'"
                ).fetchall()[0][0]
            )

    # -- connections ---------------------------------------------------------
    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}; run `derisk data build` first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as err:
                if "lock" not in str(err).lower() or time.monotonic() > deadline:
                    raise StoreError(f"cannot open store {self.path}: {err}") from None
                time.sleep(0.05)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
            con.execute("CHECKPOINT")

    # -- build ---------------------------------------------------------------
    def build(self, curated_dir: Path = CURATED_DIR) -> dict[str, int]:
        """Load the curated dataset; idempotent, and user rows are kept."""
        tables = load_curated(curated_dir)
        version = packaged_version(curated_dir)
        with self._transaction() as con:
            self._ensure_meta(con)
            for table in TABLES:
                user_rows = self._ensure_table(con, table)
                con.execute(f"DELETE FROM \"{table.name}\" WHERE origin = 'curated'")
                self._insert(con, table, tables[table.name], "curated", None)
                if user_rows is not None and len(user_rows):
                    self._reinsert_user_rows(con, table, user_rows)
            for key, value in {
                "schema_version": SCHEMA_VERSION,
                "dataset_version": version,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }.items():
                con.execute("INSERT OR REPLACE INTO _meta VALUES (?, ?)", [key, value])
        return {name: len(rows) for name, rows in tables.items()}

    @staticmethod
    def _ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute(
            "CREATE TABLE IF NOT EXISTS _imports (import_id BIGINT PRIMARY KEY, "
            "table_name VARCHAR, file VARCHAR, sha256 VARCHAR, rows BIGINT, imported_at VARCHAR)"
        )

    @staticmethod
    def _ensure_table(con: duckdb.DuckDBPyConnection, table: TableSpec) -> pd.DataFrame | None:
        """Create the table; if its columns changed, keep its user rows for re-insertion."""
        wanted = table.column_names + ["origin", "import_id"]
        existing = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [table.name],
            ).fetchall()
        ]
        user_rows = None
        if existing and existing != wanted:
            user_rows = con.execute(f"SELECT * FROM \"{table.name}\" WHERE origin = 'user'").df()
            con.execute(f'DROP TABLE "{table.name}"')
            existing = []
        if not existing:
            cols = ", ".join(f'"{c.name}" {_DUCK_TYPES[c.kind]}' for c in table.all_columns)
            con.execute(
                f'CREATE TABLE "{table.name}" ({cols}, origin VARCHAR NOT NULL, import_id BIGINT)'
            )
        return user_rows

    def _reinsert_user_rows(
        self, con: duckdb.DuckDBPyConnection, table: TableSpec, frame: pd.DataFrame
    ) -> None:
        lookups = self._lookups(con)
        keep = [c for c in table.column_names if c in frame.columns]
        records = frame[keep].astype(object).where(frame[keep].notna(), None).to_dict("records")
        rows = validate_records(table.name, records, lookups, file=f"store:{table.name}")
        for import_id, group in frame.groupby("import_id", dropna=False):
            idx = group.index - frame.index[0]
            self._insert(
                con,
                table,
                [rows[i] for i in idx],
                "user",
                None if pd.isna(import_id) else int(import_id),
            )

    @staticmethod
    def _insert(
        con: duckdb.DuckDBPyConnection,
        table: TableSpec,
        rows: list[dict],
        origin: str,
        import_id: int | None,
    ) -> None:
        if not rows:
            return
        arrow = _arrow_table(table, rows, origin, import_id)
        con.register("_incoming", arrow)
        try:
            con.execute(f'INSERT INTO "{table.name}" SELECT * FROM _incoming')
        finally:
            con.unregister("_incoming")

    # -- reading -------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        with self.connect() as con:
            return dict(con.execute("SELECT key, value FROM _meta").fetchall())

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """Run a read-only query; the connection cannot write, whatever the SQL says."""
        with self.connect(read_only=True) as con:
            return con.execute(query, params or []).df()

    def table(
        self, name: str, include_user: bool = True, filters: dict[str, object] | None = None
    ) -> pd.DataFrame:
        """A table as a DataFrame; user rows replace curated rows with the same key."""
        table = spec(name)
        where, params = _where(table, filters or {})
        if not include_user:
            query = f"SELECT * FROM \"{name}\" WHERE origin = 'curated'{where}"
        else:
            same_key = " AND ".join(f'u."{k}" IS NOT DISTINCT FROM c."{k}"' for k in table.key)
            query = (
                f"SELECT * FROM (SELECT * FROM \"{name}\" u WHERE origin = 'user' UNION ALL "
                f"SELECT * FROM \"{name}\" c WHERE origin = 'curated' AND NOT EXISTS "
                f"(SELECT 1 FROM \"{name}\" u WHERE u.origin = 'user' AND {same_key})) "
                f"WHERE TRUE{where}"
            )
        return self.sql(query, params)

    def info(self) -> pd.DataFrame:
        """Tables, row counts by origin, and year/country coverage."""
        records = []
        with self.connect() as con:
            for table in TABLES:
                counts = dict(
                    con.execute(
                        f'SELECT origin, count(*) FROM "{table.name}" GROUP BY origin'
                    ).fetchall()
                )
                coverage = []
                if table.year_columns:
                    col = table.year_columns[0]
                    lo, hi = con.execute(
                        f'SELECT min("{col}"), max("{col}") FROM "{table.name}"'
                    ).fetchall()[0]
                    if lo is not None:
                        coverage.append(f"{col} {lo}-{hi}")
                if "country" in table.column_names:
                    n = con.execute(
                        f'SELECT count(DISTINCT country) FROM "{table.name}"'
                    ).fetchall()[0][0]
                    coverage.append(f"{n} countries")
                records.append(
                    {
                        "table": table.name,
                        "curated_rows": counts.get("curated", 0),
                        "user_rows": counts.get("user", 0),
                        "coverage": ", ".join(coverage),
                        "description": table.description,
                    }
                )
        return pd.DataFrame.from_records(records)

    def sources(self, source_ids: list[str] | None = None) -> pd.DataFrame:
        frame = self.table("sources")
        if source_ids:
            wanted = {p.strip() for s in source_ids for p in s.split(";")}
            missing = wanted - set(frame["source_id"])
            if missing:
                raise InputError(
                    "unknown source id",
                    column="source_id",
                    expected="an id in the sources table",
                    found=", ".join(sorted(missing)),
                )
            frame = frame[frame["source_id"].isin(wanted)]
        return frame.reset_index(drop=True)

    # -- user rows -----------------------------------------------------------
    def _lookups(self, con: duckdb.DuckDBPyConnection) -> Lookups:
        def ids(query: str) -> set[str]:
            return {r[0] for r in con.execute(query).fetchall()}

        return Lookups(
            sources=ids("SELECT source_id FROM sources"),
            countries=ids("SELECT code FROM countries"),
            elements=ids("SELECT symbol FROM elements"),
        )

    def import_file(self, file: str | Path, table_name: str) -> ImportReport:
        """Validate a CSV against the table's schema and add it as user rows, all or nothing."""
        path = Path(file)
        table = spec(table_name)
        header, records = read_csv_file(path)
        check_header(table, header, str(path))
        if "origin" in header and any(r.get("origin", "user") not in ("", "user") for r in records):
            raise InputError(
                "imported rows are always user rows",
                file=str(path),
                column="origin",
                expected="user or empty",
                found="curated",
            )
        if not self.exists():
            self.build()
        with self._transaction() as con:
            lookups = self._lookups(con)
            existing = con.execute(f"SELECT * FROM \"{table.name}\" WHERE origin = 'user'").df()
            existing_keys = {
                key_of(table, r)
                for r in existing.astype(object).where(existing.notna(), None).to_dict("records")
            }
            rows = validate_records(
                table.name, records, lookups, file=str(path), existing_keys=existing_keys
            )
            import_id = con.execute(
                "SELECT coalesce(max(import_id), 0) + 1 FROM _imports"
            ).fetchall()[0][0]
            self._insert(con, table, rows, "user", import_id)
            con.execute(
                "INSERT INTO _imports VALUES (?, ?, ?, ?, ?, ?)",
                [
                    import_id,
                    table.name,
                    str(path.resolve()),
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                    len(rows),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ],
            )
        return ImportReport(import_id, table.name, str(path), len(rows))

    def imports(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM _imports ORDER BY import_id")

    def remove_import(self, import_id: int) -> int:
        """Delete the rows of one import; refuses if other user rows still cite its sources."""
        with self._transaction() as con:
            found = con.execute(
                "SELECT table_name FROM _imports WHERE import_id = ?", [import_id]
            ).fetchall()
            if not found:
                raise InputError(
                    "no such import",
                    column="import_id",
                    expected="an id listed by `derisk data imports`",
                    found=str(import_id),
                )
            table_name = found[0][0]
            if table_name in REFERENCE_TABLES:
                self._refuse_if_referenced(con, table_name, import_id)
            n = con.execute(
                f'SELECT count(*) FROM "{table_name}" WHERE import_id = ?', [import_id]
            ).fetchall()[0][0]
            con.execute(f'DELETE FROM "{table_name}" WHERE import_id = ?', [import_id])
            con.execute("DELETE FROM _imports WHERE import_id = ?", [import_id])
        return int(n)

    @staticmethod
    def _refuse_if_referenced(
        con: duckdb.DuckDBPyConnection, table_name: str, import_id: int
    ) -> None:
        key = {"sources": "source_id", "countries": "code", "elements": "symbol"}.get(table_name)
        if key is None:
            return
        ids = {
            r[0]
            for r in con.execute(
                f'SELECT "{key}" FROM "{table_name}" WHERE import_id = ?', [import_id]
            ).fetchall()
        }
        for other in TABLES:
            if other.name == table_name:
                continue
            col = {"sources": "source_id", "countries": "country", "elements": "element"}[
                table_name
            ]
            if col not in other.column_names:
                continue
            used = {
                r[0]
                for r in con.execute(
                    f'SELECT DISTINCT "{col}" FROM "{other.name}" WHERE origin = \'user\''
                ).fetchall()
            }
            if ids & used:
                raise InputError(
                    f"rows in {other.name} still refer to this import's {table_name}",
                    column=col,
                    expected="remove those imports first",
                    found=", ".join(sorted(ids & used)),
                )

    def export(
        self,
        name: str,
        fmt: str,
        out: str | Path | None = None,
        include_user: bool = True,
        filters: dict[str, object] | None = None,
    ) -> str | None:
        """Write a table as csv, parquet or json; returns the text when ``out`` is None."""
        frame = self.table(name, include_user=include_user, filters=filters)
        if fmt == "csv":
            text = frame.to_csv(index=False)
        elif fmt == "json":
            text = frame.to_json(orient="records", indent=1)
        elif fmt == "parquet":
            if out is None:
                raise InputError("parquet is binary: give --out FILE", column="--out")
            frame.to_parquet(out, index=False)
            return None
        else:
            raise InputError(
                "unknown export format",
                column="--format",
                expected="csv, parquet or json",
                found=fmt,
            )
        if out is None:
            return text
        Path(out).write_text(text, encoding="utf-8")
        return None


def _where(table: TableSpec, filters: dict[str, object]) -> tuple[str, list]:
    clauses, params = [], []
    for column, value in filters.items():
        if column not in table.column_names + ["origin"]:
            raise InputError(
                f"unknown column for table {table.name}",
                column=column,
                expected=", ".join(table.column_names),
                found=column,
            )
        clauses.append(f'CAST("{column}" AS VARCHAR) = ?')
        params.append(str(value))
    return ("".join(f" AND {c}" for c in clauses), params)
