-- One row per status item in an issue's changelog, of the latest landed version of each issue. Issues
-- are unnested as they are read (no window over whole issue JSON): only these narrow rows are ranked, so
-- memory follows the number of transitions, not the size of the issues.
{{ config(**landing_model_config('jira', 'issues', row_id='status_change_id')) }}
with

source as (

    -- each JSON document is parsed once per level (json_fields in macros/landing.sql): the issue for its
    -- id, update time and histories, each history for its fields and items, each item for its fields
    select
        _json_fields[1] as issue_id,
        {{ to_utc('nullif(trim(_json_fields[2]), \'\')') }} as issue_updated_at,
        _json_parts[1] as histories,
        _batch_id,
        _extracted_at,
        _record_key
    from (
        select
            *,
            json_extract_string(record, ['$.id', '$.fields.updated']) as _json_fields,
            json_extract(record, ['$.changelog.histories']) as _json_parts
        from {{ landing_records('jira', 'issues') }}
    ) as issues

),

histories as (

    select
        issue_id,
        issue_updated_at,
        json_extract_string(history, ['$.id', '$.author.accountId', '$.created']) as history_fields,
        cast(json_extract(history, '$.items') as json[]) as items,
        _batch_id,
        _extracted_at,
        _record_key
    -- only scalar columns beside an unnest: DuckDB evaluates them after it, so `*` carried each issue's
    -- whole history list into every one of its history rows
    from (
        select
            issue_id, issue_updated_at, _batch_id, _extracted_at, _record_key,
            unnest(cast(histories as json[])) as history
        from source
    ) as unnested

),

items as (

    select
        histories.* exclude (items),
        json_extract_string(items.item, ['$.fieldId', '$.field', '$.from', '$.fromString', '$.to', '$.toString'])
            as item_fields,
        items.item_index
    from histories,
        unnest(histories.items) with ordinality as items(item, item_index)

),

status_items as (

    select
        issue_id || '-' || nullif(trim(history_fields[1]), '')
            || '-' || cast(item_index as varchar) as status_change_id,
        issue_id,
        nullif(trim(history_fields[1]), '') as history_id,
        cast(item_index as integer) as item_index,
        nullif(trim(history_fields[2]), '') as author_account_id,
        nullif(trim(item_fields[3]), '') as from_status_id,
        nullif(trim(item_fields[4]), '') as from_status_name,
        nullif(trim(item_fields[5]), '') as to_status_id,
        nullif(trim(item_fields[6]), '') as to_status_name,
        {{ to_utc('nullif(trim(history_fields[3]), \'\')') }} as changed_at,
        issue_updated_at,
        _batch_id,
        _extracted_at,
        _record_key
    from items
    where coalesce(item_fields[1], item_fields[2]) = 'status'

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
