{#
    The on-run-start hook (dbt_project.yml) that summarizes what the raw tables' BRIN indexes
    have not: the page ranges added since their last summarization. A BRIN index learns of new
    pages only when a vacuum (or this) summarizes them, and until then every scan through it
    reads them; after a bulk load that is the whole table. Autovacuum would do it, but a server
    may run without it (these machines do). Only the new ranges are read: after a day's load, a
    few pages. Applies to raw_edgar.facts' index on loaded_at (migration 1dacada3df01), which a
    --since build reads the new facts by; on a TimescaleDB hypertable, to each chunk's index.
#}
{% macro summarize_source_brin_indexes() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
with {{ source_relations() }}

select brin_summarize_new_values(pg_index.indexrelid::regclass)
from source_relations
inner join pg_index on source_relations.relation_oid = pg_index.indrelid
inner join pg_class as index_relation on pg_index.indexrelid = index_relation.oid
inner join pg_am on index_relation.relam = pg_am.oid
inner join pg_class as table_relation on pg_index.indrelid = table_relation.oid
{# only a table's owner may (a transformer login reads the raw tables it does not own) #}
where pg_am.amname = 'brin' and pg_has_role(table_relation.relowner, 'usage')
{% endmacro %}
