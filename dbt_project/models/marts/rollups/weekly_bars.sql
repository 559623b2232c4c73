{{ config(materialized='rollup') }}
{#
    Weekly bars of every security: open, high, low, close, adjusted close, volume and share
    turnover over the week's sessions. A continuous aggregate with TimescaleDB, a
    materialized view otherwise.
    Grain: one row per security_id and week_start_date.
#}
{{ bars_rollup('week') }}
