{#
    The on-run-start hook (dbt_project.yml) that summarizes what the raw tables' BRIN indexes
    have not: the page ranges added since their last summarization. A BRIN index learns of new
    pages only when a vacuum (or this) summarizes them, and until then every scan through it
    reads them; after a bulk load that is the whole table. Autovacuum would do it, but a server
    may run without it (these machines do). Only the new ranges are read: after a day's load, a
    few pages. Applies to raw_edgar.facts' index on loaded_at (migration 1dacada3df01), which a
    --since build reads the new facts by; on a TimescaleDB hypertable, to each chunk's index.
    An index whose table another session holds (a vacuum, which summarizes it too) is left
    after 100 ms, so that the build does not wait behind a long vacuum.
#}
{% macro summarize_source_brin_indexes() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
do $hook$
declare
    brin_index regclass;
begin
    {# a vacuum holding the table summarizes it itself: leave it, do not wait for it #}
    perform set_config('lock_timeout', '100ms', true);
    for brin_index in
        with {{ source_relations() | indent(8) }}

        select pg_index.indexrelid::regclass
        from source_relations
        inner join pg_index on source_relations.relation_oid = pg_index.indrelid
        inner join pg_class as index_relation on pg_index.indexrelid = index_relation.oid
        inner join pg_am on index_relation.relam = pg_am.oid
        inner join pg_class as table_relation on pg_index.indrelid = table_relation.oid
        {# only a table's owner may (a transformer login reads raw tables it does not own) #}
        where pg_am.amname = 'brin' and pg_has_role(table_relation.relowner, 'usage')
    loop
        begin
            perform brin_summarize_new_values(brin_index);
        exception when lock_not_available then
            raise notice 'left % unsummarized: its table is locked (by a vacuum?)', brin_index;
        end;
    end loop;
end
$hook$
{% endmacro %}
