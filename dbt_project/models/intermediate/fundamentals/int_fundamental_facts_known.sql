{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['usable_from_date'],
    on_schema_change='fail',
    indexes=[
        {'columns': ['cik', 'item_code', 'duration_bucket', 'period_end_date']},
        {'columns': ['cik', 'item_code', 'period_end_date', 'usable_from_date']},
        {'columns': ['usable_from_date']},
    ],
    post_hook='{{ analyze_after_full_build() }}',
) }}
{#
    The XBRL facts that feed a fundamental item, each with the first session it may be used
    in: the trading day after the New York date its filing was accepted (METHODOLOGY §3.1:
    the conservative default), or, when the filing is not landed, after its filing date.
    A period reported twice on one day (two tags, two filings) keeps the tag of best
    precedence. Restated values are further rows with a later usable_from_date.
    Grain: one row per cik, item_code, period_start_date, period_end_date, usable_from_date.
#}
with

trading_days as (
    select trade_date from {{ ref('trading_calendar') }}
),
{%- if is_since_build() %}

    {# a fact known before the last session before `since` was usable before it #}
    last_session_before_since as (
        select coalesce(max(trading_days.trade_date), '-infinity'::date) as trade_date
        from trading_days
        where trading_days.trade_date < '{{ since_date() }}'::date
    ),
{%- endif %}

facts as (
    select
        cik,
        accession_number,
        taxonomy,
        concept,
        unit,
        reported_value,
        period_start_date,
        period_end_date,
        filed_date
    from {{ ref('stg_edgar__facts') }}
    {%- if is_since_build() %}
        {#
            A fact known from that session on was landed since: none lands before its filing
            is accepted (ADR 0017). A week earlier, to be safe: a fact whose filing is not
            landed is dated by its filing date, up to 4 days after the acceptance in the
            recorded submissions, and loaded_at is its landing transaction's start. A BRIN
            index (migration 1dacada3df01) then reads the recent pages, not every fact.
        #}
        where loaded_at >= (
            select
                (last_session_before_since.trade_date - 7)::timestamp
                at time zone 'America/New_York'
            from last_session_before_since
        )
    {%- endif %}
),

concepts as (
    select
        item_code,
        item_kind,
        taxonomy,
        concept,
        unit,
        precedence
    from {{ ref('fundamental_concepts') }}
),

filings as (
    select
        cik,
        accession_number,
        min(known_date) as known_date
    from {{ ref('stg_edgar__filings') }}
    group by cik, accession_number
),

mapped as (
    select
        facts.cik,
        concepts.item_code,
        concepts.item_kind,
        concepts.precedence,
        facts.accession_number,
        facts.reported_value,
        facts.period_start_date,
        facts.period_end_date,
        coalesce(filings.known_date, facts.filed_date) as known_date,
        {# edgartools' duration buckets, in days between start and end #}
        case
            when facts.period_start_date is null then 'instant'
            when facts.period_end_date - facts.period_start_date between 70 and 120
                then 'quarter'
            when facts.period_end_date - facts.period_start_date between 140 and 229
                then 'half_year_to_date'
            when facts.period_end_date - facts.period_start_date between 230 and 329
                then 'nine_months_to_date'
            when facts.period_end_date - facts.period_start_date between 330 and 420
                then 'annual'
        end as duration_bucket
    from facts
    inner join concepts
        on
            facts.taxonomy = concepts.taxonomy
            and facts.concept = concepts.concept
            and facts.unit = concepts.unit
    left join filings
        on
            facts.cik = filings.cik
            and facts.accession_number = filings.accession_number
    {%- if is_since_build() %}
        where coalesce(filings.known_date, facts.filed_date) >= (
            select last_session_before_since.trade_date from last_session_before_since
        )
    {%- endif %}
),

known_dates as (
    select distinct known_date from mapped
),

first_usable_sessions as materialized (
    {#
        the session after each day facts became known: looked up once a day, not once a fact
        (materialized: inlined, the lookup would run for every fact again)
    #}
    select
        known_dates.known_date,
        (
            select min(trading_days.trade_date)
            from trading_days
            where trading_days.trade_date > known_dates.known_date
        ) as usable_from_date
    from known_dates
),

usable as (
    select
        mapped.*,
        first_usable_sessions.usable_from_date
    from mapped
    inner join first_usable_sessions on mapped.known_date = first_usable_sessions.known_date
    where mapped.duration_bucket is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by cik, item_code, period_start_date, period_end_date, usable_from_date
            order by precedence asc, known_date desc, accession_number desc
        ) as rank_within_day
    from usable
    where usable_from_date is not null and {{ since_condition('usable_from_date') }}
)

select
    cik,
    item_code,
    item_kind,
    duration_bucket,
    period_start_date,
    period_end_date,
    usable_from_date,
    known_date,
    reported_value::double precision as reported_value,
    accession_number,
    precedence
from ranked
where rank_within_day = 1
