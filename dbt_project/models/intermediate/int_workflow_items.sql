-- Work items per workflow: one row per item with the KPI value, the person it is attributed to and
-- the date it belongs to. Each KPI is one CTE; adding a work-item source is adding a CTE and a union.
with

catalog as (

    select workflow, kpi from {{ ref('stg_catalog__workflows') }}

),

zendesk_resolution_hours as (

    -- resolution time of solved tickets, attributed to the assignee, dated by creation
    select
        'zendesk_resolution_hours' as kpi,
        assignee_person_key as person_key,
        {{ dbt.concat(["'zendesk:'", dbt.safe_cast('ticket_id', dbt.type_string())]) }} as item_id,
        cast(created_at as date) as item_date,
        resolution_hours as kpi_value
    from {{ ref('int_support_tickets') }}
    where resolution_hours is not null
      and assignee_person_key is not null

),

kpi_items as (

    select * from zendesk_resolution_hours

)

select
    catalog.workflow,
    kpi_items.person_key,
    kpi_items.item_id,
    kpi_items.item_date,
    cast(kpi_items.kpi_value as {{ dbt.type_float() }}) as kpi_value
from catalog
inner join kpi_items on catalog.kpi = kpi_items.kpi
