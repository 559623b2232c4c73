{#
    `factor-engine build --since DATE` passes the dbt var `since`: incremental models then
    recompute sessions from that date on (delete+insert by their grain), reading
    `lookback_days` of earlier history for their windows. Without it, or on a first or
    --full-refresh build, the condition is `true` and everything is rebuilt.
#}
{% macro since_condition(column, lookback_days=0) -%}
    {%- if is_since_build() -%}
        {{ column }} >= '{{ var("since") }}'::date - {{ lookback_days }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# True while a `--since` build runs an incremental model whose table already exists. #}
{% macro is_since_build() -%}
    {{ return(is_incremental() and var('since', none) is not none) }}
{%- endmacro %}
