-- Merge stream: reviews of merged pull requests; the latest batch wins. Two shapes land in it, and each
-- column takes whichever the record carries:
--   GraphQL review nodes (the default): databaseId, author{login databaseId}, authorAssociation, commit{oid},
--     submittedAt, pullRequest{number url repository{nameWithOwner}};
--   REST reviews (extra.reviews_api: rest, and every batch landed before GraphQL): id, user{login id},
--     author_association, commit_id, submitted_at, pull_request_url (/repos/<owner>/<repo>/pulls/<number>).
-- databaseId is the REST id, and the stream's key is `databaseId|id`: a review landed both ways is one row.
{{ config(**landing_model_config('github', 'pull_request_reviews')) }}
with

source as (

    select * from {{ landing_records('github', 'pull_request_reviews') }}

),

renamed as (

    select
        ----------  ids
        cast(coalesce(json_extract_string(record, '$.databaseId'), json_extract_string(record, '$.id')) as bigint)
            as review_id,
        coalesce(
            {{ json_str('record', '$.pullRequest.repository.nameWithOwner') }},
            nullif(regexp_extract({{ json_str('record', '$.pull_request_url') }}, '/repos/([^/]+/[^/]+)/pulls/', 1), '')
        ) as repo_full_name,
        cast(coalesce(
            json_extract_string(record, '$.pullRequest.number'),
            nullif(regexp_extract({{ json_str('record', '$.pull_request_url') }}, '/pulls/([0-9]+)', 1), '')
        ) as integer) as pull_request_number,
        cast(coalesce(json_extract_string(record, '$.user.id'), json_extract_string(record, '$.author.databaseId'))
            as bigint) as reviewer_user_id,

        ----------  strings
        coalesce({{ json_str('record', '$.user.login') }}, {{ json_str('record', '$.author.login') }})
            as reviewer_login,
        upper({{ json_str('record', '$.state') }}) as state,
        coalesce({{ json_str('record', '$.author_association') }}, {{ json_str('record', '$.authorAssociation') }})
            as author_association,
        coalesce({{ json_str('record', '$.commit_id') }}, {{ json_str('record', '$.commit.oid') }}) as commit_id,

        ----------  timestamps (UTC; pending reviews have none)
        {{ to_utc("coalesce(" ~ json_str('record', '$.submitted_at') ~ ", " ~ json_str('record', '$.submittedAt') ~ ")") }}
            as submitted_at,

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
    repo_full_name,
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
