-- Every KPI work item of every source, attributed to a person: one row per item with its KPI value, the
-- date it belongs to and its task. Zendesk tickets come resolved already; the other KPI sources deliver
-- `int_kpi_items__<source>` contract models keyed by account, included by their names, and resolve here
-- (unresolved accounts drop out and count against mart_identity_coverage).

with

zendesk_resolution_hours as (

    -- resolution time of solved tickets, attributed to the assignee, dated by creation
    select
        'zendesk_resolution_hours' as kpi,
        assignee_person_key as person_key,
        {{ dbt.concat(["'zendesk:'", dbt.safe_cast('ticket_id', dbt.type_string())]) }} as item_id,
        cast(created_at as date) as item_date,
        resolution_hours as kpi_value,
        cast(null as {{ dbt.type_string() }}) as task
    from {{ ref('int_support_tickets') }}
    where resolution_hours is not null
      and assignee_person_key is not null

),

contract_items as (
    {{ union_contract_models('int_kpi_items__', [
        'kpi', 'source', 'source_user_id', 'item_id', 'item_date', 'kpi_value', 'task',
    ]) }}

),

source_items as (

    select
        items.kpi,
        identities.person_key,
        items.item_id,
        items.item_date,
        items.kpi_value,
        items.task
    from contract_items as items
    inner join {{ ref('int_identity_map') }} as identities
        on items.source = identities.source
        and items.source_user_id = identities.source_user_id

),

kpi_items as (

    select * from zendesk_resolution_hours
    union all
    select * from source_items

)

select
    kpi,
    person_key,
    item_id,
    item_date,
    cast(kpi_value as {{ type_double() }}) as kpi_value,
    task
from kpi_items
