-- Merge stream: a pull request is re-landed whenever it changes. The latest batch wins, then the latest
-- updated_at. The repository comes from the record's API url (/repos/<owner>/<repo>/pulls/<number>).
{{ config(**landing_model_config('github', 'pull_requests')) }}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.id',
    '$.number',
    '$.url',
    '$.user.id',
    '$.user.login',
    '$.user.type',
    '$.author_association',
    '$.title',
    '$.state',
    '$.base.ref',
    '$.merge_commit_sha',
    '$.draft',
    '$.merged_at',
    '$.created_at',
    '$.updated_at',
    '$.closed_at',
] %}
with

source as (

    select *, {{ json_fields('record', paths) }} as _json_fields
    from {{ landing_records('github', 'pull_requests') }}

),

renamed as (

    select
        ----------  ids
        cast({{ json_field(paths, '$.id') }} as bigint) as pull_request_id,
        cast({{ json_field(paths, '$.number') }} as integer) as pull_request_number,
        regexp_extract({{ json_field_str(paths, '$.url') }}, '/repos/([^/]+/[^/]+)/pulls/', 1) as repo_full_name,
        cast({{ json_field(paths, '$.user.id') }} as bigint) as author_user_id,

        ----------  strings
        regexp_extract({{ json_field_str(paths, '$.url') }}, '/repos/[^/]+/([^/]+)/pulls/', 1) as repo_name,
        {{ json_field_str(paths, '$.user.login') }} as author_login,
        {{ json_field_str(paths, '$.user.type') }} as author_type,
        {{ json_field_str(paths, '$.author_association') }} as author_association,
        {{ json_field_str(paths, '$.title') }} as title,
        lower({{ json_field_str(paths, '$.state') }}) as state,
        {{ json_field_str(paths, '$.base.ref') }} as base_ref,
        {{ json_field_str(paths, '$.merge_commit_sha') }} as merge_commit_sha,

        ----------  booleans
        coalesce(cast({{ json_field(paths, '$.draft') }} as boolean), false) as is_draft,
        {{ json_field_str(paths, '$.merged_at') }} is not null as is_merged,

        ----------  timestamps (UTC)
        {{ to_utc(json_field_str(paths, '$.created_at')) }} as created_at,
        {{ to_utc(json_field_str(paths, '$.updated_at')) }} as updated_at,
        {{ to_utc(json_field_str(paths, '$.closed_at')) }} as closed_at,
        {{ to_utc(json_field_str(paths, '$.merged_at')) }} as merged_at,

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
