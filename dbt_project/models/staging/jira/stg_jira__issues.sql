-- Merge stream: an issue is re-landed whenever it changes, with its complete changelog. The latest
-- batch wins, then the latest `updated`. Jira times carry an offset without a colon (+0000).
{{ config(**landing_model_config('jira', 'issues')) }}
with

source as (

    select * from {{ landing_records('jira', 'issues') }}

),

renamed as (

    select
        ----------  ids
        {{ json_str('record', '$.id') }} as issue_id,
        {{ json_str('record', '$.key') }} as issue_key,
        {{ json_str('record', '$.fields.project.id') }} as project_id,
        {{ json_str('record', '$.fields.project.key') }} as project_key,
        {{ json_str('record', '$.fields.issuetype.id') }} as issue_type_id,
        {{ json_str('record', '$.fields.status.id') }} as status_id,
        {{ json_str('record', '$.fields.assignee.accountId') }} as assignee_account_id,
        {{ json_str('record', '$.fields.reporter.accountId') }} as reporter_account_id,

        ----------  strings
        {{ json_str('record', '$.fields.summary') }} as summary,
        {{ json_str('record', '$.fields.issuetype.name') }} as issue_type,
        {{ json_str('record', '$.fields.status.name') }} as status_name,
        {{ json_str('record', '$.fields.priority.name') }} as priority,
        {{ json_str('record', '$.fields.assignee.displayName') }} as assignee_display_name,
        {{ json_str('record', '$.fields.assignee.emailAddress') }} as assignee_email,

        ----------  numerics
        cast(json_extract_string(record, '$.fields.status.statusCategory.id') as integer) as status_category_id,
        cast(json_extract_string(record, '$.changelog.total') as integer) as changelog_total,
        cast(json_array_length(json_extract(record, '$.changelog.histories')) as integer) as changelog_histories,

        ----------  timestamps (UTC)
        {{ to_utc(json_str('record', '$.fields.created')) }} as created_at,
        {{ to_utc(json_str('record', '$.fields.updated')) }} as updated_at,
        {{ to_utc(json_str('record', '$.fields.resolutiondate')) }} as resolved_at,
        {{ to_utc(json_str('record', '$.fields.statuscategorychangedate')) }} as status_category_changed_at,

        ----------  lineage
        _batch_id,
        _extracted_at,
        _record_key

    from source

),

deduped as (

    {{ latest_per_key('renamed', order_within_batch='updated_at desc nulls last') }}

)

select * from deduped
