"""The risk model's imperative shell: read the marts, run the model, COPY into risk.*.

Everything numerical happens in the pure modules (``model.py`` and below); this module only
moves data and keeps the run log (``risk.model_runs``). Every run keeps where the model's
recursions stood at its last month end (``risk.model_states``). With ``since``, a run continues
from the stored state when it is older than ``since`` and of the same parameters: it reads the
sessions from the state's date on, not the whole history, and rewrites outputs from ``since``
on. Otherwise it reads and recurses over every session, as a run without ``since`` does.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import adbc_driver_manager
import adbc_driver_manager.dbapi
import adbc_driver_postgresql.dbapi as adbc
import numpy as np
import numpy.typing as npt
import polars as pl
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

from factor_engine.functions._arrays import BoolArray, FloatArray, IntArray, Track, untracked
from factor_engine.functions.binary_copy import copy_binary
from factor_engine.functions.errors import MissingInputsError, TooFewStocksError
from factor_engine.functions.model import (
    ModelState,
    Panel,
    RiskModel,
    estimate_risk_model,
    resume_problem,
)
from factor_engine.functions.model_state import STATE_FORMAT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from factor_engine.functions.model_config import ModelConfig

__all__ = [
    "NOTIFY_CHANNEL",
    "MissingInputsError",
    "RiskRunSummary",
    "TooFewStocksError",
    "read_panel",
    "run_risk_model",
]

logger = logging.getLogger(__name__)

DateArray = npt.NDArray[np.datetime64]

_UNDEFINED_TABLE = "42P01"
NOTIFY_CHANNEL = "factor_updates"


@dataclass
class RiskRunSummary:
    model_run_id: int
    model_code: str
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    count_factors: int = 0
    count_securities: int = 0
    resumed_from: dt.date | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    validation: list[tuple[str, int, float | None, float | None, float | None]] = field(
        default_factory=list
    )

    def lines(self) -> list[str]:
        seconds = sum(self.timings.values())
        lines = [
            f"risk model {self.model_code} (run {self.model_run_id}) in {seconds:.1f} s: "
            f"{self.count_factors} factors, {self.count_securities:,} securities, "
            f"{self.first_date} .. {self.last_date}"
            + (f" (continued from the state of {self.resumed_from})" if self.resumed_from else ""),
            *(
                f"  {table:<32} {count:>12,} rows written"
                for table, count in self.row_counts.items()
            ),
            "  validation (monthly forecasts): family, portfolios, mean bias, share in band, MRAD",
        ]
        lines += [
            f"    {family:<26} {count:>5} {_number(bias)} {_share(share)} {_number(mrad)}"
            for family, count, bias, share, mrad in self.validation
        ]
        return lines


def _number(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:>6.2f}"


def _share(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:>6.0%}"


def run_risk_model(
    connection: psycopg.Connection[Any],
    config: ModelConfig,
    *,
    since: dt.date | None = None,
    track: Track = untracked,
) -> RiskRunSummary:
    """Estimate ``config``'s model on the marts and store it; one ``risk.model_runs`` row.
    ``track`` wraps the long loops (the CLI passes a progress bar)."""
    model_run_id = _start_run(connection, config, since)
    summary = RiskRunSummary(model_run_id, config.preset)
    try:
        with _timed(summary, "read"):
            stored = _stored_state(connection, config, since) if since else None
            panel, return_dates, resumed = _read_inputs(_conninfo(connection), config, stored)
        summary.first_date, summary.last_date = _as_date(panel.dates[0]), _as_date(panel.dates[-1])
        summary.count_securities = panel.security_ids.size
        summary.resumed_from = _as_date(resumed.as_of_date) if resumed else None
        output_rows = panel.dates >= np.datetime64(since or dt.date.min, "D")
        with _timed(summary, "estimate"):
            model = estimate_risk_model(panel, config, output_rows, track, resume=resumed)
        summary.count_factors = len(model.factor_codes)
        _check_identified(model, config)
        with _timed(summary, "write"):
            _write(connection, summary, config, panel, return_dates, model, output_rows, since)
            _keep_state(connection, summary, config, model.state, resumed)
        _finish_run(connection, summary, status="succeeded")
    except Exception as error:
        connection.rollback()
        _finish_run(connection, summary, status="failed", error=str(error))
        raise
    return summary


def _check_identified(model: RiskModel, config: ModelConfig) -> None:
    """A clear error, not an empty run, when sessions had returns but none had more stocks
    than factors (the demo's ten companies and all eleven styles, say)."""
    most_stocks = int(model.count_observations.max(initial=0))
    if most_stocks == 0 or np.isfinite(model.r_squared).any():
        return
    msg = (
        f"no session could be estimated: at most {most_stocks} estimation-universe stocks had"
        f" complete exposures, for {len(model.factor_codes)} factors ({len(config.styles)} styles,"
        f" industries {config.industry_scheme}); estimate fewer factors, e.g. --styles"
        " size,book_to_price,momentum --industries none"
    )
    raise TooFewStocksError(msg)


def _stored_state(
    connection: psycopg.Connection[Any], config: ModelConfig, since: dt.date
) -> ModelState | None:
    """The model's stored state, if a run from `since` can continue from it: made with the
    same parameters and format, as of a date before `since`."""
    row = connection.execute(
        "select as_of_date, state_format, parameters, state from risk.model_states"
        " where model_code = %s",
        (config.preset,),
    ).fetchone()
    if row is None:
        logger.info("risk model: no stored state of %s; reading every session", config.preset)
        return None
    as_of_date, state_format, parameters, state = row
    if state_format != STATE_FORMAT or parameters != _parameters(config):
        logger.info(
            "risk model: the stored state of %s (%s) has other parameters; reading every session",
            config.preset,
            as_of_date,
        )
        return None
    if as_of_date >= since:
        logger.info(
            "risk model: the stored state (%s) is not before --since %s; reading every session",
            as_of_date,
            since,
        )
        return None
    return ModelState.from_bytes(state)


def _read_inputs(
    database: str, config: ModelConfig, state: ModelState | None
) -> tuple[Panel, DateArray, ModelState | None]:
    """The panel from the state's date on, when the state fits it; else every session's."""
    if state is not None:
        panel, return_dates = read_panel(
            database,
            config,
            first_date=_as_date(state.as_of_date),
            security_ids=state.security_ids,
        )
        problem = resume_problem(state, panel)
        if problem is None:
            return panel, return_dates, state
        logger.warning(
            "risk model: not continuing from the state of %s (%s); reading every session",
            state.as_of_date,
            problem,
        )
    panel, return_dates = read_panel(database, config)
    return panel, return_dates, None


def read_panel(
    database: str,
    config: ModelConfig,
    *,
    first_date: dt.date | None = None,
    security_ids: IntArray | None = None,
) -> tuple[Panel, DateArray]:
    """The model's inputs from the marts of `database` (a URL or libpq connection string), as
    dense date x security arrays: every session, or those from `first_date` on. The columns are
    the securities with exposures in those sessions and any `security_ids` besides (a stored
    state's, which a resumed run keeps).

    Read through ADBC, whose binary COPY lands in Arrow without a Python call per row, which
    psycopg's COPY makes (bench/RESULTS.md). The exposures and the next session's returns are
    read apart, at once, and placed by index."""
    styles = list(config.styles)
    # a literal: the planner then reads a window of sessions by the marts' date indexes
    first = sql.Literal(first_date) if first_date else sql.SQL("'-infinity'::date")
    # the server's COPY of the exposures and that of the returns are most of the read: on two
    # connections they run on two cores (a server that serves one connection at a time, as the
    # PGlite test server does, queues the second and serves them in turn)
    batches = [
        {
            "exposures": _panel_query(
                "exposures", style_names=_style_columns(styles), first_date=first
            )
        },
        {
            "returns": _panel_query("returns", first_date=first),
            "sessions": _panel_query("sessions", first_date=first),
            "industries": _panel_query(
                "industries", industry_scheme=sql.Literal(config.industry_scheme)
            ),
        },
    ]
    try:
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            frames = {
                name: frame
                for fetched in pool.map(functools.partial(_fetch_all, database), batches)
                for name, frame in fetched.items()
            }
    except adbc_driver_manager.ProgrammingError as error:
        if error.sqlstate != _UNDEFINED_TABLE:
            raise
        missing = str(error).splitlines()[0]
        msg = f"the factor core is not built ({missing}): run `factor-engine build`"
        raise MissingInputsError(msg) from error
    exposures = frames["exposures"]
    if exposures.is_empty():
        msg = "no factor exposures in marts.factor_exposures: run `factor-engine build` first"
        raise MissingInputsError(msg)

    dates = np.unique(exposures["as_of_date"].to_numpy())
    security_ids = np.union1d(
        exposures["security_id"].to_numpy(),
        np.array([], np.int64) if security_ids is None else security_ids,
    )
    shape = (dates.size, security_ids.size)
    rows = (
        np.searchsorted(dates, exposures["as_of_date"].to_numpy()),
        np.searchsorted(security_ids, exposures["security_id"].to_numpy()),
    )

    def dense(values: npt.ArrayLike, fill: float = np.nan) -> FloatArray:
        array = np.full(shape, fill)
        array[rows] = values
        return array

    has_exposures = np.zeros(shape, dtype=bool)
    has_exposures[rows] = True
    style_array = np.full((*shape, len(styles)), np.nan)
    style_array[rows] = exposures.select(styles).to_numpy()
    industries = frames["industries"].filter(pl.col("security_id").is_in(security_ids))
    industry_codes = tuple(sorted(industries["industry_code"].drop_nulls().unique().to_list()))
    industry_lookup = dict(zip(industries["security_id"], industries["industry_code"], strict=True))
    # the session after each date: what a forecast made at its close is for, and the session
    # whose return the date's exposures explain
    return_dates = (
        (
            pl.DataFrame({"as_of_date": dates.astype("datetime64[D]")})
            .join(frames["sessions"], on="as_of_date", how="left")
            .sort("as_of_date")  # the order of `dates`, which are unique
        )["return_date"]
        .to_numpy()
        .astype("datetime64[D]")
    )
    panel = Panel(
        dates=dates.astype("datetime64[D]"),
        security_ids=security_ids.astype(np.int64),
        returns=_next_returns(frames["returns"], return_dates, security_ids, has_exposures),
        market_cap=dense(exposures["market_cap_usd"].to_numpy()),
        in_estimation_universe=dense(exposures["is_in_estimation_universe"].to_numpy(), 0.0).astype(
            bool
        ),
        styles=style_array,
        industry=np.array(
            [
                industry_codes.index(code) if code is not None else -1
                for code in (industry_lookup.get(security) for security in security_ids)
            ],
            dtype=np.int64,
        ),
        industry_codes=_industry_factor_codes(config.industry_scheme, industry_codes),
        style_codes=tuple(styles),
    )
    return panel, return_dates


def _next_returns(
    returns: pl.DataFrame,
    return_dates: DateArray,
    security_ids: IntArray,
    has_exposures: BoolArray,
) -> FloatArray:
    """Each security's return over the session after each date (return_dates, ascending, NaT
    after the last session), where it has exposures at that date."""
    earned_on = returns["return_date"].to_numpy().astype("datetime64[D]")
    security = returns["security_id"].to_numpy()
    date_rows = np.clip(np.searchsorted(return_dates, earned_on), 0, return_dates.size - 1)
    security_columns = np.clip(np.searchsorted(security_ids, security), 0, security_ids.size - 1)
    in_panel = (return_dates[date_rows] == earned_on) & (security_ids[security_columns] == security)
    array = np.full(has_exposures.shape, np.nan)
    array[date_rows[in_panel], security_columns[in_panel]] = returns["return_1d"].to_numpy()[
        in_panel
    ]
    array[~has_exposures] = np.nan
    return array


def _industry_factor_codes(scheme: str, codes: tuple[str, ...]) -> tuple[str, ...]:
    """industry_ff49_<code> factor codes; without a scheme, the one catch-all 'market' (the
    model folds it into the country factor)."""
    if scheme == "none":
        return ("market",)
    return tuple(f"industry_{scheme}_{code.lower()}" for code in codes)


def _write(
    connection: psycopg.Connection[Any],
    summary: RiskRunSummary,
    config: ModelConfig,
    panel: Panel,
    return_dates: DateArray,
    model: RiskModel,
    output_rows: BoolArray,
    since: dt.date | None,
) -> None:
    stamp = {"model_code": config.preset, "model_run_id": summary.model_run_id}
    # realised values are keyed by the session they were realised: from `since` on
    realised_from = np.datetime64(since or dt.date.min, "D")
    realised_rows = np.flatnonzero(
        ~np.isnat(return_dates) & (return_dates >= realised_from) & np.isfinite(model.r_squared)
    )
    outputs = {
        "risk.factor_returns": ("trade_date", _factor_returns(model, return_dates, realised_rows)),
        "risk.regression_statistics": (
            "trade_date",
            pl.DataFrame(
                {
                    "trade_date": return_dates[realised_rows],
                    "r_squared": model.r_squared[realised_rows],
                    "count_observations": model.count_observations[realised_rows],
                    "count_factors": np.full(realised_rows.size, len(model.factor_codes)),
                }
            ),
        ),
        "risk.specific_returns": (
            "trade_date",
            _specific_returns(panel, model, return_dates, realised_rows),
        ),
        "risk.factor_covariances": ("as_of_date", _covariances(panel, model, output_rows)),
        "risk.specific_risks": ("as_of_date", _specific_risks(panel, model, output_rows)),
        "risk.regime_multipliers": (
            "as_of_date",
            pl.DataFrame(
                {
                    "as_of_date": panel.dates[output_rows],
                    "factor_multiplier": model.factor_multiplier[output_rows],
                    "specific_multiplier": model.specific_multiplier[output_rows],
                }
            ),
        ),
    }
    for table, (date_column, frame) in outputs.items():
        connection.execute(
            sql.SQL("delete from {} where model_code = %s and {} >= %s").format(
                sql.Identifier(*table.split(".")), sql.Identifier(date_column)
            ),
            (config.preset, since or dt.date.min),
        )
        summary.row_counts[table] = copy_binary(
            connection, table, frame.with_columns(**{k: pl.lit(v) for k, v in stamp.items()})
        )
    statistics, summaries = _validation_frames(model)
    stamp_run = pl.lit(summary.model_run_id).alias("model_run_id")
    summary.row_counts["risk.validation_statistics"] = copy_binary(
        connection, "risk.validation_statistics", statistics.with_columns(stamp_run)
    )
    copy_binary(connection, "risk.validation_summaries", summaries.with_columns(stamp_run))
    summary.validation = [
        (
            row["portfolio_family"],
            row["count_portfolios"],
            row["mean_bias_statistic"],
            row["share_within_band"],
            row["mrad"],
        )
        for row in summaries.iter_rows(named=True)
    ]


def _keep_state(
    connection: psycopg.Connection[Any],
    summary: RiskRunSummary,
    config: ModelConfig,
    state: ModelState | None,
    resumed: ModelState | None,
) -> None:
    """Store the run's state for the next run, in the transaction of its outputs. A run over
    every session without a month end leaves none (an older one would not match its outputs)."""
    if state is None:
        if resumed is None:
            connection.execute(
                "delete from risk.model_states where model_code = %s", (config.preset,)
            )
        return
    if resumed is not None and state.as_of_date == resumed.as_of_date:
        return  # no month end since: the stored state is this one
    connection.execute(
        _sql_file("risk_state_save.sql"),
        {
            "model_code": config.preset,
            "as_of_date": _as_date(state.as_of_date),
            "state_format": STATE_FORMAT,
            "parameters": Jsonb(_parameters(config)),
            "state": state.to_bytes(),
            "model_run_id": summary.model_run_id,
        },
    )


def _parameters(config: ModelConfig) -> dict[str, Any]:
    """The config as stored in jsonb (tuples become lists)."""
    parameters: dict[str, Any] = json.loads(json.dumps(config.as_json()))
    return parameters


def _factor_returns(model: RiskModel, return_dates: DateArray, rows: IntArray) -> pl.DataFrame:
    n_factors = len(model.factor_codes)
    return pl.DataFrame(
        {
            "trade_date": np.repeat(return_dates[rows], n_factors),
            "factor_code": np.tile(np.array(model.factor_codes), rows.size),
            "factor_return": model.factor_returns[rows].ravel(),
            "standard_error": model.standard_errors[rows].ravel(),
            "t_stat": model.t_stats[rows].ravel(),
        },
        nan_to_null=True,
    ).filter(pl.col("factor_return").is_not_null())


def _specific_returns(
    panel: Panel, model: RiskModel, return_dates: DateArray, rows: IntArray
) -> pl.DataFrame:
    residuals = model.residuals[rows]
    row, column = np.nonzero(np.isfinite(residuals))
    return pl.DataFrame(
        {
            "trade_date": return_dates[rows][row],
            "security_id": panel.security_ids[column],
            "specific_return": residuals[row, column],
            "is_estimation_universe": panel.in_estimation_universe[rows][row, column],
        }
    )


def _covariances(panel: Panel, model: RiskModel, output_rows: BoolArray) -> pl.DataFrame:
    covariances = model.covariances[output_rows]
    date, first, second = np.nonzero(np.isfinite(covariances))
    codes = np.array(model.factor_codes)
    return pl.DataFrame(
        {
            "as_of_date": panel.dates[output_rows][date],
            "factor_code": codes[first],
            "other_factor_code": codes[second],
            "covariance": covariances[date, first, second],
        }
    )


def _specific_risks(panel: Panel, model: RiskModel, output_rows: BoolArray) -> pl.DataFrame:
    volatility = model.specific_volatility[output_rows]
    row, column = np.nonzero(np.isfinite(volatility))
    return pl.DataFrame(
        {
            "as_of_date": panel.dates[output_rows][row],
            "security_id": panel.security_ids[column],
            "specific_volatility": volatility[row, column],
            "time_series_volatility": model.time_series_volatility[output_rows][row, column],
            "structural_volatility": model.structural_volatility[output_rows][row, column],
            "blend_weight": model.blend_weight[output_rows][row, column],
        },
        nan_to_null=True,
    )


def _validation_frames(model: RiskModel) -> tuple[pl.DataFrame, pl.DataFrame]:
    statistics, summaries = [], []
    for family in model.validation:
        result = family.summary
        # the band needs two periods at least; none where a portfolio never had a forecast
        counts = np.where(result.count_periods > 1, result.count_periods, np.nan)
        statistics.append(
            pl.DataFrame(
                {
                    "portfolio_family": family.family,
                    "portfolio_code": list(family.portfolio_codes),
                    "count_periods": result.count_periods,
                    "bias_statistic": result.bias,
                    "band_low": 1 - np.sqrt(2 / counts),
                    "band_high": 1 + np.sqrt(2 / counts),
                    "is_within_band": result.is_within_band,
                },
                nan_to_null=True,
            )
        )
        summaries.append(
            {
                "portfolio_family": family.family,
                "count_portfolios": len(family.portfolio_codes),
                "mean_bias_statistic": _finite_or_none(
                    float(np.nanmean(result.bias)) if np.isfinite(result.bias).any() else np.nan
                ),
                "share_within_band": float(result.is_within_band.mean())
                if np.isfinite(result.bias).any()
                else None,
                "mrad": _finite_or_none(result.mrad),
                "rolling_bias_p05": _finite_or_none(result.rolling_bias_p05),
                "rolling_bias_p95": _finite_or_none(result.rolling_bias_p95),
            }
        )
    return pl.concat(statistics), pl.DataFrame(summaries, infer_schema_length=None)


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _start_run(
    connection: psycopg.Connection[Any], config: ModelConfig, since: dt.date | None
) -> int:
    row = connection.execute(
        "insert into risk.model_runs (model_code, model_version, parameters, since_date)"
        " values (%s, %s, %s, %s) returning model_run_id",
        (config.preset, config.version, json.dumps(config.as_json()), since),
    ).fetchone()
    connection.commit()
    assert row is not None
    return int(row[0])


def _finish_run(
    connection: psycopg.Connection[Any],
    summary: RiskRunSummary,
    *,
    status: str,
    error: str | None = None,
) -> None:
    connection.execute(
        "update risk.model_runs set status = %s, error = %s, timings = %s,"
        " data_as_of_date = %s, resumed_from_date = %s, finished_at = now()"
        " where model_run_id = %s",
        (
            status,
            error,
            json.dumps(summary.timings),
            summary.last_date,
            summary.resumed_from,
            summary.model_run_id,
        ),
    )
    if status == "succeeded":
        # listeners (dashboards, schedulers) learn of new forecasts; delivered on commit
        payload = {"model_run_id": summary.model_run_id, "model_code": summary.model_code}
        connection.execute("select pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps(payload)))
    connection.commit()


@contextmanager
def _timed(summary: RiskRunSummary, step: str) -> Iterator[None]:
    """Add the step's seconds to the summary's timings, and log it."""
    logger.info("risk model: %s", step)
    started = time.perf_counter()
    yield
    summary.timings[step] = round(time.perf_counter() - started, 3)


def _panel_query(name: str, **placeholders: sql.Composable) -> sql.Composed:
    return sql.SQL(_sql_file(f"risk_panel_{name}.sql")).format(**placeholders)


def _sql_file(name: str) -> str:
    return files(__package__).joinpath(name).read_text()


def _style_columns(styles: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(code) for code in styles)


def _conninfo(connection: psycopg.Connection[Any]) -> str:
    """The psycopg connection's database, as a libpq connection string (password included)."""
    return make_conninfo(**connection.info.get_parameters(), password=connection.info.password)


def _fetch_all(database: str, queries: dict[str, sql.Composed]) -> dict[str, pl.DataFrame]:
    """Each query's rows, read in turn on one connection of its own."""
    with adbc.connect(database) as reader, reader.cursor() as cursor:
        return {name: _fetch(cursor, query.as_string()) for name, query in queries.items()}


def _fetch(cursor: adbc_driver_manager.dbapi.Cursor, query: str) -> pl.DataFrame:
    cursor.execute(query)
    return pl.DataFrame(cursor.fetch_arrow())


def _as_date(value: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(value.astype("datetime64[D]")))
