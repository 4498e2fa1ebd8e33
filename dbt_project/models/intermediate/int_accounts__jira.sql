-- One row per Jira account: the users snapshot first, then assignees seen only on issues. Email is
-- lower-cased and null when the profile hides it (identity resolution then needs another key).
with

users as (

    select
        account_id,
        display_name,
        email,
        1 as preference
    from {{ ref('stg_jira__users') }}

),

assignees as (

    select
        assignee_account_id as account_id,
        assignee_display_name as display_name,
        assignee_email as email,
        2 as preference
    from {{ ref('stg_jira__issues') }}
    where assignee_account_id is not null

),

ranked as (

    select
        account_id,
        display_name,
        email,
        row_number() over (partition by account_id order by preference, display_name, email) as pick
    from (
        select * from users
        union all
        select * from assignees
    ) as accounts

)

select
    cast('jira' as {{ dbt.type_string() }}) as source,
    cast(account_id as {{ dbt.type_string() }}) as source_user_id,
    cast(display_name as {{ dbt.type_string() }}) as source_login,
    cast(lower(email) as {{ dbt.type_string() }}) as email
from ranked
where pick = 1
