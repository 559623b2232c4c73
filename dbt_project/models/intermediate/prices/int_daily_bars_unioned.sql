{#
    Daily bars of every source on one grain: one row per security_id and trade_date.
    IBKR wins over files where both have a session (TRADES for price and volume,
    ADJUSTED_LAST for the adjusted close); among file datasets the latest load wins. File bars
    without an adjusted close are taken as already adjusted (e.g. the Stooq/Kaggle sets).
#}
with

security_keys as (
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
    select
        *,
        row_number() over (
            partition by security_id, trade_date
            order by source_rank asc, loaded_at desc nulls last, price_source asc
        ) as source_preference
    from all_bars
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
where source_preference = 1
