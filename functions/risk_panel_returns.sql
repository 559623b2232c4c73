-- Each security's daily return, keyed by the session it was earned in (no row where the
-- security has no bar that session), for the sessions after first_date (a placeholder filled by
-- psycopg.sql). The model places each beside the exposures of the session before, which the
-- sessions query names: a join with the calendar here cost the server a third of this query
-- (bench/RESULTS.md), and a range of trade_date reads only the window, by its index.
select
    trade_date as return_date,
    security_id,
    return_1d
from marts.daily_prices
where trade_date > {first_date}
