"""The risk model run against the demo database: what it stores, incremental runs, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import psycopg
import pytest
from click.testing import CliRunner

from factor_engine.core.cli import main
from factor_engine.core.demo import DEMO_MODEL
from factor_engine.functions.jobs import (
    MissingInputsError,
    TooFewStocksError,
    read_panel,
    run_risk_model,
)
from factor_engine.functions.model_config import preset


def rows(url: str, query: str, *parameters: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(query, parameters).fetchall()


def test_the_demo_run_is_logged_with_its_parameters(demo_database_url: str) -> None:
    [(status, parameters, as_of, timings)] = rows(
        demo_database_url,
        "select status, parameters, data_as_of_date, timings from risk.model_runs"
        " where model_run_id = (select min(model_run_id) from risk.model_runs)",
    )
    assert status == "succeeded"
    assert parameters["preset"] == "use4s"
    assert parameters["volatility_half_life"] == 84
    assert parameters["styles"] == ["size", "book_to_price", "momentum"]
    assert as_of == dt.date(2017, 11, 10)
    assert set(timings) == {"read", "estimate", "write"}


def test_every_session_with_a_regression_has_all_outputs(demo_database_url: str) -> None:
    # Momentum needs two years of prices: until then every stock gets the same imputed value,
    # which the country factor spans, and the regression leaves it out. From its first return on,
    # every session has all four factor returns and, as of its close, all 16 covariances.
    [(missing_country, missing_returns, missing_covariance, missing_specific)] = rows(
        demo_database_url,
        """
        with sessions as (
            select trade_date from risk.regression_statistics where model_code = 'use4s'
        ),
        momentum_from as (
            select min(trade_date) as trade_date from risk.factor_returns
            where model_code = 'use4s' and factor_code = 'momentum'
        )
        select
            count(*) filter (where not exists (select from risk.factor_returns as f
                where f.model_code = 'use4s' and f.trade_date = s.trade_date
                and f.factor_code = 'country')),
            count(*) filter (where s.trade_date >= m.trade_date
                and (select count(*) from risk.factor_returns as f
                where f.model_code = 'use4s' and f.trade_date = s.trade_date) <> 4),
            count(*) filter (where s.trade_date > m.trade_date
                and (select count(*) from risk.factor_covariances as c
                where c.model_code = 'use4s' and c.as_of_date = s.trade_date) <> 16),
            -- forecasts start the session after the first return
            count(*) filter (where s.trade_date > (select min(trade_date) from sessions)
                and not exists (select from risk.specific_risks as r
                where r.model_code = 'use4s' and r.as_of_date = s.trade_date))
        from sessions as s cross join momentum_from as m
        """,
    )
    assert (missing_country, missing_returns, missing_covariance, missing_specific) == (0, 0, 0, 0)
    [(count_sessions, count_with_momentum)] = rows(
        demo_database_url,
        "select count(distinct trade_date), count(*) filter (where factor_code = 'momentum')"
        " from risk.factor_returns",
    )
    assert count_sessions > 1_800
    assert count_with_momentum > 1_500


def test_the_regression_fits_and_its_industry_free_constraint(demo_database_url: str) -> None:
    [(low, high, observations)] = rows(
        demo_database_url,
        "select min(r_squared), max(r_squared), min(count_observations)"
        " from risk.regression_statistics",
    )
    assert 0 <= low < high <= 1
    assert observations > 4  # more stocks than the four factors, every day


def test_validation_statistics_are_stored_per_run(demo_database_url: str) -> None:
    summaries = dict(
        rows(
            demo_database_url,
            "select portfolio_family, mean_bias_statistic from risk.validation_summaries"
            " where model_run_id = (select min(model_run_id) from risk.model_runs)",
        )
    )
    assert set(summaries) >= {"factors", "random_factor_portfolios"}
    assert 0.5 < summaries["factors"] < 1.5
    [(count, low, high)] = rows(
        demo_database_url,
        "select count_periods, band_low, band_high from risk.validation_statistics"
        " where portfolio_code = 'size' order by model_run_id limit 1",
    )
    assert count > 70
    assert high - 1 == pytest.approx(1 - low) == pytest.approx((2 / count) ** 0.5)


# every stored output from `since` on (realised values from a few sessions before)
OUTPUTS_FROM = """
    select as_of_date, factor_code, other_factor_code, covariance
    from risk.factor_covariances where model_code = 'use4s' and as_of_date >= %(since)s
    union all
    select as_of_date, security_id::text, 'specific', specific_volatility
    from risk.specific_risks where model_code = 'use4s' and as_of_date >= %(since)s
    union all
    select as_of_date, 'multipliers', factor_multiplier::text, specific_multiplier
    from risk.regime_multipliers where model_code = 'use4s' and as_of_date >= %(since)s
    union all
    select trade_date, factor_code, 'return', factor_return
    from risk.factor_returns where model_code = 'use4s' and trade_date >= %(since)s - 5
    union all
    select trade_date, security_id::text, 'residual', specific_return
    from risk.specific_returns where model_code = 'use4s' and trade_date >= %(since)s - 5
    order by 1, 2, 3
"""
LATEST_VALIDATION = """
    select portfolio_family, count_portfolios, mean_bias_statistic, share_within_band, mrad,
        rolling_bias_p05, rolling_bias_p95
    from risk.validation_summaries
    where model_run_id = (select max(model_run_id) from risk.model_runs where status = 'succeeded')
    order by portfolio_family
