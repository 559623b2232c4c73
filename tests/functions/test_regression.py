"""The constrained regression against an independent solution, and its invariants."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factor_engine.functions.regression import fit_cross_section

Array = npt.NDArray[Any]


def _market(
    seed: int, n: int = 400, n_industries: int = 6, n_styles: int = 3
) -> tuple[Array, Array, Array, Array, Array]:
    rng = np.random.default_rng(seed)
    industry = np.arange(n) % n_industries
    rng.shuffle(industry)
    styles = rng.standard_normal((n, n_styles))
    cap = np.exp(rng.normal(21, 1.5, n))
    true = rng.normal(0, 0.01, 1 + n_industries + n_styles)
    returns = true[0] + true[1 + industry] + styles @ true[1 + n_industries :]
    returns += rng.normal(0, 0.02, n)
    return returns, styles, industry, cap, true


def _kkt_solution(
    returns: Array, styles: Array, industry: Array, cap: Array, n_industries: int
) -> tuple[Array, Array]:
    """Direct constrained WLS: minimise (r - Xf)'V(r - Xf) s.t. c'f = 0, by its KKT system."""
    n = returns.size
    design = np.zeros((n, 1 + n_industries + styles.shape[1]))
    design[:, 0] = 1.0
    design[np.arange(n), 1 + industry] = 1.0
    design[:, 1 + n_industries :] = styles
    weight = np.sqrt(cap)
    constraint = np.zeros(design.shape[1])
    constraint[1 : 1 + n_industries] = np.bincount(industry, weights=cap) / cap.sum()
    k = design.shape[1]
    system = np.zeros((k + 1, k + 1))
    system[:k, :k] = design.T @ (design * weight[:, None])
    system[:k, k] = constraint
    system[k, :k] = constraint
    rhs = np.append(design.T @ (weight * returns), 0.0)
    return np.linalg.solve(system, rhs)[:k], design


def test_matches_the_direct_constrained_least_squares_solution() -> None:
    returns, styles, industry, cap, _ = _market(seed=1)
    fit = fit_cross_section(returns, styles, industry, cap, np.ones(returns.size, bool), 6)
    expected, design = _kkt_solution(returns, styles, industry, cap, 6)
    np.testing.assert_allclose(fit.factor_returns, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.residuals, returns - design @ expected, rtol=0, atol=1e-10)


def test_standard_errors_match_the_constrained_estimator_covariance() -> None:
    returns, styles, industry, cap, _ = _market(seed=2)
    fit = fit_cross_section(returns, styles, industry, cap, np.ones(returns.size, bool), 6)
    _, design = _kkt_solution(returns, styles, industry, cap, 6)
    # the null space of the constraint, found independently of the implementation's transform
    constraint = np.zeros(design.shape[1])
    constraint[1:7] = np.bincount(industry, weights=cap) / cap.sum()
    basis = np.linalg.svd(constraint[None, :])[2][1:].T
    weighted = design @ basis * np.sqrt(np.sqrt(cap))[:, None]
    residual_variance = (fit.residuals**2 * np.sqrt(cap)).sum() / (returns.size - basis.shape[1])
    covariance = basis @ np.linalg.inv(weighted.T @ weighted) @ basis.T * residual_variance
    np.testing.assert_allclose(fit.standard_errors, np.sqrt(np.diag(covariance)), rtol=1e-9)
    np.testing.assert_allclose(fit.t_stats, fit.factor_returns / fit.standard_errors)


def test_rows_outside_the_estimation_universe_get_residuals_but_do_not_move_the_fit() -> None:
    returns, styles, industry, cap, _ = _market(seed=3)
    estu = np.ones(returns.size, bool)
    estu[:50] = False
    moved = returns.copy()
    moved[:50] += 5.0
    base = fit_cross_section(returns, styles, industry, cap, estu, 6)
    shifted = fit_cross_section(moved, styles, industry, cap, estu, 6)
    np.testing.assert_allclose(base.factor_returns, shifted.factor_returns, atol=1e-14)
    np.testing.assert_allclose(shifted.residuals[:50] - base.residuals[:50], 5.0)
    assert base.count_observations == returns.size - 50


def test_an_industry_without_members_has_no_return_and_its_stocks_no_residual() -> None:
    returns, styles, industry, cap, _ = _market(seed=4)
    estu = industry != 2
    fit = fit_cross_section(returns, styles, industry, cap, estu, 6)
    assert np.isnan(fit.factor_returns[1 + 2])
    assert np.isnan(fit.residuals[industry == 2]).all()
    assert np.isfinite(fit.residuals[industry != 2]).all()
    present_caps = np.bincount(industry[estu], weights=cap[estu], minlength=6)
    assert abs(np.nansum(present_caps * fit.factor_returns[1:7])) / present_caps.sum() < 1e-14


def test_too_few_observations_give_no_factor_returns() -> None:
    returns, styles, industry, cap, _ = _market(seed=5, n=9)
    fit = fit_cross_section(returns, styles, industry, cap, np.ones(9, bool), 6)
    assert np.isnan(fit.factor_returns).all()
    assert fit.count_observations == 9


def test_a_noiseless_market_is_recovered_exactly() -> None:
    rng = np.random.default_rng(6)
    n, n_industries = 300, 5
    industry = np.arange(n) % n_industries
    styles = rng.standard_normal((n, 2))
    cap = np.exp(rng.normal(20, 1, n))
    weights = np.bincount(industry, weights=cap) / cap.sum()
    industry_returns = rng.normal(0, 0.01, n_industries)
    industry_returns -= weights @ industry_returns  # satisfy the constraint
    true = np.concatenate([[0.004], industry_returns, [0.002, -0.003]])
    returns = true[0] + true[1 + industry] + styles @ true[-2:]
    fit = fit_cross_section(returns, styles, industry, cap, np.ones(n, bool), n_industries)
    np.testing.assert_allclose(fit.factor_returns, true, atol=1e-12)
    assert fit.r_squared == pytest.approx(1.0)


def test_bad_shapes_are_named() -> None:
    with pytest.raises(ValueError, match="market_cap must have shape"):
        fit_cross_section(
            np.zeros(3), np.zeros((3, 1)), np.zeros(3, int), np.ones(2), np.ones(3, bool), 1
        )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_industries=st.integers(1, 8),
    n_styles=st.integers(0, 4),
    n=st.integers(40, 200),
)
def test_properties_of_every_fit(seed: int, n_industries: int, n_styles: int, n: int) -> None:
    returns, styles, industry, cap, _ = _market(seed, n, n_industries, n_styles)
    fit = fit_cross_section(returns, styles, industry, cap, np.ones(n, bool), n_industries)
    industry_cap = np.bincount(industry, weights=cap, minlength=n_industries)
    present = industry_cap > 0
    # the constraint: cap-weighted industry returns sum to zero
    industry_returns = fit.factor_returns[1 : 1 + n_industries]
    assert abs(industry_cap[present] @ industry_returns[present]) / cap.sum() < 1e-12
    # weighted residuals are orthogonal to every direction the constraint allows
    design = np.zeros((n, 1 + n_industries + n_styles))
    design[:, 0] = 1.0
    design[np.arange(n), 1 + industry] = 1.0
    design[:, 1 + n_industries :] = styles
    constraint = np.concatenate([[0.0], industry_cap / cap.sum(), np.zeros(n_styles)])
    basis = np.linalg.svd(constraint[None, :])[2][1:].T
    gradient = basis.T @ design.T @ (np.sqrt(cap) * fit.residuals)
    assert np.abs(gradient).max() < 1e-9 * np.sqrt(cap).sum()
    assert fit.r_squared <= 1.0 + 1e-12


def test_a_style_the_industries_span_is_dropped_and_the_rest_still_fit() -> None:
    returns, styles, industry, cap, _ = _market(seed=8)
    industry_means = np.array([styles[industry == k, 0].mean() for k in range(6)])
    spanned = np.column_stack([styles, industry_means[industry]])  # imputed from industry means
    estu = np.ones(returns.size, bool)
    fit = fit_cross_section(returns, spanned, industry, cap, estu, 6)
    without = fit_cross_section(returns, styles, industry, cap, estu, 6)
    assert np.isnan(fit.factor_returns[-1])
    np.testing.assert_allclose(fit.factor_returns[:-1], without.factor_returns, atol=1e-12)
    np.testing.assert_allclose(fit.residuals, without.residuals, atol=1e-12)
