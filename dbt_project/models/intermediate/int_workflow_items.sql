-- Work items per workflow: the KPI items of the workflow's KPI, narrowed by its `task` (the Harvest task;
-- or a Jira issue type / GitHub repository) when it has one.
with

catalog as (

    select workflow, kpi, task from {{ ref('stg_catalog__workflows') }}

),

kpi_items as (

    select * from {{ ref('int_kpi_items') }}

)

select
    catalog.workflow,
    kpi_items.person_key,
    kpi_items.item_id,
    kpi_items.item_date,
    kpi_items.kpi_value
from catalog
inner join kpi_items
    on catalog.kpi = kpi_items.kpi
    and (catalog.task is null or catalog.task = kpi_items.task)