"""


def outputs_from(url: str, since: dt.date) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(OUTPUTS_FROM, {"since": since}).fetchall()


def test_an_incremental_run_rewrites_the_same_values(demo_database_url: str) -> None:
    # before the stored state's month end (2017-10-31): the run reads every session
    since = dt.date(2017, 10, 2)
    before = outputs_from(demo_database_url, since)
    validation = rows(demo_database_url, LATEST_VALIDATION)
    with psycopg.connect(demo_database_url, autocommit=True) as listener:
        listener.execute("listen factor_updates")
        with psycopg.connect(demo_database_url) as connection:
            summary = run_risk_model(connection, DEMO_MODEL, since=since)
        [notice] = list(listener.notifies(timeout=5, stop_after=1))
    assert json.loads(notice.payload) == {
        "model_run_id": summary.model_run_id,
        "model_code": "use4s",
    }
    assert summary.resumed_from is None
    assert summary.first_date == dt.date(2010, 7, 6)  # the first exposures
    assert outputs_from(demo_database_url, since) == before
    assert rows(demo_database_url, LATEST_VALIDATION) == validation
    # only the sessions from `since` on were rewritten
    sessions = {row[0] for row in before if row[0] >= since}
    assert summary.row_counts["risk.factor_covariances"] == 16 * len(sessions)


def test_a_daily_run_continues_from_the_stored_state(demo_database_url: str) -> None:
    [(state_date, state_run)] = rows(
        demo_database_url, "select as_of_date, model_run_id from risk.model_states"
    )
    assert state_date == dt.date(2017, 10, 31)  # the demo's last month end
    since = dt.date(2017, 11, 6)
    before = outputs_from(demo_database_url, since)
    validation = rows(demo_database_url, LATEST_VALIDATION)
    with psycopg.connect(demo_database_url) as connection:
        summary = run_risk_model(connection, DEMO_MODEL, since=since)
    # it read the sessions from the state's date on, and wrote what a whole run writes
    assert summary.resumed_from == state_date
    assert summary.first_date == state_date
    assert outputs_from(demo_database_url, since) == before
    assert rows(demo_database_url, LATEST_VALIDATION) == validation
    assert rows(
        demo_database_url,
        "select resumed_from_date from risk.model_runs where model_run_id = %s",
        summary.model_run_id,
    ) == [(state_date,)]
    # no month end since the state's: it stays
    assert rows(demo_database_url, "select model_run_id from risk.model_states") == [(state_run,)]


def test_a_database_without_the_factor_core_is_a_clear_error(migrated_database_url: str) -> None:
    with (
        psycopg.connect(migrated_database_url) as connection,
        pytest.raises(MissingInputsError, match="run `factor-engine build`"),
    ):
        run_risk_model(connection, DEMO_MODEL)
    [(status, error)] = rows(migrated_database_url, "select status, error from risk.model_runs")
    assert status == "failed"
    assert "not built" in error


def test_more_factors_than_stocks_is_a_clear_error(
    demo_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # all eleven styles and the FF49 industries for the demo's ten companies
    with (
        psycopg.connect(demo_database_url) as connection,
        pytest.raises(TooFewStocksError, match="at most 9 estimation-universe stocks"),
    ):
        run_risk_model(connection, preset("use4s"))
    [(status, error)] = rows(
        demo_database_url,
        "select status, error from risk.model_runs order by model_run_id desc limit 1",
    )
    assert status == "failed"
    assert "estimate fewer factors" in error
    # nothing it computed was kept: the demo model's state is still there
    assert rows(demo_database_url, "select parameters->'styles' from risk.model_states") == [
        (["size", "book_to_price", "momentum"],)
    ]
    monkeypatch.setenv("DATABASE_URL", demo_database_url)
    result = CliRunner().invoke(main, ["risk", "--no-progress"])
    assert result.exit_code == 1
    assert "Error: no session could be estimated" in result.output


def test_the_cli_rejects_unknown_styles(
    demo_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_database_url)
    runner = CliRunner()
    bad = runner.invoke(main, ["risk", "--styles", "size,charisma"])
    assert bad.exit_code == 2
    assert "charisma" in bad.output


def test_a_window_of_the_panel_is_the_panel_from_its_first_date(demo_database_url: str) -> None:
    first = dt.date(2017, 6, 1)
    whole, whole_dates = read_panel(demo_database_url, DEMO_MODEL)
    window, window_dates = read_panel(demo_database_url, DEMO_MODEL, first_date=first)

    kept = whole.dates >= np.datetime64(first)
    assert window.dates.tolist() == whole.dates[kept].tolist()
    assert window_dates.tolist() == whole_dates[kept].tolist()
    # the securities with exposures in the window: the others are gone from it
    columns = np.searchsorted(whole.security_ids, window.security_ids)
    assert whole.security_ids[columns].tolist() == window.security_ids.tolist()
    gone = np.setdiff1d(np.arange(whole.security_ids.size), columns)
    assert np.isnan(whole.market_cap[kept][:, gone]).all()
    for name in ("returns", "market_cap", "in_estimation_universe", "styles"):
        np.testing.assert_array_equal(getattr(window, name), getattr(whole, name)[kept][:, columns])
    assert window.industry.tolist() == whole.industry[columns].tolist()
