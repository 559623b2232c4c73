{#
    Every dataset and symbol the bar files hold, found by a skip scan of the raw table's primary
    key (dataset, symbol, trade_date): one index probe per symbol instead of reading every bar
    (80 ms against 320 ms at 3,000 securities x 5 years, on every build, --since ones
    included, where int_security_keys starts the critical path). Through stg_files__daily_bars
    the planner reads the whole table instead.
    Grain: one row per dataset and symbol.
#}
with recursive

bar_symbols as (
    (
        select
            dataset,
            symbol
        from {{ source('raw_files', 'daily_bars') }}
        order by dataset, symbol
        limit 1
    )
    union all
    select
        next_symbol.dataset,
        next_symbol.symbol
    from bar_symbols
    cross join lateral (
        select
            bars.dataset,
            bars.symbol
        from {{ source('raw_files', 'daily_bars') }} as bars
        where (bars.dataset, bars.symbol) > (bar_symbols.dataset, bar_symbols.symbol)
        order by bars.dataset, bars.symbol
        limit 1
    ) as next_symbol
)

select
    dataset,
    symbol
from bar_symbols
