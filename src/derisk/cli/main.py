"""The `derisk` command line: data, diagnose and report over the embedded store."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from derisk.cli.output import FORMATS, console, emit, err_console
from derisk.errors import DeriskError, InputError
from derisk.forecast.summary import STABLE_DRAWS
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
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")]
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
def data_info(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """Tables, row counts, coverage and freshness (latest data year, newest source, stale).

    A table is flagged stale when its newest source is more than 18 months old.
    """
    _check_format(fmt)
    store = _store(db)
    meta = store.meta()
    info = store.info()
    if fmt == "table":  # the descriptions make the terminal table unreadable; kept in csv/json
        info = info.drop(columns=["description"])
    emit(
        info,
        fmt,
        title=f"derisk store {store.path} (dataset "
        f"{meta['dataset_version']}, built {meta['built_at']})",
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
    exclude_user: ExcludeUser = False,
) -> None:
    """Rows of TABLE, filtered with --where column=value."""
    _check_format(fmt)
    frame = _store(db).table(table, include_user=not exclude_user, filters=_filters(where))
    notes = []
    if limit and len(frame) > limit:
        notes.append(f"showing {limit} of {len(frame)} rows; use --limit 0 for all")
        frame = frame.head(limit)
    emit(frame, fmt, title=table, notes=notes)


@data_app.command("sources")
@_guard
def data_sources(
    source_id: Annotated[list[str] | None, typer.Argument()] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """List sources, or show the ones named (ids may be ';'-separated)."""
    _check_format(fmt)
    frame = _store(db).sources(source_id)
    if fmt == "table" and not source_id:
        frame = frame[["source_id", "title", "publisher", "date"]]
    emit(frame, fmt, title="sources")


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
def data_imports(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """List the user imports in the store."""
    _check_format(fmt)
    emit(_store(db).imports(), fmt, title="user imports")


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
    emit(frame, fmt, title="concentration", notes=frame.attrs.get("notes"))


@diagnose_app.command("dependency")
@_guard
def diagnose_dependency(
    bloc: Annotated[str, typer.Option(help=listing(BLOC_CODES))],
    group: str | None = None,
    year: int | None = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
    exclude_user: ExcludeUser = False,
) -> None:
    """Share of a bloc's supply that depends on China at a stage or upstream (bounds)."""
    from derisk.diagnose.dependency import dependency

    _check_format(fmt)
    frame = dependency(_store(db), bloc, group=group, year=year, include_user=not exclude_user)
    emit(frame, fmt, title=f"dependency of {bloc} on China")


@diagnose_app.command("chokepoints")
@_guard
def diagnose_chokepoints(
    bloc: str = "US",
    year: int | None = None,
    top: int | None = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
    exclude_user: ExcludeUser = False,
) -> None:
    """(group, stage) pairs ranked by China share, HHI and the bloc's dependency."""
    from derisk.diagnose.chokepoints import chokepoints

    _check_format(fmt)
    frame = chokepoints(_store(db), bloc=bloc, year=year, top=top, include_user=not exclude_user)
    emit(frame, fmt, title=f"chokepoints for {bloc}")


