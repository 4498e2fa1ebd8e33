-- Merge stream: an issue is re-landed whenever it changes, with its complete changelog. The latest
-- batch wins, then the latest `updated`. Jira times carry an offset without a colon (+0000).
{{ config(**landing_model_config('jira', 'issues')) }}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.id',
    '$.key',
    '$.fields.project.id',
    '$.fields.project.key',
    '$.fields.issuetype.id',
    '$.fields.status.id',
    '$.fields.assignee.accountId',
    '$.fields.reporter.accountId',
    '$.fields.summary',
    '$.fields.issuetype.name',
    '$.fields.status.name',
    '$.fields.priority.name',
    '$.fields.assignee.displayName',
    '$.fields.assignee.emailAddress',
    '$.fields.status.statusCategory.id',
    '$.changelog.total',
    '$.fields.created',
    '$.fields.updated',
    '$.fields.resolutiondate',
    '$.fields.statuscategorychangedate',
] %}
with

source as (

    select *, {{ json_fields('record', paths) }} as _json_fields
    from {{ landing_records('jira', 'issues') }}

),

renamed as (

    select
        ----------  ids
        {{ json_field_str(paths, '$.id') }} as issue_id,
        {{ json_field_str(paths, '$.key') }} as issue_key,
        {{ json_field_str(paths, '$.fields.project.id') }} as project_id,
        {{ json_field_str(paths, '$.fields.project.key') }} as project_key,
        {{ json_field_str(paths, '$.fields.issuetype.id') }} as issue_type_id,
        {{ json_field_str(paths, '$.fields.status.id') }} as status_id,
        {{ json_field_str(paths, '$.fields.assignee.accountId') }} as assignee_account_id,
        {{ json_field_str(paths, '$.fields.reporter.accountId') }} as reporter_account_id,

        ----------  strings
        {{ json_field_str(paths, '$.fields.summary') }} as summary,
        {{ json_field_str(paths, '$.fields.issuetype.name') }} as issue_type,
        {{ json_field_str(paths, '$.fields.status.name') }} as status_name,
        {{ json_field_str(paths, '$.fields.priority.name') }} as priority,
        {{ json_field_str(paths, '$.fields.assignee.displayName') }} as assignee_display_name,
        {{ json_field_str(paths, '$.fields.assignee.emailAddress') }} as assignee_email,

        ----------  numerics
        cast({{ json_field(paths, '$.fields.status.statusCategory.id') }} as integer) as status_category_id,
        cast({{ json_field(paths, '$.changelog.total') }} as integer) as changelog_total,
        cast(json_array_length(json_extract(record, '$.changelog.histories')) as integer) as changelog_histories,

        ----------  timestamps (UTC)
        {{ to_utc(json_field_str(paths, '$.fields.created')) }} as created_at,
        {{ to_utc(json_field_str(paths, '$.fields.updated')) }} as updated_at,
        {{ to_utc(json_field_str(paths, '$.fields.resolutiondate')) }} as resolved_at,
        {{ to_utc(json_field_str(paths, '$.fields.statuscategorychangedate')) }} as status_category_changed_at,

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
