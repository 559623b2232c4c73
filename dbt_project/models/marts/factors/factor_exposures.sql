{{ config(materialized='view') }}
{#
    Style factor exposures in long form, read from marts.factor_exposures_wide (where they
    are computed and stored: see its description for the method). Filter on factor_code as on
    any column; a lookup by security uses the wide table's (security_id, trade_date) index.
    Grain: one row per trade_date, security_id and factor_code.
#}
with

exposures as (
    select * from {{ ref('factor_exposures_wide') }}
)

select
    exposures.trade_date,
    exposures.security_id,
    style.factor_code,
    style.raw_value,
    style.exposure_z,
    style.is_imputed
from exposures
cross join
    lateral (
        values
        {%- for code in var('style_factor_codes') %}
            (
                '{{ code }}',
                exposures.{{ code }}_raw_value,
                exposures.{{ code }},
                exposures.{{ code }}_is_imputed
            ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as style (factor_code, raw_value, exposure_z, is_imputed)
