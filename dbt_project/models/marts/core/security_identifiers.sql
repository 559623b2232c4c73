{#
    Every identifier of every security with its validity interval [valid_from_date,
    valid_to_date). Free sources give current tickers only (EDGAR lists a company's present
    tickers, IB its present symbol), so intervals are open on both ends until a source with
    ticker history is added; a reused ticker goes to the later registrant.
    Grain: one row per identifier_type, identifier_value and valid_from_date.
#}
with

security_keys as (
    select * from {{ ref('int_security_keys') }}
)

select
    security_id,
    identifier_type,
    identifier_value,
    '-infinity'::date as valid_from_date,
    'infinity'::date as valid_to_date
from security_keys
