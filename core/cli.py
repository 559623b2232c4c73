"""The `factor-engine` command line.

Every command reads `DATABASE_URL`; without it, commands use the embedded cluster that
`factor-engine db start` runs.
"""

from __future__ import annotations

import datetime
import functools
import logging
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import psycopg

from factor_engine.core import errors as core_errors
from factor_engine.core.database import describe_url, resolve_database_url
from factor_engine.core.embedded import EmbeddedCluster
from factor_engine.core.settings import Settings
from factor_engine.functions import errors as risk_errors
from factor_engine.functions.model_config import PRESETS, preset
from factor_engine.loaders import errors as load_errors

if TYPE_CHECKING:
    from collections.abc import Callable

    from factor_engine.core.doctor import Check
    from factor_engine.functions.model_config import ModelConfig
    from factor_engine.loaders._runlog import LoadSummary

__all__ = ["main"]


# Each command imports what it runs (alembic, dbt, numpy, httpx ...) when it runs: importing
# them all here made every command, even --help, start 0.6 s later.
_EXPECTED_ERRORS = (
    core_errors.DatabaseNotAvailableError,
    core_errors.EmbeddedClusterError,
    core_errors.MigrationError,
    core_errors.SettingsError,
    core_errors.DbtError,
    load_errors.MissingUserAgentError,
    load_errors.MissingApiKeyError,
    load_errors.IbkrConnectionError,
    load_errors.SourceError,
    load_errors.UnknownTickerError,
    load_errors.BulkSourceError,
    risk_errors.MissingInputsError,
    risk_errors.TooFewStocksError,
)
_MARKS = {True: "ok  ", False: "FAIL", None: "    "}


class _Group(click.Group):
    """Turns the engine's expected errors into one clear line and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except _EXPECTED_ERRORS as error:
            raise click.ClickException(str(error)) from error
        except psycopg.OperationalError as error:
            raise click.ClickException(
                f"the database connection failed mid-command: {str(error).strip()}. "
                "Nothing half-done was kept: run the command again to finish."
            ) from error


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("factor-engine"), prog_name="factor-engine")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, step by step.")
def main(*, verbose: bool) -> None:
    """factor-engine: point-in-time equity factors and a risk model inside PostgreSQL.

    \b
    Quick start on a machine without a database server:
      factor-engine db start     # a local PostgreSQL under .factor-engine/
      factor-engine migrate      # create the schemas, roles and raw tables
      factor-engine doctor       # check what is there
      factor-engine demo         # land the bundled sample data and build every factor

    Set DATABASE_URL (postgresql://user@host:port/dbname) to use another server instead.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.group()
def db() -> None:
    """Manage the embedded PostgreSQL used when DATABASE_URL is not set.

    It lives in $FACTOR_ENGINE_HOME (default: .factor-engine/ in the checkout) and listens on
    127.0.0.1:$FACTOR_ENGINE_DB_PORT (default 55432) with trust authentication: a development
    database, not a production one.
    """


@db.command("start")
def db_start() -> None:
    """Create the embedded cluster if needed, start it, and print its URL."""
    settings = Settings.from_env()
    cluster = EmbeddedCluster.from_settings(settings)
    was_running = cluster.status().is_running
    status = cluster.start()
    click.echo(f"embedded PostgreSQL {'was already' if was_running else 'is'} running")
    click.echo(f"  url:  {status.url}")
    click.echo(f"  data: {status.data_dir}")
    if settings.database_url:
        click.echo(
            f"note: DATABASE_URL is set ({describe_url(settings.database_url)}): other commands "
            "use it, not this cluster"
        )


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster (its data stays)."""
    cluster = EmbeddedCluster.from_settings(Settings.from_env())
    click.echo("stopped" if cluster.stop() else "the embedded PostgreSQL was not running")


@db.command("status")
def db_status() -> None:
    """Say whether the embedded cluster runs, and print its URL.

    Exits with 3 when it is not running (as pg_ctl status does).
    """
    status = EmbeddedCluster.from_settings(Settings.from_env()).status()
    if status.is_running:
        click.echo(f"running (pid {status.pid})")
    elif status.is_initialised:
        click.echo("stopped: start it with `factor-engine db start`")
    else:
        click.echo("not created yet: `factor-engine db start` creates and starts it")
    click.echo(f"  url:  {status.url}")
    click.echo(f"  data: {status.data_dir}")
    click.echo(f"  log:  {status.log_file}")
    if not status.is_running:
        sys.exit(3)


@main.command("migrate")
@click.option(
    "--revision",
    default="head",
    show_default=True,
    help="Target revision: head, base (removes everything the migrations created) or an id.",
)
def migrate_command(revision: str) -> None:
    """Bring the database's schemas, roles and tables to a revision (alembic)."""
    from factor_engine.core.migrate import migrate

    url = resolve_database_url(Settings.from_env())
    state = migrate(url, revision)
    where = state.current or "base"
    suffix = " (head)" if state.is_at_head else ""
    click.echo(f"{describe_url(url)} is at revision {where}{suffix}")


@main.command("doctor")
def doctor_command() -> None:
    """Check the database: server, TimescaleDB and pg_cron, migrations, schemas, roles.

    Exits with 1 when something needs fixing.
    """
    from factor_engine.core.doctor import examine

    report = examine(resolve_database_url(Settings.from_env()))
    click.echo(f"database  {report.database}")
    for check in report.checks:
        click.echo(_format_check(check))
    if not report.healthy:
        sys.exit(1)


@main.command("build")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Rebuild the date-grained marts from this session on only (YYYY-MM-DD).",
)
@click.option(
    "--select", "select", multiple=True, help="Only these dbt models or selectors (repeatable)."
)
@click.option(
    "--slowest",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Also list the N slowest dbt models and tests: where the time went.",
)
def build_command(since: datetime.datetime | None, select: tuple[str, ...], slowest: int) -> None:
    """Build the factor core in dbt: security master, prices, point-in-time fundamentals,
    the estimation universe and style factor exposures, with their data tests.

    \b
    Examples:
      factor-engine build
      factor-engine build --since 2017-11-01 --slowest 5
    """
    from factor_engine.core.build import build

    summary = build(
        resolve_database_url(Settings.from_env()),
        since=since.date() if since else None,
        select=select,
    )
    for line in [*summary.lines(), *summary.slowest_lines(slowest)]:
        click.echo(line)


