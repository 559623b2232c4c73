{#
    A table with an enforced contract, created by CREATE TABLE AS where the contract declares
    no constraints. dbt-postgres creates such a table empty, with the contract's columns, and
    fills it with INSERT ... SELECT, so that constraints can be part of the DDL; PostgreSQL 15
    plans no parallel workers for an INSERT's query, but does for CREATE TABLE AS. Without
    constraints both make the same table: dbt's assertion has checked the query's column names
    and types against the contract first, and the select lists the columns in the contract's
    order. The full build of factor_exposures_wide, whose contract is names and types only:
    75 -> 55 s as a statement on two cores (bench/RESULTS.md). Anything else is dbt-postgres's.
#}
{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {%- if temporary or not config.get('contract').enforced or has_constraints() -%}
        {{ return(dbt.postgres__create_table_as(temporary, relation, sql)) }}
    {%- endif -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    {{ get_assert_columns_equivalent(sql) }}
    create {{ 'unlogged ' if config.get('unlogged', default=false) }}table {{ relation }} as (
        {{ get_select_subquery(sql) }}
    );
{%- endmacro %}

{# True when the model's contract declares a constraint, on the model or on a column. #}
{% macro has_constraints() -%}
    {%- set column_constraints = [] -%}
    {%- for column in model['columns'].values() -%}
        {%- do column_constraints.extend(column['constraints'] or []) -%}
    {%- endfor -%}
    {{ return((model['constraints'] or column_constraints) | length > 0) }}
{%- endmacro %}
