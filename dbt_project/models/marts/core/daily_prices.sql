{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['security_id', 'trade_date'],
    on_schema_change='fail',
    post_hook="{{ hypertable_if_available('trade_date') }}",
    indexes=[
    {'columns': ['security_id', 'trade_date'], 'unique': true},
    {'columns': ['trade_date']},
    ],
) }}
{#
    Daily prices, returns, shares outstanding and market capitalisation.
    return_1d is the adjusted-close return since the security's previous session. Shares are
    the point-in-time count (EDGAR cover-page or balance-sheet shares known that day, no
    older than 18 months), so market_cap_usd = close_price * shares_outstanding uses only what
    was known at the close. Where the price source is split-adjusted after the fact (the
    bundled file sets), market cap before a split is understated by the split ratio: a
    known limit of such files, absent with IBKR TRADES bars. A --since build reads bars from
    `since` on and continues each security's returns and session count from its last stored
    session before it.
    The rows lie in date order.
    Grain: one row per security_id and trade_date.
#}
{#- the first day a share interval can serve a bar that this build writes -#}
{%- set first_serving_day = (
    "greatest(valid_from_date, '" ~ since_date() ~ "'::date)"
    if is_since_build() else 'valid_from_date'
) %}
with

bars as (
    select
        *,
        date_trunc('month', trade_date::timestamp)::date as month_start_date
    from {{ ref('int_daily_bars_unioned') }}
    where {{ since_condition('trade_date') }}
),

previous_sessions as (
    {%- if is_since_build() %}
    {# each security's last stored session before `since`: the base of its first new return,
       and the session count the new ones continue #}
        select
            securities.security_id,
            last_session.adjusted_close_price,
            last_session.session_index
        from (select distinct bars.security_id from bars) as securities
        cross join lateral (
            select
                stored_prices.adjusted_close_price,
                stored_prices.session_index
            from {{ this }} as stored_prices
            where
                stored_prices.security_id = securities.security_id
                and stored_prices.trade_date < '{{ since_date() }}'::date
            order by stored_prices.trade_date desc
            limit 1
        ) as last_session
    {%- else %}
        {# a full build starts every security at its first bar #}
        select
            security_id,
            adjusted_close_price,
            0::bigint as session_index
        from bars
        where false
    {%- endif %}
),

share_intervals as (
    {# the point-in-time shares, each interval with the months it can serve a bar in: from
       its start (a --since build: from `since`) to the day before its end, 18 months after
       its period end or the last bar, whichever comes first #}
    select
        security_id,
        valid_from_date,
        valid_to_date,
        period_end_date,
        value,
        date_trunc('month', {{ first_serving_day }}::timestamp) as first_month_start,
        least(
            valid_to_date - 1, period_end_date + 548, (select max(bars.trade_date) from bars)
        )::timestamp as last_day
    from {{ ref('fundamentals_pit') }}
    where item_code = 'shares_outstanding'
),

{# materialized: the planner, which takes the bars for 40,000 rows, would look each bar's
   interval up by index (3.8 M lookups in a full build); a daily build's few thousand bars
   should do just that (0.1 against 0.23 s), more sessions should not (five: 0.33 against
   0.4 s; 253: 5.3 against 12.5 s) #}
shares as {{ 'not ' if is_daily_since_build(ref('int_daily_bars_unioned')) }}materialized (
    {# each interval once for every month it covers, so that a bar finds the one valid on its
       date by equality on security and month: joined on the security alone, each bar met
       every interval of its security (69 M pairs at 3,000 securities x 5 years: 12 s of a
       26 s query) #}
    select
        share_intervals.*,
        months.month_start::date as month_start_date
    from share_intervals
    cross join lateral generate_series(
        share_intervals.first_month_start, share_intervals.last_day, interval '1 month'
    ) as months (month_start)
),

with_returns as (
    select
        bars.*,
        bars.adjusted_close_price
        / nullif(
            case
                when row_number() over by_security = 1
                    then previous_sessions.adjusted_close_price
                else lag(bars.adjusted_close_price) over by_security
            end,
            0
        )
        - 1 as return_1d,
        coalesce(previous_sessions.session_index, 0) + row_number() over by_security
            as session_index
    from bars
    left join previous_sessions on bars.security_id = previous_sessions.security_id
    {# by month, then date: the same order, in which the join on the month below finds the
       rows sorted, without sorting them again #}
    window by_security as (
        partition by bars.security_id order by bars.month_start_date, bars.trade_date
    )
)

select
    with_returns.security_id,
    with_returns.trade_date,
    with_returns.open_price,
    with_returns.high_price,
    with_returns.low_price,
    with_returns.close_price,
    with_returns.adjusted_close_price,
    with_returns.volume,
    with_returns.return_1d,
    with_returns.session_index,
    shares.value as shares_outstanding,
    with_returns.price_source,
    with_returns.close_price * shares.value as market_cap_usd,
    with_returns.volume / nullif(shares.value, 0) as turnover
from with_returns
left join shares
    on
        with_returns.security_id = shares.security_id
        and with_returns.month_start_date = shares.month_start_date
        and with_returns.trade_date >= shares.valid_from_date
        and with_returns.trade_date < shares.valid_to_date
        and shares.period_end_date >= with_returns.trade_date - 548
{# rows in date order, also those a --since build appends: the daily build's reads of recent
   sessions (the ESTU's 120 days, the rollups' live month) then find them on the last pages,
   not on every page of a table written security by security #}
order by with_returns.trade_date, with_returns.security_id