def _model_options(command: Callable[..., None]) -> Callable[..., None]:
    """The risk model's options, shared by `risk` and `run`: the command receives them as one
    `config` (ModelConfig) and `since` (a date or None)."""

    @functools.wraps(command)
    def with_model(
        *,
        since: datetime.datetime | None,
        preset: str,
        styles: str | None,
        industries: str | None,
        **rest: Any,
    ) -> None:
        config = _model_config(preset, styles, industries)
        command(config=config, since=since.date() if since else None, **rest)

    options = [
        click.option(
            "--since",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            help="Rewrite outputs from this session on only (YYYY-MM-DD); default: all.",
        ),
        click.option(
            "--preset",
            type=click.Choice(sorted(PRESETS)),
            default="use4s",
            show_default=True,
            help="use4s reacts faster (USE4's 1-month horizon), use4l is steadier.",
        ),
        click.option(
            "--styles",
            help="Comma-separated style factors (default: all eleven), e.g. size,momentum.",
        ),
        click.option(
            "--industries",
            type=click.Choice(["ff12", "ff49", "none"]),
            help="Industry factors: Fama-French 12 or 49, or none (default: ff49).",
        ),
    ]
    decorated: Callable[..., None] = with_model
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def _model_config(preset_name: str, styles: str | None, industries: str | None) -> ModelConfig:
    try:
        chosen = tuple(code.strip() for code in styles.split(",")) if styles else None
        return preset(preset_name).with_factors(chosen, industries)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@main.command("risk")
@_model_options
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def risk_command(*, config: ModelConfig, since: datetime.date | None, no_progress: bool) -> None:
    """Estimate the risk model from the factor exposures and store it in risk.*.

    Daily factor returns (constrained WLS), factor covariance (Newey-West, eigenfactor and
    volatility regime adjusted), specific risk (time series, structural model, size-decile
    shrinkage) and validation statistics of test portfolios; the run is logged in
    risk.model_runs with every parameter.

    Each run keeps where the model stood at its last month end (risk.model_states). With
    --since after that month end, a run continues from there and reads only the sessions from
    it on; otherwise it reads every session. Either way it writes the same values.

    \b
    Examples:
      factor-engine risk
      factor-engine risk --preset use4l --since 2017-11-01
      factor-engine risk --styles size,book_to_price,momentum --industries none   # the demo's
    """
    from factor_engine.core.pipeline import run_risk

    summary = run_risk(
        resolve_database_url(Settings.from_env()),
        config,
        since=since,
        show_progress=not no_progress,
    )
    for line in summary.lines():
        click.echo(line)


