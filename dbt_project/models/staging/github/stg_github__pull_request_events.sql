-- Webhook stream: one row per GitHub `pull_request` delivery (X-GitHub-Delivery), deduped again here so a
-- re-landed batch can never count twice. The pull request's state is as of the event.
{{ config(**landing_model_config('github', 'pull_request_events')) }}
with

source as (

    select * from {{ landing_records('github', 'pull_request_events') }}

),

renamed as (

    select
        ----------  ids
        json_extract_string(record, '$.delivery_id') as delivery_id,
        cast(json_extract_string(record, '$.payload.pull_request.id') as bigint) as pull_request_id,
        cast(json_extract_string(record, '$.payload.pull_request.number') as bigint) as pull_request_number,
        cast(json_extract_string(record, '$.payload.pull_request.user.id') as bigint) as author_user_id,

        ----------  strings
        json_extract_string(record, '$.event') as event_type,
        {{ json_str('record', '$.payload.action') }} as action,
        {{ json_str('record', '$.payload.repository.full_name') }} as repo_full_name,
        {{ json_str('record', '$.payload.repository.name') }} as repo_name,
        {{ json_str('record', '$.payload.pull_request.user.login') }} as author_login,
        {{ json_str('record', '$.payload.pull_request.state') }} as state,

        ----------  numerics
        cast(json_extract_string(record, '$.payload.pull_request.additions') as bigint) as additions,
        cast(json_extract_string(record, '$.payload.pull_request.deletions') as bigint) as deletions,
        cast(json_extract_string(record, '$.payload.pull_request.changed_files') as bigint) as changed_files,

        ----------  booleans
        coalesce(cast(json_extract_string(record, '$.payload.pull_request.merged') as boolean), false) as is_merged,

        ----------  timestamps (UTC)
        {{ to_utc(json_str('record', '$.payload.pull_request.created_at')) }} as created_at,
        {{ to_utc(json_str('record', '$.payload.pull_request.updated_at')) }} as updated_at,
        {{ to_utc(json_str('record', '$.payload.pull_request.closed_at')) }} as closed_at,
        {{ to_utc(json_str('record', '$.payload.pull_request.merged_at')) }} as merged_at,
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
