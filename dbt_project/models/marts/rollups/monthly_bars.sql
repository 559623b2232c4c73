{{ config(materialized='rollup', time_column='trade_date', bucket_column='month_start_date') }}
{#
    Monthly bars of every security: open, high, low, close, adjusted close, volume and share
    turnover over the month's sessions. A continuous aggregate with TimescaleDB; otherwise
    materialized views of the closed months under a view that adds the open ones (ADR 0015).
    Grain: one row per security_id and month_start_date.
#}
{{ bars_rollup('month') }}
