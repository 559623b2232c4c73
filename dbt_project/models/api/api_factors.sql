{{ config(alias='factors') }}
{# The factor catalog, as clients read it. One row per factor_code. #}
select
    factor_code,
    factor_group,
    source_systems,
    formula,
    direction,
    units,
    lag_sessions,
    description,
    reference,
    descriptor_weights
from {{ ref('factors') }}
