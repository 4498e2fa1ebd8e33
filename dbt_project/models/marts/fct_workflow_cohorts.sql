-- Frozen cohorts per workflow: the population is the team's (department's or team's) people with work
-- items; adopters are those
-- active on >= 2 days with any of the workflow's tools inside [T0, T0 + cohort_days). Only activity in
-- that window counts, so later data can never move anyone between groups.
with

catalog as (

    select * from {{ ref('stg_catalog__workflows') }}

),

workflow_tools as (

    select * from {{ ref('stg_catalog__workflow_tools') }}

),

population as (

    select distinct
        catalog.workflow,
        people.person_key
    from catalog
    inner join {{ ref('dim_people') }} as people
        on catalog.team in (people.department, people.team)
    inner join {{ ref('int_workflow_items') }} as items
        on items.workflow = catalog.workflow
        and items.person_key = people.person_key

),

cohort_activity as (

    select
        catalog.workflow,
        activity.person_key,
        count(distinct activity.activity_date) as cohort_active_days
    from catalog
    inner join workflow_tools on workflow_tools.workflow = catalog.workflow
    inner join {{ ref('fct_ai_activity_daily') }} as activity
        on activity.tool = workflow_tools.tool
        and activity.is_active
        and activity.activity_date >= catalog.redesigned_on
        and activity.activity_date < {{ add_days('catalog.cohort_days', 'catalog.redesigned_on') }}
    group by catalog.workflow, activity.person_key

)

select
    population.workflow,
    population.person_key,
    coalesce(cohort_activity.cohort_active_days, 0) as cohort_active_days,
    coalesce(cohort_activity.cohort_active_days, 0) >= 2 as is_adopter,
    case when coalesce(cohort_activity.cohort_active_days, 0) >= 2 then 'adopters' else 'control' end as cohort
from population
left join cohort_activity
    on population.workflow = cohort_activity.workflow
    and population.person_key = cohort_activity.person_key
