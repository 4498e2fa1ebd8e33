-- Current, non-deleted Zendesk tickets with their assignee's person_key.
-- The poll (incremental export) is the source of truth. A webhook event only fills in a ticket the poll
-- has not seen yet (not even as deleted), from its latest event, until the next poll brings the ticket:
-- then the polled row replaces it, so no ticket is ever counted twice and a missed event costs nothing.
with

polled as (

    select * from {{ ref('stg_zendesk__tickets') }}

),

events_for_unpolled_tickets as (

    select
        events.*,
        row_number() over (
            partition by events.ticket_id order by events.event_at desc, events.received_at desc
        ) as recency
    from {{ ref('stg_zendesk__ticket_events') }} as events
    where not exists (select 1 from polled where polled.ticket_id = events.ticket_id)

),

tickets as (

    select
        ticket_id,
        created_at,
        solved_at,
        status,
        assignee_id,
        cast(full_resolution_minutes as {{ type_double() }}) as full_resolution_minutes,
        first_reply_minutes,
        'poll' as record_source
    from polled
    where not is_deleted

    union all

    select
        ticket_id,
        created_at,
        case when status in ('solved', 'closed') then event_at end as solved_at,
        status,
        assignee_id,
        case
            when status in ('solved', 'closed')
                then cast({{ dbt.datediff('created_at', 'event_at', 'second') }} as {{ type_double() }}) / 60
        end as full_resolution_minutes,
        cast(null as {{ dbt.type_bigint() }}) as first_reply_minutes,
        'webhook' as record_source
    from events_for_unpolled_tickets
    where recency = 1 and status <> 'deleted'

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
            then tickets.full_resolution_minutes / 60
    end as resolution_hours,
    tickets.first_reply_minutes,
    tickets.record_source
from tickets
left join agents
    on cast(tickets.assignee_id as {{ dbt.type_string() }}) = agents.source_user_id
