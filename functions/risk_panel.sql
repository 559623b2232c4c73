-- The risk model's input panel: one row per session and security with complete exposures.
-- Each row holds what was known at the close of as_of_date (exposures, market cap, ESTU
-- membership) and the return the security earned over the next session (null when that
-- session is not in the data yet). The placeholders in braces are filled by psycopg.sql with
-- identifiers and literals: the model's style columns, the industry scheme.
select
    exposures.trade_date as as_of_date,
    calendar.next_trade_date as return_date,
    exposures.security_id,
    next_prices.return_1d as next_return,
    exposures.market_cap_usd,
    exposures.is_in_estimation_universe as is_estimation_universe,
    case {industry_scheme}
        when 'ff12' then securities.ff12_industry_code
        when 'ff49' then securities.ff49_industry_code
        else 'market'
    end as industry_code,
    {style_names}
from marts.factor_exposures_wide as exposures
inner join marts.trading_calendar as calendar
    on exposures.trade_date = calendar.trade_date
inner join marts.securities as securities
    on exposures.security_id = securities.security_id
left join marts.daily_prices as next_prices
    on
        exposures.security_id = next_prices.security_id
        and calendar.next_trade_date = next_prices.trade_date
where exposures.market_cap_usd > 0
