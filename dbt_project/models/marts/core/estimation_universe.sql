{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date', 'security_id'],
    on_schema_change='fail',
    indexes=[{'columns': ['trade_date', 'security_id'], 'unique': true}],
) }}
{#
    The estimation universe (ESTU) of each session: the securities whose cross-section defines
    the factors' means and the regression. Rules, all on data known at the close:
    - data quality: a return today, a close of at least $1, a point-in-time market
      capitalisation, at least 126 sessions of price history;
    - liquidity: traded (volume > 0) in at least 50 of the last 63 sessions, and an average
      daily dollar volume (close x volume) of at least $1 million over them.
    regression_weight is the square root of market cap (USE4's regression weight); cap_weight
    sums to 1 per session.
    Grain: one row per trade_date and security_id (ESTU members only).
#}
with

prices as (
    select
        security_id,
        trade_date,
        close_price,
        return_1d,
        market_cap_usd,
        session_index,
        coalesce(close_price * volume, 0) as dollar_volume,
        case when volume > 0 then 1 else 0 end as is_traded
    from {{ ref('daily_prices') }}
    {# 120 calendar days reach back past the 63-session liquidity window #}
    where {{ since_condition('trade_date', 120) }}
),

running as (
    select
        *,
        {{ running_ewma_sum('dollar_volume') }} as running_dollar_volume,
        {{ running_ewma_sum('is_traded') }} as running_traded
    from prices
    window by_security as (partition by security_id order by trade_date)
),

liquidity as (
    select
        *,
        {{ ewma_window_sum('running_dollar_volume', window=63) }} / 63 as average_dollar_volume,
        {{ ewma_window_sum('running_traded', window=63) }} as count_traded_sessions
    from running
    window by_security as (partition by security_id order by trade_date)
),

eligible as (
    select *
    from liquidity
    where
        return_1d is not null
        and close_price >= 1
        and market_cap_usd > 0
        and session_index > 126
        and count_traded_sessions >= 50
        and average_dollar_volume >= 1000000
        and {{ since_condition('trade_date') }}
)

select
    trade_date,
    security_id,
    market_cap_usd,
    market_cap_usd / sum(market_cap_usd) over (partition by trade_date) as cap_weight,
    sqrt(market_cap_usd) as regression_weight
from eligible
