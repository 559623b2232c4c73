-- The return each security earned over the session after as_of_date: its daily return keyed
-- by the calendar session before it (no row where the security has no bar that session), for
-- as_of_date from first_date on (a placeholder filled by psycopg.sql). The model places these
-- beside the exposures by index: a join on the server would hash every daily price
-- (bench/RESULTS.md).
select
    calendar.previous_trade_date as as_of_date,
    prices.security_id,
    prices.return_1d
from marts.daily_prices as prices
inner join marts.trading_calendar as calendar
    on prices.trade_date = calendar.trade_date
where calendar.previous_trade_date >= {first_date}
