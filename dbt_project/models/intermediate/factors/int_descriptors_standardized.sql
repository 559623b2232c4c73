{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date', 'security_id', 'descriptor_code'],
    on_schema_change='fail',
    post_hook='analyze {{ this }}',
) }}
{#
    Every style descriptor of every priced security and session, raw and standardised
    against the estimation universe: z-scored (cap-weighted mean, equal-weighted std),
    trimmed to +-3, then standardised again (USE4 §2.2: outliers trimmed to three standard
    deviations).
    Grain: one row per trade_date, security_id and descriptor_code.
#}
with

price_descriptors as (
    select * from {{ ref('int_price_descriptors') }}
    where {{ since_condition('trade_date') }}
),

fundamental_descriptors as (
    select * from {{ ref('int_fundamental_descriptors') }}
    where {{ since_condition('trade_date') }}
),

universe as (
    select
        trade_date,
        security_id
    from {{ ref('estimation_universe') }}
),

prices as (
    select
        security_id,
        trade_date,
        market_cap_usd
    from {{ ref('daily_prices') }}
    where market_cap_usd > 0 and {{ since_condition('trade_date') }}
),

long_form as (
    {% set price_codes = ['lncap', 'beta', 'hsigma', 'dastd', 'rstr', 'cmra', 'stom', 'stoq',
                          'stoa'] %}
    {% set fundamental_codes = ['btop', 'etop', 'cetop', 'dyield', 'mlev', 'blev', 'dtoa',
                                'sgro', 'egro'] %}
    select
        price_descriptors.security_id,
        price_descriptors.trade_date,
        descriptor.descriptor_code,
        descriptor.raw_value
    from price_descriptors
    cross join
        lateral (
            values
            {% for code in price_codes %}
                ('{{ code }}', price_descriptors.{{ code }}){{ ',' if not loop.last }}
            {% endfor %}
        ) as descriptor (descriptor_code, raw_value)
    where descriptor.raw_value is not null
    union all
    select
        fundamental_descriptors.security_id,
        fundamental_descriptors.trade_date,
        descriptor.descriptor_code,
        descriptor.raw_value
    from fundamental_descriptors
    cross join
        lateral (
            values
            {% for code in fundamental_codes %}
                ('{{ code }}', fundamental_descriptors.{{ code }}){{ ',' if not loop.last }}
            {% endfor %}
        ) as descriptor (descriptor_code, raw_value)
    where descriptor.raw_value is not null
),

with_universe as (
    select
        long_form.*,
        prices.market_cap_usd,
        universe.security_id is not null as is_in_estu
    from long_form
    inner join prices
        on long_form.security_id = prices.security_id and long_form.trade_date = prices.trade_date
    left join universe
        on
            long_form.security_id = universe.security_id
            and long_form.trade_date = universe.trade_date
),

first_pass as (
    select
        *,
        {{ standardized('raw_value', 'partition by trade_date, descriptor_code') }} as first_z
    from with_universe
),

trimmed as (
    select
        *,
        {{ clipped('first_z') }} as trimmed_z
    from first_pass
)

select
    trade_date,
    security_id,
    descriptor_code,
    raw_value,
    market_cap_usd,
    is_in_estu,
    {{ standardized('trimmed_z', 'partition by trade_date, descriptor_code') }} as descriptor_z
from trimmed
