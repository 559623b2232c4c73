{#
    The select of a bars rollup over daily_prices at `grain` ('week' or 'month'): one
    `select ... group by` (a continuous aggregate's rule), the same for both rollups.
#}
{% macro bars_rollup(grain) -%}
select
    security_id,
    {{ rollup_bucket('1 ' ~ grain, 'trade_date') }} as {{ grain }}_start_date,
    {{ first_by('open_price', 'trade_date') }} as open_price,
    max(high_price) as high_price,
    min(low_price) as low_price,
    {{ last_by('close_price', 'trade_date') }} as close_price,
    {{ last_by('adjusted_close_price', 'trade_date') }} as adjusted_close_price,
    sum(volume) as volume,
    sum(turnover) as share_turnover,
    count(*) as count_sessions,
    max(trade_date) as last_trade_date
from {{ ref('daily_prices') }}
group by security_id, {{ rollup_bucket('1 ' ~ grain, 'trade_date') }}
{%- endmacro %}
