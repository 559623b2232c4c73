"""A market with a known factor structure, for testing the risk model against the truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factor_engine.functions._arrays import FloatArray
from factor_engine.functions.model import Panel


@dataclass(frozen=True)
class SimulatedMarket:
    panel: Panel
    factor_returns: FloatArray  # (T, K): country, industries, styles, realised per panel row
    factor_covariance: FloatArray  # (K, K) daily
    specific_volatility: FloatArray  # (N,) daily


def simulate_market(
    *, n_dates: int = 800, n_securities: int = 400, n_industries: int = 5, seed: int = 7
) -> SimulatedMarket:
    """Returns r = X f + u with constant factor covariance and specific volatility.

    Industry returns satisfy the cap-weighted constraint exactly, so the true factor returns
    are identified the same way the model identifies them.
    """
    rng = np.random.default_rng(seed)
    style_codes = ("beta", "size", "momentum")
    n_styles = len(style_codes)
    n_factors = 1 + n_industries + n_styles
    industry = np.arange(n_securities) % n_industries
    log_cap = rng.normal(22, 1.2, n_securities)
    styles = np.empty((n_dates, n_securities, n_styles))
    styles[0] = rng.standard_normal((n_securities, n_styles))
    for t in range(1, n_dates):  # exposures drift slowly, as real ones do
        styles[t] = 0.995 * styles[t - 1] + 0.1 * rng.standard_normal((n_securities, n_styles))
    market_cap = np.exp(log_cap)[None, :] * np.exp(
        np.cumsum(rng.normal(0, 0.005, (n_dates, n_securities)), axis=0)
    )
    volatility = np.concatenate([[0.010], np.full(n_industries, 0.006), [0.004, 0.003, 0.005]])
    correlation = 0.2 * np.ones((n_factors, n_factors)) + 0.8 * np.eye(n_factors)
    covariance = (np.outer(volatility, volatility) * correlation).astype(np.float64)
    draws = rng.multivariate_normal(np.zeros(n_factors), covariance, size=n_dates)
    industry_cap = np.stack([np.bincount(industry, weights=market_cap[t]) for t in range(n_dates)])
    industry_weight = industry_cap / industry_cap.sum(axis=1, keepdims=True)
    industry_part = draws[:, 1 : 1 + n_industries]
    draws[:, 1 : 1 + n_industries] -= (industry_weight * industry_part).sum(axis=1, keepdims=True)
    specific_volatility = rng.uniform(0.01, 0.03, n_securities)
    returns = (
        draws[:, [0]]
        + draws[:, 1 + industry]
        + np.einsum("tns,ts->tn", styles, draws[:, 1 + n_industries :])
        + rng.standard_normal((n_dates, n_securities)) * specific_volatility
    )
    returns[-1] = np.nan  # the latest date's next-session return is not known yet
    panel = Panel(
        dates=np.arange("2015-01-01", n_dates * 7 // 5 + 10, dtype="datetime64[D]")[
            np.is_busday(np.arange("2015-01-01", n_dates * 7 // 5 + 10, dtype="datetime64[D]"))
        ][:n_dates],
        security_ids=np.arange(1, n_securities + 1, dtype=np.int64),
        returns=returns,
        market_cap=market_cap,
        in_estimation_universe=np.ones((n_dates, n_securities), bool),
        styles=styles,
        industry=industry.astype(np.int64),
        industry_codes=tuple(f"industry_{k}" for k in range(n_industries)),
        style_codes=style_codes,
    )
    return SimulatedMarket(panel, draws, covariance, specific_volatility)
