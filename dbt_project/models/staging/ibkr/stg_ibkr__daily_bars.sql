with

bars as (
    select * from {{ source('raw_ibkr', 'daily_bars') }}
)

select
    ---------- ids
    ib_con_id,
    ---------- strings
    what_to_show,
    ---------- numerics
    open_price,
    high_price,
    low_price,
    close_price,
    volume,
    average_price,
    count_trades,
    ---------- dates
    trade_date,
    ---------- timestamps
    loaded_at
from bars
