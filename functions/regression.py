"""Daily cross-sectional regressions: factor returns by USE4's constrained weighted least squares.

Every security has exposure 1 to the country factor and to exactly one industry, so the country
column equals the sum of the industry columns and the plain regression is singular. USE4 (MN
eq. 3.1-3.3) identifies it with one linear constraint: the cap-weighted industry factor returns
sum to zero, ``sum_i w_i f_i = 0``. We substitute the constraint into the regression (a change
of variables ``f = T g`` with one industry, the anchor, expressed through the others), solve an
ordinary weighted least-squares problem in ``g`` and map back. No n x n matrix is ever formed:
weights multiply rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from factor_engine.functions._arrays import BoolArray, FloatArray, IntArray

__all__ = ["CrossSectionFit", "fit_cross_section"]


_RANK_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CrossSectionFit:
    """One date's regression.

    Factor vectors are ordered country, industries ``0 .. n_industries - 1``, styles. An
    industry without estimation-universe members that day has no return (NaN), nor has a
    style that the country, industries and earlier styles span that day.
    ``residuals`` has one value per input row: NaN where the row had no return, an incomplete
    exposure row or an industry without a return.
    """

    factor_returns: FloatArray
    standard_errors: FloatArray
    t_stats: FloatArray
    r_squared: float
    count_observations: int
    residuals: FloatArray


def fit_cross_section(
    returns: FloatArray,
    style_exposures: FloatArray,
    industry: IntArray,
    market_cap: FloatArray,
    in_estimation_universe: BoolArray,
    n_industries: int,
) -> CrossSectionFit:
    """Regress one date's returns on country, industries and styles.

    Parameters
    ----------
    returns
        Return of each security over (t-1, t], shape (n,).
    style_exposures
        Style exposures known at t-1, shape (n, n_styles).
    industry
        Industry index of each security in ``0 .. n_industries - 1``, -1 when unknown.
    market_cap
        Market capitalisation at t-1: regression weights are its square root (USE4: specific
        variance taken inversely proportional to sqrt(cap)), constraint weights its
        industry sums.
    in_estimation_universe
        Rows that enter the regression; the others only get residuals.
    n_industries
        Number of industry factors.

    Examples
    --------
    >>> import numpy as np
    >>> fit = fit_cross_section(
    ...     returns=np.array([0.01, 0.02, -0.01, 0.00, 0.03]),
    ...     style_exposures=np.array([[1.0], [-1.0], [0.5], [0.0], [-0.5]]),
    ...     industry=np.array([0, 0, 1, 1, 1]),
    ...     market_cap=np.array([4.0, 1.0, 1.0, 1.0, 1.0]),
    ...     in_estimation_universe=np.ones(5, dtype=bool),
    ...     n_industries=2,
    ... )
    >>> caps = np.array([5.0, 3.0]) / 8.0
    >>> round(float(caps @ fit.factor_returns[1:3]), 12)
    0.0
    """
    n_rows, n_styles = _check_shapes(
        returns, style_exposures, industry, market_cap, in_estimation_universe
    )
    complete = (
        np.isfinite(returns)
        & np.isfinite(style_exposures).all(axis=1)
        & (industry >= 0)
        & (industry < n_industries)
    )
    used = complete & in_estimation_universe & np.isfinite(market_cap) & (market_cap > 0)
    industry_cap = np.bincount(
        industry[used], weights=market_cap[used], minlength=n_industries
    ).astype(np.float64)
    present = np.flatnonzero(industry_cap > 0)
    n_factors = 1 + n_industries + n_styles
    count_observations = int(used.sum())
    n_free = 1 + max(present.size - 1, 0) + n_styles
    if present.size == 0 or count_observations <= n_free:
        return _no_fit(n_factors, n_rows, count_observations)

    transform = _constraint_transform(industry_cap, present, n_industries, n_styles)
    design = _design(industry[used], style_exposures[used], n_industries)
    sqrt_weight = np.sqrt(np.sqrt(market_cap[used]))
    r, projected_returns, residual_norm = _weighted_qr(
        design @ transform, returns[used], sqrt_weight
    )
    dependent = _dependent_columns(r)
    if dependent.any():
        # A style that the country, industries and earlier styles already span that day (one
        # imputed entirely from industry means, say) has no return of its own: drop it. Any
        # other dependence leaves the day unidentified.
        free_styles = np.arange(transform.shape[1]) >= transform.shape[1] - n_styles
        if (dependent & ~free_styles).any():
            return _no_fit(n_factors, n_rows, count_observations)
        transform = transform[:, ~dependent]
        n_free = transform.shape[1]
        if count_observations <= n_free:
            return _no_fit(n_factors, n_rows, count_observations)
        r, projected_returns, residual_norm = _weighted_qr(
            design @ transform, returns[used], sqrt_weight
        )
    dropped = np.asarray(~transform.any(axis=1))  # numpy 2.4 stubs: any(axis) may be a bool
    dropped[: 1 + n_industries] = False
    free_returns = np.linalg.solve(r, projected_returns)
    factor_returns = transform @ free_returns
    residual_sum_of_squares = residual_norm**2

    r_inverse = np.linalg.inv(r)
    residual_variance = residual_sum_of_squares / (count_observations - n_free)
    free_covariance = residual_variance * (r_inverse @ r_inverse.T)
    factor_variance = np.einsum("ij,jk,ik->i", transform, free_covariance, transform)
    standard_errors = np.sqrt(np.maximum(factor_variance, 0.0))

    absent = np.setdiff1d(np.arange(n_industries), present) + 1
    factor_returns[absent] = np.nan
    standard_errors[absent] = np.nan
    factor_returns[dropped] = np.nan
    standard_errors[dropped] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stats = factor_returns / standard_errors

    # each row's explained return, country + its industry + styles, without the design matrix
    fitted = np.nan_to_num(factor_returns)
    explained = (
        fitted[0]
        + fitted[1 + industry[complete]]
        + style_exposures[complete] @ fitted[1 + n_industries :]
    )
    residuals = np.full(n_rows, np.nan)
    residuals[complete] = np.where(
        industry_cap[industry[complete]] > 0, returns[complete] - explained, np.nan
    )

    regression_weight = sqrt_weight**2
    mean_return = np.average(returns[used], weights=regression_weight)
    total = regression_weight @ (returns[used] - mean_return) ** 2
    r_squared = 1.0 - residual_sum_of_squares / total if total > 0 else np.nan
    return CrossSectionFit(
        factor_returns, standard_errors, t_stats, float(r_squared), count_observations, residuals
    )


def _weighted_qr(
    design: FloatArray, target: FloatArray, row_weights: FloatArray
) -> tuple[FloatArray, FloatArray, float]:
    """R, Q' target and the residual norm of the least-squares fit of target on design, all
    rows multiplied by row_weights, from the triangular factor of [design | target] alone.

    Its first columns are the R of the design, its last column Q' target above the residual
    norm: the regression solves R x = Q' target as a full QR would, without forming Q (an
    n x k matrix whose construction took two thirds of numpy's QR at 3,000 x 15).
    """
    n_columns = design.shape[1]
    augmented = np.empty((design.shape[0], n_columns + 1))
    augmented[:, :n_columns] = design
    augmented[:, n_columns] = target
    augmented *= row_weights[:, None]
    # numpy's stubs type every mode's result as the (Q, R) pair; mode "r" returns R alone
    r = cast("FloatArray", np.linalg.qr(augmented, mode="r"))
    return r[:n_columns, :n_columns], r[:n_columns, n_columns], float(abs(r[n_columns, n_columns]))


def _dependent_columns(r: FloatArray) -> BoolArray:
    """Columns of a QR factor that add (numerically) nothing to the ones before them."""
    diagonal = np.abs(np.diag(r))
    column_norms = np.linalg.norm(r, axis=0)
    return np.asarray(diagonal <= _RANK_TOLERANCE * np.maximum(column_norms, 1e-300))


def _no_fit(n_factors: int, n_rows: int, count_observations: int) -> CrossSectionFit:
    nan = np.full(n_factors, np.nan)
    return CrossSectionFit(nan, nan, nan, np.nan, count_observations, np.full(n_rows, np.nan))


def _check_shapes(
    returns: FloatArray,
    style_exposures: FloatArray,
    industry: IntArray,
    market_cap: FloatArray,
    in_estimation_universe: BoolArray,
) -> tuple[int, int]:
    if style_exposures.ndim != 2:
        msg = f"style_exposures must be 2-d (n, n_styles), got shape {style_exposures.shape}"
        raise ValueError(msg)
    n_rows, n_styles = style_exposures.shape
    for name, array in {
        "returns": returns,
        "industry": industry,
        "market_cap": market_cap,
        "in_estimation_universe": in_estimation_universe,
    }.items():
        if array.shape != (n_rows,):
            msg = (
                f"{name} must have shape ({n_rows},) like style_exposures' rows, got {array.shape}"
            )
            raise ValueError(msg)
    return n_rows, n_styles


def _design(industry: IntArray, style_exposures: FloatArray, n_industries: int) -> FloatArray:
    """Full exposure matrix: country, industry dummies, styles."""
    design = np.zeros((industry.size, 1 + n_industries + style_exposures.shape[1]))
    design[:, 0] = 1.0
    design[np.arange(industry.size), 1 + industry] = 1.0
    design[:, 1 + n_industries :] = style_exposures
    return design


def _constraint_transform(
    industry_cap: FloatArray, present: IntArray, n_industries: int, n_styles: int
) -> FloatArray:
    """Map free parameters g to factor returns f = T g with sum_i w_i f_i = 0 built in.

    The anchor is the present industry with the largest cap: dividing by its weight is then
    best conditioned. Absent industries map to zero (their returns are reported as NaN).
    """
    anchor = present[np.argmax(industry_cap[present])]
    others = present[present != anchor]
    n_free = 1 + others.size + n_styles
    transform = np.zeros((1 + n_industries + n_styles, n_free))
    transform[0, 0] = 1.0
    transform[1 + others, 1 + np.arange(others.size)] = 1.0
    transform[1 + anchor, 1 : 1 + others.size] = -industry_cap[others] / industry_cap[anchor]
    transform[1 + n_industries :, 1 + others.size :] = np.eye(n_styles)
    return transform
