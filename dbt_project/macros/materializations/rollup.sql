{#
    `materialized='rollup'`: a continuous aggregate when TimescaleDB is present; otherwise a
    view over a materialized view of the closed buckets plus the open ones aggregated live,
    which is what a real-time continuous aggregate is (DESIGN §4, ADR 0015). Same name and
    columns on both paths. The model's SQL must be one `select ... from ... group by` without
    CTEs or `where` (a continuous aggregate's rule); macros rollup_bucket, first_by and last_by
    write the branch-specific parts. Config: `time_column` (the source's date, indexed) and
    `bucket_column` (the bucket's start date, a column of the select).

    TimescaleDB: a first build (or --full-refresh) creates the continuous aggregate; the engine
    refreshes it after dbt, from `since` (factor_engine.core.build: refresh_continuous_aggregate
    must run outside a transaction, and TimescaleDB's background policies fail on PostgreSQL
    15.20). In the catalog a continuous aggregate is a view, so dbt sees it as one.

    Plain PostgreSQL: `<name>_closed` materializes every bucket up to the latest one at refresh;
    the view `<name>` reads it below its last bucket and aggregates the rest from the source
    (found by `time_column` through its index). A full build creates both. A --since build
    refreshes the materialized view only when `since` falls inside its buckets (the history
    under it changed) or `refresh_after_days` (default 31) past its last bucket (so the live
    part stays short); otherwise it leaves it as it is, because the new rows are all live.
#}
{% materialization rollup, adapter='postgres' %}
    {%- set existing = load_relation(this) -%}
    {%- set target = this.incorporate(type='view') -%}

    {{ run_hooks(pre_hooks) }}
    {%- if timescaledb_enabled() %}
        {{ continuous_aggregate(existing, target, sql) }}
    {%- else %}
        {{ closed_buckets_and_live_view(existing, target, sql) }}
    {%- endif %}
    {{ run_hooks(post_hooks) }}
    {% do persist_docs(target, model) %}
    {{ adapter.commit() }}
    {{ return({'relations': [target]}) }}
{% endmaterialization %}


{% macro continuous_aggregate(existing, target, select_sql) -%}
    {%- if existing is none or should_full_refresh() or existing.type != 'view' %}
        {% call statement('drop_existing') -%}
            drop materialized view if exists {{ target }} cascade
        {%- endcall %}
        {% call statement('main') -%}
            create materialized view {{ target }} with (timescaledb.continuous) as
            {{ select_sql }}
            with no data
        {%- endcall %}
    {%- else %}
        {% call statement('main') -%}
            select 1
        {%- endcall %}
    {%- endif %}
{%- endmacro %}


{% macro closed_buckets_and_live_view(existing, target, select_sql) -%}
    {%- set closed = api.Relation.create(
        database=target.database,
        schema=target.schema,
        identifier=target.identifier ~ '_closed',
        type='materialized_view',
    ) -%}
    {%- set existing_closed = load_relation(closed) -%}
    {%- set bucket = config.require('bucket_column') -%}
    {%- if existing is none or existing_closed is none or should_full_refresh()
        or existing.type != 'view' %}
        {#- an older layout had a materialized view under the model's own name -#}
        {%- if existing is not none %}{{ adapter.drop_relation(existing) }}{% endif %}
        {%- if existing_closed is not none %}{{ adapter.drop_relation(existing_closed) }}{% endif %}
        {% call statement('materialize') -%}
            create materialized view {{ closed }} as
            {{ select_sql }};
            create index on {{ closed }} ({{ bucket }})
        {%- endcall %}
    {%- elif rollup_refresh_needed(closed, bucket) %}
        {% call statement('materialize') -%}
            refresh materialized view {{ closed }}
        {%- endcall %}
    {%- else %}
        {% call statement('main') -%}
            select 1
        {%- endcall %}
        {{ return('') }}
    {%- endif %}
    {#- the boundary as a literal, so that the planner sees how few source rows are live -#}
    {%- set last_closed_bucket = last_bucket(closed, bucket) -%}
    {%- set live_from = "'" ~ (last_closed_bucket or '-infinity') ~ "'::date" -%}
    {% call statement('main') -%}
        create or replace view {{ target }} as
        select * from {{ closed }}
        where {{ bucket }} < {{ live_from }}
        union all
        {{ rollup_rows_from(select_sql, live_from) }}
    {%- endcall %}
{%- endmacro %}


{#- The rollup's select over the source rows from `start` (a date expression) on only. -#}
{% macro rollup_rows_from(select_sql, start) -%}
    {%- set parts = select_sql.rsplit('group by', 1) -%}
    {%- if parts | length != 2 or 'where' in (parts[0] | lower).split() -%}
        {{ exceptions.raise_compiler_error(
            "a rollup's SQL must be one `select ... from ... group by` without where: "
            ~ model.name
        ) }}
    {%- endif -%}
    {{ parts[0] }}where {{ config.require('time_column') }} >= {{ start }}
    group by{{ parts[1] }}
{%- endmacro %}


{% macro last_bucket(closed, bucket) -%}
    {%- set answer = run_query('select max(' ~ bucket ~ ') from ' ~ closed) -%}
    {{ return(answer.columns[0].values()[0]) }}
{%- endmacro %}


{#- A --since build refreshes the closed buckets when `since` reaches into them, or when the
    live part has grown past `refresh_after_days`. -#}
{% macro rollup_refresh_needed(closed, bucket) -%}
    {%- set since = since_date() -%}
    {%- set last_closed_bucket = last_bucket(closed, bucket) -%}
    {%- if since is none or last_closed_bucket is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set live_days = (modules.datetime.date.fromisoformat(since) - last_closed_bucket).days -%}
    {{ return(live_days < 0 or live_days >= config.get('refresh_after_days', 31)) }}
{%- endmacro %}
