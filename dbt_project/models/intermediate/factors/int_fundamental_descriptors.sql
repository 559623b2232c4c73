{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['security_id', 'trade_date'],
    on_schema_change='fail',
    indexes=[{'columns': ['trade_date', 'security_id'], 'unique': true}],
    post_hook='{{ analyze_after_full_build() }}',
) }}
{#
    Descriptors from point-in-time fundamentals and the session's market cap (METHODOLOGY
    §1.3), each from values valid at the session's close and no more than 18 months past
    their period end:
    - btop: book equity / market cap
    - etop, cetop: trailing-twelve-month net income, operating cash flow / market cap
    - dyield: trailing-twelve-month dividends paid / market cap
    - mlev: (market cap + long-term debt) / market cap; blev: (book equity + long-term debt) /
      book equity; dtoa: (long-term + current debt) / total assets. A company that reports a
      balance sheet without a debt tag is taken to have no debt.
    - sgro, egro: growth of trailing-twelve-month revenue and net income over the values known
      a year earlier. USE4 uses the five-year slope of annual per-share values (and analyst
      forecasts, which free data lacks): a documented deviation.
    How: the eight items' point-in-time intervals become one state per security and change
    date (every item's value from that date on); each session, and the same day a year
    earlier, takes the latest state on or before it by one sort over (security, date) instead
    of a range join per item, which grew with the square of the history (bench/RESULTS.md).
    Indexed by session: a --since build deletes the sessions it rewrites, and
    int_descriptors_standardized reads them.
    Grain: one row per security_id and trade_date.
#}
{%- set items = ['book_equity', 'net_income', 'operating_cash_flow', 'dividends_paid',
                  'revenue', 'total_assets', 'long_term_debt', 'current_debt'] %}
{#- the dates a descriptor needs its items as of: the session itself and a year earlier #}
{%- set as_of = {'now': 'trade_date', 'a_year_ago': 'trade_date - 365'} %}
with

prices as (
    select
        security_id,
        trade_date,
        market_cap_usd
    from {{ ref('daily_prices') }}
    where market_cap_usd > 0 and {{ since_condition('trade_date') }}
),

items as (
    select
        security_id,
        item_code,
        valid_from_date,
        valid_to_date,
        value,
        period_end_date
    from {{ ref('fundamentals_pit') }}
    where
        item_code in (
            '{{ items | join("', '") }}'
        )
        {# a --since build's sessions, and the days a year before them, need only the
           intervals that end after the first of those days: one ending earlier is neither
           valid then nor a change date after it #}
        and {{ since_condition('valid_to_date', 365) }}
),

change_dates as (
    {# where any item's interval starts or ends (an interval may end without a next one) #}
    select
        security_id,
        valid_from_date as state_from_date
    from items
    union
    select
        security_id,
        valid_to_date as state_from_date
    from items
    where valid_to_date < 'infinity'
),

states as (
    {# what was known of every item from each change date until the next #}
    select
        change_dates.security_id,
        change_dates.state_from_date,
        row_number() over (
            partition by change_dates.security_id order by change_dates.state_from_date
        ) as state_number,
    {%- for item in items %}
        max(items.value) filter (where items.item_code = '{{ item }}') as {{ item }},
        max(items.period_end_date) filter (where items.item_code = '{{ item }}')
            as {{ item }}_period_end_date
        {{- ',' if not loop.last }}
    {%- endfor %}
    from change_dates
    left join items
        on
            change_dates.security_id = items.security_id
            and change_dates.state_from_date >= items.valid_from_date
            and change_dates.state_from_date < items.valid_to_date
    group by change_dates.security_id, change_dates.state_from_date
),

timeline as (
    {# sessions as of now and a year earlier, among the change dates: a state applies from
       its date on, so on a tie it comes first #}
    {%- for moment, date in as_of.items() %}
        select
            security_id,
            trade_date,
            {{ date }} as as_of_date,
            '{{ moment }}' as moment,
            false as is_state
        from prices
        union all
    {%- endfor %}
    select
        security_id,
        null as trade_date,
        state_from_date as as_of_date,
        null as moment,
        true as is_state
    from states
),

positioned as (
    select
        security_id,
        trade_date,
        moment,
        is_state,
        count(*) filter (where is_state) over (
            partition by security_id order by as_of_date asc, is_state desc
            rows unbounded preceding
        ) as state_number
    from timeline
),

state_numbers as (
    select
        security_id,
        trade_date,
    {%- for moment in as_of %}
        max(state_number) filter (where moment = '{{ moment }}') as state_{{ moment }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from positioned
    where not is_state
    group by security_id, trade_date
),

known as (
    {# each item as known then, if its period ended no more than 18 months (548 days) before #}
    select
        prices.security_id,
        prices.trade_date,
        prices.market_cap_usd,
    {%- for moment, date in as_of.items() %}
        {%- set outer_loop = loop %}
    {%- for item in items %}
        case
            when
                state_{{ moment }}.{{ item }}_period_end_date
                >= prices.{{ date }} - 548
                then state_{{ moment }}.{{ item }}
        end as {{ item }}_{{ moment }}
        {{- ',' if not (outer_loop.last and loop.last) }}
    {%- endfor %}
    {%- endfor %}
    from prices
    inner join state_numbers
        on
            prices.security_id = state_numbers.security_id
            and prices.trade_date = state_numbers.trade_date
    {%- for moment in as_of %}
        left join states as state_{{ moment }}
            on
                state_numbers.security_id = state_{{ moment }}.security_id
                and state_numbers.state_{{ moment }} = state_{{ moment }}.state_number
    {%- endfor %}
)

select
    security_id,
    trade_date,
    book_equity_now / market_cap_usd as btop,
    net_income_now / market_cap_usd as etop,
    operating_cash_flow_now / market_cap_usd as cetop,
    dividends_paid_now / market_cap_usd as dyield,
    case
        when total_assets_now is not null
            then (market_cap_usd + coalesce(long_term_debt_now, 0)) / market_cap_usd
    end as mlev,
    case
        when book_equity_now > 0
            then (book_equity_now + coalesce(long_term_debt_now, 0)) / book_equity_now
    end as blev,
    (coalesce(long_term_debt_now, 0) + coalesce(current_debt_now, 0))
    / nullif(total_assets_now, 0) as dtoa,
    revenue_now / nullif(revenue_a_year_ago, 0) - 1 as sgro,
    (net_income_now - net_income_a_year_ago) / nullif(abs(net_income_a_year_ago), 0) as egro
from known
