with

contracts as (
    select * from {{ source('raw_ibkr', 'contracts') }}
)

select
    ---------- ids
    ib_con_id,
    record_hash,
    ---------- strings
    symbol,
    security_type,
    primary_exchange,
    currency,
    long_name,
    industry,
    category,
    subcategory,
    ---------- timestamps
    loaded_at,
    ---------- derived
    security_ids ->> 'ISIN' as isin
from contracts
