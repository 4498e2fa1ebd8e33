{#- The columns of a model that must always be filled, checked in one node and one scan: a row per column
    that has nulls, with how many. dbt's column-level not_null is a node per column, and a node costs dbt
    about 50 ms whatever its query (a build had 338 of them, 0.9 s of SQL against 22 s of nodes). -#}
{% test not_null_columns(model, columns) %}
with null_counts as (
    select
    {%- for column in columns %}
        sum(case when {{ adapter.quote(column) }} is null then 1 else 0 end) as nulls_{{ loop.index }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for column in columns %}
select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
