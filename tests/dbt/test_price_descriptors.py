"""The price descriptors and the market return against an independent oracle, on the demo.

`int_price_descriptors` computes its exponentially weighted windows from running sums in
two window passes (and, in a --since build, continues them from stored state). The oracle
here sums each window directly, session by session, from the definitions in METHODOLOGY
§1.3 as the model documents them: windows in the security's own sessions, weights
2^(-k / half-life) for the session k back, a descriptor only when enough of the window has
data. Every security and session of the demo is compared.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg
import pytest

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Floats = NDArray[np.float64]

pytestmark = [pytest.mark.db, pytest.mark.slow]

DESCRIPTORS = ("lncap", "beta", "hsigma", "dastd", "rstr", "cmra", "stom", "stoq", "stoa")
PAIRED_MINIMUM = 63  # beta and hsigma: paired returns in the 252-session window
MONTH = 21


def weights(length: int, half_life: float, lag: int = 0) -> Floats:
    """Weights of the sessions lag .. lag + length - 1 back, the nearest first."""
    return np.asarray(2.0 ** (-(np.arange(length) + lag) / half_life), dtype=np.float64)


def window(values: Floats, end: int, length: int, lag: int = 0) -> Floats:
    """The window of `length` sessions ending `lag` sessions before `end`, the nearest first
    (shorter near the start of the history)."""
    last = end - lag
    first = max(last - length + 1, 0)
    return values[first : last + 1][::-1] if last >= 0 else values[:0]


def weighted_regression(y: Floats, x: Floats, w: Floats) -> tuple[float, float]:
    """Slope and weighted RMS residual of y on x with an intercept."""
    x_mean = np.sum(w * x) / np.sum(w)
    y_mean = np.sum(w * y) / np.sum(w)
    slope = np.sum(w * (x - x_mean) * (y - y_mean)) / np.sum(w * (x - x_mean) ** 2)
    residuals = y - y_mean - slope * (x - x_mean)
    return float(slope), float(np.sqrt(np.sum(w * residuals**2) / np.sum(w)))


def oracle(
    returns: Floats, market: Floats, turnover: Floats, market_cap: Floats
) -> dict[str, list[float | None]]:
    """Every descriptor of one security on each of its sessions (NaN in the inputs = null)."""
    out: dict[str, list[float | None]] = {name: [] for name in DESCRIPTORS}
    log_returns = np.log1p(returns)
    cumulative = np.where(np.isnan(log_returns), 0.0, log_returns)
    paired = ~np.isnan(returns) & ~np.isnan(market)
    for i in range(len(returns)):
        out["lncap"].append(float(np.log(market_cap[i])) if market_cap[i] > 0 else None)

        beta = hsigma = None
        is_paired = window(paired.astype(np.float64), i, 252) > 0
        if is_paired.sum() >= PAIRED_MINIMUM:
            w = weights(len(is_paired), 63)[is_paired]
            y = window(returns, i, 252)[is_paired]
            x = window(market, i, 252)[is_paired]
            beta, hsigma = weighted_regression(y, x, w)
        out["beta"].append(beta)
        out["hsigma"].append(hsigma)

        recent = window(returns, i, 252)
        has_return = ~np.isnan(recent)
        dastd = None
        if has_return.sum() >= 63:
            w = weights(len(recent), 42)[has_return]
            r = recent[has_return]
            mean = np.sum(w * r) / np.sum(w)
            dastd = float(np.sqrt(max(np.sum(w * r**2) / np.sum(w) - mean**2, 0.0)))
        out["dastd"].append(dastd)

        lagged = window(log_returns, i, 504, lag=MONTH)
        has_lagged = ~np.isnan(lagged)
        rstr = None
        if has_lagged.sum() >= 252:
            w = weights(len(lagged), 126, lag=MONTH)[has_lagged]
            rstr = float(np.sum(w * lagged[has_lagged]))
        out["rstr"].append(rstr)

        cmra = None
        if i + 1 > 252:  # session_index counts from 1
            z = [np.sum(window(cumulative, i, MONTH * months)) for months in range(1, 13)]
            cmra = float(max(z) - min(z))
        out["cmra"].append(cmra)

        year = window(turnover, i, 252)
        count = int(np.sum(~np.isnan(year)))
        for name, months in (("stom", 1), ("stoq", 3), ("stoa", 12)):
            total = np.nansum(window(turnover, i, MONTH * months)) / months
            value = None
            if count >= MONTH * months and total > 0:
                value = float(np.log(total))
            out[name].append(value)
    return out


def fetch(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(query).fetchall()


def as_floats(values: list[Any]) -> Floats:
    return np.array([np.nan if value is None else float(value) for value in values])


def test_every_price_descriptor_equals_its_direct_definition(demo_database_url: str) -> None:
    inputs = fetch(
        demo_database_url,
        "select prices.security_id, prices.return_1d, markets.market_return_1d,"
        " prices.turnover, prices.market_cap_usd"
        " from marts.daily_prices as prices"
        " left join intermediate.int_market_returns as markets using (trade_date)"
        " order by prices.security_id, prices.trade_date",
    )
    stored = fetch(
        demo_database_url,
        f"select security_id, {', '.join(DESCRIPTORS)} from intermediate.int_price_descriptors"
        " order by security_id, trade_date",
    )
    assert len(stored) == len(inputs) > 10_000

    security_ids = np.array([row[0] for row in inputs])
    returns, market, turnover, market_cap = (
        as_floats(list(column)) for column in list(zip(*inputs, strict=True))[1:]
    )
    expected: dict[str, list[float | None]] = {name: [] for name in DESCRIPTORS}
    for security_id in dict.fromkeys(security_ids.tolist()):
        rows = security_ids == security_id
        per_security = oracle(returns[rows], market[rows], turnover[rows], market_cap[rows])
        for name in DESCRIPTORS:
            expected[name].extend(per_security[name])

    for position, name in enumerate(DESCRIPTORS, start=1):
        actual = [row[position] for row in stored]
        present = [value is not None for value in expected[name]]
        assert [value is not None for value in actual] == present, name
        assert sum(present) > 1_000, name
        np.testing.assert_allclose(
            as_floats(actual)[present],
            as_floats(expected[name])[present],
            rtol=1e-9,
            atol=1e-12,
            err_msg=name,
        )


def test_the_market_return_is_the_estu_return_weighted_by_the_previous_market_cap(
    demo_database_url: str,
) -> None:
    prices = fetch(
        demo_database_url,
        "select prices.security_id, prices.trade_date, prices.return_1d, prices.market_cap_usd,"
        " universe.security_id is not null"
        " from marts.daily_prices as prices"
        " left join marts.estimation_universe as universe using (security_id, trade_date)"
        " order by prices.security_id, prices.trade_date",
    )
    stored = dict(
        fetch(
            demo_database_url,
            "select trade_date, market_return_1d from intermediate.int_market_returns",
        )
    )
    weighted: dict[Any, list[float]] = {}
    for previous, (security_id, trade_date, return_1d, _, is_member) in pairwise(prices):
        previous_cap = previous[3] if previous[0] == security_id else None
        if is_member and previous_cap and previous_cap > 0:
            sums = weighted.setdefault(trade_date, [0.0, 0.0])
            if return_1d is not None:
                sums[0] += previous_cap * return_1d
            sums[1] += previous_cap
    expected = {day: total / caps for day, (total, caps) in weighted.items()}

    assert len(expected) > 1_000
    assert stored.keys() == expected.keys()
    np.testing.assert_allclose(
        [stored[day] for day in expected], list(expected.values()), rtol=1e-12
    )
