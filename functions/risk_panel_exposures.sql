-- The risk model's exposures: one row per session and security with a market cap, holding what
-- was known at the close of as_of_date (exposures, market cap, ESTU membership), from
-- first_date on. The placeholders in braces are filled by psycopg.sql.
select
    trade_date as as_of_date,
    security_id,
    market_cap_usd,
    is_in_estimation_universe,
    {style_names}
from marts.factor_exposures_wide
where market_cap_usd > 0 and trade_date >= {first_date}