@main.command("run")
@_model_options
@click.option(
    "--load",
    "sources",
    multiple=True,
    type=click.Choice(["edgar", "fred", "ibkr"]),
    help="Refresh this source's tracked companies, series or symbols first (repeatable).",
)
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def run_command(
    *,
    config: ModelConfig,
    since: datetime.date | None,
    sources: tuple[str, ...],
    no_progress: bool,
) -> None:
    """The daily job: load, then build, then risk.

    The load step refreshes what the database already tracks (EDGAR companies, FRED series,
    IBKR symbols landed before) from each --load source; build and risk then recompute
    from --since on.

    \b
    Examples:
      factor-engine run --since 2017-11-01 --styles size,book_to_price,momentum --industries none
      factor-engine run --load edgar --load fred --since 2026-11-20   # needs the sources' settings
    """
    from factor_engine.core.pipeline import run_pipeline

    settings = Settings.from_env()
    result = run_pipeline(
        resolve_database_url(settings),
        settings,
        config,
        sources=sources,
        since=since,
        show_progress=not no_progress,
    )
    lines = [
        *(f"skipped {note}" for note in result.skipped),
        *(summary.line() for summary in result.loads),
        *result.build.lines(),
        *result.risk.lines(),
    ]
    for line in lines:
        click.echo(line)
    if not all(summary.succeeded for summary in result.loads):
        sys.exit(1)


@main.command("demo")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def demo_command(*, no_progress: bool) -> None:
    """Run the whole chain offline on the bundled sample data and say where to look.

    Migrates the database (the embedded one when DATABASE_URL is unset: run
    `factor-engine db start` first), lands sample_data/ (SEC EDGAR facts and filings of ten
    companies, their 2010-2017 daily prices) and builds every factor.
    """
    from factor_engine.core.demo import WHERE_TO_LOOK, run_demo

    result = run_demo(resolve_database_url(Settings.from_env()), show_progress=not no_progress)
    for summary in result.loads:
        click.echo(summary.line())
    for line in [*result.build.lines(), *result.risk.lines()]:
        click.echo(line)
    click.echo(WHERE_TO_LOOK)


@main.group()
def load() -> None:
    """Land source data in the raw_* schemas (idempotent: re-runs add only what is new).

    Every run is logged in ops.load_runs; rejected records go to ops.quarantine with the reason.
    Exits with 1 when a run failed (some documents could not be landed).
    """


