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
    The rows lie in date order (the build sorts them; a --since build appends its sessions),
    so a BRIN index on trade_date lets a read of a window of sessions (the risk model's) read
    only their pages, where the planner would otherwise scan the whole table for a quarter
    of it.
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

style_moments as (
    {{ moments_by_date('combined', weights, suffix='_score') }}
),

restandardised as (
    select
        combined.trade_date,
        combined.security_id,
        combined.market_cap_usd,
        combined.is_in_estu,
        combined.ff12_industry_code,
    {%- for style in weights %}
        coalesce({{ style }}_single_raw_value, {{ style }}_score) as {{ style }}_raw_value,
        {{ standardized_by(style ~ '_score', 'style_moments') }} as {{ style }}_exposure
        {{- ',' if not loop.last }}
    {%- endfor %}
    from combined
    left join style_moments on combined.trade_date = style_moments.trade_date
),

size_regression_sums as (
    {# regression-weighted (sqrt cap) sums of the cube on size over the ESTU #}
    select
        trade_date,
        count(size_exposure) as size_count,
        sum(sqrt(market_cap_usd)) filter (where size_exposure is not null) as sw,
        sum(sqrt(market_cap_usd) * size_exposure) as sx,
        sum(sqrt(market_cap_usd) * size_exposure ^ 3) as sy,
        sum(sqrt(market_cap_usd) * size_exposure ^ 2) as sxx,
        sum(sqrt(market_cap_usd) * size_exposure ^ 4) as sxy
    from restandardised
    where is_in_estu
    group by trade_date
),

size_slopes as materialized (
    select
        *,
        case
            when size_count >= 3 then (sw * sxy - sx * sy) / nullif(sw * sxx - sx ^ 2, 0)
        end as size_slope
    from size_regression_sums
),

{#
    Non-linear size in steps computed where they are read (not materialized): a few
    operations on a row of restandardised, which is stored once, and on its date's sums,
    which are stored (materialized) so that they are computed once.
#}
nonlinear_size_residuals as not materialized (
    select
        restandardised.*,
        restandardised.size_exposure ^ 3 as nonlinear_size_raw_value,
        restandardised.size_exposure ^ 3
        - (size_slopes.sy - size_slopes.size_slope * size_slopes.sx) / size_slopes.sw
        - size_slopes.size_slope * restandardised.size_exposure as nonlinear_size_residual
    from restandardised
    left join size_slopes on restandardised.trade_date = size_slopes.trade_date
),

residual_moments as (
    {{ moments_by_date('nonlinear_size_residuals', ['nonlinear_size_residual']) }}
),

residual_bounds as materialized (
    select
        residual_moments.trade_date,
        {{ trimming_bounds('nonlinear_size_residual', 'residual_moments') }}
    from residual_moments
),

nonlinear_size_trimmed as not materialized (
    select
        nonlinear_size_residuals.*,
        {{ trimmed_to_bounds('nonlinear_size_residual', 'residual_bounds') }}
            as nonlinear_size_trimmed
    from nonlinear_size_residuals
    left join residual_bounds
        on nonlinear_size_residuals.trade_date = residual_bounds.trade_date
),

trimmed_moments as (
    {{ moments_by_date('nonlinear_size_trimmed', ['nonlinear_size_trimmed']) }}
),

all_styles as (
    select
        nonlinear_size_trimmed.*,
        {{ standardized_by('nonlinear_size_trimmed', 'trimmed_moments') }}
            as nonlinear_size_exposure
    from nonlinear_size_trimmed
    left join trimmed_moments on nonlinear_size_trimmed.trade_date = trimmed_moments.trade_date
),

industry_means as (
    {# each style's cap-weighted mean exposure over an industry's ESTU members that day #}
    select
        trade_date,
        ff12_industry_code,
    {%- for style in styles %}
        sum(market_cap_usd * {{ style }}_exposure)
        / nullif(sum(market_cap_usd) filter (where {{ style }}_exposure is not null), 0)
            as {{ style }}_industry_mean
        {{- ',' if not loop.last }}
    {%- endfor %}
    from all_styles
    where is_in_estu
    group by trade_date, ff12_industry_code
)

select
    all_styles.trade_date,
    all_styles.security_id,
    all_styles.market_cap_usd,
    all_styles.is_in_estu as is_in_estimation_universe,
{%- for style in styles %}
    coalesce(
        all_styles.{{ style }}_exposure, industry_means.{{ style }}_industry_mean, 0
    ) as {{ style }},
    all_styles.{{ style }}_raw_value,
    all_styles.{{ style }}_exposure is null as {{ style }}_is_imputed
    {{- ',' if not loop.last }}
{%- endfor %}
from all_styles
left join industry_means
    on
        all_styles.trade_date = industry_means.trade_date
        and all_styles.ff12_industry_code = industry_means.ff12_industry_code
order by all_styles.trade_date, all_styles.security_id
