{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date'],
    on_schema_change='fail',
    post_hook='{{ analyze_after_full_build() }}',
) }}
{#
    The market's daily return: ESTU members weighted by their previous session's market cap.
    A table, not a view: a --since build of the price descriptors would otherwise recompute it
    over the whole history.
    Grain: one row per trade_date.
#}
with

prices as (
    select
        security_id,
        trade_date,
        return_1d,
        lag(market_cap_usd) over (partition by security_id order by trade_date)
            as previous_market_cap_usd
    from {{ ref('daily_prices') }}
    {# 30 calendar days reach back past an ESTU member's previous session (it traded in 50
       of its last 63) #}
    where {{ since_condition('trade_date', 30) }}
),

universe as (
    select
        trade_date,
        security_id
    from {{ ref('estimation_universe') }}
)

select
    prices.trade_date,
    sum(prices.previous_market_cap_usd * prices.return_1d)
    / nullif(sum(prices.previous_market_cap_usd), 0) as market_return_1d,
    count(*) as count_securities
from prices
inner join universe
    on prices.security_id = universe.security_id and prices.trade_date = universe.trade_date
where prices.previous_market_cap_usd > 0 and {{ since_condition('prices.trade_date') }}
group by prices.trade_date
