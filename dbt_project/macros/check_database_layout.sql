{#
    `dbt run-operation check_database_layout --args '{expected: plain}'` (or timescaledb):
    fails unless the capability check answers as expected. The test suite uses it to prove that
    dbt reaches ops.has_timescaledb() on both kinds of database.
#}
{% macro check_database_layout(expected) %}
    {%- set layout = 'timescaledb' if timescaledb_enabled() else 'plain' -%}
    {%- if layout != expected -%}
        {{ exceptions.raise_compiler_error(
            "database layout is " ~ layout ~ ", expected " ~ expected
        ) }}
    {%- endif -%}
    {{ log("database layout: " ~ layout, info=true) }}
{% endmacro %}
