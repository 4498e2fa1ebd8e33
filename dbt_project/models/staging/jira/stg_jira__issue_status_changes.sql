-- One row per status transition in an issue's changelog (latest landed version of each issue), with the
-- from/to status category ids. Changelogs carry status ids only: categories come from the statuses
-- snapshot, else from a status seen as some issue's current status. The changelog is parsed
-- incrementally (stg_jira__issue_status_history); categories are joined here on every build, so a new
-- statuses snapshot reaches every transition.
with

known_categories as (

    select status_id, status_category_id, 1 as preference
    from {{ ref('stg_jira__statuses') }}

    union all

    select status_id, status_category_id, 2 as preference
    from {{ ref('stg_jira__issues') }}
    where status_id is not null and status_category_id is not null

),

status_categories as (

    select status_id, status_category_id
    from known_categories
    qualify row_number() over (partition by status_id order by preference, status_category_id) = 1

)

select
    history.status_change_id,
    history.issue_id,
    history.history_id,
    history.item_index,
    history.author_account_id,
    history.from_status_id,
    history.from_status_name,
    from_category.status_category_id as from_status_category_id,
    history.to_status_id,
    history.to_status_name,
    to_category.status_category_id as to_status_category_id,
    history.changed_at,
    history._batch_id,
    history._extracted_at
from {{ ref('stg_jira__issue_status_history') }} as history
left join status_categories as from_category on from_category.status_id = history.from_status_id
left join status_categories as to_category on to_category.status_id = history.to_status_id
