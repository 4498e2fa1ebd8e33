-- One row per status item in an issue's changelog, of the latest landed version of each issue. Issues
-- are unnested as they are read (no window over whole issue JSON): only these narrow rows are ranked, so
-- memory follows the number of transitions, not the size of the issues.
{{ config(**landing_model_config('jira', 'issues', row_id='status_change_id')) }}
{#- the fields read at each level, each level's document parsed once (json_fields in macros/landing.sql) -#}
{%- set issue_paths = ['$.id', '$.fields.updated'] %}
{%- set history_paths = ['$.id', '$.author.accountId', '$.created'] %}
{%- set item_paths = ['$.fieldId', '$.field', '$.from', '$.fromString', '$.to', '$.toString'] %}
with

source as (

    select
        {{ json_field(issue_paths, '$.id') }} as issue_id,
        {{ to_utc(json_field_str(issue_paths, '$.fields.updated')) }} as issue_updated_at,
        histories,
        _batch_id,
        _extracted_at,
        _record_key
    from (
        select
            *,
            {{ json_fields('record', issue_paths) }} as _json_fields,
            json_extract(record, '$.changelog.histories') as histories
        from {{ landing_records('jira', 'issues') }}
    ) as issues

),

histories as (

    select
        issue_id,
        issue_updated_at,
        {{ json_fields('history', history_paths) }} as history_fields,
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
        {{ json_fields('items.item', item_paths) }} as item_fields,
        items.item_index
    from histories,
        unnest(histories.items) with ordinality as items(item, item_index)

),

status_items as (

    select
        issue_id || '-' || {{ json_field_str(history_paths, '$.id', 'history_fields') }}
            || '-' || cast(item_index as varchar) as status_change_id,
        issue_id,
        {{ json_field_str(history_paths, '$.id', 'history_fields') }} as history_id,
        cast(item_index as integer) as item_index,
        {{ json_field_str(history_paths, '$.author.accountId', 'history_fields') }} as author_account_id,
        {{ json_field_str(item_paths, '$.from', 'item_fields') }} as from_status_id,
        {{ json_field_str(item_paths, '$.fromString', 'item_fields') }} as from_status_name,
        {{ json_field_str(item_paths, '$.to', 'item_fields') }} as to_status_id,
        {{ json_field_str(item_paths, '$.toString', 'item_fields') }} as to_status_name,
        {{ to_utc(json_field_str(history_paths, '$.created', 'history_fields')) }} as changed_at,
        issue_updated_at,
        _batch_id,
        _extracted_at,
        _record_key
    from items
    where coalesce({{ json_field(item_paths, '$.fieldId', 'item_fields') }},
                   {{ json_field(item_paths, '$.field', 'item_fields') }}) = 'status'

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
