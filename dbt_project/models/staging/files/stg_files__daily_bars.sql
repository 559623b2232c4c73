with

bars as (
    select * from {{ source('raw_files', 'daily_bars') }}
)

select
    ---------- ids
    dataset,
    symbol,
    ---------- strings
    source_file,
    ---------- numerics
    open_price,
    high_price,
    low_price,
    close_price,
    adjusted_close_price,
    volume,
    ---------- dates
    trade_date,
    ---------- timestamps
    loaded_at
from bars
