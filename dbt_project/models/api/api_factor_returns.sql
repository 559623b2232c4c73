{{ config(alias='factor_returns') }}
{#
    Daily factor returns of each risk model, as clients read them.
    Grain: one row per model_code, trade_date and factor_code.
#}
select
    model_code,
    trade_date,
    factor_code,
    factor_return,
    standard_error,
    t_stat
from {{ source('risk', 'factor_returns') }}
