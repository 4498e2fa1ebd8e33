-- One row per source account linked to a person (person_key = Microsoft Graph user id), by this
-- precedence (metric definition v2, documented in the YAML):
--   1. override: stg_identity_overrides, the seed plus any extra overrides file (source or GitHub
--      namespace + account id or login -> mail);
--   2. email: the account's email equals a directory mail or user principal name (case-insensitive);
--   3. emu_login: GitHub accounts whose EMU login <handle>_<shortcode> has handle = mail local part with
--      '.' -> '-', when exactly one person fits.
-- Accounts that match nothing stay out of this table and count against identity coverage.
-- Two override rows giving one account to two people stop the build (macros/identity_overrides.sql, over
-- stg_identity_overrides: the seed and any extra overrides file).
{{ assert_identity_overrides_agree() }}
with

people as (

    select user_id as person_key, lower(mail) as mail, lower(user_principal_name) as upn
    from {{ ref('stg_msgraph__users') }}

),

accounts as (

    select * from {{ ref('int_source_accounts') }}

),

overrides as (

    select
        lower(trim(source)) as source,
        case when lower(trim(source)) in ('github', 'github_copilot') then 'github' else lower(trim(source)) end
            as identity_namespace,
        lower(trim(source_user_id)) as source_user_id,
        lower(trim(email)) as email
    from {{ ref('stg_identity_overrides') }}

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

override_matches as (

    select
        people.person_key,
        accounts.source,
        accounts.source_user_id,
        accounts.source_login,
        'override' as match_method,
        1 as priority
    from (
        -- an override names an account by its id or its login; one row per account and name, so the join below
        -- is on equality (an `in (id, login)` join condition is a nested loop: accounts x overrides)
        select *, lower(source_user_id) as override_key from accounts
        union all
        select *, lower(source_login) as override_key from accounts
        where lower(source_login) is distinct from lower(source_user_id)
    ) as accounts
    inner join overrides
        on overrides.identity_namespace = accounts.identity_namespace
        and overrides.source_user_id = accounts.override_key
    inner join people on people.mail = overrides.email

),

email_matches as (

    select
        addresses.person_key,
        accounts.source,
        accounts.source_user_id,
        accounts.source_login,
        'email' as match_method,
        2 as priority
    from accounts
    inner join (
        -- a person's addresses, one row each, so the join is on equality: an `in (mail, upn)` join condition
        -- is a nested loop over accounts x people (10 s at 50,000 people, growing with the square)
        select person_key, mail as address from people
        union all
        select person_key, upn as address from people where upn is distinct from mail
    ) as addresses on accounts.email = addresses.address

),

emu_candidates as (

    select
        accounts.source,
        accounts.source_user_id,
        accounts.source_login,
        people.person_key,
        count(*) over (partition by accounts.source, accounts.source_user_id) as candidates
    from accounts
    inner join people
        on lower({{ dbt.split_part('accounts.source_login', "'_'", 1) }})
            = replace({{ dbt.split_part('people.mail', "'@'", 1) }}, '.', '-')
    where accounts.identity_namespace = 'github'
      and {{ dbt.position("'_'", 'accounts.source_login') }} > 0

),

emu_matches as (

    select
        person_key,
        source,
        source_user_id,
        source_login,
        'emu_login' as match_method,
        3 as priority
    from emu_candidates
    where candidates = 1

),

unioned as (

    select * from directory
    union all
    select * from override_matches
    union all
    select * from email_matches
    union all
    select * from emu_matches

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
