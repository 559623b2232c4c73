{#
    The factor catalog: one row per factor_code with its group, source systems, formula,
    direction, units, lag and description (from reference.factor_catalog), and the descriptors
    it combines (style_descriptor_weights()).
#}
with

catalog as (
    select * from {{ ref('factor_catalog') }}
),

weights as (
    select
        factor_code,
        descriptor_code,
        weight
    from (
        values
        {%- for style, parts in style_descriptor_weights().items() %}
            {%- set outer_loop = loop %}
            {%- for code, weight in parts %}
                ('{{ style }}', '{{ code }}', {{ weight }}::double precision)
                {{- ',' if not (outer_loop.last and loop.last) }}
            {%- endfor %}
        {%- endfor %}
    ) as style_weights (factor_code, descriptor_code, weight)
),

descriptors as (
    select
        factor_code,
        string_agg(descriptor_code || ' ' || weight::text, ', ' order by weight desc)
            as descriptor_weights
    from weights
    group by factor_code
)

select
    catalog.factor_code,
    catalog.factor_group,
    catalog.source_systems,
    catalog.formula,
    catalog.direction,
    catalog.units,
    catalog.lag_sessions,
    catalog.description,
    catalog.reference,
    descriptors.descriptor_weights
from catalog
left join descriptors on catalog.factor_code = descriptors.factor_code
