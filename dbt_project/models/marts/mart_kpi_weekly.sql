-- Every source's KPI per department, team, task and ISO week (Monday, UTC), whether or not a workflow
-- uses it: the raw outcome trend beside adoption. Definition v1 in the YAML.
{%- set min_group_size = var('min_group_size') | int %}

with

items as (

    select
        items.kpi,
        coalesce(items.task, '(all)') as task,
        coalesce(people.department, '(unknown)') as department,
        coalesce(people.team, people.department, '(unknown)') as team,
        cast({{ dbt.date_trunc('week', 'items.item_date') }} as date) as week_start,
        items.person_key,
        items.kpi_value
    from {{ ref('int_kpi_items') }} as items
    inner join {{ ref('dim_people') }} as people on items.person_key = people.person_key

),

weekly as (

    select
        kpi,
        task,
        department,
        team,
        week_start,
        count(distinct person_key) as people_n,
        count(*) as items_n,
        avg(kpi_value) as kpi_mean
    from items
    group by kpi, task, department, team, week_start

)

select
    kpi,
    task,
    department,
    team,
    week_start,
    {{ add_days('6', 'week_start') }} as week_end,
    people_n < {{ min_group_size }} as suppressed,
    case when people_n >= {{ min_group_size }} then cast(people_n as {{ dbt.type_bigint() }}) end as people_n,
    case when people_n >= {{ min_group_size }} then cast(items_n as {{ dbt.type_bigint() }}) end as items_n,
    case when people_n >= {{ min_group_size }} then {{ round_pct('kpi_mean') }} end as kpi_mean,
    1 as metric_version
from weekly
