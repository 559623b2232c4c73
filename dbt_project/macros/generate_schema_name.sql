{#
    Literal schema names in every target: a model configured with `schema: api` lands in `api`,
    not in `<target schema>_api` (dbt's default). Clients hard-code `api.`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
