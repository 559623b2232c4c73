{{ config(materialized='rollup', time_column='trade_date', bucket_column='week_start_date') }}
{#
    Weekly bars of every security: open, high, low, close, adjusted close, volume and share
    turnover over the week's sessions. A continuous aggregate with TimescaleDB; otherwise
    materialized views of the closed weeks under a view that adds the open ones (ADR 0015).
    Grain: one row per security_id and week_start_date.
#}
{{ bars_rollup('week') }}
