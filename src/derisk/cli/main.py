"""The `derisk` command line: data, diagnose and report over the embedded store."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from derisk.cli.output import FORMATS, console, emit, err_console, remember_format
from derisk.errors import DeriskError, InputError
from derisk.vocabulary import BLOC_CODES, GROUPS, STAGES, listing

app = typer.Typer(
    help="Rare-earth supply-chain risk, every figure with its source.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, inspect, import and export the dataset.", no_args_is_help=True)
diagnose_app = typer.Typer(
    help="Concentration, criticality, dependency and chokepoints.", no_args_is_help=True
)
app.add_typer(data_app, name="data")
app.add_typer(diagnose_app, name="diagnose")

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $DERISK_DB or the user data directory)."),
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="table, json, csv or tsv (default: a table on a terminal, tsv in a pipe).",
        callback=remember_format,
    ),
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        "-c",
        help="Comma-separated columns to print, or 'all' (default: what fits the terminal).",
    ),
]
ExcludeUser = Annotated[bool, typer.Option("--exclude-user", help="Use curated rows only.")]


def _guard(func: Callable[..., None]) -> Callable[..., None]:
    """Turn our errors into one red line on stderr and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> None:
        try:
            func(*args, **kwargs)
        except DeriskError as err:
            err_console.print(f"[red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _store(db: Path | None):  # noqa: ANN202 - returns derisk.data.store.Store
    from derisk.data.store import Store

    return Store.open(db)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(
            "unknown output format", column="--format", expected=" | ".join(FORMATS), found=fmt
        )


def _filters(where: list[str] | None) -> dict[str, str]:
    out = {}
    for item in where or []:
        if "=" not in item:
            raise InputError("filter must look like column=value", column="--where", found=item)
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


# -- data -------------------------------------------------------------------------------
@data_app.command("build")
@_guard
def data_build(db: DbOption = None) -> None:
    """Build or refresh the store from the packaged dataset (user rows are kept)."""
    from derisk.data.store import Store

    store = Store(db) if db else Store.open(None, build=False)
    counts = store.build()
    console.print(
        f"built {store.path}: {sum(counts.values()):,} curated rows in "
        f"{len(counts)} tables (dataset {store.meta()['dataset_version']})"
    )


@data_app.command("info")
@_guard
def data_info(
    db: DbOption = None, fmt: FormatOption = "table", columns: ColumnsOption = None
) -> None:
    """Tables, row counts, coverage and freshness (latest data year, newest source, stale).

    A table is flagged stale when its newest source is more than 18 months old.
    """
    _check_format(fmt)
    store = _store(db)
    meta = store.meta()
    emit(
        store.info(),
        fmt,
        title=f"derisk store {store.path} (dataset "
        f"{meta['dataset_version']}, built {meta['built_at']})",
        columns=columns,
        detail=False,
    )


@data_app.command("show")
@_guard
def data_show(
    table: str,
    where: Annotated[
        list[str] | None, typer.Option("--where", "-w", help="column=value; repeat to combine.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to print (0 = all).")] = 50,
    db: DbOption = None,
    fmt: FormatOption = "table",
    columns: ColumnsOption = None,
    exclude_user: ExcludeUser = False,
) -> None:
    """Rows of TABLE, filtered with --where column=value; one row prints as key: value."""
    _check_format(fmt)
    frame = _store(db).table(table, include_user=not exclude_user, filters=_filters(where))
    notes = []
    if limit and len(frame) > limit:
        notes.append(f"showing {limit} of {len(frame)} rows; use --limit 0 for all")
        frame = frame.head(limit)
    emit(frame, fmt, title=table, notes=notes, columns=columns)


@data_app.command("sources")
@_guard
def data_sources(
    source_id: Annotated[list[str] | None, typer.Argument()] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
    columns: ColumnsOption = None,
) -> None:
    """List sources, or show the ones named (ids may be ';'-separated) field by field."""
    _check_format(fmt)
    frame = _store(db).sources(source_id)
    emit(
        frame,
        fmt,
        title="sources",
        columns=columns,
        table_columns=["source_id", "title", "publisher", "date"],
        detail=bool(source_id),  # a named source is read, not scanned: key: value lines
    )


@data_app.command("import")
@_guard
def data_import(
    file: Path, table: Annotated[str, typer.Option("--table", "-t")], db: DbOption = None
) -> None:
    """Add your own rows from a CSV with the table's columns; all or nothing."""
    report = _store(db).import_file(file, table)
    console.print(
        f"imported {report.rows} row(s) into {report.table} as import "
        f"#{report.import_id} (origin=user)"
    )


@data_app.command("imports")
@_guard
def data_imports(
    db: DbOption = None, fmt: FormatOption = "table", columns: ColumnsOption = None
) -> None:
    """List the user imports in the store."""
    _check_format(fmt)
    emit(_store(db).imports(), fmt, title="user imports", columns=columns)


@data_app.command("remove-import")
@_guard
def data_remove_import(import_id: int, db: DbOption = None) -> None:
    """Remove the rows of one user import."""
    n = _store(db).remove_import(import_id)
    console.print(f"removed import #{import_id} ({n} rows)")


@data_app.command("export")
@_guard
def data_export(
    table: str,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet or json.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
    where: Annotated[list[str] | None, typer.Option("--where", "-w")] = None,
    db: DbOption = None,
    exclude_user: ExcludeUser = False,
) -> None:
    """Export TABLE as csv, parquet or json (to --out, or stdout for text formats)."""
    text = _store(db).export(
        table, fmt, out, include_user=not exclude_user, filters=_filters(where)
    )
    if text is not None:
        sys.stdout.write(text)
    else:
        err_console.print(f"wrote {out}")


@data_app.command("curate")
@_guard
def data_curate(
    reference: Annotated[Path, typer.Option(help="The shared reference folder.")] = Path(
        "../shared/reference"
    ),
) -> None:
    """Maintainers: regenerate the packaged dataset from the reference folder."""
    from derisk.data.curate import curate

    manifest = curate(reference)
    rows = sum(t["rows"] for t in manifest["tables"].values())  # type: ignore[union-attr]
    console.print(
        f"curated {rows:,} rows into src/derisk/data/curated "
        f"(dataset {manifest['dataset_version']})"
    )


# -- diagnose ---------------------------------------------------------------------------
@diagnose_app.command("concentration")
@_guard
def diagnose_concentration(
    stage: Annotated[str | None, typer.Option(help=listing(STAGES))] = None,
    group: Annotated[str | None, typer.Option(help=listing(GROUPS, "a symbol"))] = None,
    year: int | None = None,
    residual: Annotated[str, typer.Option(help="atomistic or single")] = "atomistic",
    db: DbOption = None,
    fmt: FormatOption = "table",
    columns: ColumnsOption = None,
    exclude_user: ExcludeUser = False,
) -> None:
    """HHI, top-1/top-3 and China's share per stage x group x year."""
    from derisk.diagnose.concentration import concentration

    _check_format(fmt)
    frame = concentration(
        _store(db),
        stage=stage,
        group=group,
        year=year,
        residual=residual,
        include_user=not exclude_user,
        gaps=True,
    )
    if frame.empty:
        raise InputError(
            "no data for that selection",
            column="--stage/--group/--year",
            found=f"{stage}/{group}/{year}",
        )
    emit(frame, fmt, title="concentration", notes=frame.attrs.get("notes"), columns=columns)


@diagnose_app.command("dependency")
@_guard
def diagnose_dependency(
    bloc: Annotated[str, typer.Option(help=listing(BLOC_CODES))],
    group: str | None = None,
    year: int | None = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
    columns: ColumnsOption = None,
    exclude_user: ExcludeUser = False,
) -> None:
    """Share of a bloc's supply that depends on China at a stage or upstream (bounds)."""
    from derisk.diagnose.dependency import dependency

    _check_format(fmt)
    frame = dependency(_store(db), bloc, group=group, year=year, include_user=not exclude_user)
    emit(frame, fmt, title=f"dependency of {bloc} on China", columns=columns)


@diagnose_app.command("chokepoints")
@_guard
def diagnose_chokepoints(
    bloc: str = "US",
    year: int | None = None,
    top: int | None = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
    columns: ColumnsOption = None,
    exclude_user: ExcludeUser = False,
) -> None:
    """(group, stage) pairs ranked by China share, HHI and the bloc's dependency."""
    from derisk.diagnose.chokepoints import chokepoints

    _check_format(fmt)
    frame = chokepoints(_store(db), bloc=bloc, year=year, top=top, include_user=not exclude_user)
    emit(frame, fmt, title=f"chokepoints for {bloc}", columns=columns)


@diagnose_app.command("criticality")
@_guard
def diagnose_criticality(
    method: Annotated[str, typer.Option(help="eu2017, usgs2020 or geopolrisk")] = "eu2017",
    inputs: Annotated[
        Path | None, typer.Option(help="CSV of method inputs the dataset lacks.")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
    columns: ColumnsOption = None,
    exclude_user: ExcludeUser = False,
) -> None:
    """Criticality by the published EU 2017, USGS (Nassar 2020) or GeoPolRisk method."""
    from derisk.diagnose import criticality as crit

    _check_format(fmt)
    table = crit.load_inputs_csv(inputs, method=method) if inputs else None
    frame = crit.criticality(_store(db), method=method, inputs=table, include_user=not exclude_user)
    compact = [
        "material",
        "supply_risk_published",
        "supply_risk",
        "sr_check",
        "economic_importance",
        "critical",
        "geopolrisk",
        "missing_inputs",
        "sources",
    ]
    emit(
        frame,
        fmt,
        title=f"criticality ({method}); --format csv shows every input",
        table_columns=compact,
        columns=columns,
    )


# -- forecast (commands in cli/forecast.py; imported here to keep their place in --help)
from derisk.cli import forecast as _forecast  # noqa: E402,F401


# -- report -----------------------------------------------------------------------------
@app.command("report")
@_guard
def report(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="A folder (briefing .html + .md) or a .html file.")
    ] = Path("out/briefing"),
    bloc: Annotated[list[str] | None, typer.Option(help="Bloc(s); repeat for several.")] = None,
    scenario: Annotated[
        list[str] | None, typer.Option(help="Scenario preset(s) for the prognosis.")
    ] = None,
    draws: Annotated[int, typer.Option(min=10, max=100_000)] = 500,
    seed: int = 1,
    db: DbOption = None,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="html (HTML + Markdown) or pdf (also a PDF)."),
    ] = "html",
) -> None:
    """Write the briefing: key findings, diagnosis, prognosis and sources, as HTML (offline)
    and Markdown; with --format pdf also a PDF printed from the HTML by headless Chromium.

    With --out FILE.html, only the diagnosis for the first bloc is written (one file).
    """
    from rich.progress import Progress

    from derisk.report.briefing import (
        BRIEFING_FORMATS,
        DEFAULT_BLOCS,
        DEFAULT_SCENARIOS,
        check_pdf,
        write_briefing,
        write_pdf,
    )
    from derisk.report.html import write_report

    if fmt not in BRIEFING_FORMATS:
        raise InputError(
            "unknown briefing format", column="--format", expected=" | ".join(BRIEFING_FORMATS),
            found=fmt,
        )  # fmt: skip
    blocs = tuple(bloc or DEFAULT_BLOCS)
    scenarios = tuple(scenario or DEFAULT_SCENARIOS)
    single = out.suffix.lower() in (".html", ".htm")
    if fmt == "pdf":
        if single:
            raise InputError("--format pdf prints the briefing: give --out a folder",
                             column="--out", found=str(out))  # fmt: skip
        check_pdf()  # before any forecast runs: say now that the PDF cannot be printed
    store = _store(db)
    if single:
        path = write_report(store, out, bloc=blocs[0])
        console.print(f"report written to {path.resolve()}")
        return
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder or a .html file", column="--out", found=str(out))
    from derisk.forecast.scenario import load_scenario

    for name in scenarios:
        load_scenario(name)  # fail on a bad name before any forecast runs
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("prognosis", total=draws * len(blocs) * len(scenarios))
        html_path, md_path = write_briefing(
            store, out, blocs, scenarios, draws=draws, seed=seed,
            progress=lambda n: bar.advance(task, n),
        )  # fmt: skip
    console.print(f"briefing written to {html_path.resolve()} and {md_path.resolve()}")
    if fmt == "pdf":
        console.print(f"briefing printed to {write_pdf(html_path).resolve()}")


def main() -> None:
    app()


# Commands defined in their own modules register on `app` when imported.
from derisk.cli import review as _review  # noqa: E402,F401
from derisk.cli import serve as _serve  # noqa: E402,F401
