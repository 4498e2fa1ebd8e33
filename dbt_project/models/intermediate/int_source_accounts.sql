-- Every account seen in any source, one row per (source, source_user_id), with what identity resolution
-- can match on. `identity_namespace` groups sources that share one account system (both GitHub sources
-- see the same GitHub users, so an override for one applies to the other). Every `int_accounts__<source>`
-- contract model is included by its name.

with

zendesk as (

    select
        'zendesk' as source,
        cast(zendesk_user_id as {{ dbt.type_string() }}) as source_user_id,
        email as source_login,
        lower(email) as email
    from {{ ref('stg_zendesk__users') }}

),

github_copilot_sightings as (

    select user_id, user_login, activity_date as seen_on
    from {{ ref('stg_github_copilot__users_daily') }}

    union all

    select assignee_user_id as user_id, assignee_login as user_login, cast(_extracted_at as date) as seen_on
    from {{ ref('stg_github_copilot__seats') }}
    where assignee_user_id is not null

),

github_copilot as (

    -- a login can be renamed: keep the most recently seen one per numeric id
    select
        'github_copilot' as source,
        cast(user_id as {{ dbt.type_string() }}) as source_user_id,
        user_login as source_login,
        cast(null as {{ dbt.type_string() }}) as email
    from (
        select
            user_id,
            user_login,
            row_number() over (partition by user_id order by seen_on desc, user_login) as recency
        from github_copilot_sightings
        where user_id is not null
    ) as ranked
    where recency = 1

),

contract_accounts as (
    {{ union_contract_models('int_accounts__', ['source', 'source_user_id', 'source_login', 'email']) }}

),

unioned as (

    select * from zendesk
    union all
    select * from github_copilot
    union all
    select
        cast(source as {{ dbt.type_string() }}) as source,
        cast(source_user_id as {{ dbt.type_string() }}) as source_user_id,
        cast(source_login as {{ dbt.type_string() }}) as source_login,
        lower(cast(email as {{ dbt.type_string() }})) as email
    from contract_accounts

)

select
    {{ dbt.concat(['source', "':'", 'source_user_id']) }} as identity_key,
    source,
    case when source in ('github', 'github_copilot') then 'github' else source end as identity_namespace,
    source_user_id,
    source_login,
    email
from unioned
where source_user_id is not null
