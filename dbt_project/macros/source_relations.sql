{#
    The CTEs `source_tables` and `source_relations` (relation_oid) for the on-run-start hooks,
    which look after the raw tables (the project's dbt sources): source_relations holds each
    source table, or, for a TimescaleDB hypertable, its chunks, which hold its rows, their
    statistics and their index entries.
#}
{% macro source_relations() -%}
    {%- set source_tables = [] -%}
    {%- for source in graph.sources.values() -%}
        {%- do source_tables.append(source.schema ~ '.' ~ source.identifier) -%}
    {%- endfor -%}
source_tables as (
    select to_regclass(name) as table_oid
    from unnest(array['{{ source_tables | join("', '") }}']) as listed (name)
),

source_relations as (
    select coalesce(pg_inherits.inhrelid, source_tables.table_oid) as relation_oid
    from source_tables
    left join pg_inherits on source_tables.table_oid = pg_inherits.inhparent
)
{%- endmacro %}
