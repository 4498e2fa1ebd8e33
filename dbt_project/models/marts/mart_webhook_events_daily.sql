-- Vendor events pushed by webhook, per UTC day, source and event type: what arrived and how fresh it is.
-- Counts of deliveries and items only, no people, so it is safe to publish.
with

events as (

    select
        'github' as source,
        event_type,
        cast(pull_request_id as {{ dbt.type_string() }}) as item_id,
        coalesce(merged_at, closed_at, updated_at, received_at) as event_at,
        received_at
    from {{ ref('stg_github__pull_request_events') }}

    union all

    select
        'zendesk' as source,
        event_type,
        cast(ticket_id as {{ dbt.type_string() }}) as item_id,
        event_at,
        received_at
    from {{ ref('stg_zendesk__ticket_events') }}

    union all

    select
        'jira' as source,
        event_type,
        cast(issue_id as {{ dbt.type_string() }}) as item_id,
        event_at,
        received_at
    from {{ ref('stg_jira__issue_events') }}

)

select
    cast({{ dbt.date_trunc('day', 'event_at') }} as date) as event_date,
    source,
    event_type,
    count(*) as deliveries,
    count(distinct item_id) as items,
    min(received_at) as first_received_at,
    max(received_at) as last_received_at
from events
group by 1, 2, 3
