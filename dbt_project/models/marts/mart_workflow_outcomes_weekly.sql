-- The workflow KPI per ISO week (Monday, UTC) for the frozen adopters and the control group, over the
-- baseline, cohort and post windows of mart_workflow_outcomes: the before/after chart. Definition v1.
-- A week that runs past the post window's last day is left out: items are dated when they start, so an
-- unfinished week holds only the items that already finished, the fast ones, and would plunge.
{%- set min_group_size = var('min_group_size') | int %}

with

outcomes as (

    select workflow, baseline_start, post_end from {{ ref('mart_workflow_outcomes') }}

),

catalog as (

    select workflow, redesigned_on, cohort_days from {{ ref('stg_catalog__workflows') }}

),

items as (

    select
        items.workflow,
        items.person_key,
        items.kpi_value,
        outcomes.post_end,
        cohorts.cohort,
        cast({{ dbt.date_trunc('week', 'items.item_date') }} as date) as week_start,
        case
            when items.item_date < catalog.redesigned_on then 'baseline'
            when items.item_date < {{ add_days('catalog.cohort_days', 'catalog.redesigned_on') }} then 'cohort'
            else 'post'
        end as period
    from {{ ref('int_workflow_items') }} as items
    inner join outcomes on items.workflow = outcomes.workflow
    inner join catalog on items.workflow = catalog.workflow
    inner join {{ ref('fct_workflow_cohorts') }} as cohorts
        on items.workflow = cohorts.workflow
        and items.person_key = cohorts.person_key
    where items.item_date >= outcomes.baseline_start
      and items.item_date <= outcomes.post_end

),

weekly as (

    select
        workflow,
        week_start,
        cohort,
        -- a week straddling T0 or the end of the cohort window is labelled by its first item's period
        min(period) as period,
        count(distinct person_key) as people_n,
        count(*) as items_n,
        avg(kpi_value) as kpi_mean
    from items
    group by workflow, week_start, cohort
    having {{ add_days('6', 'week_start') }} <= max(post_end)

)

select
    workflow,
    week_start,
    {{ add_days('6', 'week_start') }} as week_end,
    cohort,
    period,
    people_n < {{ min_group_size }} as suppressed,
    case when people_n >= {{ min_group_size }} then cast(people_n as {{ dbt.type_bigint() }}) end as people_n,
    case when people_n >= {{ min_group_size }} then cast(items_n as {{ dbt.type_bigint() }}) end as items_n,
    case when people_n >= {{ min_group_size }} then {{ round_pct('kpi_mean') }} end as kpi_mean,
    1 as metric_version
from weekly
