-- One row per workflow from the catalog in var('workflows'); unset options take their defaults.
{%- set workflows = workflow_catalog() %}

with

source as (

    {%- for w in workflows %}
    select
        {{ sql_literal(w.workflow) }} as workflow,
        {{ sql_literal(w.get('name') or w.workflow) }} as workflow_name,
        {{ sql_literal(w.team) }} as team,
        {{ sql_literal(w.kpi) }} as kpi,
        {{ sql_literal(w.get('task')) }} as task,
        {{ sql_literal(w.get('direction', 'lower')) }} as direction,
        {{ sql_literal(w.redesigned_on) }} as redesigned_on,
        {{ w.get('baseline_days', 56) | int }} as baseline_days,
        {{ w.get('cohort_days', 28) | int }} as cohort_days,
        {{ w.get('post_days', 56) | int }} as post_days,
        {{ w.get('min_items', 3) | int }} as min_items,
        {{ w.target_pct if w.get('target_pct') is not none else 'null' }} as target_pct
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not workflows %}
    select
        null as workflow, null as workflow_name, null as team, null as kpi, null as task, null as direction,
        null as redesigned_on, 0 as baseline_days, 0 as cohort_days, 0 as post_days, 0 as min_items,
        null as target_pct
    where 1 = 0
    {%- endif %}

),

renamed as (

    select
        ----------  ids
        cast(workflow as {{ dbt.type_string() }}) as workflow,

        ----------  strings
        cast(workflow_name as {{ dbt.type_string() }}) as workflow_name,
        cast(team as {{ dbt.type_string() }}) as team,
        cast(kpi as {{ dbt.type_string() }}) as kpi,
        cast(task as {{ dbt.type_string() }}) as task,
        cast(direction as {{ dbt.type_string() }}) as direction,

        ----------  numerics
        cast(baseline_days as {{ dbt.type_int() }}) as baseline_days,
        cast(cohort_days as {{ dbt.type_int() }}) as cohort_days,
        cast(post_days as {{ dbt.type_int() }}) as post_days,
        cast(min_items as {{ dbt.type_int() }}) as min_items,
        cast(target_pct as {{ type_double() }}) as target_pct,

        ----------  dates
        cast(redesigned_on as date) as redesigned_on

    from source

)

select * from renamed
