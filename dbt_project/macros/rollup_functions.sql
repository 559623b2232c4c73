{#
    The parts of a rollup's SQL that differ between TimescaleDB (continuous aggregates) and
    plain PostgreSQL (materialized views); both give Monday weeks and first-of-month months.
#}
{% macro rollup_bucket(width, column) -%}
    {%- if timescaledb_enabled() -%}
        time_bucket('{{ width }}', {{ column }})
    {%- else -%}
        date_trunc('{{ width.split(" ")[1] }}', {{ column }})::date
    {%- endif -%}
{%- endmacro %}

{% macro first_by(value, ordering) -%}
    {%- if timescaledb_enabled() -%}
        first({{ value }}, {{ ordering }})
    {%- else -%}
        (array_agg({{ value }} order by {{ ordering }}))[1]
    {%- endif -%}
{%- endmacro %}

{% macro last_by(value, ordering) -%}
    {%- if timescaledb_enabled() -%}
        last({{ value }}, {{ ordering }})
    {%- else -%}
        (array_agg({{ value }} order by {{ ordering }} desc))[1]
    {%- endif -%}
{%- endmacro %}

{#
    Post-hook of a date-grained mart: make it a hypertable when TimescaleDB is present (so
    continuous aggregates can read it); nothing otherwise.
#}
{% macro hypertable_if_available(time_column) -%}
    {%- if timescaledb_enabled() -%}
        select create_hypertable(
            '{{ this }}', by_range('{{ time_column }}', interval '1 year'),
            migrate_data => true, if_not_exists => true
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
