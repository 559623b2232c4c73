"""Standardised descriptors and style exposures against an independent oracle, on the demo.

The oracle recomputes, per session in polars and numpy, what METHODOLOGY §1 and the models'
documentation define: each descriptor z-scored against the estimation universe (cap-weighted
mean, equal-weighted standard deviation, at least three members), trimmed to ±3 and
standardised again; each style the present-weighted mean of its descriptors' z-scores with
the CNE5 weights, standardised again; non-linear size the cube of size minus its
√cap-weighted least-squares fit on size over the ESTU, trimmed and standardised; a style
missing for a security imputed with its Fama-French 12 industry's cap-weighted ESTU mean
(0 when there is none). Every session and security of the demo is compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import psycopg
import pytest

if TYPE_CHECKING:
    from numpy.typing import NDArray

pytestmark = [pytest.mark.db, pytest.mark.slow]

DESCRIPTORS = (
    "lncap", "beta", "hsigma", "dastd", "rstr", "cmra", "stom", "stoq", "stoa",
    "btop", "etop", "cetop", "dyield", "mlev", "blev", "dtoa", "sgro", "egro",
)  # fmt: skip
STYLE_WEIGHTS = {  # CNE5 descriptor weights, as METHODOLOGY §1.3 and ADR 0010 state them
    "beta": {"beta": 1.0},
    "momentum": {"rstr": 1.0},
    "size": {"lncap": 1.0},
    "residual_volatility": {"dastd": 0.74, "cmra": 0.16, "hsigma": 0.10},
    "book_to_price": {"btop": 1.0},
    "earnings_yield": {"cetop": 0.66, "etop": 0.34},
    "growth": {"sgro": 0.66, "egro": 0.34},
    "leverage": {"mlev": 0.38, "dtoa": 0.35, "blev": 0.27},
    "liquidity": {"stom": 0.35, "stoq": 0.35, "stoa": 0.30},
    "dividend_yield": {"dyield": 1.0},
}
STYLES = (*STYLE_WEIGHTS, "nonlinear_size")
TOLERANCE = 1e-9  # relative and absolute


def read(url: str, query: str) -> pl.DataFrame:
    with psycopg.connect(url) as connection:
        cursor = connection.execute(query)
        names = [column.name for column in cursor.description or ()]
        return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)


def standardised(value: str) -> pl.Expr:
    """USE4 standardisation within a session, over ESTU members that have the value."""
    members = pl.col("is_in_estu") & pl.col(value).is_not_null()
    count = pl.col(value).filter(members).count().over("trade_date")
    cap = pl.col("market_cap_usd")
    mean = (cap * pl.col(value)).filter(members).sum() / cap.filter(members).sum()
    spread = pl.col(value).filter(members).std(ddof=1)
    z = (pl.col(value) - mean.over("trade_date")) / spread.over("trade_date")
    return pl.when((count >= 3) & (spread.over("trade_date") != 0)).then(z)


def descriptor_z_scores(descriptors: pl.DataFrame) -> pl.DataFrame:
    trimmed = descriptors.with_columns(
        standardised(code).clip(-3, 3).alias(f"{code}_trimmed") for code in DESCRIPTORS
    )
    return trimmed.with_columns(
        standardised(f"{code}_trimmed").alias(f"{code}_z") for code in DESCRIPTORS
    )


def nonlinear_size_residuals(frame: pl.DataFrame) -> pl.Series:
    """Per session: size cubed minus its √cap-weighted least-squares fit on size (ESTU)."""
    residuals: NDArray[np.float64] = np.full(frame.height, np.nan)
    for session_rows in frame.with_row_index("row").partition_by("trade_date"):
        size = session_rows["size"].to_numpy(allow_copy=True).astype(np.float64)
        fit_rows = session_rows["is_in_estu"].to_numpy() & ~np.isnan(size)
        if fit_rows.sum() < 3:
            continue
        root_weight = np.sqrt(np.sqrt(session_rows["market_cap_usd"].to_numpy()[fit_rows]))
        design = np.column_stack([np.ones(fit_rows.sum()), size[fit_rows]])
        (intercept, slope), *_ = np.linalg.lstsq(
            design * root_weight[:, None], size[fit_rows] ** 3 * root_weight, rcond=None
        )
        rows = session_rows["row"].to_numpy()
        residuals[rows] = size**3 - intercept - slope * size
    return pl.Series("nonlinear_size_residual", residuals, nan_to_null=True)


def style_exposures(z_scores: pl.DataFrame) -> pl.DataFrame:
    scores = z_scores.with_columns(
        (
            pl.sum_horizontal(
                pl.col(f"{code}_z").fill_null(0) * weight for code, weight in parts.items()
            )
            / pl.sum_horizontal(
                pl.when(pl.col(f"{code}_z").is_not_null()).then(weight).otherwise(0.0)
                for code, weight in parts.items()
            ).replace(0.0, None)
        ).alias(f"{style}_score")
        for style, parts in STYLE_WEIGHTS.items()
    )
    exposures = scores.with_columns(
        standardised(f"{style}_score").alias(style) for style in STYLE_WEIGHTS
    )
    exposures = exposures.with_columns(nonlinear_size_residuals(exposures))
    exposures = exposures.with_columns(
        standardised("nonlinear_size_residual").clip(-3, 3).alias("nonlinear_size_trimmed")
    ).with_columns(standardised("nonlinear_size_trimmed").alias("nonlinear_size"))
    cap = pl.col("market_cap_usd")
    by_industry = ("trade_date", "ff12_industry_code")
    return exposures.with_columns(
        pl.col(style).is_null().alias(f"{style}_is_imputed") for style in STYLES
    ).with_columns(
        pl.col(style).fill_null(
            (
                (cap * pl.col(style)).filter(pl.col("is_in_estu")).sum()
                / cap.filter(pl.col("is_in_estu") & pl.col(style).is_not_null()).sum()
            )
            .over(by_industry)
            .fill_nan(None)
            .fill_null(0.0)
        )
        for style in STYLES
    )


def assert_columns_equal(actual: pl.DataFrame, expected: pl.DataFrame, columns: list[str]) -> None:
    for column in columns:
        left, right = actual[column], expected[column]
        assert left.is_null().to_list() == right.is_null().to_list(), column
        assert left.is_not_null().sum() > 1_000, column
        np.testing.assert_allclose(
            left.drop_nulls().to_numpy(),
            right.drop_nulls().to_numpy(),
            rtol=TOLERANCE,
            atol=TOLERANCE,
            err_msg=column,
        )


def test_descriptors_are_standardised_trimmed_and_standardised_again(
    demo_database_url: str,
) -> None:
    stored = read(
        demo_database_url,
        "select * from intermediate.int_descriptors_standardized order by trade_date, security_id",
    )
    expected = descriptor_z_scores(
        stored.select("trade_date", "security_id", "market_cap_usd", "is_in_estu", *DESCRIPTORS)
    )

    assert_columns_equal(stored, expected, [f"{code}_z" for code in DESCRIPTORS])


def test_style_exposures_combine_standardise_and_impute(demo_database_url: str) -> None:
    descriptors = read(
        demo_database_url,
        "select descriptors.*, securities.ff12_industry_code"
        " from intermediate.int_descriptors_standardized as descriptors"
        " join marts.securities using (security_id)"
        " where descriptors.trade_date in (select trade_date from marts.estimation_universe"
        "  group by trade_date having count(*) >= 3)"
        " order by descriptors.trade_date, descriptors.security_id",
    )
    stored = read(
        demo_database_url,
        "select * from marts.factor_exposures_wide order by trade_date, security_id",
    )
    expected = style_exposures(descriptors)

    assert stored.select("trade_date", "security_id").equals(
        expected.select("trade_date", "security_id")
    )
    assert_columns_equal(stored, expected, list(STYLES))
    for style in STYLES:
        assert stored[f"{style}_is_imputed"].equals(expected[f"{style}_is_imputed"]), style
