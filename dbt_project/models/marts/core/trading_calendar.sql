{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['trade_date'],
    on_schema_change='fail',
    indexes=[{'columns': ['trade_date'], 'unique': true}],
) }}
{#
    The sessions the engine knows: every date with at least one bar. A --since build numbers
    the sessions from `since` on after the last stored one before it, and rewrites that one
    (its next_trade_date is the first new session).
    Grain: one row per trade_date.
#}
with

last_stored_session as (
    {%- if is_since_build() %}
        select * from {{ this }}
        where trade_date < '{{ since_date() }}'::date
        order by trade_date desc
        limit 1
    {%- else %}
        {# a full build numbers sessions from the first #}
        select
            null::date as trade_date,
            null::bigint as count_securities,
            null::integer as session_number,
            null::date as previous_trade_date,
            null::date as next_trade_date
        where false
    {%- endif %}
),

sessions as (
    select
        trade_date,
        count(*) as count_securities
    from {{ ref('int_daily_bars_unioned') }}
    where {{ since_condition('trade_date') }}
    group by trade_date
),

numbered as (
    select
        sessions.trade_date,
        sessions.count_securities,
        (coalesce(last_stored_session.session_number, 0) + row_number() over by_date)::integer
            as session_number,
        coalesce(lag(sessions.trade_date) over by_date, last_stored_session.trade_date)
            as previous_trade_date,
        lead(sessions.trade_date) over by_date as next_trade_date
    from sessions
    left join last_stored_session on true
    window by_date as (order by sessions.trade_date)
)

select * from numbered
union all
select
    trade_date,
    count_securities,
    session_number,
    previous_trade_date,
    (select min(numbered.trade_date) from numbered) as next_trade_date
from last_stored_session
