{{ config(indexes=[{'columns': ['trade_date'], 'unique': true}]) }}
{#
    The sessions the engine knows: every date with at least one bar.
    Grain: one row per trade_date.
#}
with

sessions as (
    select
        trade_date,
        count(*) as count_securities
    from {{ ref('int_daily_bars_unioned') }}
    group by trade_date
)

select
    trade_date,
    count_securities,
    (row_number() over (order by trade_date))::integer as session_number,
    lag(trade_date) over (order by trade_date) as previous_trade_date,
    lead(trade_date) over (order by trade_date) as next_trade_date
from sessions
