with

filings as (
    select * from {{ source('raw_edgar', 'filings') }}
)

select
    ---------- ids
    cik,
    accession_number,
    ---------- strings
    form,
    ---------- dates
    filed_date,
    report_date,
    {# The New York calendar day the filing became public. Old filings carry only a date,
       stamped midnight New York: they count as known at the end of their filing date. #}
    case
        when (accepted_at at time zone 'America/New_York')::time = '00:00'
            then filed_date
        else (accepted_at at time zone 'America/New_York')::date
    end as known_date,
    ---------- timestamps
    accepted_at,
    loaded_at
from filings
