{{ config(materialized='rollup') }}
{#
    Monthly bars of every security: open, high, low, close, adjusted close, volume and share
    turnover over the month's sessions. A continuous aggregate with TimescaleDB, a
    materialized view otherwise.
    Grain: one row per security_id and month_start_date.
#}
{{ bars_rollup('month') }}
