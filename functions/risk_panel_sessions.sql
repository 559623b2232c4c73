-- Each session from first_date on and the next one: the date a forecast made at as_of_date's
-- close is for.
select
    trade_date as as_of_date,
    next_trade_date as return_date
from marts.trading_calendar
where trade_date >= {first_date}
