{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date', 'security_id'],
    on_schema_change='fail',
    indexes=[
    {'columns': ['trade_date', 'security_id'], 'unique': true},
    {'columns': ['security_id', 'trade_date']},
    {'columns': ['trade_date'], 'type': 'brin'},
    ],
) }}
{#
    Style factor exposures of every security with a market cap on every session whose
    estimation universe has at least three members, side by side: the security's market cap
    and ESTU membership that day, then per style (the project var style_factor_codes) its
    exposure in a column named after it, <style>_raw_value and <style>_is_imputed.
    marts.factor_exposures shows the exposures in long form.
    Each style combines its standardised descriptors with the weights of
    style_descriptor_weights() (over the descriptors a security has: USE4 imputes at the
    factor level), then is standardised again against the estimation universe (cap-weighted
    mean 0, equal-weighted std 1). Non-linear size is the cube of size, orthogonalised to size
    by a regression-weighted (sqrt cap) cross-sectional regression over the ESTU, trimmed to
    +-3 and standardised. A security with no descriptor of a style gets the cap-weighted mean
    exposure of its Fama-French 12 industry's ESTU members that day (0 when there is none) and
    is_imputed. raw_value is the combined score before the final standardisation (a single
    present descriptor's raw value where the style has only that one).
    Exposures dated t use data known at t's close; the regression of (t, t+1] uses them.
    The rows lie in date order (a full build's last window sorts them by date; a --since
    build appends its sessions), so a BRIN index on trade_date lets a read of a window of
    sessions (the risk model's) read only their pages, where the planner would otherwise scan
    the whole table for a quarter of it.
    Grain: one row per trade_date and security_id.
#}
{%- set weights = style_descriptor_weights() %}
{%- set styles = var('style_factor_codes') %}
with

descriptors as (
    select * from {{ ref('int_descriptors_standardized') }}
    where {{ since_condition('trade_date') }}
),

sessions as (
    {# a cross-section needs at least three ESTU members to have a mean and a spread #}
    select trade_date from {{ ref('estimation_universe') }}
    where {{ since_condition('trade_date') }}
    group by trade_date
    having count(*) >= 3
),

securities as (
    select
        security_id,
        ff12_industry_code
    from {{ ref('securities') }}
),

combined as (
    select
        descriptors.trade_date,
        descriptors.security_id,
        descriptors.market_cap_usd,
        descriptors.is_in_estu,
        securities.ff12_industry_code,
    {%- for style, parts in weights.items() %}
        {{ present_weighted_mean(parts, 'descriptors') }} as {{ style }}_score,
        {{ single_present_raw_value(parts, 'descriptors') }} as {{ style }}_single_raw_value
        {{- ',' if not loop.last }}
    {%- endfor %}
    from descriptors
    inner join sessions on descriptors.trade_date = sessions.trade_date
    inner join securities on descriptors.security_id = securities.security_id
),

restandardised as (
    select
        *,
    {%- for style in weights %}
        coalesce({{ style }}_single_raw_value, {{ style }}_score) as {{ style }}_raw_value,
        {{ standardized(style ~ '_score', 'partition by trade_date') }} as {{ style }}_exposure
        {{- ',' if not loop.last }}
    {%- endfor %}
    from combined
),

size_regression_sums as (
    {# regression-weighted (sqrt cap) sums of the cube on size over the ESTU #}
    select
        *,
        size_exposure ^ 3 as nonlinear_size_raw_value,
        count(size_exposure) filter (where is_in_estu) over by_date as size_count,
        sum(sqrt(market_cap_usd)) filter (where is_in_estu and size_exposure is not null)
            over by_date as sw,
        sum(sqrt(market_cap_usd) * size_exposure) filter (where is_in_estu) over by_date as sx,
        sum(sqrt(market_cap_usd) * size_exposure ^ 3) filter (where is_in_estu)
            over by_date as sy,
        sum(sqrt(market_cap_usd) * size_exposure ^ 2) filter (where is_in_estu)
            over by_date as sxx,
        sum(sqrt(market_cap_usd) * size_exposure ^ 4) filter (where is_in_estu)
            over by_date as sxy
    from restandardised
    window by_date as (partition by trade_date)
),

size_slopes as (
    select
        *,
        case
            when size_count >= 3 then (sw * sxy - sx * sy) / nullif(sw * sxx - sx ^ 2, 0)
        end as size_slope
    from size_regression_sums
),

nonlinear_size_residuals as (
    select
        *,
        nonlinear_size_raw_value
        - (sy - size_slope * sx) / sw
        - size_slope * size_exposure as nonlinear_size_residual
    from size_slopes
),

nonlinear_size_standardised as (
    select
        *,
        {{ standardized('nonlinear_size_residual', 'partition by trade_date') }}
            as nonlinear_size_first_z
    from nonlinear_size_residuals
),

nonlinear_size_trimmed as (
    select
        *,
        {{ clipped('nonlinear_size_first_z') }} as nonlinear_size_trimmed
    from nonlinear_size_standardised
),

all_styles as (
    select
        *,
        {{ standardized('nonlinear_size_trimmed', 'partition by trade_date') }}
            as nonlinear_size_exposure
    from nonlinear_size_trimmed
),

imputed as (
    select
        *,
    {%- for style in styles %}
        coalesce(
            sum(market_cap_usd * {{ style }}_exposure) filter (where is_in_estu) over by_industry
            / nullif(
                sum(market_cap_usd) filter (
                    where is_in_estu and {{ style }}_exposure is not null
                ) over by_industry,
                0
            ),
            0
        ) as {{ style }}_industry_mean
        {{- ',' if not loop.last }}
    {%- endfor %}
    from all_styles
    window by_industry as (partition by trade_date, ff12_industry_code)
)

select
    trade_date,
    security_id,
    market_cap_usd,
    is_in_estu as is_in_estimation_universe,
{%- for style in styles %}
    coalesce({{ style }}_exposure, {{ style }}_industry_mean) as {{ style }},
    {{ style }}_raw_value,
    {{ style }}_exposure is null as {{ style }}_is_imputed
    {{- ',' if not loop.last }}
{%- endfor %}
from imputed