@load.command("edgar")
@click.option("--cik", "ciks", multiple=True, type=int, help="A company's CIK (repeatable).")
@click.option(
    "--ticker", "tickers", multiple=True, help="A ticker, resolved to its CIK (repeatable)."
)
@click.option("--all", "everything", is_flag=True, help="Every company in company_tickers.json.")
@click.option(
    "--bulk",
    "bulk",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A folder, companyfacts.zip/submissions.zip, or extracted CIK*.json files (repeatable).",
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def load_edgar(
    ciks: tuple[int, ...],
    tickers: tuple[str, ...],
    *,
    everything: bool,
    bulk: tuple[Path, ...],
    no_progress: bool,
) -> None:
    """Land SEC EDGAR companies, filings (with acceptance times) and XBRL facts.

    \b
    Examples:
      factor-engine load edgar --ticker AAPL --ticker MSFT
      factor-engine load edgar --cik 320193
      factor-engine load edgar --bulk ~/edgar/companyfacts.zip --bulk ~/edgar/submissions.zip

    Needs SEC_USER_AGENT ("Organisation contact@example.com") for the API, not for --bulk.
    EDGAR_BASE_URL and EDGAR_FILES_URL point at a mirror or a test server.
    """
    from factor_engine.loaders.edgar import load as edgar

    settings = Settings.from_env()
    url = resolve_database_url(settings)
    if not (ciks or tickers or everything or bulk):
        raise click.UsageError("say what to load: --cik, --ticker, --all or --bulk")
    summaries = []
    if bulk:
        summaries.append(edgar.load_bulk(url, list(bulk), show_progress=not no_progress))
    if ciks or tickers or everything:
        from factor_engine.loaders.edgar.client import edgar_clients

        clients = edgar_clients(settings)
        try:
            wanted = list(ciks)
            if tickers:
                wanted += edgar.resolve_tickers(clients, tickers).values()
            if everything:
                wanted += edgar.all_ciks(clients)
            arguments = {"ciks": list(ciks), "tickers": list(tickers), "all": everything}
            summaries.append(
                edgar.load_ciks(
                    url, clients, wanted, arguments=arguments, show_progress=not no_progress
                )
            )
        finally:
            clients.close()
    _report(*summaries)


@load.command("fred")
@click.option(
    "--series",
    "series_ids",
    multiple=True,
    help="A FRED series id, e.g. UNRATE (repeatable).",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved fred/series/observations response, SERIES[_...].json[.gz] (repeatable).",
)
@click.option(
    "--vintages",
    is_flag=True,
    help="The full ALFRED revision history, not only what FRED publishes today.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def load_fred(
    series_ids: tuple[str, ...], files: tuple[Path, ...], *, vintages: bool, no_progress: bool
) -> None:
    """Land FRED series: metadata, and every value with the realtime period it was published in.

    \b
    Examples:
      factor-engine load fred --series UNRATE --series PAYEMS
      factor-engine load fred --series GDP --vintages
      factor-engine load fred --file saved/UNRATE.json      # a saved API response, offline

    Without --vintages each run adds what FRED publishes on its day; run it daily to build the
    history from now on. --vintages fetches the whole ALFRED history once (in windows of 2,000
    vintage dates, FRED's limit per request). Needs FRED_API_KEY; FRED_BASE_URL points at a
    mirror or a test server.
    """
    from factor_engine.loaders.fred.client import fred_client
    from factor_engine.loaders.fred.load import load_observation_files, load_series

    if bool(series_ids) == bool(files):
        raise click.UsageError("say what to load: --series (from FRED) or --file (saved)")
    if files and vintages:
        raise click.UsageError(
            "--vintages asks FRED for the revision history: use it with --series"
        )
    settings = Settings.from_env()
    url = resolve_database_url(settings)
    if files:
        _report(load_observation_files(url, files, show_progress=not no_progress))
        return
    client = fred_client(settings)
    try:
        summary = load_series(
            url, client, series_ids, vintages=vintages, show_progress=not no_progress
        )
    finally:
        client.close()
    _report(summary)


@load.command("ibkr")
@click.option(
    "--symbol", "symbols", multiple=True, required=True, help="A US stock symbol (repeatable)."
)
@click.option(
    "--years",
    type=click.IntRange(1, 40),
    default=5,
    show_default=True,
    help="How far back the first load of a symbol reaches.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def load_ibkr(symbols: tuple[str, ...], *, years: int, no_progress: bool) -> None:
    """Land Interactive Brokers contract details and daily bars (TRADES and ADJUSTED_LAST).

    \b
    Examples:
      factor-engine load ibkr --symbol AAPL --symbol MSFT --years 10
      factor-engine load ibkr --symbol AAPL        # later runs fetch only the new sessions

    Needs a running IB Gateway or TWS with the API enabled (read-only is enough):
    IB_HOST, IB_PORT (default 4001, IB Gateway) and IB_CLIENT_ID (default 17).
    """
    from factor_engine.loaders.ibkr.client import ibkr_gateway
    from factor_engine.loaders.ibkr.load import load_symbols

    settings = Settings.from_env()
    url = resolve_database_url(settings)
    gateway = ibkr_gateway(settings)
    try:
        summary = load_symbols(url, gateway, symbols, years=years, show_progress=not no_progress)
    finally:
        gateway.close()
    _report(summary)


@load.command("bars")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--dataset",
    help="Name of the collection the bars land under (default: each file's folder name).",
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def load_bars(paths: tuple[Path, ...], *, dataset: str | None, no_progress: bool) -> None:
    """Land daily bars from CSV or Parquet files (or folders of them) in raw_files.daily_bars.

    \b
    Columns (any case): date, open, high, low, close, volume, and optionally an adjusted close
    (adj close, adj_close, adjusted_close) and a symbol (symbol, ticker). Without a symbol column
    the symbol is the file name up to its first dot: aapl.us.txt.gz lands as AAPL.

    \b
    Examples:
      factor-engine load bars prices/aapl.us.txt.gz prices/msft.us.txt.gz
      factor-engine load bars ~/data/bars/ --dataset stooq
    """
    from factor_engine.loaders.files.load import load_bar_files

    url = resolve_database_url(Settings.from_env())
    summary = load_bar_files(url, paths, dataset=dataset, show_progress=not no_progress)
    _report(summary)


def _report(*summaries: LoadSummary) -> None:
    """Each run's summary line; exit code 1 when one of them failed."""
    for summary in summaries:
        click.echo(summary.line())
    if not all(summary.succeeded for summary in summaries):
        sys.exit(1)


def _format_check(check: Check) -> str:
    return f"{_MARKS[check.ok]}  {check.name:<13} {check.detail}"


if __name__ == "__main__":
    main()
