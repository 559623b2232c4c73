-- Each security's industry in the model's scheme; the placeholder in braces is filled by
-- psycopg.sql with the scheme's name.
select
    security_id,
    case {industry_scheme}
        when 'ff12' then ff12_industry_code
        when 'ff49' then ff49_industry_code
        else 'market'
    end as industry_code
from marts.securities
