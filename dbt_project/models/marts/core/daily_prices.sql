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
with

bars as (
    select * from {{ ref('int_daily_bars_unioned') }}
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

shares as (
    select
        security_id,
        valid_from_date,
        valid_to_date,
        period_end_date,
        value
    from {{ ref('fundamentals_pit') }}
    where item_code = 'shares_outstanding'
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
    window by_security as (partition by bars.security_id order by bars.trade_date)
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
        and with_returns.trade_date >= shares.valid_from_date
        and with_returns.trade_date < shares.valid_to_date
        and shares.period_end_date >= with_returns.trade_date - 548
{# rows in date order, also those a --since build appends: the daily build's reads of recent
   sessions (the ESTU's 120 days, the rollups' live month) then find them on the last pages,
   not on every page of a table written security by security #}
order by with_returns.trade_date, with_returns.security_id
