{#
    The on-run-start hook (dbt_project.yml): `analyze` for each raw table (a dbt source) whose
    rows changed since it was last analyzed by more than autovacuum's own threshold (50 rows and
    a tenth of the table, by default), or that was never analyzed. Autovacuum would do it, but a
    server may run without it (these machines do: their conf.d/90-ci.conf turns it off) or not
    have come round yet after a load; a table without statistics is planned with default
    estimates (a date range is then a third of the table), and a --since build scanned all
    3.8 M raw bars twice to read one day of them (bench/RESULTS.md). A TimescaleDB hypertable
    keeps its rows in chunks: the stale chunks are analyzed. A table another session holds (a
    vacuum, which analyzes it too) is skipped, so that the build does not wait behind it.
    Returns the statements, empty when nothing is stale.
#}
{% macro analyze_stale_sources() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set stale_query -%}
        with {{ source_relations() }}

        select format('%I.%I', stats.schemaname, stats.relname) as table_name
        from source_relations
        inner join pg_stat_user_tables as stats on source_relations.relation_oid = stats.relid
        inner join pg_class on stats.relid = pg_class.oid
        where
            stats.n_mod_since_analyze
            > current_setting('autovacuum_analyze_threshold')::float
            + current_setting('autovacuum_analyze_scale_factor')::float
            * greatest(pg_class.reltuples, 0)
        order by table_name
    {%- endset -%}
    {%- set stale = run_query(stale_query).columns[0].values() -%}
    {%- for table_name in stale %}
        analyze (skip_locked) {{ table_name }};
    {%- endfor -%}
{% endmacro %}
