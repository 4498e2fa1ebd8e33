-- One row per status item in an issue's changelog, of the latest landed version of each issue. Issues
-- are unnested as they are read (no window over whole issue JSON): only these narrow rows are ranked, so
-- memory follows the number of transitions, not the size of the issues.
{{ config(**landing_model_config('jira', 'issues', row_id='status_change_id')) }}
with

source as (

    select
        record,
        json_extract_string(record, '$.id') as issue_id,
        {{ to_utc(json_str('record', '$.fields.updated')) }} as issue_updated_at,
        _batch_id,
        _extracted_at,
        _record_key
    from {{ landing_records('jira', 'issues') }}

),

histories as (

    select
        issue_id,
        issue_updated_at,
        unnest(cast(json_extract(record, '$.changelog.histories') as json[])) as history,
        _batch_id,
        _extracted_at,
        _record_key
    from source

),

status_items as (

    select
        histories.issue_id || '-' || {{ json_str('histories.history', '$.id') }}
            || '-' || cast(items.item_index as varchar) as status_change_id,
        histories.issue_id,
        {{ json_str('histories.history', '$.id') }} as history_id,
        cast(items.item_index as integer) as item_index,
        {{ json_str('histories.history', '$.author.accountId') }} as author_account_id,
        {{ json_str('items.item', '$.from') }} as from_status_id,
        {{ json_str('items.item', '$.fromString') }} as from_status_name,
        {{ json_str('items.item', '$.to') }} as to_status_id,
        {{ json_str('items.item', '$.toString') }} as to_status_name,
        {{ to_utc(json_str('histories.history', '$.created')) }} as changed_at,
        histories.issue_updated_at,
        histories._batch_id,
        histories._extracted_at,
        histories._record_key
    from histories,
        unnest(cast(json_extract(histories.history, '$.items') as json[])) with ordinality as items(item, item_index)
    where coalesce(json_extract_string(items.item, '$.fieldId'), json_extract_string(items.item, '$.field')) = 'status'

),

with_placeholders as (

    select * from status_items

    union all

    -- every issue version also yields a placeholder row (see landing_model_config), so a version with no
    -- status item still replaces the rows of an earlier one
    select
        null, issue_id, null, null, null, null, null, null, null, null,
        issue_updated_at, _batch_id, _extracted_at, _record_key
    from source

)

{{ latest_per_key('with_placeholders', order_within_batch='issue_updated_at desc nulls last',
                  rows_per_key='many', row_id='status_change_id') }}
