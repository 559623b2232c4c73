{#
    Exponentially weighted moving sums in two window passes that cost O(n), not O(n x window):
    PostgreSQL has no inverse transition for float sums, so a sliding `rows between` frame is
    re-summed row by row. Instead:

    ewma_term(expression, half_life): expression * 2^(i/h), i = session_index, the term
    whose running sum running_ewma_sum takes (a model that continues stored running sums
    adds the terms itself).

    running_ewma_sum(expression, half_life): the running sum of those terms over a
    security's sessions, in a window named `by_security`.

    ewma_window_sum(running, half_life, window, lag, back): from that running column, the
    sum over the sessions [lag + window - 1, lag] back, the session k back weighing 2^(-k/h):
    (R[i - lag] - R[i - lag - window]) * 2^(-i/h). Older terms are exponentially smaller,
    so the difference loses no precision. With half_life = none the weights are all 1.
    R[i - k] is the row k sessions back in `by_security` (lag). `back` may say more:
    - back.pivoted: the rows need not be consecutive, and R[i - k] is that of the row whose
      session_index is k less, which the model has joined and pivoted into the column
      `<running>_back_<k>` (sessions_back_values);
    - back.together, a mapping of distances to running columns: the columns listed for a
      distance are fetched by one lag() of an array of them, as each lag() call costs a pass of
      its own (31 calls over 3,000 securities x 5 years took 4 s more than one per distance).
#}
{% macro ewma_term(expression, half_life=none) -%}
    ({{ expression }})
    {%- if half_life %} * exp(ln(2) * session_index / {{ half_life }}){% endif %}
{%- endmacro %}

{% macro running_ewma_sum(expression, half_life=none) -%}
    sum({{ ewma_term(expression, half_life) }}) over (by_security rows unbounded preceding)
{%- endmacro %}

{% macro ewma_window_sum(running, half_life=none, window=1, lag=0, back={}) -%}
    (
        {{ session_back(running, lag, back) }}
        - coalesce({{ session_back(running, lag + window, back) }}, 0)
    ){% if half_life %} * exp(-ln(2) * session_index / {{ half_life }}){% endif %}
{%- endmacro %}

{% macro session_back(column, sessions, back={}) -%}
    {%- set together = (back.get('together') or {}).get(sessions, []) -%}
    {%- if sessions == 0 -%}
        {{ column }}
    {%- elif back.get('pivoted') -%}
        {{ column }}_back_{{ sessions }}
    {%- elif column in together and together | length > 1 -%}
        (lag(array[{{ together | join(', ') }}], {{ sessions }}) over by_security)
        {{- '[' ~ (together.index(column) + 1) ~ ']' }}
    {%- else -%}
        lag({{ column }}, {{ sessions }}) over by_security
    {%- endif -%}
{%- endmacro %}

{# The select list of the values session_back(...) reads with back.pivoted: for each distance
   in sessions and each running-sum column `reads_back` lists for it, the column of the `back`
   row that many sessions before the `new_sessions` row (to be grouped by the new row; null when
   there is none). #}
{% macro sessions_back_values(reads_back) -%}
    {%- for sessions, columns in reads_back | dictsort %}
        {%- set last_distance = loop.last %}
        {%- for column in columns %}
            max(back.{{ column }}) filter (
                where new_sessions.session_index - back.session_index = {{ sessions }}
            ) as {{ column }}_back_{{ sessions }}{{ '' if last_distance and loop.last else ',' }}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}
