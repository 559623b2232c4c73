{# Fails for every style the project var style_factor_codes (the wide table's columns) and the
   factor catalog do not both list. #}
{% test style_columns_match_the_catalog(model) %}
    with

    listed as (
        select
            unnest(
                string_to_array('{{ var("style_factor_codes") | join(",") }}', ',')
            ) as factor_code
    ),

    catalog as (
        select factor_code
        from {{ ref('factors') }}
        where factor_group = 'style'
    )

    (select factor_code from listed except select factor_code from catalog)
    union all
    (select factor_code from catalog except select factor_code from listed)
{% endtest %}
