{{ config(alias='factor_covariances') }}
{#
    Daily factor covariance forecasts, as clients read them.
    Grain: one row per model_code, as_of_date, factor_code and other_factor_code.
#}
select
    model_code,
    as_of_date,
    factor_code,
    other_factor_code,
    covariance
from {{ source('risk', 'factor_covariances') }}
