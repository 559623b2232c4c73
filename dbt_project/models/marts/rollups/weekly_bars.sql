{{ config(materialized='rollup', time_column='trade_date', bucket_column='week_start_date') }}
{#
    Weekly bars of every security: open, high, low, close, adjusted close, volume and share
    turnover over the week's sessions. A continuous aggregate with TimescaleDB; otherwise
    materialized views of the closed weeks under a view that adds the open ones (ADR 0015).
    Scheduled after int_market_returns, which it does not read, so that a full build runs it
    beside int_price_descriptors: dbt would otherwise run it first and hold back the chain
    market returns -> price descriptors -> exposures by its 20 s (bench/RESULTS.md).
    Grain: one row per security_id and week_start_date.
#}
-- depends_on: {{ ref('int_market_returns') }}
{{ bars_rollup('week') }}
