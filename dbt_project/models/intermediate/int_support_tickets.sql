-- Current version of each Zendesk ticket (deleted ones dropped) with its assignee's person_key.
with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}
    where not is_deleted

),

agents as (

    select person_key, source_user_id
    from {{ ref('int_identity_map') }}
    where source = 'zendesk'

)

select
    tickets.ticket_id,
    tickets.created_at,
    tickets.solved_at,
    tickets.status,
    tickets.assignee_id as assignee_zendesk_id,
    agents.person_key as assignee_person_key,
    tickets.status in ('solved', 'closed') as is_solved,
    case
        when tickets.status in ('solved', 'closed')
            then cast(tickets.full_resolution_minutes as {{ dbt.type_float() }}) / 60
    end as resolution_hours,
    tickets.first_reply_minutes
from tickets
left join agents
    on cast(tickets.assignee_id as {{ dbt.type_string() }}) = agents.source_user_id
