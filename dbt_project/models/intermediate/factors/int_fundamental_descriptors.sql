{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['security_id', 'trade_date'],
    on_schema_change='fail',
    post_hook='analyze {{ this }}',
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
    Grain: one row per security_id and trade_date.
#}
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
    where item_code in (
        'book_equity', 'net_income', 'operating_cash_flow', 'dividends_paid', 'revenue',
        'total_assets', 'long_term_debt', 'current_debt'
    )
),

{% set items = ['book_equity', 'net_income', 'operating_cash_flow', 'dividends_paid',
                 'revenue', 'total_assets', 'long_term_debt', 'current_debt'] %}
{% for name, as_of in [('known_now', 'prices.trade_date'),
                       ('known_a_year_ago', 'prices.trade_date - 365')] %}
    {{ name }} as (
        select
            prices.security_id,
            prices.trade_date,
        {% for item in items %}
            max(items.value) filter (where items.item_code = '{{ item }}')
                as {{ item }}{{ ',' if not loop.last }}
        {% endfor %}
        from prices
        inner join items
            on
                prices.security_id = items.security_id
                and {{ as_of }} >= items.valid_from_date
                and {{ as_of }} < items.valid_to_date
                and items.period_end_date >= {{ as_of }} - 548
        group by prices.security_id, prices.trade_date
    ){{ ',' if not loop.last }}

{% endfor %}
select
    prices.security_id,
    prices.trade_date,
    known_now.book_equity / prices.market_cap_usd as btop,
    known_now.net_income / prices.market_cap_usd as etop,
    known_now.operating_cash_flow / prices.market_cap_usd as cetop,
    known_now.dividends_paid / prices.market_cap_usd as dyield,
    case
        when known_now.total_assets is not null
            then
                (prices.market_cap_usd + coalesce(known_now.long_term_debt, 0))
                / prices.market_cap_usd
    end as mlev,
    case
        when known_now.book_equity > 0
            then
                (known_now.book_equity + coalesce(known_now.long_term_debt, 0))
                / known_now.book_equity
    end as blev,
    (coalesce(known_now.long_term_debt, 0) + coalesce(known_now.current_debt, 0))
    / nullif(known_now.total_assets, 0) as dtoa,
    known_now.revenue / nullif(known_a_year_ago.revenue, 0) - 1 as sgro,
    (known_now.net_income - known_a_year_ago.net_income)
    / nullif(abs(known_a_year_ago.net_income), 0) as egro
from prices
inner join known_now
    on prices.security_id = known_now.security_id and prices.trade_date = known_now.trade_date
left join known_a_year_ago
    on
        prices.security_id = known_a_year_ago.security_id
        and prices.trade_date = known_a_year_ago.trade_date
