-- Merge stream: a pull request is re-landed whenever it changes. The latest batch wins, then the latest
-- updated_at. The repository comes from the record's API url (/repos/<owner>/<repo>/pulls/<number>).
{{ config(**landing_model_config('github', 'pull_requests')) }}
with

source as (

    select * from {{ landing_records('github', 'pull_requests') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.id') as bigint) as pull_request_id,
        cast(json_extract_string(record, '$.number') as integer) as pull_request_number,
        regexp_extract({{ json_str('record', '$.url') }}, '/repos/([^/]+/[^/]+)/pulls/', 1) as repo_full_name,
        cast(json_extract_string(record, '$.user.id') as bigint) as author_user_id,

        ----------  strings
        regexp_extract({{ json_str('record', '$.url') }}, '/repos/[^/]+/([^/]+)/pulls/', 1) as repo_name,
        {{ json_str('record', '$.user.login') }} as author_login,
        {{ json_str('record', '$.user.type') }} as author_type,
        {{ json_str('record', '$.author_association') }} as author_association,
        {{ json_str('record', '$.title') }} as title,
        lower({{ json_str('record', '$.state') }}) as state,
        {{ json_str('record', '$.base.ref') }} as base_ref,
        {{ json_str('record', '$.merge_commit_sha') }} as merge_commit_sha,

        ----------  booleans
        coalesce(cast(json_extract_string(record, '$.draft') as boolean), false) as is_draft,
        {{ json_str('record', '$.merged_at') }} is not null as is_merged,

        ----------  timestamps (UTC)
        {{ to_utc(json_str('record', '$.created_at')) }} as created_at,
        {{ to_utc(json_str('record', '$.updated_at')) }} as updated_at,
        {{ to_utc(json_str('record', '$.closed_at')) }} as closed_at,
        {{ to_utc(json_str('record', '$.merged_at')) }} as merged_at,

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
