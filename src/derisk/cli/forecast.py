"""`derisk forecast` and its companions: the prognosis, its delay inputs, back-cast and validation.

They live apart from cli/main.py so the forecast options (output size, draws kept) can grow
without crowding the data and diagnose commands; they register on the same `app`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from derisk.cli.main import DbOption, FormatOption, _check_format, _guard, _store, app
from derisk.cli.output import emit, err_console
from derisk.errors import InputError
from derisk.forecast.summary import STABLE_DRAWS

if TYPE_CHECKING:  # `derisk --help` does not pay for xarray
    import xarray as xr


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


def _keep_draws(text: str | None, out: Path | None, draws: int) -> int:
    """--keep-draws as a count (0 = summary only), refused before the run when it cannot apply."""
    from derisk.forecast.output import ALL_DRAWS, check_keep_draws

    if text is None:
        return 0
    if out is None or out.suffix != ".nc":
        raise InputError(
            "applies to a .nc file only (.csv and .parquet hold the P10/P50/P90 series)",
            column="--keep-draws",
            expected="--out FILE.nc",
            found="no --out" if out is None else str(out),
        )
    value = text.strip().lower()
    if value != ALL_DRAWS and not value.isdigit():
        raise InputError(
            "must be 'all' or a number of draws",
            column="--keep-draws",
            expected="all, or a whole number >= 0",
            found=text,
        )
    return check_keep_draws(ALL_DRAWS if value == ALL_DRAWS else int(value), draws)


#: Above this estimated size the CLI says how large the file will be before writing it.
WARN_BYTES = 10_000_000


def _write(ds: xr.Dataset, out: Path, keep: int) -> None:
    """Write ``out``; say beforehand when it will be large, and afterwards how large it is."""
    from derisk.forecast.output import human_bytes, plan_forecast_file

    plan = plan_forecast_file(ds, out, keep)
    if plan.estimated_bytes >= WARN_BYTES:
        err_console.print(
            f"writing about {human_bytes(plan.estimated_bytes)} to {escape(str(out))} "
            f"({plan.describe()}); without --keep-draws, or with --keep-draws N, "
            "it writes less",
            highlight=False,
            soft_wrap=True,
        )
    size = plan.write()
    err_console.print(
        f"wrote {escape(str(out))} ({human_bytes(size)})", highlight=False, soft_wrap=True
    )


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
    keep_draws: Annotated[
        str | None,
        typer.Option(
            "--keep-draws",
            metavar="all|N",
            help="Store draws in the .nc file: 'all', or N for the first N. Without it the "
            ".nc holds P10/P50/P90 along 'quantile' (well under 1 MB; 2,000 draws are ~46 MB).",
        ),
    ] = None,
    dask: Annotated[str | None, typer.Option(help="Scheduler address, or 'local'.")] = None,
    chunk_size: Annotated[int, typer.Option(min=1)] = 50,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Monte Carlo prognosis to 2050: milestones towards de-risking, and how large the gap is."""
    from rich.progress import Progress

    from derisk.forecast.output import check_output_path, forecast_json, forecast_tables
    from derisk.forecast.run import forecast
    from derisk.forecast.scenario import load_scenario

    _check_format(fmt)
    if out is not None:
        check_output_path(out)
    keep = _keep_draws(keep_draws, out, draws)
    from derisk.forecast.run import year_span

    span = year_span(years, "--years")
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
        _write(ds, out, keep)
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
