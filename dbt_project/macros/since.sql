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

{#
    The post-hook that refreshes a table's planner statistics: after a full build, whose tables
    are new and have none. A --since build adds a session to millions of rows and keeps the
    statistics the table has (autovacuum analyzes it once a tenth of it is new); analyzing the
    dozen large tables every day cost about 4.5 s (bench/RESULTS.md).
#}
{% macro analyze_after_full_build() -%}
    {%- if not is_since_build() %}analyze {{ this }}{% endif -%}
{%- endmacro %}
