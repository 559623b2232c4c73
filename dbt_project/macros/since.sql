{#
    The date `factor-engine build --since DATE` rebuilds from ('YYYY-MM-DD'), or none. The build
    passes it in the environment variable FACTOR_ENGINE_SINCE, read here only while dbt
    executes: as a dbt var, each day's new value made dbt parse the whole project again
    (1.5-2 s of a one-session build, bench/RESULTS.md).
#}
{% macro since_date() -%}
    {%- if env_var is not defined -%}
        {#- rendered by sqlfluff to be linted: lint the --since paths the daily build takes -#}
        {{ return('2017-11-01') }}
    {%- elif not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(env_var('FACTOR_ENGINE_SINCE', '') or none) }}
{%- endmacro %}

{#
    Incremental models recompute sessions from `since` on (delete+insert by their grain),
    reading `lookback_days` of earlier history for their windows. Without it, or on a first or
    --full-refresh build, the condition is `true` and everything is rebuilt.
#}
{% macro since_condition(column, lookback_days=0) -%}
    {%- if is_since_build() -%}
        {{ column }} >= '{{ since_date() }}'::date - {{ lookback_days }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# True while a `--since` build runs an incremental model whose table already exists. #}
{% macro is_since_build() -%}
    {{ return(is_incremental() and since_date() is not none) }}
{%- endmacro %}

{#
    True while a `--since` build of at most three sessions, as a daily build is, runs an
    incremental model whose table already exists; `relation` (with a trade_date) holds the
    sessions the model reads. Some models read a day's rows by a path of their own (each new
    row joined with its window, intervals looked up by index) that costs per new session
    times its window: cheaper than their full build's set-based passes for a day, slower from
    a few sessions on (the ESTU's liquidity join at 3,000 securities: 0.15 against 0.4 s for
    one session, about even for five, 1.7-2.8 against 0.6-0.9 s for 21, 32.6 against 3.3 s
    for 253).
#}
{% macro is_daily_since_build(relation) -%}
    {{ return(is_since_build() and since_session_count(relation) <= 3) }}
{%- endmacro %}

{# The sessions in `relation` from `since` on: those a --since build rebuilds. #}
{% macro since_session_count(relation) -%}
    {%- if run_query is not defined -%}
        {#- rendered by sqlfluff to be linted: a daily build -#}
        {{ return(1) }}
    {%- elif not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select count(distinct trade_date) from {{ relation }}
        where trade_date >= '{{ since_date() }}'::date
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{#
    dbt's `where` of a data test, with `{since}` replaced by the date a --since build rebuilt
    from ('-infinity' in a full build), so that a --since build tests what it rewrote: a
    literal, known only when the test runs, lets the planner use the date indexes.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set since = "'" ~ (since_date() or '-infinity') ~ "'::date" -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ where | replace('{since}', since)
        ~ ') as dbt_subquery') }}
{%- endmacro %}

{#
    The post-hook that refreshes a table's planner statistics: after a full build, whose tables
    are new and have none. A --since build adds a session to millions of rows and keeps the
    statistics the table has (autovacuum analyzes it once a tenth of it is new); analyzing the
    dozen large tables every day cost about 4.5 s (bench/RESULTS.md).
#}
{% macro analyze_after_full_build() -%}
    {%- if not is_since_build() %}analyze {{ this }}{% endif -%}
{%- endmacro %}
