{#
    The moments USE4 standardisation takes of `value` over one cross-section: selected in a
    query over estimation-universe rows only, grouped by the cross-section (e.g. trade_date).
    <value>_count members have a value; <value>_mean is their cap-weighted mean and
    <value>_stddev their equal-weighted standard deviation. Needs `market_cap_usd` in scope.
    Grouped and joined back, not window aggregates over the cross-section: the two wide models
    built in 38-41% less time so, with no sort of every row by date (bench/RESULTS.md).
#}
{% macro cross_section_moments(value) -%}
    count({{ value }}) as {{ value }}_count,
    sum(market_cap_usd * {{ value }})
    / nullif(sum(market_cap_usd) filter (where {{ value }} is not null), 0) as {{ value }}_mean,
    stddev_samp({{ value }}) as {{ value }}_stddev
{%- endmacro %}

{#
    The query of each session's moments (cross_section_moments) of the column <value><suffix>
    for every value in `values`, over the estimation-universe rows of `relation`: one row per
    trade_date.
#}
{% macro moments_by_date(relation, values, suffix='') -%}
    select
        trade_date,
    {%- for value in values %}
        {{ cross_section_moments(value ~ suffix) }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from {{ relation }}
    where is_in_estu
    group by trade_date
{%- endmacro %}

{#
    `value` standardised with its cross-section's moments (cross_section_moments) from the
    relation `moments`: minus the cap-weighted mean, divided by the equal-weighted standard
    deviation; null where fewer than three members have a value.
#}
{% macro standardized_by(value, moments) -%}
    case
        when {{ moments }}.{{ value }}_count >= 3 then
            ({{ value }} - {{ moments }}.{{ value }}_mean) / nullif({{ moments }}.{{ value }}_stddev, 0)
    end
{%- endmacro %}

{#
    The bounds on `value`'s own scale that trimming its standardised value to +-bound sets,
    from its cross-section's moments (cross_section_moments) in the relation `moments`:
    <value>_lower and <value>_upper, the cap-weighted mean -/+ bound equal-weighted standard
    deviations; null where the value cannot be standardised (fewer than three members, or no
    spread). Selected in a query over `moments`, one row per cross-section.
#}
{% macro trimming_bounds(value, moments, bound=3) -%}
    {%- set standardisable -%}
        {{ moments }}.{{ value }}_count >= 3 and {{ moments }}.{{ value }}_stddev > 0
    {%- endset %}
    case when {{ standardisable }}
        then {{ moments }}.{{ value }}_mean - {{ bound }} * {{ moments }}.{{ value }}_stddev
    end as {{ value }}_lower,
    case when {{ standardisable }}
        then {{ moments }}.{{ value }}_mean + {{ bound }} * {{ moments }}.{{ value }}_stddev
    end as {{ value }}_upper
{%- endmacro %}

{#
    `value` trimmed to its cross-section's bounds (trimming_bounds) from the relation `bounds`;
    null where the value or the bounds are (least/greatest skip nulls, so a bare
    greatest(least(null, upper), lower) would give the upper bound). Standardised again, it
    equals the value standardised, clipped to +-bound and standardised again (USE4's trimming):
    standardising is affine with a positive scale, so it commutes with the clip and the second
    standardisation absorbs it. Trimming on the value's own scale costs a least and a greatest a
    row instead of a standardisation evaluated twice (bench/RESULTS.md).
#}
{% macro trimmed_to_bounds(value, bounds) -%}
    case
        when {{ value }} is not null and {{ bounds }}.{{ value }}_lower is not null then
            greatest(least({{ value }}, {{ bounds }}.{{ value }}_upper), {{ bounds }}.{{ value }}_lower)
    end
{%- endmacro %}
