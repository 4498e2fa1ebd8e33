-- Merge stream: reviews of merged pull requests; the latest batch wins. The pull request is read from
-- the review's pull_request_url (/repos/<owner>/<repo>/pulls/<number>).
{{ config(**landing_model_config('github', 'pull_request_reviews')) }}
with

source as (

    select * from {{ landing_records('github', 'pull_request_reviews') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.id') as bigint) as review_id,
        regexp_extract({{ json_str('record', '$.pull_request_url') }}, '/repos/([^/]+/[^/]+)/pulls/', 1)
            as repo_full_name,
        cast(nullif(regexp_extract({{ json_str('record', '$.pull_request_url') }}, '/pulls/([0-9]+)', 1), '')
            as integer) as pull_request_number,
        cast(json_extract_string(record, '$.user.id') as bigint) as reviewer_user_id,

        ----------  strings
        {{ json_str('record', '$.user.login') }} as reviewer_login,
        upper({{ json_str('record', '$.state') }}) as state,
        {{ json_str('record', '$.author_association') }} as author_association,
        {{ json_str('record', '$.commit_id') }} as commit_id,

        ----------  timestamps (UTC; pending reviews have none)
        {{ to_utc(json_str('record', '$.submitted_at')) }} as submitted_at,

        ----------  lineage
        _batch_id,
        _extracted_at,
        _record_key

    from source

),

deduped as (

    {{ latest_per_key('renamed', order_within_batch='submitted_at desc nulls last') }}

)

select
    review_id,
    nullif(repo_full_name, '') as repo_full_name,
    pull_request_number,
    reviewer_user_id,
    reviewer_login,
    state,
    author_association,
    commit_id,
    submitted_at,
    _batch_id,
    _extracted_at,
    _record_key
from deduped
