{{ config(materialized='rollup') }}
{#
    Monthly bars of every security: open, high, low, close, adjusted close, volume and share
    turnover over the month's sessions. A continuous aggregate with TimescaleDB, a
    materialized view otherwise, refreshed by every build.
    Grain: one row per security_id and month_start_date.
#}
select
    security_id,
    {{ rollup_bucket('1 month', 'trade_date') }} as month_start_date,
    {{ first_by('open_price', 'trade_date') }} as open_price,
    max(high_price) as high_price,
    min(low_price) as low_price,
    {{ last_by('close_price', 'trade_date') }} as close_price,
    {{ last_by('adjusted_close_price', 'trade_date') }} as adjusted_close_price,
    sum(volume) as volume,
    sum(turnover) as share_turnover,
    count(*) as count_sessions,
    max(trade_date) as last_trade_date
from {{ ref('daily_prices') }}
group by security_id, {{ rollup_bucket('1 month', 'trade_date') }}
