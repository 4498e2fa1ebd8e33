-- Webhook stream: one row per Jira `jira:issue_*` delivery (X-Atlassian-Webhook-Identifier), deduped again
-- here so a re-landed batch can never count twice. The issue's fields are as of the event.
{{ config(**landing_model_config('jira', 'issue_events')) }}
with

source as (

    select * from {{ landing_records('jira', 'issue_events') }}

),

renamed as (

    select
        ----------  ids
        json_extract_string(record, '$.delivery_id') as delivery_id,
        cast(json_extract_string(record, '$.payload.issue.id') as bigint) as issue_id,
        {{ json_str('record', '$.payload.issue.key') }} as issue_key,
        {{ json_str('record', '$.payload.issue.fields.assignee.accountId') }} as assignee_account_id,

        ----------  strings
        json_extract_string(record, '$.event') as event_type,
        {{ json_str('record', '$.payload.issue.fields.project.key') }} as project_key,
        {{ json_str('record', '$.payload.issue.fields.issuetype.name') }} as issue_type,
        {{ json_str('record', '$.payload.issue.fields.status.name') }} as status_name,
        {{ json_str('record', '$.payload.issue.fields.status.statusCategory.key') }} as status_category,

        ----------  timestamps (UTC)
        timezone('UTC', to_timestamp(cast(json_extract_string(record, '$.payload.timestamp') as bigint) / 1000))
            as event_at,
        {{ to_utc(json_str('record', '$.payload.issue.fields.created')) }} as created_at,
        {{ to_utc(json_str('record', '$.payload.issue.fields.resolutiondate')) }} as resolved_at,
        {{ to_utc(json_str('record', '$.received_at')) }} as received_at,

        ----------  lineage
        _batch_id,
        _extracted_at,
        _record_key

    from source

),

deduped as (

    {{ latest_per_key('renamed') }}

)

select * from deduped
