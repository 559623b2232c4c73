{{ config(alias='specific_risks') }}
{#
    Daily specific volatility forecasts, as clients read them.
    Grain: one row per model_code, as_of_date and security_id.
#}
select
    model_code,
    as_of_date,
    security_id,
    specific_volatility
from {{ source('risk', 'specific_risks') }}
