{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date', 'security_id', 'factor_code'],
    on_schema_change='fail',
    indexes=[
    {'columns': ['trade_date', 'security_id', 'factor_code'], 'unique': true},
    {'columns': ['security_id', 'factor_code', 'trade_date']},
    ],
) }}
{#
    Style factor exposures of every security with a market cap on every session whose
    estimation universe has at least three members, in long form. Each style combines its standardised descriptors with the weights of
    reference.style_factor_descriptors (over the descriptors a security has: USE4 imputes at
    the factor level), then is standardised again against the estimation universe
    (cap-weighted mean 0, equal-weighted std 1). Non-linear size is the cube of size,
    orthogonalised to size by a regression-weighted (sqrt cap) cross-sectional regression over
    the ESTU, trimmed to +-3 and standardised. A security with no descriptor of a style gets
    the cap-weighted mean exposure of its Fama-French 12 industry's ESTU members that day (0
    when there is none) and is_imputed. raw_value is the combined score before the final
    standardisation (for one-descriptor styles, the descriptor's raw value).
    Exposures dated t use data known at t's close; the regression of (t, t+1] uses them.
    Grain: one row per trade_date, security_id and factor_code.
#}
with

descriptors as (
    select * from {{ ref('int_descriptors_standardized') }}
    where {{ since_condition('trade_date') }}
),

weights as (
    select
        factor_code,
        descriptor_code,
        weight
    from {{ ref('style_factor_descriptors') }}
),

prices as (
    select
        security_id,
        trade_date,
        market_cap_usd
    from {{ ref('daily_prices') }}
    where market_cap_usd > 0 and {{ since_condition('trade_date') }}
),

universe as (
    select
        trade_date,
        security_id
    from {{ ref('estimation_universe') }}
),

securities as (
    select
        security_id,
        ff12_industry_code
    from {{ ref('securities') }}
),

styles as (
    select distinct factor_code from weights
),

sessions as (
    {# a cross-section needs at least three ESTU members to have a mean and a spread #}
    select trade_date from universe
    group by trade_date
    having count(*) >= 3
),

combined as (
    select
        descriptors.trade_date,
        descriptors.security_id,
        weights.factor_code,
        sum(weights.weight * descriptors.descriptor_z) / sum(weights.weight) as score,
        {# a one-descriptor style keeps the descriptor's raw value #}
        case when count(*) = 1 then max(descriptors.raw_value) end as single_raw_value
    from descriptors
    inner join weights on descriptors.descriptor_code = weights.descriptor_code
    where descriptors.descriptor_z is not null
    group by descriptors.trade_date, descriptors.security_id, weights.factor_code
),

grid as (
    {# every priced security, every style: the rows imputation fills #}
    select
        prices.trade_date,
        prices.security_id,
        prices.market_cap_usd,
        styles.factor_code,
        securities.ff12_industry_code,
        universe.security_id is not null as is_in_estu
    from prices
    inner join sessions on prices.trade_date = sessions.trade_date
    cross join styles
    inner join securities on prices.security_id = securities.security_id
    left join universe
        on prices.security_id = universe.security_id and prices.trade_date = universe.trade_date
),

restandardised as (
    select
        grid.*,
        coalesce(combined.single_raw_value, combined.score) as raw_value,
        {{ standardized('combined.score', 'partition by grid.trade_date, grid.factor_code') }}
            as exposure
    from grid
    left join combined
        on
            grid.trade_date = combined.trade_date
            and grid.security_id = combined.security_id
            and grid.factor_code = combined.factor_code
),

size_cubed as (
    select
        trade_date,
        security_id,
        market_cap_usd,
        is_in_estu,
        ff12_industry_code,
        exposure as size_z,
        exposure ^ 3 as size_cube
    from restandardised
    where factor_code = 'size' and exposure is not null
),

size_regression as (
    {# regression-weighted (sqrt cap) slope and intercept of cube on size over the ESTU #}
    select
        trade_date,
        sum(sqrt(market_cap_usd)) as sw,
        sum(sqrt(market_cap_usd) * size_z) as sx,
        sum(sqrt(market_cap_usd) * size_cube) as sy,
        sum(sqrt(market_cap_usd) * size_z * size_z) as sxx,
        sum(sqrt(market_cap_usd) * size_z * size_cube) as sxy
    from size_cubed
    where is_in_estu
    group by trade_date
    having count(*) >= 3
),

nonlinear_size_residuals as (
    select
        size_cubed.*,
        size_cubed.size_cube
        - (size_regression.sy - slope.coefficient * size_regression.sx) / size_regression.sw
        - slope.coefficient * size_cubed.size_z as residual
    from size_cubed
    inner join size_regression on size_cubed.trade_date = size_regression.trade_date
    cross join lateral (  -- noqa: ST05
        select
            (size_regression.sw * size_regression.sxy - size_regression.sx * size_regression.sy)
            / nullif(
                size_regression.sw * size_regression.sxx - size_regression.sx ^ 2, 0
            ) as coefficient
    ) as slope
),

nonlinear_size_standardised as (
    select
        *,
        {{ standardized('residual', 'partition by trade_date') }} as residual_z
    from nonlinear_size_residuals
),

nonlinear_size_trimmed as (
    select
        *,
        {{ clipped('residual_z') }} as trimmed
    from nonlinear_size_standardised
),

nonlinear_size as (
    select
        trade_date,
        security_id,
        market_cap_usd,
        'nonlinear_size' as factor_code,
        is_in_estu,
        ff12_industry_code,
        size_cube as raw_value,
        {{ standardized('trimmed', 'partition by trade_date') }} as exposure
    from nonlinear_size_trimmed
),

{# the union's columns, named once: both sides must list them in the same order #}
{%- set style_columns = ['trade_date', 'security_id', 'market_cap_usd', 'factor_code',
                         'is_in_estu', 'ff12_industry_code', 'raw_value', 'exposure'] %}
all_styles as (
    select {{ style_columns | join(', ') }}
    from restandardised
    union all
    select {{ style_columns | join(', ') }}
    from nonlinear_size
),

imputed as (
    select
        *,
        coalesce(
            sum(market_cap_usd * exposure) filter (where is_in_estu) over by_industry
            / nullif(
                sum(market_cap_usd) filter (where is_in_estu and exposure is not null)
                    over by_industry,
                0
            ),
            0
        ) as industry_mean_exposure
    from all_styles
    window by_industry as (partition by trade_date, factor_code, ff12_industry_code)
)

select
    trade_date,
    security_id,
    factor_code,
    raw_value,
    coalesce(exposure, industry_mean_exposure) as exposure_z,
    exposure is null as is_imputed
from imputed
