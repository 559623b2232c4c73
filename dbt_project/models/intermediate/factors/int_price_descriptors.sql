{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['security_id', 'trade_date'],
    on_schema_change='fail',
    post_hook='{{ analyze_after_full_build() }}',
) }}
{#
    Descriptors from prices and volume (METHODOLOGY §1.3, CNE5 definitions; windows in
    sessions), each from data up to and including the session's close:
    - lncap: ln(market cap)
    - beta, hsigma: slope and residual volatility of the exponentially weighted regression of
      the stock's daily return on the market's, 252 sessions, half-life 63 (at least 63)
    - rstr: sum of ln(1 + r), sessions 21..524 back (504 sessions skipping the last 21),
      half-life 126 (at least 252)
    - dastd: exponentially weighted volatility of daily returns, 252 sessions, half-life 42
      (at least 63)
    - cmra: ln(1 + max Z(T)) - ln(1 + min Z(T)), Z(T) the cumulative return over the last T
      months (21 sessions), T = 1..12 (at least 252 sessions)
    - stom, stoq, stoa: ln of share turnover summed over 1, 3 and 12 months, per month
    Returns are raw, not in excess of a risk-free rate (a documented deviation: the bundled
    FRED data has no daily bill rate over the price history).
    Grain: one row per security_id and trade_date.
#}
with

prices as (
    select
        prices.security_id,
        prices.trade_date,
        prices.session_index,
        prices.market_cap_usd,
        prices.turnover,
        prices.return_1d,
        ln(1 + prices.return_1d) as log_return_1d,
        {# the regression sees only sessions with both returns #}
        case when markets.market_return_1d is not null then prices.return_1d end as y,
        case when prices.return_1d is not null then markets.market_return_1d end as x
    from {{ ref('daily_prices') }} as prices
    left join {{ ref('int_market_returns') }} as markets
        on prices.trade_date = markets.trade_date
    {# 800 calendar days reach back past the longest window (525 sessions) #}
    where {{ since_condition('prices.trade_date', 800) }}
),

running as (
    select
        *,
        {{ running_ewma_sum('case when y is not null then 1 end', 63) }} as run_sw,
        {{ running_ewma_sum('x', 63) }} as run_sx,
        {{ running_ewma_sum('y', 63) }} as run_sy,
        {{ running_ewma_sum('x * x', 63) }} as run_sxx,
        {{ running_ewma_sum('x * y', 63) }} as run_sxy,
        {{ running_ewma_sum('y * y', 63) }} as run_syy,
        {{ running_ewma_sum('case when return_1d is not null then 1 end', 42) }} as run_vw,
        {{ running_ewma_sum('return_1d', 42) }} as run_vr,
        {{ running_ewma_sum('return_1d * return_1d', 42) }} as run_vrr,
        {{ running_ewma_sum('log_return_1d', 126) }} as run_rstr,
        {{ running_ewma_sum('coalesce(log_return_1d, 0)') }} as cumulative_log_return,
        {{ running_ewma_sum('turnover') }} as run_turnover,
        count(y) over (by_security rows unbounded preceding) as run_count_paired,
        count(return_1d) over (by_security rows unbounded preceding) as run_count_returns,
        count(turnover) over (by_security rows unbounded preceding) as run_count_turnover
    from prices
    window by_security as (partition by security_id order by trade_date)
),

window_sums as (
    select
        security_id,
        trade_date,
        market_cap_usd,
        {{ ewma_window_sum('run_count_paired', window=252) }} as count_paired,
        {{ ewma_window_sum('run_sw', 63, 252) }} as sw,
        {{ ewma_window_sum('run_sx', 63, 252) }} as sx,
        {{ ewma_window_sum('run_sy', 63, 252) }} as sy,
        {{ ewma_window_sum('run_sxx', 63, 252) }} as sxx,
        {{ ewma_window_sum('run_sxy', 63, 252) }} as sxy,
        {{ ewma_window_sum('run_syy', 63, 252) }} as syy,
        {{ ewma_window_sum('run_count_returns', window=252) }} as count_returns,
        {{ ewma_window_sum('run_vw', 42, 252) }} as vw,
        {{ ewma_window_sum('run_vr', 42, 252) }} as vr,
        {{ ewma_window_sum('run_vrr', 42, 252) }} as vrr,
        {{ ewma_window_sum('run_count_returns', window=504, lag=21) }} as count_momentum,
        {{ ewma_window_sum('run_rstr', 126, 504, lag=21) }} as rstr,
        array[
            {% for months in range(1, 13) %}
                {{ ewma_window_sum('cumulative_log_return', window=21 * months) }}
                {{- ',' if not loop.last }}
            {% endfor %}
        ] as cumulative_by_month,
        session_index,
        {{ ewma_window_sum('run_count_turnover', window=252) }} as count_turnover,
        {{ ewma_window_sum('run_turnover', window=21) }} as turnover_1m,
        {{ ewma_window_sum('run_turnover', window=63) }} as turnover_3m,
        {{ ewma_window_sum('run_turnover', window=252) }} as turnover_12m
    from running
    window by_security as (partition by security_id order by trade_date)
),

regression as (
    select
        *,
        (sw * sxy - sx * sy) / nullif(sw * sxx - sx * sx, 0) as beta_slope
    from window_sums
)

select
    security_id,
    trade_date,
    ln(nullif(market_cap_usd, 0)) as lncap,
    case when count_paired >= 63 then beta_slope end as beta,
    case
        when count_paired >= 63
            then
                sqrt(greatest(
                    (syy - ((sy - beta_slope * sx) / sw) * sy - beta_slope * sxy) / sw, 0
                ))
    end as hsigma,
    case when count_returns >= 63 then sqrt(greatest(vrr / vw - (vr / vw) ^ 2, 0)) end as dastd,
    case when count_momentum >= 252 then rstr end as rstr,
    {# ln(1 + R_max) - ln(1 + R_min) for cumulative simple returns R is the range of the
       cumulative log returns: the same number, never undefined #}
    case
        when session_index > 252
            then
                (select max(z) - min(z) from unnest(cumulative_by_month) as z)
    end as cmra,
    case when count_turnover >= 21 then ln(nullif(turnover_1m, 0)) end as stom,
    case when count_turnover >= 63 then ln(nullif(turnover_3m / 3, 0)) end as stoq,
    case when count_turnover >= 252 then ln(nullif(turnover_12m / 12, 0)) end as stoa
from regression
where {{ since_condition('trade_date') }}
