-- When each person first held a seat for each AI tool, from the latest seat snapshot (a seat removed
-- before that snapshot is no longer known). Seats without an assignee never join a person.
with

seats as (

    select
        'github_copilot' as tool,
        cast(assignee_user_id as {{ dbt.type_string() }}) as source_user_id,
        created_at
    from {{ ref('stg_github_copilot__seats') }}
    where assignee_user_id is not null

),

identities as (

    select person_key, source_user_id
    from {{ ref('int_identity_map') }}
    where source = 'github_copilot'

)

select
    identities.person_key,
    seats.tool,
    min(seats.created_at) as licensed_at
from seats
inner join identities on seats.source_user_id = identities.source_user_id
group by identities.person_key, seats.tool
