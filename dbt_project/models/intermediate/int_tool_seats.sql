-- Every seat or licence of each AI tool, resolved to a person or not. GitHub Copilot: the latest seat
-- snapshot (a seat removed before it is no longer known; a seat whose assignee GitHub no longer shows is a
-- seat all the same). Microsoft 365 Copilot: the first daily usage report that lists the user (the report
-- lists licensed users only). OpenAI: membership of the organization (an API organization has members, not
-- seats). Claude Code through the API has no seat. person_key is null where the account resolves to nobody:
-- company seat counts include those seats (mart_seat_utilization reports them as unresolved).
with

github_copilot as (

    select
        'github_copilot' as tool,
        'github_copilot' as source,
        seat_id as seat_key,
        cast(assignee_user_id as {{ dbt.type_string() }}) as source_user_id,
        created_at as licensed_at
    from {{ ref('stg_github_copilot__seats') }}

),

m365_copilot as (

    select
        'm365_copilot' as tool,
        'm365_copilot' as source,
        case when is_concealed then user_principal_name else lower(user_principal_name) end as seat_key,
        case when is_concealed then user_principal_name else lower(user_principal_name) end as source_user_id,
        cast(min(report_refresh_date) as {{ dbt.type_timestamp() }}) as licensed_at
    from {{ ref('stg_m365_copilot__usage_user_detail') }}
    where user_principal_name is not null
    group by case when is_concealed then user_principal_name else lower(user_principal_name) end

),

openai as (

    select
        'openai' as tool,
        'openai' as source,
        cast(user_id as {{ dbt.type_string() }}) as seat_key,
        cast(user_id as {{ dbt.type_string() }}) as source_user_id,
        added_at as licensed_at
    from {{ ref('stg_openai__users') }}
    where user_id is not null

),

seats as (

    select * from github_copilot
    union all
    select * from m365_copilot
    union all
    select * from openai

)

select
    seats.tool,
    seats.source,
    seats.seat_key,
    seats.source_user_id,
    identities.person_key,
    min(seats.licensed_at) as licensed_at
from seats
left join {{ ref('int_identity_map') }} as identities
    on seats.source = identities.source
    and seats.source_user_id = identities.source_user_id
group by seats.tool, seats.source, seats.seat_key, seats.source_user_id, identities.person_key
