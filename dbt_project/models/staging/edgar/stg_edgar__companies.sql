with

companies as (
    select * from {{ source('raw_edgar', 'companies') }}
)

select
    ---------- ids
    cik,
    record_hash,
    ---------- strings
    entity_name,
    entity_type,
    sic_description,
    filer_category,
    fiscal_year_end,
    state_of_incorporation,
    tickers,
    exchanges,
    ---------- numerics
    sic_code,
    ---------- timestamps
    loaded_at
from companies
