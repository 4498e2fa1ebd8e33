-- OpenAI accounts: the organization users, plus user ids seen in usage but no longer listed (removed
-- users), which have no name or email.
with

users as (

    select user_id, user_name, email
    from {{ ref('stg_openai__users') }}
    where user_id is not null

),

seen_in_usage as (

    select distinct user_id
    from {{ ref('stg_openai__usage_completions') }}
    where user_id is not null

),

accounts as (

    select user_id, user_name, email
    from users

    union all

    select
        seen_in_usage.user_id,
        cast(null as {{ dbt.type_string() }}) as user_name,
        cast(null as {{ dbt.type_string() }}) as email
    from seen_in_usage
    left join users on seen_in_usage.user_id = users.user_id
    where users.user_id is null

)

select
    cast('openai' as {{ dbt.type_string() }}) as source,
    cast(user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(user_name as {{ dbt.type_string() }}) as source_login,
    cast(lower(email) as {{ dbt.type_string() }}) as email
from accounts
