{#
    The bigint security_id of a security key ('cik:320193', 'symbol:XYZ'): the first 60 bits of
    its MD5. Deterministic, so ids survive full rebuilds; collisions are tested (unique key).
#}
{% macro security_id(key_column) -%}
    ('x' || left(md5({{ key_column }}), 15))::bit(60)::bigint
{%- endmacro %}
