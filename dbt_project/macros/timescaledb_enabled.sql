{#
    True when the TimescaleDB extension is installed: asks ops.has_timescaledb(), the one
    capability check every layer uses (docs/decisions/0004-timescaledb-capability-check.md).
    At parse time, when dbt does not execute queries, it answers false.
#}
{% macro timescaledb_enabled() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set answer = run_query("select ops.has_timescaledb()") -%}
    {{ return(answer.columns[0].values()[0]) }}
{%- endmacro %}
