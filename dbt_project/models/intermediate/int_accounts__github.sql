-- One row per GitHub account seen on pull requests (authors) or reviews (reviewers). A login can be
-- renamed: the most recently seen login per numeric id wins. GitHub gives no email.
with

sightings as (

    select author_user_id as user_id, author_login as login, updated_at as seen_at
    from {{ ref('stg_github__pull_requests') }}
    where author_user_id is not null

    union all

    select reviewer_user_id as user_id, reviewer_login as login, submitted_at as seen_at
    from {{ ref('stg_github__pull_request_reviews') }}
    where reviewer_user_id is not null

),

ranked as (

    select
        user_id,
        login,
        row_number() over (partition by user_id order by seen_at desc, login) as recency
    from sightings

)

select
    cast('github' as {{ dbt.type_string() }}) as source,
    cast(user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(login as {{ dbt.type_string() }}) as source_login,
    cast(null as {{ dbt.type_string() }}) as email
from ranked
where recency = 1
