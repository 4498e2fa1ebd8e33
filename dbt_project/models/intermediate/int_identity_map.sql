-- One row per source account mapped to a person (person_key = Microsoft Graph user id).
-- Zendesk: lower(email) = lower(mail). GitHub: the overrides seed first, then the EMU login rule
-- (<handle>_<shortcode>, handle = mail local part with '.' -> '-'). An EMU handle that fits more than one
-- person is left unmatched rather than guessed.
with

people as (

    select user_id as person_key, mail
    from {{ ref('stg_msgraph__users') }}

),

overrides as (

    select
        lower(source) as source,
        lower(trim(source_user_id)) as source_user_id,
        lower(trim(email)) as email
    from {{ ref('identity_overrides') }}

),

directory as (

    select
        person_key,
        'msgraph' as source,
        person_key as source_user_id,
        mail as source_login,
        'directory' as match_method,
        0 as priority
    from people

),

zendesk_accounts as (

    select
        cast(zendesk_user_id as {{ dbt.type_string() }}) as source_user_id,
        email as source_login
    from {{ ref('stg_zendesk__users') }}

),

zendesk_matches as (

    select
        people.person_key,
        'zendesk' as source,
        zendesk_accounts.source_user_id,
        zendesk_accounts.source_login,
        'override' as match_method,
        1 as priority
    from zendesk_accounts
    inner join overrides
        on overrides.source = 'zendesk'
        and overrides.source_user_id in (zendesk_accounts.source_user_id, lower(zendesk_accounts.source_login))
    inner join people on lower(people.mail) = overrides.email

    union all

    select
        people.person_key,
        'zendesk' as source,
        zendesk_accounts.source_user_id,
        zendesk_accounts.source_login,
        'email' as match_method,
        2 as priority
    from zendesk_accounts
    inner join people on lower(people.mail) = lower(zendesk_accounts.source_login)

),

github_sightings as (

    select user_id, user_login, activity_date as seen_on
    from {{ ref('stg_github_copilot__users_daily') }}

    union all

    select assignee_user_id as user_id, assignee_login as user_login, cast(_extracted_at as date) as seen_on
    from {{ ref('stg_github_copilot__seats') }}
    where assignee_user_id is not null

),

github_accounts as (

    -- a login can be renamed: keep the most recently seen one per numeric id
    select
        cast(user_id as {{ dbt.type_string() }}) as source_user_id,
        user_login as source_login
    from (
        select
            user_id,
            user_login,
            row_number() over (partition by user_id order by seen_on desc, user_login) as recency
        from github_sightings
        where user_id is not null
    ) as ranked
    where recency = 1

),

github_emu_candidates as (

    select
        github_accounts.source_user_id,
        github_accounts.source_login,
        people.person_key,
        count(*) over (partition by github_accounts.source_user_id) as candidates
    from github_accounts
    inner join people
        on lower({{ dbt.split_part('github_accounts.source_login', "'_'", 1) }})
            = lower(replace({{ dbt.split_part('people.mail', "'@'", 1) }}, '.', '-'))
    where {{ dbt.position("'_'", 'github_accounts.source_login') }} > 0

),

github_matches as (

    select
        people.person_key,
        'github_copilot' as source,
        github_accounts.source_user_id,
        github_accounts.source_login,
        'override' as match_method,
        1 as priority
    from github_accounts
    inner join overrides
        on overrides.source = 'github_copilot'
        and overrides.source_user_id in (github_accounts.source_user_id, lower(github_accounts.source_login))
    inner join people on lower(people.mail) = overrides.email

    union all

    select
        person_key,
        'github_copilot' as source,
        source_user_id,
        source_login,
        'emu_login' as match_method,
        2 as priority
    from github_emu_candidates
    where candidates = 1

),

unioned as (

    select * from directory
    union all
    select * from zendesk_matches
    union all
    select * from github_matches

),

ranked as (

    select
        *,
        row_number() over (partition by source, source_user_id order by priority, person_key) as rank_in_account
    from unioned

)

select
    {{ dbt.concat(['source', "':'", 'source_user_id']) }} as identity_key,
    person_key,
    source,
    source_user_id,
    source_login,
    match_method
from ranked
where rank_in_account = 1
