-- Toraniko's inputs from the marts: one row per session and security with its return, market
-- cap, Fama-French 12 industry and the three value ratios (book, sales and operating cash flow
-- to price) known that day.
select
    prices.trade_date as date,
    prices.security_id::text as symbol,
    prices.return_1d as asset_returns,
    prices.market_cap_usd as market_cap,
    securities.ff12_industry_code as sector,
    max(fundamentals.value) filter (where fundamentals.item_code = 'book_equity')
    / prices.market_cap_usd as book_price,
    max(fundamentals.value) filter (where fundamentals.item_code = 'revenue')
    / prices.market_cap_usd as sales_price,
    max(fundamentals.value) filter (where fundamentals.item_code = 'operating_cash_flow')
    / prices.market_cap_usd as cf_price
from marts.daily_prices as prices
inner join marts.securities as securities
    on prices.security_id = securities.security_id
left join marts.fundamentals_pit as fundamentals
    on
        prices.security_id = fundamentals.security_id
        and prices.trade_date >= fundamentals.valid_from_date
        and prices.trade_date < fundamentals.valid_to_date
        and fundamentals.item_code in ('book_equity', 'revenue', 'operating_cash_flow')
where prices.market_cap_usd > 0 and prices.return_1d is not null
group by 1, 2, 3, 4, 5
order by 1, 2
