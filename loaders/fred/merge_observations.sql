-- Merge one batch of FRED/ALFRED observations, staged in _landing_observations, into
-- raw_fred.observations so that each series and date keeps one row per published value: the
-- realtime period from the first day the value was seen to the last. An as-of query (which
-- value was published on day d?) then reads one row. Runs inside the batch's transaction.
--
-- A batch is one response: a snapshot (realtime_start = realtime_end = the day FRED answered)
-- or an ALFRED window of vintages. Windows cut periods at their edges, snapshots only say
-- "published on this day", and batches may arrive in any order; so the batch is landed as it
-- is, and then the periods of the dates it touched are rebuilt: consecutive rows with the same
-- value join into one period (a value seen on two asks is taken as published in between), and
-- a period ends the day before the next value starts.

create temp table _touched_observations on commit drop as
select distinct fred_series_id, observation_date
from _landing_observations;

-- Land the batch; a period landed before keeps its value and first day and never shrinks.
insert into raw_fred.observations as landed (
    fred_series_id,
    observation_date,
    realtime_start_date,
    realtime_end_date,
    observed_value,
    load_id
)
select
    fred_series_id,
    observation_date,
    realtime_start_date,
    realtime_end_date,
    observed_value,
    %(load_id)s
from _landing_observations
on conflict (fred_series_id, observation_date, realtime_start_date) do update
    set realtime_end_date = excluded.realtime_end_date
    where landed.realtime_end_date < excluded.realtime_end_date;

-- The periods of the touched dates, rebuilt: an island is a run of rows with the same value.
create temp table _rebuilt_periods on commit drop as
with ordered as (
    select
        landed.fred_series_id,
        landed.observation_date,
        landed.realtime_start_date,
        landed.realtime_end_date,
        landed.observed_value is distinct from lag(landed.observed_value) over by_start
        or row_number() over by_start = 1 as starts_island
    from raw_fred.observations as landed
    inner join _touched_observations as touched
        on
            landed.fred_series_id = touched.fred_series_id
            and landed.observation_date = touched.observation_date
    window by_start as (
        partition by landed.fred_series_id, landed.observation_date
        order by landed.realtime_start_date
    )
),

numbered as (
    select
        fred_series_id,
        observation_date,
        realtime_start_date,
        realtime_end_date,
        count(*) filter (where starts_island) over (
            partition by fred_series_id, observation_date order by realtime_start_date
        ) as island
    from ordered
),

islands as (
    select
        fred_series_id,
        observation_date,
        min(realtime_start_date) as realtime_start_date,
        max(realtime_end_date) as realtime_end_date
    from numbered
    group by fred_series_id, observation_date, island
)

select
    fred_series_id,
    observation_date,
    realtime_start_date,
    -- a value stays the published one until the day before the next one starts
    coalesce(
        lead(realtime_start_date) over (
            partition by fred_series_id, observation_date order by realtime_start_date
        ) - 1,
        realtime_end_date
    ) as realtime_end_date
from islands;

-- Rows that are not the first of their period go (the first keeps its load_id and loaded_at).
delete from raw_fred.observations as landed
using _touched_observations as touched
where
    landed.fred_series_id = touched.fred_series_id
    and landed.observation_date = touched.observation_date
    and not exists (
        select
        from _rebuilt_periods as rebuilt
        where
            rebuilt.fred_series_id = landed.fred_series_id
            and rebuilt.observation_date = landed.observation_date
            and rebuilt.realtime_start_date = landed.realtime_start_date
    );

update raw_fred.observations as landed
set realtime_end_date = rebuilt.realtime_end_date
from _rebuilt_periods as rebuilt
where
    landed.fred_series_id = rebuilt.fred_series_id
    and landed.observation_date = rebuilt.observation_date
    and landed.realtime_start_date = rebuilt.realtime_start_date
    and landed.realtime_end_date <> rebuilt.realtime_end_date;

drop table _rebuilt_periods;

drop table _touched_observations;

drop table _landing_observations;