@diagnose_app.command("criticality")
@_guard
def diagnose_criticality(
    method: Annotated[str, typer.Option(help="eu2017, usgs2020 or geopolrisk")] = "eu2017",
    inputs: Annotated[
        Path | None, typer.Option(help="CSV of method inputs the dataset lacks.")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
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
    )


# -- forecast ---------------------------------------------------------------------------
def _years(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        start, end = (int(p) for p in text.split(":"))
    except ValueError:
        raise InputError(
            "years must look like START:END",
            column="--years",
            expected="e.g. 2025:2050",
            found=text,
        ) from None
    return start, end


def _check_years(spec: object, span: tuple[int, int] | None) -> None:
    """--years obeys the scenario's own rule for start_year and end_year."""
    from pydantic import ValidationError

    if span is None:
        return
    data = {**spec.model_dump(), "start_year": span[0], "end_year": span[1]}  # type: ignore[attr-defined]
    try:
        type(spec).model_validate(data)
    except ValidationError as err:
        message = err.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputError(message, column="--years") from None


@app.command("forecast")
@_guard
def forecast_cmd(
    scenario: Annotated[str, typer.Option(help="Preset name or YAML file.")] = "baseline",
    bloc: str = "US",
    draws: Annotated[
        int,
        typer.Option(
            min=1,
            max=1_000_000,
            help="Monte Carlo draws; the default is the smallest count whose P50s are "
            "stable between seeds (derisk.forecast.summary.STABLE_DRAWS).",
        ),
    ] = STABLE_DRAWS,
    seed: Annotated[int, typer.Option(min=0)] = 1,
    years: Annotated[str | None, typer.Option(help="START:END, e.g. 2025:2050")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="dotted.path=value")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".nc, .csv or .parquet")] = None,
    dask: Annotated[str | None, typer.Option(help="Scheduler address, or 'local'.")] = None,
    chunk_size: Annotated[int, typer.Option(min=1)] = 50,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Monte Carlo prognosis to 2050: milestones towards de-risking, and how large the gap is."""
    from rich.progress import Progress

    from derisk.forecast.output import (
        check_output_path,
        forecast_json,
        forecast_tables,
        write_forecast,
    )
    from derisk.forecast.run import forecast
    from derisk.forecast.scenario import load_scenario

    _check_format(fmt)
    if out is not None:
        check_output_path(out)
    span = _years(years)
    spec = load_scenario(scenario, set_)
    _check_years(spec, span)
    store = _store(db)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(f"{spec.name}: {draws} draws", total=draws)
        ds = forecast(
            store,
            spec,
            bloc=bloc,
            draws=draws,
            seed=seed,
            years=span,
            chunk_size=chunk_size,
            dask=dask,
            progress=lambda n: bar.advance(task, n),
        )
    if out is not None:
        write_forecast(ds, out)
        err_console.print(f"wrote {out}")
    if fmt == "json":
        sys.stdout.write(forecast_json(ds) + "\n")
        return
    for title, frame in forecast_tables(ds):
        if fmt == "csv":
            sys.stdout.write(frame.to_csv(index=False))
        else:
            emit(frame, "table", title=title)


@app.command("forecast-delays")
@_guard
def forecast_delays(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """How the project-delay distribution is derived from announced vs actual start years."""
    from derisk.forecast.inputs import delay_table

    _check_format(fmt)
    frame = delay_table(_store(db))
    emit(
        frame,
        fmt,
        title="facility start slippage (first announced -> actual or latest)",
        notes=[
            f"{len(frame)} facilities; {int(frame['censored'].sum())} not yet started "
            "(lower bounds, used as observed); median delay "
            f"{frame['delay_years'].median():.1f} years"
        ],
    )


@app.command("forecast-backcast")
@_guard
def forecast_backcast(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """Run the engine on 2015-2024 with the recorded magnet driver; report its errors."""
    from derisk.forecast.backcast import backcast

    _check_format(fmt)
    frame = backcast(_store(db))
    mape = frame.attrs["mape_mine_pct"]
    emit(
        frame,
        fmt,
        title="back-cast: world mine output (t REO) and China's magnet output (t magnet)",
        notes=[
            "model magnet output is a range: magnets hold 29-32.5 wt% rare earths",
            f"mean absolute mine error over years with a driver: "
            f"{'n/a' if mape is None else f'{mape:.1f}%'}; sources: "
            f"{frame.attrs['sources']}",
        ],
    )


@app.command("forecast-validate")
@_guard
def forecast_validate(
    draws: Annotated[int, typer.Option(min=10, max=100_000)] = 200,
    seed: Annotated[int, typer.Option(min=0)] = 1,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when a target is missed.")
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="dotted.path=value on the IEA-like preset (sensitivity)."),
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Run an IEA-like setting; set its 2030 and 2035 figures beside the IEA's.

    A report: it prints the comparison and exits 0 even when a target is missed (each
    miss is named on stderr); --strict exits 1 on a miss, for CI.
    """
    from derisk.forecast.validate import validate

    _check_format(fmt)
    frame = validate(_store(db), draws=draws, seed=seed, sets=set_)
    emit(
        frame,
        fmt,
        title="validation: model (IEA-like setting) vs IEA outlook, magnet REEs",
        notes=frame.attrs["notes"],
        table_columns=[c for c in frame.columns if c != "source_id"],  # one id, in the notes
    )
    missed = frame.attrs["missed"]
    for line in missed:
        err_console.print(f"[red]missed target:[/] {escape(line)}", highlight=False)
    if not missed:
        err_console.print("all targets met", highlight=False)
    if missed and strict:
        raise typer.Exit(1)


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
) -> None:
    """Write the briefing: diagnosis, prognosis and sources, as HTML (offline) and Markdown.

    With --out FILE.html, only the diagnosis for the first bloc is written (one file).
    """
    from rich.progress import Progress

    from derisk.report.briefing import DEFAULT_BLOCS, DEFAULT_SCENARIOS, write_briefing
    from derisk.report.html import write_report

    blocs = tuple(bloc or DEFAULT_BLOCS)
    scenarios = tuple(scenario or DEFAULT_SCENARIOS)
    store = _store(db)
    if out.suffix.lower() in (".html", ".htm"):
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


def main() -> None:
    app()


# Commands defined in their own modules register on `app` when imported.
from derisk.cli import review as _review  # noqa: E402,F401
from derisk.cli import serve as _serve  # noqa: E402,F401
