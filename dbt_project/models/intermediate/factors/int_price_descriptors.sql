{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['security_id', 'session_index'],
    on_schema_change='fail',
    indexes=[
        {'columns': ['security_id', 'session_index'], 'unique': true},
        {'columns': ['trade_date']},
    ],
    post_hook='{{ analyze_after_full_build() }}',
) }}
{#
    Descriptors from prices and volume (METHODOLOGY §1.3, CNE5 definitions; windows in
    sessions), each from data up to and including the session's close:
    - lncap: ln(market cap)
    - beta, hsigma: slope and residual volatility of the exponentially weighted regression of
      the stock's daily return on the market's, 252 sessions, half-life 63 (at least 63)
    - rstr: sum of ln(1 + r), sessions 21..524 back (504 sessions skipping the last 21),
      half-life 126 (at least 252)
    - dastd: exponentially weighted volatility of daily returns, 252 sessions, half-life 42
      (at least 63)
    - cmra: ln(1 + max Z(T)) - ln(1 + min Z(T)), Z(T) the cumulative return over the last T
      months (21 sessions), T = 1..12 (at least 252 sessions)
    - stom, stoq, stoa: ln of share turnover summed over 1, 3 and 12 months, per month
    Returns are raw, not in excess of a risk-free rate (a documented deviation: the bundled
    FRED data has no daily bill rate over the price history).
    Each row also keeps the running sums its windows are taken from (the run_* columns): a
    --since build continues them from the last stored session, and reads the stored rows its
    windows reach back to, instead of recomputing 800 days of windows (ADR 0014); those rows
    are found by (security_id, session_index), the new sessions by trade_date.
    Grain: one row per security_id and trade_date (and session_index).
#}
{#- name, term and half-life of each running sum: ewma_term(term, half_life) summed over the
    security's sessions; the counts are sums too (of doubles, as the stored sums they continue
    are), so that a stored one can be continued -#}
{%- set running_sums = [
    ('run_sw', 'case when y is not null then 1 end', 63),
    ('run_sx', 'x', 63),
    ('run_sy', 'y', 63),
    ('run_sxx', 'x * x', 63),
    ('run_sxy', 'x * y', 63),
    ('run_syy', 'y * y', 63),
    ('run_vw', 'case when return_1d is not null then 1 end', 42),
    ('run_vr', 'return_1d', 42),
    ('run_vrr', 'return_1d * return_1d', 42),
    ('run_rstr', 'log_return_1d', 126),
    ('run_cumulative_log_return', 'coalesce(log_return_1d, 0)', none),
    ('run_turnover', 'turnover', none),
    ('run_count_paired', 'case when y is not null then 1 else 0 end', none),
    ('run_count_returns', 'case when return_1d is not null then 1 else 0 end', none),
    ('run_count_turnover', 'case when turnover is not null then 1 else 0 end', none),
] -%}
{#- every distance in sessions the windows below reach back to, with the running sums each
    reads there: 21 to 252 (the months of CMRA, the 1, 3 and 12 months of turnover, the
    252-session windows) and 525 (momentum's 504 sessions after a lag of 21). A window that
    reads one not listed fails in a --since build (its column <running>_back_<k> does not
    exist); a full build reads it by a lag() of its own -#}
{%- set reads_back = {
    21: ['run_count_returns', 'run_rstr', 'run_cumulative_log_return', 'run_turnover'],
    42: ['run_cumulative_log_return'],
    63: ['run_cumulative_log_return', 'run_turnover'],
    84: ['run_cumulative_log_return'],
    105: ['run_cumulative_log_return'],
    126: ['run_cumulative_log_return'],
    147: ['run_cumulative_log_return'],
    168: ['run_cumulative_log_return'],
    189: ['run_cumulative_log_return'],
    210: ['run_cumulative_log_return'],
    231: ['run_cumulative_log_return'],
    252: [
        'run_count_paired', 'run_sw', 'run_sx', 'run_sy', 'run_sxx', 'run_sxy', 'run_syy',
        'run_count_returns', 'run_vw', 'run_vr', 'run_vrr', 'run_cumulative_log_return',
        'run_count_turnover', 'run_turnover',
    ],
    525: ['run_count_returns', 'run_rstr'],
} -%}
{%- set distances = reads_back.keys() | sort -%}
{%- set sparse = is_since_build() -%}
{#- how the windows read a running sum k sessions back: a full build by lag() over consecutive
    sessions, the sums of one distance fetched together; a --since build from sessions_back #}
{%- set back = {'pivoted': sparse, 'together': reads_back} -%}
{#- the columns each row of terms and running starts with, before its running sums -#}
{%- set leading_columns = ['security_id', 'trade_date', 'session_index', 'market_cap_usd'] -%}

with

prices as (
    select
        prices.security_id,
        prices.trade_date,
        prices.session_index,
        prices.market_cap_usd,
        prices.turnover,
        prices.return_1d,
        ln(1 + prices.return_1d) as log_return_1d,
        {# the regression sees only sessions with both returns #}
        case when markets.market_return_1d is not null then prices.return_1d end as y,
        case when prices.return_1d is not null then markets.market_return_1d end as x
    from {{ ref('daily_prices') }} as prices
    left join {{ ref('int_market_returns') }} as markets
        on prices.trade_date = markets.trade_date
    where {{ since_condition('prices.trade_date') }}
),
{%- if sparse %}

{# the stored sessions a --since build reads: those the new sessions' windows reach back to,
   and the one just before each security's first new session (1 back), whose running sums
   the new sessions' sums continue; in key order, so that its 42,000 index lookups (at 3,000
   securities) go through the index and the table in order #}
    reached_sessions as materialized (
        select distinct
            prices.security_id,
            prices.session_index - distances.sessions as session_index
        from prices
        cross join unnest(array[1, {{ distances | join(', ') }}]) as distances (sessions)
        order by prices.security_id asc, session_index asc
    ),

    stored_sessions as (
        select
            stored_rows.security_id,
            stored_rows.trade_date,
            stored_rows.session_index,
            null::double precision as market_cap_usd,
        {% for name, term, half_life in running_sums %}
            stored_rows.{{ name }}{{ ',' if not loop.last }}
        {% endfor %}
        from {{ this }} as stored_rows
        inner join reached_sessions
            on
                stored_rows.security_id = reached_sessions.security_id
                and stored_rows.session_index = reached_sessions.session_index
        where stored_rows.trade_date < '{{ since_date() }}'::date
    ),

    continued_sessions as (
        select distinct on (security_id) *
        from stored_sessions
        order by security_id asc, session_index desc
    ),
{%- endif %}

terms as (
    select
        {{ leading_columns | join(',\n        ') }},
    {% for name, term, half_life in running_sums %}
        ({{ ewma_term(term, half_life) }})::double precision as {{ name }}
        {{- ',' if not loop.last }}
    {% endfor %}
    from prices
    {%- if sparse %}
        union all
        select * from continued_sessions
    {%- endif %}
),

running as (
    select
        {{ leading_columns | join(',\n        ') }},
    {% for name, term, half_life in running_sums %}
        sum({{ name }}) over (by_security rows unbounded preceding)
            as {{ name }}{{ ',' if not loop.last }}
    {% endfor %}
    from terms
    window by_security as (partition by security_id order by session_index)
),

new_sessions as (
    select * from running
    where {{ since_condition('trade_date') }}
),
{%- if sparse %}

{# the rows the new sessions' windows reach back to, stored or new, and each new session's
   running sums that many sessions back (session_back(...) reads them, back.pivoted): one
   join and one pass, where a window per distance took 30 ms each at 3,000 securities. The
   join is on equal keys, a row per new session and distance: joined on the security alone
   and filtered by the distance, it compared every new session with every other of its
   security, which made a --since build of a year (253 sessions) take 123-134 s here against
   44 s for the whole history in a full build #}
    lookback as (
        select * from new_sessions
        union all
        select * from stored_sessions
    ),

    sessions_back as (
        select
            new_sessions.security_id as for_security_id,
            new_sessions.session_index as for_session_index,
            {{ sessions_back_values(reads_back) }}
        from new_sessions
        cross join unnest(array[{{ distances | join(', ') }}]) as distances (sessions)
        inner join lookback as back
            on
                new_sessions.security_id = back.security_id
                and new_sessions.session_index - distances.sessions = back.session_index
        group by new_sessions.security_id, new_sessions.session_index
    ),
{%- endif %}

window_sums as (
    select
        new_sessions.security_id,
        new_sessions.trade_date,
        new_sessions.market_cap_usd,
        {{ ewma_window_sum('run_count_paired', window=252, back=back) }} as count_paired,
        {{ ewma_window_sum('run_sw', 63, 252, back=back) }} as sw,
        {{ ewma_window_sum('run_sx', 63, 252, back=back) }} as sx,
        {{ ewma_window_sum('run_sy', 63, 252, back=back) }} as sy,
        {{ ewma_window_sum('run_sxx', 63, 252, back=back) }} as sxx,
        {{ ewma_window_sum('run_sxy', 63, 252, back=back) }} as sxy,
        {{ ewma_window_sum('run_syy', 63, 252, back=back) }} as syy,
        {{ ewma_window_sum('run_count_returns', window=252, back=back) }} as count_returns,
        {{ ewma_window_sum('run_vw', 42, 252, back=back) }} as vw,
        {{ ewma_window_sum('run_vr', 42, 252, back=back) }} as vr,
        {{ ewma_window_sum('run_vrr', 42, 252, back=back) }} as vrr,
        {{ ewma_window_sum('run_count_returns', window=504, lag=21, back=back) }}
            as count_momentum,
        {{ ewma_window_sum('run_rstr', 126, 504, lag=21, back=back) }} as rstr,
        {% for months in range(1, 13) %}
            {{ ewma_window_sum('run_cumulative_log_return', window=21 * months, back=back) }}
                as cumulative_{{ months }}m,
        {% endfor %}
        {{ ewma_window_sum('run_count_turnover', window=252, back=back) }} as count_turnover,
        {{ ewma_window_sum('run_turnover', window=21, back=back) }} as turnover_1m,
        {{ ewma_window_sum('run_turnover', window=63, back=back) }} as turnover_3m,
        {{ ewma_window_sum('run_turnover', window=252, back=back) }} as turnover_12m,
        {{ running_sums | map(attribute=0) | join(', ') }},
        new_sessions.session_index
    {%- if sparse %}
        from new_sessions
        left join sessions_back
            on
                new_sessions.security_id = sessions_back.for_security_id
                and new_sessions.session_index = sessions_back.for_session_index
    {%- else %}
        from new_sessions
    {%- endif %}
    {#- lag() reads consecutive rows in a full build; a --since build reads sessions_back #}
    window by_security as (partition by security_id order by session_index)
),

regression as (
    select
        *,
        (sw * sxy - sx * sy) / nullif(sw * sxx - sx * sx, 0) as beta_slope
    from window_sums
)

select
    security_id,
    trade_date,
    ln(nullif(market_cap_usd, 0)) as lncap,
    case when count_paired >= 63 then beta_slope end as beta,
    case
        when count_paired >= 63
            then
                sqrt(greatest(
                    (syy - ((sy - beta_slope * sx) / sw) * sy - beta_slope * sxy) / sw, 0
                ))
    end as hsigma,
    case when count_returns >= 63 then sqrt(greatest(vrr / vw - (vr / vw) ^ 2, 0)) end as dastd,
    case when count_momentum >= 252 then rstr end as rstr,
    {# ln(1 + R_max) - ln(1 + R_min) for cumulative simple returns R is the range of the
       cumulative log returns: the same number, never undefined (greatest and least, not an
       array unnested by a subquery per row: 9 of a full build's 40 s) #}
    {%- set cumulative_columns %}
        {%- for months in range(1, 13) %}cumulative_{{ months }}m{{ ', ' if not loop.last }}{% endfor -%}
    {% endset %}
    case
        when session_index > 252
            then greatest({{ cumulative_columns }}) - least({{ cumulative_columns }})
    end as cmra,
    case when count_turnover >= 21 then ln(nullif(turnover_1m, 0)) end as stom,
    case when count_turnover >= 63 then ln(nullif(turnover_3m / 3, 0)) end as stoq,
    case when count_turnover >= 252 then ln(nullif(turnover_12m / 12, 0)) end as stoa,
    session_index,
    {{ running_sums | map(attribute=0) | join(', ') }}
from regression
where {{ since_condition('trade_date') }}
