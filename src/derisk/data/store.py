"""The embedded DuckDB store: curated rows from the package, user rows from imports.

Design choices, and why:
- Every row carries ``origin`` ('curated' or 'user'). Rebuilding deletes and
  reloads only curated rows, so a user's rows survive upgrades of the dataset.
- Each write is one DuckDB transaction: a failed validation never reaches the
  database, and a process killed mid-write leaves the last committed state
  (DuckDB's write-ahead log discards the unfinished transaction).
- Connections are short-lived. Reads open the file read-only, so many readers
  can work at once; a writer waits (up to ``lock_timeout``) for readers to finish.
- Faults are named, never hidden: a damaged file is reported with the steps to
  recover and is never overwritten or deleted; a full disk or a missing permission
  gives one line naming the path and the cause, and says whether the change landed.
- A store opened read-only (``read_only=True`` or ``DERISK_READ_ONLY=1``) refuses every
  write before touching the file, so a shared server cannot be altered through it.
- SQL text is built only from names in the schema (``_ident``); every value a user
  supplies travels as a parameter. Connections run with DuckDB's external access off,
  so even :meth:`Store.sql` cannot read or write files other than the store.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shlex
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from derisk.data.schema import REFERENCE_TABLES, TABLES, TableSpec, spec
from derisk.data.validate import (
    Lookups,
    check_header,
    key_of,
    os_cause,
    read_csv_file,
    read_import_file,
    shorten,
    validate_records,
    validate_tables,
)
from derisk.errors import DeriskError, InputError, StoreError

CURATED_DIR = Path(__file__).with_name("curated")
SCHEMA_VERSION = "1"
#: Set to 1 (or true/yes/on) to open every store read-only, whatever the caller asks.
READ_ONLY_ENV = "DERISK_READ_ONLY"
_DUCK_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN"}
_ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
#: No file access beyond the store itself: no COPY TO, read_csv, ATTACH or INSTALL.
_DUCK_CONFIG = {"enable_external_access": False}
#: Texts DuckDB uses when the file's bytes are not a sound database.
_DAMAGE_MARKERS = (
    "not a valid duckdb database file",
    "could not read enough bytes",
    "corrupt database file",
    "checksum",
)
#: OS causes (as :func:`os_cause` words them) that mean "the disk or the permissions",
#: not a problem in derisk or in the data.
_OS_FAULTS = (
    "no space left on device",
    "permission denied",
    "read-only file system",
    "disk quota exceeded",
    "file too large",
    "input/output error",
)
#: Identifiers that may appear in SQL text: the schema's tables and columns, and ours.
_BOOKKEEPING = ("_meta", "_imports", "origin", "import_id")
_IDENTIFIERS = frozenset(
    [t.name for t in TABLES] + [c.name for t in TABLES for c in t.all_columns] + list(_BOOKKEEPING)
)
#: Files whose every block was read without error, by path -> (size, mtime) signature.
_VERIFIED: dict[str, tuple] = {}


def read_only_from_env() -> bool:
    """True when DERISK_READ_ONLY asks for read-only stores (1, true, yes or on)."""
    return os.environ.get(READ_ONLY_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


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


def _ident(name: str) -> str:
    """Quote a table or column name for SQL text, but only one the schema declares.

    Values always travel as parameters; names cannot, so this is the one gate through
    which text reaches a query. A name from anywhere else (a user's filter, a tampered
    import log) is refused rather than quoted.
    """
    if name not in _IDENTIFIERS:
        raise StoreError(f"refusing to use {shorten(name, 80)!r} in SQL: not a name in the schema")
    return f'"{name}"'


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return shorten(text.splitlines()[0] if text else type(err).__name__, 300)


def _is_lock(err: BaseException) -> bool:
    """Another process holds the file. Matched on DuckDB's own words, not on "lock" alone:
    a damaged file's "checksum ... in block at ..." would otherwise be retried for
    ``lock_timeout`` seconds before being reported."""
    text = str(err).lower()
    return not _is_damage(err) and ("could not set lock" in text or "conflicting lock" in text)


def _is_damage(err: BaseException) -> bool:
    text = str(err).lower()
    return isinstance(err, duckdb.SerializationException) or any(
        marker in text for marker in _DAMAGE_MARKERS
    )


def _os_fault(err: BaseException) -> str | None:
    """The cause, when ``err`` is a disk or permission failure; else None."""
    cause = os_cause(err)
    return cause if cause in _OS_FAULTS else None


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


# -- exports: write whole files or nothing --------------------------------------------------
def _create(path: Path, mode: int) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_atomically(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` whole, or leave whatever was there untouched.

    The bytes go to a temporary file in the same folder, are flushed to disk, and only
    then replace the target (``os.replace`` is atomic within a file system). A full disk
    or a refused permission therefore never leaves a half-written export, nor destroys
    the previous one. Devices and pipes (``/dev/stdout``) cannot be replaced and hold
    nothing to protect, so they are written directly.
    """
    name = str(path)
    target = Path(os.path.realpath(path))
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise InputError(f"cannot write the export: {os_cause(err)}", file=name) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError("is a folder", file=name, expected="a file path for --out")
    if info is not None and not stat.S_ISREG(info.st_mode):
        try:
            fd = os.open(target, os.O_WRONLY)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
        except OSError as err:
            raise InputError(f"cannot write the export: {os_cause(err)}", file=name) from None
        return
    if not target.parent.is_dir():
        raise InputError(
            "cannot write the export: the folder does not exist",
            file=name,
            expected=f"an existing folder {target.parent}",
        )
    temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    created = False
    try:
        fd = _create(temp, 0o666)
        created = True
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if info is not None:
            os.chmod(temp, stat.S_IMODE(info.st_mode))
        os.replace(temp, target)
    except OSError as err:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        kept = "the previous file is unchanged" if info is not None else "nothing was written"
        raise InputError(f"cannot write the export: {os_cause(err)}; {kept}", file=name) from None
    with contextlib.suppress(OSError):  # make the rename itself durable where we can
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Store:
    """A DuckDB file holding the dataset; open it with :meth:`Store.open`."""

    def __init__(self, path: Path, lock_timeout: float = 30.0, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        #: DERISK_READ_ONLY wins over the caller: an operator's setting must not be undone.
        self.read_only = bool(read_only) or read_only_from_env()

    @classmethod
    def open(
        cls, path: str | Path | None = None, *, build: bool = True, read_only: bool = False
    ) -> Store:
        """Open (and on first use build) the store at ``path`` or the default location.

        The file is checked on open (every block read once per process and file version),
        so a damaged store is reported here, with recovery steps, not halfway through an
        analysis. A read-only store is never built or upgraded: a missing one is an error,
        an older dataset version is served as it is.
        """
        store = cls(Path(path) if path else default_db_path(), read_only=read_only)
        if store.read_only:
            store._check_read_only_usable()
        elif build and (not store.exists() or store.is_stale()):
            store.build()
        if store.path.exists():
            store.verify()
        return store

    def _check_read_only_usable(self) -> None:
        if not self.exists():
            raise StoreError(
                f"no store at {self.path}, and the store is read-only, so derisk will not "
                f"build one; run `derisk data build --db {shlex.quote(str(self.path))}` "
                f"first, not read-only (no --read-only, {READ_ONLY_ENV} unset)"
            )
        found = self.meta().get("schema_version")
        if found != SCHEMA_VERSION:
            raise StoreError(
                f"the store {self.path} has schema version {found}, this derisk needs "
                f"{SCHEMA_VERSION}, and the store is read-only, so derisk will not upgrade it; "
                "run `derisk data build` without read-only once"
            )

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

    # -- health ----------------------------------------------------------------------------
    def _signature(self) -> tuple | None:
        """Size and modification time of the file and its log: changes with every write."""
        try:
            db = self.path.stat()
        except OSError:
            return None
        try:  # the log comes and goes with writers in other processes
            wal = self.path.with_name(self.path.name + ".wal").stat()
            wal_sig: tuple | None = (wal.st_size, wal.st_mtime_ns)
        except OSError:
            wal_sig = None
        return (db.st_size, db.st_mtime_ns, wal_sig)

    def verify(self) -> None:
        """Read every stored row once, so damage shows now and not mid-analysis.

        DuckDB checks a block's checksum only when it reads the block; a query that
        touches one table would miss damage in another. The full read costs a few
        hundredths of a second for the packaged dataset and is skipped while the file
        is unchanged since the last check in this process. Raises StoreError (damaged,
        with recovery steps).
        """
        key = str(self.path.resolve())
        signature = self._signature()
        if signature is None or _VERIFIED.get(key) == signature:
            return
        wanted = [t.name for t in TABLES] + ["_meta", "_imports"]
        with self._connect(read_only=True) as con:
            present = {
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                ).fetchall()
            }
            for name in wanted:
                if name in present:
                    # hash() needs every value of every column, so every block is read
                    # and checksummed, without turning the rows into Python objects.
                    con.execute(f"SELECT max(hash(COLUMNS(*))) FROM {_ident(name)}").fetchall()
        _VERIFIED[key] = signature

    def _mark_verified(self) -> None:
        """After our own committed write the file is sound; do not read it all again."""
        signature = self._signature()
        if signature is not None:
            _VERIFIED[str(self.path.resolve())] = signature

    def _damaged(self, err: BaseException) -> StoreError:
        """The error for a damaged file: what happened, that we left it, how to recover."""
        path = shlex.quote(str(self.path))
        wal = self.path.with_name(self.path.name + ".wal")
        move = f"mv {path} {shlex.quote(str(self.path) + '.damaged')}"
        if wal.exists():
            move += f" && mv {shlex.quote(str(wal))} {shlex.quote(str(wal) + '.damaged')}"
        return StoreError(
            f"the store {self.path} is damaged ({_first_line(err)}); derisk has not changed "
            f"it. To recover, move it aside (`{move}`) and run `derisk data build --db {path}`:"
            " the curated rows come back, but your own rows must be imported again from their"
            " source files (`derisk data imports` listed them, but that list is inside the"
            " damaged file; keep backups with"
            " `derisk data export TABLE --where origin=user --out FILE`)"
        )

    def _refuse_write(self, action: str) -> None:
        if self.read_only:
            why = f"{READ_ONLY_ENV}=1" if read_only_from_env() else "opened read-only"
            raise StoreError(
                f"the store is read-only ({why}): cannot {action}; {self.path} is unchanged"
            )

    # -- connections ---------------------------------------------------------
    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to a file checked for damage; errors become StoreErrors.

        The first connection to a file version in this process reads it whole
        (:meth:`verify`), so even a caller that never used :meth:`open` learns of damage
        before its query, and a writer never writes into a damaged file.
        """
        if not read_only:
            self._refuse_write("write to it")
        if self.path.exists():
            self.verify()
        with self._connect(read_only) as con:
            yield con

    @contextmanager
    def _connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            self._refuse_write("write to it")
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}; run `derisk data build` first")
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise StoreError(
                    f"cannot create the store's folder {self.path.parent}: "
                    "a part of the path is not a folder"
                ) from None
            except OSError as err:
                raise StoreError(
                    f"cannot create the store's folder {self.path.parent}: {os_cause(err)}"
                ) from None
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only, config=_DUCK_CONFIG)
                break
            except duckdb.Error as err:
                if _is_lock(err) and time.monotonic() <= deadline:
                    time.sleep(0.05)
                    continue
                raise self._open_failure(err, read_only) from None
        try:
            yield con
        except duckdb.Error as err:
            if _is_damage(err):
                raise self._damaged(err) from None
            raise
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()

    def _open_failure(self, err: duckdb.Error, read_only: bool) -> StoreError:
        if _is_damage(err):
            return self._damaged(err)
        purpose = "" if read_only else " for writing"
        cause = _os_fault(err)
        if cause is not None:
            return StoreError(f"cannot open store {self.path}{purpose}: {cause}")
        return StoreError(f"cannot open store {self.path}{purpose}: {_first_line(err)}")

    @contextmanager
    def _transaction(
        self,
        action: str,
        landed: Callable[[duckdb.DuckDBPyConnection], bool | None] | None = None,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """One all-or-nothing write. ``landed`` tells, after a failed commit, whether it held.

        DuckDB can fail after the commit reached the write-ahead log (a full disk while
        checkpointing); the change then survives. Asking the store afterwards lets the
        error say truthfully whether anything was saved.
        """
        self._refuse_write(action)
        failure: duckdb.Error | None = None
        with self.connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException as err:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                if isinstance(err, duckdb.Error) and not _is_damage(err):
                    raise self._write_failure(action, err, saved=False) from None
                raise
            try:
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            except duckdb.Error as err:
                failure = err
        if failure is not None:
            raise self._write_failure(action, failure, saved=self._landed(landed)) from None
        self._mark_verified()

    def _landed(
        self, landed: Callable[[duckdb.DuckDBPyConnection], bool | None] | None
    ) -> bool | None:
        if landed is None:
            return None
        try:
            with self.connect(read_only=True) as con:
                return landed(con)
        except (DeriskError, duckdb.Error):
            return None

    def _write_failure(self, action: str, err: duckdb.Error, saved: bool | None) -> StoreError:
        if _is_damage(err):
            return self._damaged(err)
        cause = _os_fault(err) or _first_line(err)
        if saved is True:
            wal = self.path.with_name(self.path.name + ".wal")
            return StoreError(
                f"{action}: done, but writing store {self.path} failed afterwards ({cause}): "
                f"the change is held in {wal} until DuckDB can merge it into the store file; "
                "fix the cause before writing again"
            )
        if saved is False:
            outcome = "nothing was changed, the store is as it was"
        else:
            outcome = (
                "it is not known whether the change was saved: check with "
                "`derisk data imports` and `derisk data info`"
            )
        return StoreError(f"cannot {action}: writing store {self.path} failed ({cause}); {outcome}")

    # -- build ---------------------------------------------------------------
    def build(self, curated_dir: Path = CURATED_DIR) -> dict[str, int]:
        """Load the curated dataset; idempotent, and user rows are kept."""
        self._refuse_write("build or refresh it")
        tables = load_curated(curated_dir)
        version = packaged_version(curated_dir)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        previous: list[str | None] = [None]

        def landed(con: duckdb.DuckDBPyConnection) -> bool | None:
            built = dict(con.execute("SELECT key, value FROM _meta").fetchall()).get("built_at")
            return None if stamp == previous[0] else built == stamp

        with self._transaction("build the store", landed) as con:
            self._ensure_meta(con)
            found = con.execute("SELECT value FROM _meta WHERE key = 'built_at'").fetchall()
            previous[0] = found[0][0] if found else None
            for table in TABLES:
                user_rows = self._ensure_table(con, table)
                con.execute(f"DELETE FROM {_ident(table.name)} WHERE origin = 'curated'")
                self._insert(con, table, tables[table.name], "curated", None)
                if user_rows is not None and len(user_rows):
                    self._reinsert_user_rows(con, table, user_rows)
            for key, value in {
                "schema_version": SCHEMA_VERSION,
                "dataset_version": version,
                "built_at": stamp,
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
        name = _ident(table.name)
        if existing and existing != wanted:
            user_rows = con.execute(f"SELECT * FROM {name} WHERE origin = 'user'").df()
            con.execute(f"DROP TABLE {name}")
            existing = []
        if not existing:
            cols = ", ".join(f"{_ident(c.name)} {_DUCK_TYPES[c.kind]}" for c in table.all_columns)
            con.execute(f"CREATE TABLE {name} ({cols}, origin VARCHAR NOT NULL, import_id BIGINT)")
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
            con.execute(f"INSERT INTO {_ident(table.name)} SELECT * FROM _incoming")
        finally:
            con.unregister("_incoming")

    # -- reading -------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        with self.connect() as con:
            return dict(con.execute("SELECT key, value FROM _meta").fetchall())

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """Run a read-only query for derisk's own modules; values go in ``params``.

        The connection cannot write to the store nor touch any other file, whatever the
        SQL says. Table and column names in ``query`` must come from the schema, never
        from a user: use :meth:`table` with ``filters`` for user-chosen columns.
        """
        with self.connect(read_only=True) as con:
            return con.execute(query, params or []).df()

    def table(
        self, name: str, include_user: bool = True, filters: dict[str, object] | None = None
    ) -> pd.DataFrame:
        """A table as a DataFrame; user rows replace curated rows with the same key.

        ``name`` and the filter columns may come from a user (CLI, web): both must be names
        in the schema, and filter values are bound as parameters.
        """
        table = spec(name)
        where, params = _where(table, filters or {})
        quoted = _ident(table.name)
        if not include_user:
            query = f"SELECT * FROM {quoted} WHERE origin = 'curated'{where}"
        else:
            same_key = " AND ".join(
                f"u.{_ident(k)} IS NOT DISTINCT FROM c.{_ident(k)}" for k in table.key
            )
            query = (
                f"SELECT * FROM (SELECT * FROM {quoted} u WHERE origin = 'user' UNION ALL "
                f"SELECT * FROM {quoted} c WHERE origin = 'curated' AND NOT EXISTS "
                f"(SELECT 1 FROM {quoted} u WHERE u.origin = 'user' AND {same_key})) "
                f"WHERE TRUE{where}"
            )
        return self.sql(query, params)

    def info(self, today: date | None = None) -> pd.DataFrame:
        """Tables, row counts by origin, year/country coverage and freshness.

        Freshness (latest data year, newest date of record, undated rows, stale) comes
        from derisk.data.record; reference tables have no date of record (blank there).
        """
        from derisk.data.record import freshness

        fresh = freshness(self, today).set_index("table")
        records = []
        with self.connect() as con:
            for table in TABLES:
                name = _ident(table.name)
                counts = dict(
                    con.execute(f"SELECT origin, count(*) FROM {name} GROUP BY origin").fetchall()
                )
                coverage = []
                if table.year_columns:
                    col = _ident(table.year_columns[0])
                    lo, hi = con.execute(f"SELECT min({col}), max({col}) FROM {name}").fetchall()[0]
                    if lo is not None:
                        coverage.append(f"{table.year_columns[0]} {lo}-{hi}")
                if "country" in table.column_names:
                    n = con.execute(f"SELECT count(DISTINCT country) FROM {name}").fetchall()[0][0]
                    coverage.append(f"{n} countries")
                records.append(
                    {
                        "table": table.name,
                        "curated_rows": counts.get("curated", 0),
                        "user_rows": counts.get("user", 0),
                        "coverage": ", ".join(coverage),
                        **_freshness_of(fresh, table.name),
                        "description": table.description,
                    }
                )
        frame = pd.DataFrame.from_records(records)
        for column in ("latest_data_year", "undated_rows"):
            frame[column] = frame[column].astype("Int64")
        return frame

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
                    found=shorten(", ".join(sorted(missing))),
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
        """Validate a .csv or .parquet file against the table's schema; add it, all or nothing.

        Everything that can be checked without the store (file type, size, encoding,
        header, column types) is checked before the store is opened for writing; the
        rest (references, keys already stored) inside the write transaction, so a failure
        at any point leaves the store exactly as it was.
        """
        path = Path(file)
        self._refuse_write(f"import {path}")
        table = spec(table_name)
        data = read_import_file(path, table)
        if "origin" in data.header:
            for number, record in zip(data.records.lines, data.records, strict=True):
                origin = str(record.get("origin") or "").strip()
                if origin not in ("", "user"):
                    raise InputError(
                        "imported rows are always user rows",
                        file=str(path),
                        row=number,
                        column="origin",
                        expected="user or empty",
                        found=shorten(origin),
                    )
        if not self.exists():
            self.build()
        log = {"file": str(path.resolve()), "sha256": data.sha256}

        def landed(con: duckdb.DuckDBPyConnection) -> bool | None:
            if "import_id" not in log:
                return False
            found = con.execute(
                "SELECT count(*) FROM _imports WHERE import_id = ? AND file = ? AND sha256 = ?",
                [log["import_id"], log["file"], log["sha256"]],
            ).fetchall()
            return bool(found[0][0])

        with self._transaction(f"import {path} into {table.name}", landed) as con:
            lookups = self._lookups(con)
            existing = con.execute(f"SELECT * FROM {_ident(table.name)} WHERE origin = 'user'").df()
            existing_keys = {
                key_of(table, r)
                for r in existing.astype(object).where(existing.notna(), None).to_dict("records")
            }
            rows = validate_records(
                table.name, data.records, lookups, file=str(path), existing_keys=existing_keys
            )
            import_id = con.execute(
                "SELECT coalesce(max(import_id), 0) + 1 FROM _imports"
            ).fetchall()[0][0]
            log["import_id"] = import_id
            self._insert(con, table, rows, "user", import_id)
            con.execute(
                "INSERT INTO _imports VALUES (?, ?, ?, ?, ?, ?)",
                [
                    import_id,
                    table.name,
                    log["file"],
                    data.sha256,
                    len(rows),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ],
            )
        return ImportReport(import_id, table.name, str(path), len(rows))

    def imports(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM _imports ORDER BY import_id")

    def remove_import(self, import_id: int) -> int:
        """Delete the rows of one import; refuses if other user rows still cite its sources."""
        self._refuse_write(f"remove import #{import_id}")

        def landed(con: duckdb.DuckDBPyConnection) -> bool | None:
            found = con.execute("SELECT count(*) FROM _imports WHERE import_id = ?", [import_id])
            return found.fetchall()[0][0] == 0

        with self._transaction(f"remove import #{import_id}", landed) as con:
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
            table_name = _logged_table(found[0][0])
            if table_name in REFERENCE_TABLES:
                self._refuse_if_referenced(con, table_name, import_id)
            n = con.execute(
                f"SELECT count(*) FROM {_ident(table_name)} WHERE import_id = ?", [import_id]
            ).fetchall()[0][0]
            con.execute(f"DELETE FROM {_ident(table_name)} WHERE import_id = ?", [import_id])
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
                f"SELECT {_ident(key)} FROM {_ident(table_name)} WHERE import_id = ?", [import_id]
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
                    f"SELECT DISTINCT {_ident(col)} FROM {_ident(other.name)} WHERE origin = 'user'"
                ).fetchall()
            }
            if ids & used:
                raise InputError(
                    f"rows in {other.name} still refer to this import's {table_name}",
                    column=col,
                    expected="remove those imports first",
                    found=shorten(", ".join(sorted(ids & used))),
                )

    def export(
        self,
        name: str,
        fmt: str,
        out: str | Path | None = None,
        include_user: bool = True,
        filters: dict[str, object] | None = None,
    ) -> str | None:
        """Write a table as csv, parquet or json; returns the text when ``out`` is None.

        A file is written whole or not at all (:func:`write_atomically`), so a full disk
        never leaves a truncated export in place of a good one.
        """
        if fmt not in ("csv", "json", "parquet"):
            raise InputError(
                "unknown export format",
                column="--format",
                expected="csv, parquet or json",
                found=shorten(fmt),
            )
        if fmt == "parquet" and out is None:
            raise InputError("parquet is binary: give --out FILE", column="--out")
        frame = self.table(name, include_user=include_user, filters=filters)
        if fmt == "parquet":
            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            data = buffer.getvalue()
        else:
            text = (
                frame.to_csv(index=False)
                if fmt == "csv"
                else frame.to_json(orient="records", indent=1)
            )
            if out is None:
                return text
            data = text.encode("utf-8")
        write_atomically(Path(out), data)  # type: ignore[arg-type]
        return None


def _freshness_of(fresh: pd.DataFrame, table: str) -> dict[str, object]:
    columns = ("latest_data_year", "newest_source", "undated_rows", "stale")
    if table not in fresh.index:
        return dict.fromkeys(columns)
    row = fresh.loc[table]
    return {c: (None if pd.isna(row[c]) else row[c]) for c in columns}


def _logged_table(name: object) -> str:
    """A table name read back from the import log, trusted only if the schema knows it.

    The log lives in a file anyone with access can edit; a name from it must not reach
    SQL text unchecked.
    """
    if not isinstance(name, str) or name not in {t.name for t in TABLES}:
        raise StoreError(
            f"the import log names a table that is not in the schema ({shorten(name, 80)!r}); "
            "refusing to touch it"
        )
    return name


def _where(table: TableSpec, filters: dict[str, object]) -> tuple[str, list]:
    """SQL conditions for user-chosen filters: columns checked against the schema, values bound."""
    clauses, params = [], []
    for column, value in filters.items():
        if column not in table.column_names + ["origin"]:
            raise InputError(
                f"unknown column for table {table.name}",
                column=shorten(column, 80),
                expected=", ".join(table.column_names),
                found=shorten(column),
            )
        clauses.append(f"CAST({_ident(column)} AS VARCHAR) = ?")
        params.append(str(value))
    return ("".join(f" AND {c}" for c in clauses), params)
