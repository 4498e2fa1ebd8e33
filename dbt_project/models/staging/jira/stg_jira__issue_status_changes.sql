-- One row per status transition in an issue's changelog (latest landed version of each issue), with the
-- from/to status category ids. Changelogs carry status ids only: categories come from the statuses
-- snapshot, else from a status seen as some issue's current status.
with

source as (

    select * from {{ read_landing('jira', 'issues') }}

),

latest_issues as (

    select record, _batch_id, _extracted_at
    from source
    qualify row_number() over (
        partition by json_extract_string(record, '$.id')
        order by _batch_id desc, {{ to_utc(json_str('record', '$.fields.updated')) }} desc nulls last
    ) = 1

),

histories as (

    select
        json_extract_string(latest_issues.record, '$.id') as issue_id,
        history,
        _batch_id,
        _extracted_at
    from latest_issues,
        unnest(cast(json_extract(latest_issues.record, '$.changelog.histories') as json[])) as h(history)

),

status_items as (

    select
        histories.issue_id,
        {{ json_str('histories.history', '$.id') }} as history_id,
        cast(items.item_index as integer) as item_index,
        {{ json_str('histories.history', '$.author.accountId') }} as author_account_id,
        {{ json_str('items.item', '$.from') }} as from_status_id,
        {{ json_str('items.item', '$.fromString') }} as from_status_name,
        {{ json_str('items.item', '$.to') }} as to_status_id,
        {{ json_str('items.item', '$.toString') }} as to_status_name,
        {{ to_utc(json_str('histories.history', '$.created')) }} as changed_at,
        histories._batch_id,
        histories._extracted_at
    from histories,
        unnest(cast(json_extract(histories.history, '$.items') as json[])) with ordinality as items(item, item_index)
    where coalesce(json_extract_string(items.item, '$.fieldId'), json_extract_string(items.item, '$.field')) = 'status'

),

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
    status_items.issue_id || '-' || status_items.history_id || '-' || cast(status_items.item_index as varchar)
        as status_change_id,
    status_items.issue_id,
    status_items.history_id,
    status_items.item_index,
    status_items.author_account_id,
    status_items.from_status_id,
    status_items.from_status_name,
    from_category.status_category_id as from_status_category_id,
    status_items.to_status_id,
    status_items.to_status_name,
    to_category.status_category_id as to_status_category_id,
    status_items.changed_at,
    status_items._batch_id,
    status_items._extracted_at
from status_items
left join status_categories as from_category on from_category.status_id = status_items.from_status_id
left join status_categories as to_category on to_category.status_id = status_items.to_status_id
