{#
    Scalar subquery: the value of one reporting period of `outer`'s company and item as known
    on `as_of` — the latest version (`pick='latest'`, restatements included) or the first one
    (`pick='first'`, as originally reported). Null when the period is not known yet.
    `outer` names the relation in scope that has cik and item_code.
#}
{% macro reported_value_as_of(outer, period_start, period_end, as_of, pick='latest') -%}
    (
        select versions.reported_value
        from {{ ref('int_fundamental_facts_known') }} as versions
        where
            versions.cik = {{ outer }}.cik
            and versions.item_code = {{ outer }}.item_code
            and versions.period_end_date = {{ period_end }}
            and versions.period_start_date is not distinct from {{ period_start }}
            and versions.usable_from_date <= {{ as_of }}
        order by versions.usable_from_date {{ 'desc' if pick == 'latest' else 'asc' }}
        limit 1
    )
{%- endmacro %}

{#
    Lateral subquery: the latest reporting period (start and end) of `outer`'s company and
    item whose duration bucket matches `bucket_condition` (e.g. "= 'annual'"), among the facts
    usable on `outer`.snapshot_date. Reads the `facts` CTE in scope.
#}
{% macro latest_period_known(outer, bucket_condition) -%}
    select
        facts.period_start_date,
        facts.period_end_date
    from facts
    where
        facts.cik = {{ outer }}.cik
        and facts.item_code = {{ outer }}.item_code
        and facts.duration_bucket {{ bucket_condition }}
        and facts.usable_from_date <= {{ outer }}.snapshot_date
    order by facts.period_end_date desc
    limit 1
{%- endmacro %}
