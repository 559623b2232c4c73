{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date', 'security_id'],
    on_schema_change='fail',
    indexes=[{'columns': ['trade_date', 'security_id'], 'unique': true}],
    post_hook='{{ analyze_after_full_build() }}',
) }}
{#
    Every style descriptor of every security with a market cap on every session, side by
    side: the raw value in a column named after the descriptor, and beside it <code>_z,
    standardised against the estimation universe: z-scored (cap-weighted mean,
    equal-weighted std), trimmed to +-3, then standardised again (USE4 §2.2: outliers
    trimmed to three standard deviations). Null where the descriptor is missing. The trim is
    applied on the descriptor's own scale, at the mean -/+ three standard deviations, which
    standardised again gives the same values (trimmed_to_bounds).
    Wide, not long: one row per security and session instead of one per descriptor is
    eighteen times fewer rows to write, and every descriptor's cross-section is computed in
    the same pass over a session (bench/RESULTS.md).
    Grain: one row per trade_date and security_id.
#}
{%- set price_codes = ['lncap', 'beta', 'hsigma', 'dastd', 'rstr', 'cmra', 'stom', 'stoq',
                       'stoa'] %}
{%- set fundamental_codes = ['btop', 'etop', 'cetop', 'dyield', 'mlev', 'blev', 'dtoa',
                             'sgro', 'egro'] %}
{%- set codes = price_codes + fundamental_codes %}
with

prices as (
    select
        security_id,
        trade_date,
        market_cap_usd
    from {{ ref('daily_prices') }}
    where market_cap_usd > 0 and {{ since_condition('trade_date') }}
),

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
    where {{ since_condition('trade_date') }}
),

raw_descriptors as (
    select
        prices.trade_date,
        prices.security_id,
        prices.market_cap_usd,
        universe.security_id is not null as is_in_estu,
    {%- for code in codes %}
        {{ 'price_descriptors' if code in price_codes else 'fundamental_descriptors' }}.{{ code }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from prices
    left join price_descriptors
        on
            prices.security_id = price_descriptors.security_id
            and prices.trade_date = price_descriptors.trade_date
    left join fundamental_descriptors
        on
            prices.security_id = fundamental_descriptors.security_id
            and prices.trade_date = fundamental_descriptors.trade_date
    left join universe
        on prices.security_id = universe.security_id and prices.trade_date = universe.trade_date
),

first_moments as (
    {{ moments_by_date('raw_descriptors', codes) }}
),

trimming_bounds as (
    select
        first_moments.trade_date,
    {%- for code in codes %}
        {{ trimming_bounds(code, 'first_moments') }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from first_moments
),

trimmed as (
    select
        raw_descriptors.*,
    {%- for code in codes %}
        {{ trimmed_to_bounds(code, 'trimming_bounds') }} as {{ code }}_trimmed
        {{- ',' if not loop.last }}
    {%- endfor %}
    from raw_descriptors
    left join trimming_bounds on raw_descriptors.trade_date = trimming_bounds.trade_date
),

second_moments as (
    {{ moments_by_date('trimmed', codes, suffix='_trimmed') }}
)

select
    trimmed.trade_date,
    trimmed.security_id,
    trimmed.market_cap_usd,
    trimmed.is_in_estu,
{%- for code in codes %}
    trimmed.{{ code }},
    {{ standardized_by(code ~ '_trimmed', 'second_moments') }} as {{ code }}_z
    {{- ',' if not loop.last }}
{%- endfor %}
from trimmed
left join second_moments on trimmed.trade_date = second_moments.trade_date
