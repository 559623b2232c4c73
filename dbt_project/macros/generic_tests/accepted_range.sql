{#
    Fails for every row whose `column_name` lies outside [min_value, max_value] (either bound
    optional; nulls pass).
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
    {%- set outside = [] -%}
    {%- if min_value is not none -%}
        {%- do outside.append(column_name ~ ' < ' ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do outside.append(column_name ~ ' > ' ~ max_value) -%}
    {%- endif -%}
    select *
    from {{ model }}
    where {{ outside | join(' or ') if outside else 'false' }}
{% endtest %}
