-- One row per Zendesk ticket, latest version, deleted tickets excluded.
select
    ticket_id,
    created_at,
    solved_at,
    status,
    assignee_zendesk_id,
    assignee_person_key,
    resolution_hours,
    first_reply_minutes,
    is_solved
from {{ ref('int_support_tickets') }}
