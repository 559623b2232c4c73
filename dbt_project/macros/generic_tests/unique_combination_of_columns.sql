{#
    Fails for every combination of `combination_of_columns` that occurs more than once: the
    grain test of multi-column keys (after dbt-utils, which `dbt deps` cannot reach here).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as count_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
