{#
    USE4 standardisation of `value` within each `partition` (e.g. trade_date and factor):
    minus the cap-weighted mean, divided by the equal-weighted standard deviation, both over
    estimation-universe members that have a value. Needs `is_in_estu` and `market_cap_usd` in
    scope; null where fewer than three members have a value.
#}
{% macro standardized(value, partition) -%}
    case
        when count({{ value }}) filter (where is_in_estu) over ({{ partition }}) >= 3 then
            (
                {{ value }}
                - sum(market_cap_usd * {{ value }}) filter (where is_in_estu) over ({{ partition }})
                / nullif(
                    sum(market_cap_usd) filter (
                        where is_in_estu and {{ value }} is not null
                    ) over ({{ partition }}),
                    0
                )
            )
            / nullif(stddev_samp({{ value }}) filter (where is_in_estu) over ({{ partition }}), 0)
    end
{%- endmacro %}

{#
    `value` clipped to [-bound, bound], null staying null (least/greatest skip nulls, so a bare
    greatest(least(null, 3), -3) would give 3).
#}
{% macro clipped(value, bound=3) -%}
    case when {{ value }} is not null then greatest(least({{ value }}, {{ bound }}), -{{ bound }}) end
{%- endmacro %}
