{#
    How each style factor combines its standardised descriptors: style code -> list of
    (descriptor code, weight), CNE5 weights, where a descriptor has no free source its weight
    spread over the others in proportion. Non-linear size is built from size, not from
    descriptors. Written here, not in a seed, because the wide models generate a column
    expression per style from it at compile time; marts.factors shows the weights.
#}
{% macro style_descriptor_weights() %}
    {{ return({
        'beta': [('beta', 1.0)],
        'momentum': [('rstr', 1.0)],
        'size': [('lncap', 1.0)],
        'residual_volatility': [('dastd', 0.74), ('cmra', 0.16), ('hsigma', 0.10)],
        'book_to_price': [('btop', 1.0)],
        'earnings_yield': [('cetop', 0.66), ('etop', 0.34)],
        'growth': [('sgro', 0.66), ('egro', 0.34)],
        'leverage': [('mlev', 0.38), ('dtoa', 0.35), ('blev', 0.27)],
        'liquidity': [('stom', 0.35), ('stoq', 0.35), ('stoa', 0.30)],
        'dividend_yield': [('dyield', 1.0)],
    }) }}
{% endmacro %}

{#
    A style's score from the wide descriptors of `relation`: the weighted mean of its <code>_z
    columns that are present (USE4 imputes at the factor level, so a missing descriptor's
    weight goes to the others); null when none is.
#}
{% macro present_weighted_mean(parts, relation) -%}
    {%- set weighted = [] %}
    {%- set present_weights = [] %}
    {%- for code, weight in parts %}
        {%- set z = relation ~ '.' ~ code ~ '_z' %}
        {%- do weighted.append('coalesce(' ~ weight ~ ' * ' ~ z ~ ', 0)') %}
        {%- do present_weights.append(
            'case when ' ~ z ~ ' is not null then ' ~ weight ~ ' else 0 end'
        ) %}
    {%- endfor -%}
    ({{ weighted | join(' + ') }}) / nullif({{ present_weights | join(' + ') }}, 0)
{%- endmacro %}

{#
    The raw value of a style's only present descriptor in `relation`; null when none or several
    are present (the style's raw value is then its score).
#}
{% macro single_present_raw_value(parts, relation) -%}
    {%- set present_counts = [] %}
    {%- set present_values = [] %}
    {%- for code, weight in parts %}
        {%- set z = relation ~ '.' ~ code ~ '_z' %}
        {%- do present_counts.append('(' ~ z ~ ' is not null)::int') %}
        {%- do present_values.append(
            'case when ' ~ z ~ ' is not null then ' ~ relation ~ '.' ~ code ~ ' end'
        ) %}
    {%- endfor -%}
    case
        when {{ present_counts | join(' + ') }} = 1
            then coalesce({{ present_values | join(', ') }})
    end
{%- endmacro %}
