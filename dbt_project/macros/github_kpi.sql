{#- The int_kpi_items contract row of a merged pull request (time to merge, opened -> merged, attributed to the
    author's numeric GitHub id, dated by the opening), from any relation with the staging columns: the poll's
    pull requests and the webhook's merged events select the same figure. -#}
{% macro github_pr_merge_hours_item() -%}
    cast('github_pr_merge_hours' as {{ dbt.type_string() }}) as kpi,
    cast('github' as {{ dbt.type_string() }}) as source,
    cast(author_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(pull_request_id as {{ dbt.type_string() }}) as item_id,
    cast(created_at as date) as item_date,
    cast({{ dbt.datediff('created_at', 'merged_at', 'second') }} as double precision) / 3600.0 as kpi_value,
    cast(repo_name as {{ dbt.type_string() }}) as task
{%- endmacro %}
