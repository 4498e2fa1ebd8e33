-- Merge stream: reviews of merged pull requests; the latest batch wins. Two shapes land in it, and each
-- column takes whichever the record carries:
--   GraphQL review nodes (the default): databaseId, author{login databaseId}, authorAssociation, commit{oid},
--     submittedAt, pullRequest{number url repository{nameWithOwner}};
--   REST reviews (extra.reviews_api: rest, and every batch landed before GraphQL): id, user{login id},
--     author_association, commit_id, submitted_at, pull_request_url (/repos/<owner>/<repo>/pulls/<number>).
-- databaseId is the REST id, and the stream's key is `databaseId|id`: a review landed both ways is one row.
{{ config(**landing_model_config('github', 'pull_request_reviews')) }}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.databaseId',
    '$.id',
    '$.pullRequest.repository.nameWithOwner',
    '$.pull_request_url',
    '$.pullRequest.number',
    '$.user.id',
    '$.author.databaseId',
    '$.user.login',
    '$.author.login',
    '$.state',
    '$.author_association',
    '$.authorAssociation',
    '$.commit_id',
    '$.commit.oid',
    '$.submitted_at',
    '$.submittedAt',
] %}
with

source as (

    select *, {{ json_fields('record', paths) }} as _json_fields
    from {{ landing_records('github', 'pull_request_reviews') }}

),

renamed as (

    select
        ----------  ids
        cast(coalesce({{ json_field(paths, '$.databaseId') }}, {{ json_field(paths, '$.id') }}) as bigint)
            as review_id,
        coalesce(
            {{ json_field_str(paths, '$.pullRequest.repository.nameWithOwner') }},
            nullif(regexp_extract({{ json_field_str(paths, '$.pull_request_url') }}, '/repos/([^/]+/[^/]+)/pulls/', 1), '')
        ) as repo_full_name,
        cast(coalesce(
            {{ json_field(paths, '$.pullRequest.number') }},
            nullif(regexp_extract({{ json_field_str(paths, '$.pull_request_url') }}, '/pulls/([0-9]+)', 1), '')
        ) as integer) as pull_request_number,
        cast(coalesce({{ json_field(paths, '$.user.id') }}, {{ json_field(paths, '$.author.databaseId') }})
            as bigint) as reviewer_user_id,

        ----------  strings
        coalesce({{ json_field_str(paths, '$.user.login') }}, {{ json_field_str(paths, '$.author.login') }})
            as reviewer_login,
        upper({{ json_field_str(paths, '$.state') }}) as state,
        coalesce({{ json_field_str(paths, '$.author_association') }}, {{ json_field_str(paths, '$.authorAssociation') }})
            as author_association,
        coalesce({{ json_field_str(paths, '$.commit_id') }}, {{ json_field_str(paths, '$.commit.oid') }}) as commit_id,

        ----------  timestamps (UTC; pending reviews have none)
        {{ to_utc("coalesce(" ~ json_field_str(paths, '$.submitted_at') ~ ", " ~ json_field_str(paths, '$.submittedAt') ~ ")") }}
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
