with

facts as (
    select * from {{ source('raw_edgar', 'facts') }}
)

select
    ---------- ids
    cik,
    accession_number,
    ---------- strings
    taxonomy,
    concept,
    unit,
    fiscal_period,
    form,
    frame,
    ---------- numerics
    reported_value,
    fiscal_year,
    ---------- dates
    period_start_date,
    period_end_date,
    filed_date,
    ---------- timestamps
    loaded_at
from facts
