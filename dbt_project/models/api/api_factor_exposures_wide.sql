{{ config(alias='factor_exposures_wide') }}
{#
    Style exposures side by side, for spreadsheets and BI tools: one row per trade_date and
    security_id, a column per style, with the security's ticker and name beside.
#}
with

exposures as (
    select * from {{ ref('factor_exposures_wide') }}
),

securities as (
    select
        security_id,
        ticker,
        security_name
    from {{ ref('securities') }}
)

select
    exposures.trade_date,
    exposures.security_id,
    securities.ticker,
    securities.security_name,
{%- for code in var('style_factor_codes') %}
    exposures.{{ code }}
    {{- ',' if not loop.last }}
{%- endfor %}
from exposures
inner join securities on exposures.security_id = securities.security_id
