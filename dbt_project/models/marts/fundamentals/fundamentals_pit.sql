{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['security_id', 'item_code', 'valid_from_date'],
    on_schema_change='fail',
    indexes=[{'columns': ['security_id', 'item_code', 'valid_from_date'], 'unique': true}],
) }}
{#
    Point-in-time fundamentals: the value of each item known at the close of any session in
    [valid_from_date, valid_to_date). `value` is the latest known (restatements included);
    `first_reported_value` as originally reported. A value becomes valid on the trading day
    after its filing's acceptance date, never on its period end. A --since build rewrites
    every interval of the items with a snapshot from `since` on (the one before it now ends).
    Grain: one row per security_id, item_code and valid_from_date.
#}
with

rewritten_items as (
    select distinct
        cik,
        item_code
    from {{ ref('int_fundamental_snapshots') }}
    where {{ since_condition('snapshot_date') }}
),

snapshots as (
    select all_snapshots.*
    from {{ ref('int_fundamental_snapshots') }} as all_snapshots
    inner join rewritten_items
        on
            all_snapshots.cik = rewritten_items.cik
            and all_snapshots.item_code = rewritten_items.item_code
),

securities as (
    select
        security_id,
        cik
    from {{ ref('securities') }}
    where cik is not null
),

intervals as (
    select
        securities.security_id,
        snapshots.cik,
        snapshots.item_code,
        snapshots.item_kind,
        snapshots.snapshot_date as valid_from_date,
        snapshots.value,
        snapshots.first_reported_value,
        snapshots.period_end_date,
        snapshots.is_trailing_twelve_months,
        coalesce(
            lead(snapshots.snapshot_date) over (
                partition by snapshots.cik, snapshots.item_code order by snapshots.snapshot_date
            ),
            'infinity'::date
        ) as valid_to_date
    from snapshots
    inner join securities on snapshots.cik = securities.cik
)

select
    security_id,
    cik,
    item_code,
    item_kind,
    valid_from_date,
    valid_to_date,
    value,
    first_reported_value,
    period_end_date,
    is_trailing_twelve_months
from intervals
where value is not null or first_reported_value is not null
