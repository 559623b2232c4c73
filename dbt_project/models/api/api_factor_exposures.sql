{{ config(alias='factor_exposures') }}
{#
    The public face of style exposures: what a BI tool or a client reads. One row per
    trade_date, security_id and factor_code, with the security's ticker and name beside.
#}
with

exposures as (
    select * from {{ ref('factor_exposures') }}
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
    exposures.factor_code,
    exposures.raw_value,
    exposures.exposure_z,
    exposures.is_imputed
from exposures
inner join securities on exposures.security_id = securities.security_id
