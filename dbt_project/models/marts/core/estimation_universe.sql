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
    a return today, a close of at least $1, a point-in-time market capitalisation, and at
    least 126 sessions of price history. regression_weight is the square root of market cap
    (USE4's regression weight); cap_weight sums to 1 per session.
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
        session_index
    from {{ ref('daily_prices') }}
),

eligible as (
    select *
    from prices
    where
        return_1d is not null
        and close_price >= 1
        and market_cap_usd > 0
        and session_index > 126
        and {{ since_condition('trade_date') }}
)

select
    trade_date,
    security_id,
    market_cap_usd,
    market_cap_usd / sum(market_cap_usd) over (partition by trade_date) as cap_weight,
    sqrt(market_cap_usd) as regression_weight
from eligible
