{{ config(
    materialized='table',
    post_hook='analyze {{ this }}',
) }}
{#
    Which security each source identifier belongs to. A company known to EDGAR is one security
    (keyed by CIK); a ticker listed in its submissions header maps to it; any other traded
    symbol becomes a security of its own. security_id is derived from the key, so it is
    stable across rebuilds. A table, not a view: four models read it (the bar files' symbols
    come from stg_files__bar_symbols, a skip scan of the raw table's key). Every build rebuilds
    it whole and analyzes it: without statistics the models joining it planned nested loops
    over guessed row counts (securities: 0.5 s instead of 0.1 at 3,000 securities).
    Grain: one row per identifier_type and identifier_value.
#}
with

companies as (
    select
        cik,
        tickers
    from {{ ref('stg_edgar__companies') }}
),

file_symbols as (
    select distinct symbol from {{ ref('stg_files__bar_symbols') }}
),

contracts as (
    select distinct
        ib_con_id,
        symbol
    from {{ ref('stg_ibkr__contracts') }}
),

company_keys as (
    select distinct
        'cik' as identifier_type,
        cik::text as identifier_value,
        'cik:' || cik as security_key
    from companies
),

ticker_keys as (
    {# A ticker two companies list (a reused symbol): the later registrant, the larger CIK. #}
    select
        'ticker' as identifier_type,
        upper(listed.ticker) as identifier_value,
        'cik:' || max(companies.cik) as security_key
    from companies
    cross join lateral unnest(companies.tickers) as listed (ticker)
    group by upper(listed.ticker)
),

symbol_keys as (
    select
        'ticker' as identifier_type,
        symbols.symbol as identifier_value,
        'symbol:' || symbols.symbol as security_key
    from (
        select file_symbols.symbol from file_symbols
        union
        select contracts.symbol from contracts
    ) as symbols
    where not exists (
        select from ticker_keys
        where ticker_keys.identifier_value = symbols.symbol
    )
),

tickers_and_symbols as (
    select * from ticker_keys
    union all
    select * from symbol_keys
),

contract_keys as (
    select
        'ib_con_id' as identifier_type,
        contracts.ib_con_id::text as identifier_value,
        tickers_and_symbols.security_key
    from contracts
    inner join tickers_and_symbols
        on contracts.symbol = tickers_and_symbols.identifier_value
),

all_keys as (
    select * from company_keys
    union all
    select * from tickers_and_symbols
    union all
    select * from contract_keys
)

select
    {{ security_id('security_key') }} as security_id,
    security_key,
    identifier_type,
    identifier_value
from all_keys
