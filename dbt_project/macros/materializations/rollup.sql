{#
    `materialized='rollup'`: a continuous aggregate when TimescaleDB is present, a materialized
    view otherwise (DESIGN §4), same name and columns. A first build (or --full-refresh)
    creates it; later builds refresh the plain view, while the engine refreshes continuous
    aggregates itself after dbt (factor_engine.core.build: refresh_continuous_aggregate must
    run outside a transaction, and TimescaleDB's background policies fail on PostgreSQL
    15.20). The model's SQL must be one `select ... group by` without CTEs (a continuous
    aggregate's rule); macros rollup_bucket, first_by and last_by write the branch-specific
    parts. In the catalog a continuous aggregate is a view, so dbt sees it as one.
#}
{% materialization rollup, adapter='postgres' %}
    {%- set existing = load_relation(this) -%}
    {%- set timescaledb = timescaledb_enabled() -%}
    {%- set kind = 'view' if timescaledb else 'materialized_view' -%}
    {%- set target = this.incorporate(type=kind) -%}

    {{ run_hooks(pre_hooks) }}
    {%- if existing is none or should_full_refresh() or existing.type != kind %}
        {%- if existing is not none and timescaledb %}
            {% call statement('drop_existing') -%}
                drop materialized view if exists {{ target }} cascade
            {%- endcall %}
        {%- elif existing is not none %}
            {{ adapter.drop_relation(existing) }}
        {%- endif %}
        {% call statement('main') -%}
            create materialized view {{ target }}
            {%- if timescaledb %} with (timescaledb.continuous){% endif %} as
            {{ sql }}
            {%- if timescaledb %} with no data{% endif %}
        {%- endcall %}
    {%- elif not timescaledb %}
        {% call statement('main') -%}
            refresh materialized view {{ target }}
        {%- endcall %}
    {%- else %}
        {% call statement('main') -%}
            select 1
        {%- endcall %}
    {%- endif %}
    {{ run_hooks(post_hooks) }}
    {% do persist_docs(target, model) %}
    {{ adapter.commit() }}
    {{ return({'relations': [target]}) }}
{% endmaterialization %}
