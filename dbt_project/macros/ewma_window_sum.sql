{#
    Exponentially weighted moving sums in two window passes that cost O(n), not O(n x window):
    PostgreSQL has no inverse transition for float sums, so a sliding `rows between` frame is
    re-summed row by row. Instead:

    running_ewma_sum(expression, half_life): the running sum of expression * 2^(i/h) over a
    security's sessions (i = session_index), in a window named `by_security`.

    ewma_window_sum(running, half_life, window, lag): from that running column, the sum over
    the sessions [lag + window - 1, lag] back, the session k back weighing 2^(-k/h):
    (R[i - lag] - R[i - lag - window]) * 2^(-i/h). Older terms are exponentially smaller,
    so the difference loses no precision. With half_life = none the weights are all 1.
#}
{% macro running_ewma_sum(expression, half_life=none) -%}
    sum(
        ({{ expression }})
    {%- if half_life %} * exp(ln(2) * session_index / {{ half_life }}){% endif %}
    ) over (by_security rows unbounded preceding)
{%- endmacro %}

{% macro ewma_window_sum(running, half_life=none, window=1, lag=0) -%}
    (
        {% if lag %}lag({{ running }}, {{ lag }}) over by_security{% else %}{{ running }}{% endif %}
        - coalesce(lag({{ running }}, {{ lag + window }}) over by_security, 0)
    ){% if half_life %} * exp(-ln(2) * session_index / {{ half_life }}){% endif %}
{%- endmacro %}
