with

observations as (
    select * from {{ source('raw_fred', 'observations') }}
)

select
    ---------- ids
    fred_series_id,
    ---------- numerics
    observed_value,
    ---------- dates
    observation_date,
    realtime_start_date,
    realtime_end_date,
    ---------- timestamps
    loaded_at
from observations
