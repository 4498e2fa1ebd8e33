-- One row per person in the directory (latest Microsoft Graph snapshot), with linked tool accounts.
with

people as (

    select * from {{ ref('stg_msgraph__users') }}

),

identities as (

    select * from {{ ref('int_identity_map') }}

),

github as (

    select person_key, min(source_login) as github_login
    from identities
    where source = 'github_copilot'
    group by person_key

),

zendesk as (

    select person_key, min(source_user_id) as zendesk_user_id
    from identities
    where source = 'zendesk'
    group by person_key

)

select
    people.user_id as person_key,
    people.mail as email,
    people.display_name,
    people.department,
    people.team,
    people.job_title,
    managers.user_id as manager_person_key,
    github.github_login,
    zendesk.zendesk_user_id
from people
-- a manager outside the snapshot is unknown, not dangling
left join people as managers on people.manager_user_id = managers.user_id
left join github on people.user_id = github.person_key
left join zendesk on people.user_id = zendesk.person_key
