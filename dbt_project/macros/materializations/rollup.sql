{#
    `materialized='rollup'`: a continuous aggregate when TimescaleDB is present; otherwise a
    view over materialized views of the closed buckets plus the open ones aggregated live,
    which is what a real-time continuous aggregate is (DESIGN §4, ADR 0015). Same name and
    columns on both paths. The model's SQL must be one `select ... from ... group by` without
    CTEs or `where` (a continuous aggregate's rule); macros rollup_bucket, first_by and last_by
    write the branch-specific parts. Config: `time_column` (the source's date, indexed) and
    `bucket_column` (the bucket's start date, a column of the select).

    TimescaleDB: a first build (or --full-refresh) creates the continuous aggregate; the engine
    refreshes it after dbt, from `since` (factor_engine.core.build: refresh_continuous_aggregate
    must run outside a transaction, and TimescaleDB's background policies fail on PostgreSQL
    15.20). In the catalog a continuous aggregate is a view, so dbt sees it as one.

    Plain PostgreSQL, three parts under the view `<name>`: `<name>_history` materializes every
    bucket up to the latest one when it was refreshed; `<name>_recent` materializes the buckets
    from history's last one on; the view reads each below its last bucket and aggregates the
    rest from the source (found by `time_column` through its index). A full build creates all
    three. A --since build refreshes only what is stale (rollup_stale_parts): the recent
    buckets about monthly (`refresh_after_days`, 31), a fraction of a second, and history, the
    whole source, about yearly (`history_refresh_after_days`, 365) or when `since` reaches into
    it; on other days the new rows are all live, and it leaves both as they are.
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
    {%- set history = rollup_part(target, 'history') -%}
    {%- set recent = rollup_part(target, 'recent') -%}
    {%- set bucket = config.require('bucket_column') -%}
    {%- if existing is none or load_relation(history) is none or load_relation(recent) is none
        or should_full_refresh() or existing.type != 'view' %}
        {#- earlier layouts: a materialized view under the model's name, or one `_closed` -#}
        {%- if existing is not none %}{{ adapter.drop_relation(existing) }}{% endif %}
        {%- for part in [history, recent, rollup_part(target, 'closed')] %}
            {{ adapter.drop_relation(part) }}
        {%- endfor %}
        {% call statement('materialize') -%}
            create materialized view {{ history }} as
            {{ select_sql }};
            create index on {{ history }} ({{ bucket }});
            create materialized view {{ recent }} as
            {{ rollup_rows_from(select_sql, '(select max(' ~ bucket ~ ') from ' ~ history ~ ')') }};
            create index on {{ recent }} ({{ bucket }})
        {%- endcall %}
    {%- else %}
        {%- set stale = rollup_stale_parts(history, recent, bucket) -%}
        {%- if not stale %}
            {% call statement('main') -%}
                select 1
            {%- endcall %}
            {{ return('') }}
        {%- endif %}
        {#- history first: recent starts from history's last bucket -#}
        {% call statement('materialize') -%}
            {%- for part in stale %}
            refresh materialized view {{ part }};
            {%- endfor %}
        {%- endcall %}
    {%- endif %}
    {#- the boundaries as literals, so that the planner sees how few rows each part gives -#}
    {%- set history_end = last_bucket(history, bucket) -%}
    {%- set recent_end = rollup_date_literal(last_bucket(recent, bucket) or history_end) -%}
    {%- set history_end = rollup_date_literal(history_end) -%}
    {% call statement('main') -%}
        create or replace view {{ target }} as
        select * from {{ history }}
        where {{ bucket }} < {{ history_end }}
        union all
        select * from {{ recent }}
        where {{ bucket }} < {{ recent_end }}
        union all
        {{ rollup_rows_from(select_sql, recent_end) }}
    {%- endcall %}
{%- endmacro %}


{% macro rollup_part(target, part) -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema=target.schema,
        identifier=target.identifier ~ '_' ~ part,
        type='materialized_view',
    )) }}
{%- endmacro %}


{% macro rollup_date_literal(day) -%}
    {{ return("'" ~ (day or '-infinity') ~ "'::date") }}
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


{% macro last_bucket(part, bucket) -%}
    {%- set answer = run_query('select max(' ~ bucket ~ ') from ' ~ part) -%}
    {{ return(answer.columns[0].values()[0]) }}
{%- endmacro %}


{#- The parts a --since build refreshes, history first: history when `since` reaches into it or
    the recent part has grown past `history_refresh_after_days`; recent then too, and also
    when `since` reaches into it or the live part has grown past `refresh_after_days`. -#}
{% macro rollup_stale_parts(history, recent, bucket) -%}
    {%- set since = since_date() -%}
    {%- set history_end = last_bucket(history, bucket) -%}
    {%- set recent_end = last_bucket(recent, bucket) -%}
    {%- if since is none or history_end is none or recent_end is none -%}
        {{ return([history, recent]) }}
    {%- endif -%}
    {%- set since = modules.datetime.date.fromisoformat(since) -%}
    {%- set recent_days = (since - history_end).days -%}
    {%- set live_days = (since - recent_end).days -%}
    {%- if recent_days < 0 or recent_days >= config.get('history_refresh_after_days', 365) -%}
        {{ return([history, recent]) }}
    {%- elif live_days < 0 or live_days >= config.get('refresh_after_days', 31) -%}
        {{ return([recent]) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}
