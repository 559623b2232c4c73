{{ config(indexes=[{'columns': ['security_id'], 'unique': true}]) }}
{#
    The security master: one row per security_id, delisted and dead companies included.
    Industry is the Fama-French 12 and 49 group of the SIC code in the company's latest EDGAR
    submissions header; IBKR's industry is kept beside it as a cross-check.
#}
with

{# read twice: inlined, so that the planner sees the table's statistics, where a materialized
   CTE's grouped rows are guessed at 200 #}
security_keys as not materialized (
    select * from {{ ref('int_security_keys') }}
),

latest_companies as (
    select distinct on (cik)
        cik,
        entity_name,
        sic_code,
        sic_description,
        tickers
    from {{ ref('stg_edgar__companies') }}
    order by cik asc, loaded_at desc
),

latest_contracts as (
    select distinct on (ib_con_id)
        ib_con_id,
        symbol,
        long_name,
        industry,
        category,
        primary_exchange,
        currency
    from {{ ref('stg_ibkr__contracts') }}
    order by ib_con_id asc, loaded_at desc
),

ff12 as (
    select * from {{ ref('ff12_sic_ranges') }}
),

ff49 as (
    select * from {{ ref('ff49_sic_ranges') }}
),

{# each SIC code's industries, matched to the ranges once per code, not once per company #}
industries as (
    select
        sic_codes.sic_code,
        ff12.ff12_industry_number,
        ff12.ff12_industry_code,
        ff49.ff49_industry_number,
        ff49.ff49_industry_code
    from (select distinct latest_companies.sic_code from latest_companies) as sic_codes
    left join ff12
        on sic_codes.sic_code between ff12.sic_code_from and ff12.sic_code_to
    left join ff49
        on sic_codes.sic_code between ff49.sic_code_from and ff49.sic_code_to
),

securities as (
    select distinct
        security_id,
        security_key
    from security_keys
),

identifiers as (
    select
        security_id,
        max(identifier_value::bigint) filter (where identifier_type = 'cik') as cik,
        min(identifier_value) filter (where identifier_type = 'ticker') as ticker,
        max(identifier_value::bigint) filter (where identifier_type = 'ib_con_id') as ib_con_id
    from security_keys
    group by security_id
)

select
    securities.security_id,
    securities.security_key,
    identifiers.cik,
    identifiers.ib_con_id,
    latest_companies.sic_code,
    latest_companies.sic_description,
    latest_contracts.industry as ib_industry,
    latest_contracts.category as ib_category,
    latest_contracts.primary_exchange,
    coalesce(latest_companies.tickers[1], identifiers.ticker) as ticker,
    coalesce(latest_companies.entity_name, latest_contracts.long_name, identifiers.ticker)
        as security_name,
    coalesce(industries.ff12_industry_number, 12) as ff12_industry_number,
    coalesce(industries.ff12_industry_code, 'Other') as ff12_industry_code,
    coalesce(industries.ff49_industry_number, 49) as ff49_industry_number,
    coalesce(industries.ff49_industry_code, 'Other') as ff49_industry_code,
    coalesce(latest_contracts.currency, 'USD') as currency
from securities
inner join identifiers on securities.security_id = identifiers.security_id
left join latest_companies on identifiers.cik = latest_companies.cik
left join latest_contracts on identifiers.ib_con_id = latest_contracts.ib_con_id
left join industries on latest_companies.sic_code = industries.sic_code
