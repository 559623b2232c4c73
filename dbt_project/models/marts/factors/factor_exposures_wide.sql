{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date', 'security_id'],
    on_schema_change='fail',
    indexes=[{'columns': ['trade_date', 'security_id'], 'unique': true}],
) }}
{#
    The style exposures of marts.factor_exposures side by side: each style's exposure_z in a
    column named after it (the project var style_factor_codes lists them; a data test keeps
    the list equal to the catalog's styles). The risk model reads this table: no pivot at
    read time.
    Grain: one row per trade_date and security_id.
#}
with

exposures as (
    select
        trade_date,
        security_id,
        factor_code,
        exposure_z
    from {{ ref('factor_exposures') }}
    where {{ since_condition('trade_date') }}
)

select
    trade_date,
    security_id,
{%- for code in var('style_factor_codes') %}
    max(exposure_z) filter (where factor_code = '{{ code }}') as {{ code }}
    {{- ',' if not loop.last }}
{%- endfor %}
from exposures
group by trade_date, security_id
