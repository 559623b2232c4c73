-- Merge one batch of FRED/ALFRED observations, staged in _landing_observations, into
-- raw_fred.observations: one row per value and realtime period, so an as-of query finds
-- the value published at any date. Runs inside the batch's transaction.
--
-- A batch is one response window: a snapshot (realtime_start = realtime_end = the day FRED
-- answered) or an ALFRED window of vintages. Windows cut realtime periods at their edges, and
-- snapshots say only "known on this day"; the merge joins such pieces back together when the
-- value did not change, and closes a period when a new value starts.

-- The landed vintage each staged row follows: the latest one that started earlier.
create temp table _previous_observations on commit drop as
select
    staged.fred_series_id,
    staged.observation_date,
    staged.realtime_start_date as staged_start_date,
    staged.realtime_end_date as staged_end_date,
    previous.realtime_start_date as previous_start_date,
    previous.realtime_end_date as previous_end_date,
    previous.observed_value is not distinct from staged.observed_value as is_same_value
from _landing_observations as staged
cross join lateral (
    select landed.realtime_start_date, landed.realtime_end_date, landed.observed_value
    from raw_fred.observations as landed
    where landed.fred_series_id = staged.fred_series_id
        and landed.observation_date = staged.observation_date
        and landed.realtime_start_date < staged.realtime_start_date
    order by landed.realtime_start_date desc
    limit 1
) as previous;

-- The same value again: the earlier vintage was still the published one, so it lasts longer.
update raw_fred.observations as landed
set realtime_end_date = greatest(landed.realtime_end_date, previous.staged_end_date)
from _previous_observations as previous
where previous.is_same_value
    and landed.fred_series_id = previous.fred_series_id
    and landed.observation_date = previous.observation_date
    and landed.realtime_start_date = previous.previous_start_date;

delete from _landing_observations as staged
using _previous_observations as previous
where previous.is_same_value
    and staged.fred_series_id = previous.fred_series_id
    and staged.observation_date = previous.observation_date
    and staged.realtime_start_date = previous.staged_start_date;

-- A new value: the earlier vintage ends the day before it (it may have been open-ended).
update raw_fred.observations as landed
set realtime_end_date = previous.staged_start_date - 1
from _previous_observations as previous
where not previous.is_same_value
    and previous.previous_end_date >= previous.staged_start_date
    and landed.fred_series_id = previous.fred_series_id
    and landed.observation_date = previous.observation_date
    and landed.realtime_start_date = previous.previous_start_date;

-- The rest lands; a vintage landed before keeps its value and only ever grows longer.
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

drop table _previous_observations;

drop table _landing_observations;
