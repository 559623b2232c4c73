{#
    Daily bars of every source on one grain: one row per security_id and trade_date.
    IBKR wins over files where both have a session (TRADES for price and volume,
    ADJUSTED_LAST for the adjusted close); among file datasets the latest load wins. File bars
    without an adjusted close are taken as already adjusted (e.g. the Stooq/Kaggle sets).
#}
with

{# not materialized: both branches join it, which would make PostgreSQL compute it once and
   guess 0.5% of its rows per branch; inlined, the planner sees the table's statistics and
   joins the day's bars by hash instead of comparing every bar with every key #}
security_keys as not materialized (
    select
        security_id,
        identifier_type,
        identifier_value
    from {{ ref('int_security_keys') }}
),

file_bars as (
    select
        dataset,
        symbol,
        trade_date,
        open_price,
        high_price,
        low_price,
        close_price,
        volume,
        loaded_at,
        coalesce(adjusted_close_price, close_price) as adjusted_close_price
    from {{ ref('stg_files__daily_bars') }}
),

ibkr_bars as (
    select
        ib_con_id,
        trade_date,
        max(open_price) filter (where what_to_show = 'TRADES') as open_price,
        max(high_price) filter (where what_to_show = 'TRADES') as high_price,
        max(low_price) filter (where what_to_show = 'TRADES') as low_price,
        max(close_price) filter (where what_to_show = 'TRADES') as close_price,
        max(close_price) filter (where what_to_show = 'ADJUSTED_LAST') as adjusted_close_price,
        max(volume) filter (where what_to_show = 'TRADES') as volume
    from {{ ref('stg_ibkr__daily_bars') }}
    group by ib_con_id, trade_date
),

file_bars_by_security as (
    select
        security_keys.security_id,
        file_bars.trade_date,
        file_bars.open_price,
        file_bars.high_price,
        file_bars.low_price,
        file_bars.close_price,
        file_bars.adjusted_close_price,
        file_bars.volume,
        'files:' || file_bars.dataset as price_source,
        2 as source_rank,
        file_bars.loaded_at
    from file_bars
    inner join security_keys
        on
            security_keys.identifier_type = 'ticker'
            and file_bars.symbol = security_keys.identifier_value
),

ibkr_bars_by_security as (
    select
        security_keys.security_id,
        ibkr_bars.trade_date,
        ibkr_bars.open_price,
        ibkr_bars.high_price,
        ibkr_bars.low_price,
        ibkr_bars.close_price,
        coalesce(ibkr_bars.adjusted_close_price, ibkr_bars.close_price) as adjusted_close_price,
        ibkr_bars.volume,
        'ibkr' as price_source,
        1 as source_rank,
        null::timestamptz as loaded_at
    from ibkr_bars
    inner join security_keys
        on
            security_keys.identifier_type = 'ib_con_id'
            and security_keys.identifier_value = ibkr_bars.ib_con_id::text
    where ibkr_bars.close_price is not null
),

all_bars as (
    select * from ibkr_bars_by_security
    union all
    select * from file_bars_by_security
),

ranked as (
    {# distinct on, not row_number() = 1: the planner estimates its rows from the keys' distinct
       counts, where a filter on a window's result gets 0.5% of them; a --since build's
       daily_prices then took 30 s instead of 0.4 (it reran a per-security lookup for each of
       what it took for a handful of bars) #}
    select distinct on (security_id, trade_date) *
    from all_bars
    order by
        security_id asc,
        trade_date asc,
        source_rank asc,
        loaded_at desc nulls last,
        price_source asc
)

select
    security_id,
    trade_date,
    open_price,
    high_price,
    low_price,
    close_price,
    adjusted_close_price,
    volume,
    price_source
from ranked
