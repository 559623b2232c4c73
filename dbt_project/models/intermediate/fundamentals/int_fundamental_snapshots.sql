{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['snapshot_date'],
    on_schema_change='fail',
    indexes=[{'columns': ['snapshot_date']}],
    post_hook='{{ analyze_after_full_build() }}',
) }}
{#
    What was known of each fundamental item on each day something new about it became usable.
    Flow items are trailing twelve months, built only from what was known that day: the
    latest fiscal year, plus the year-to-date period since it, minus the same period a year
    earlier (TTM = FY + YTD - prior YTD; Q4 = FY - 9M follows). Stock and share items are
    the latest balance; per-share items the latest fiscal year. Each value exists twice: as
    latest known (restatements included) and as first reported. A --since build adds the
    snapshots from `since` on, each from everything known that day.
    Grain: one row per cik, item_code and snapshot_date.
#}
with

{# not materialized: the lateral lookups below must reach the table's indexes #}
facts as not materialized (
    select * from {{ ref('int_fundamental_facts_known') }}
),

snapshots as (
    select distinct
        cik,
        item_code,
        item_kind,
        usable_from_date as snapshot_date
    from facts
    where {{ since_condition('usable_from_date') }}
),

latest_periods as (
    select
        snapshots.*,
        fiscal_year.period_start_date as year_start_date,
        fiscal_year.period_end_date as year_end_date,
        balance.period_end_date as instant_date
    from snapshots
    left join lateral (
        {{ latest_period_known('snapshots', "= 'annual'") }}
    ) as fiscal_year on snapshots.item_kind in ('flow', 'per_share')
    left join lateral (
        {{ latest_period_known('snapshots', "= 'instant'") }}
    ) as balance on snapshots.item_kind in ('stock', 'shares')
),

year_to_date_periods as (
    select
        latest_periods.*,
        year_to_date.period_start_date as ytd_start_date,
        year_to_date.period_end_date as ytd_end_date,
        prior_year_to_date.period_start_date as prior_ytd_start_date,
        prior_year_to_date.period_end_date as prior_ytd_end_date
    from
        latest_periods
        {# the longest year-to-date period that starts where the fiscal year ended #}
    left join lateral (
        select
            facts.period_start_date,
            facts.period_end_date,
            facts.duration_bucket
        from facts
        where
            facts.cik = latest_periods.cik
            and facts.item_code = latest_periods.item_code
            and facts.duration_bucket in ('quarter', 'half_year_to_date', 'nine_months_to_date')
            and facts.period_start_date
            between latest_periods.year_end_date - 6 and latest_periods.year_end_date + 8
            and facts.usable_from_date <= latest_periods.snapshot_date
        order by facts.period_end_date desc
        limit 1
    ) as year_to_date on latest_periods.item_kind = 'flow'
    {# and the same stretch a year earlier, as known that day (10-Qs report it alongside) #}
    left join lateral (
        select
            facts.period_start_date,
            facts.period_end_date
        from facts
        where
            facts.cik = latest_periods.cik
            and facts.item_code = latest_periods.item_code
            and facts.duration_bucket = year_to_date.duration_bucket
            and facts.period_end_date
            between (year_to_date.period_end_date - interval '1 year')::date - 7
            and (year_to_date.period_end_date - interval '1 year')::date + 7
            and facts.period_start_date
            between latest_periods.year_start_date - 7 and latest_periods.year_start_date + 7
            and facts.usable_from_date <= latest_periods.snapshot_date
        order by facts.period_end_date desc
        limit 1
    ) as prior_year_to_date on year_to_date.period_end_date is not null
),

valued as (
    select
        year_to_date_periods.*,
    {% for pick in ['latest', 'first'] %}
        {{ reported_value_as_of(
            'year_to_date_periods', 'year_start_date', 'year_end_date', 'snapshot_date', pick
        ) }} as year_value_{{ pick }},
        {{ reported_value_as_of(
            'year_to_date_periods', 'ytd_start_date', 'ytd_end_date', 'snapshot_date', pick
        ) }} as ytd_value_{{ pick }},
        {{ reported_value_as_of(
            'year_to_date_periods', 'prior_ytd_start_date', 'prior_ytd_end_date',
            'snapshot_date', pick
        ) }} as prior_ytd_value_{{ pick }},
        {{ reported_value_as_of(
            'year_to_date_periods', 'null::date', 'instant_date', 'snapshot_date', pick
        ) }} as instant_value_{{ pick }}{{ ',' if not loop.last }}
    {% endfor %}
    from year_to_date_periods
)

select
    cik,
    item_code,
    item_kind,
    snapshot_date,
    {% for pick, name in [('latest', 'value'), ('first', 'first_reported_value')] %}
        case
            when item_kind in ('stock', 'shares') then instant_value_{{ pick }}
            when item_kind = 'per_share' then year_value_{{ pick }}
            when prior_ytd_value_{{ pick }} is not null
                then year_value_{{ pick }} + ytd_value_{{ pick }} - prior_ytd_value_{{ pick }}
            else year_value_{{ pick }}
        end as {{ name }},
    {% endfor %}
    case
        when item_kind in ('stock', 'shares') then instant_date
        when prior_ytd_end_date is not null then ytd_end_date
        else year_end_date
    end as period_end_date,
    item_kind = 'flow' as is_trailing_twelve_months
from valued
