-- Snapshot stream: the latest committed batch lists every seat. Enterprise listings repeat a user once
-- per granting org/team, so seats dedupe on assignee.id (latest activity wins); seats without an
-- assignee are kept, one row each.
{{ config(**landing_model_config('github_copilot', 'seats')) }}
with

source as (

    select * from {{ landing_records('github_copilot', 'seats') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.assignee.id') as bigint) as assignee_user_id,
        {{ json_str('record', '$.assignee.login') }} as assignee_login,
        {{ json_str('record', '$.assignee.type') }} as assignee_type,
        cast(json_extract_string(record, '$.assigning_team.id') as bigint) as assigning_team_id,
        {{ json_str('record', '$.assigning_team.slug') }} as assigning_team_slug,
        {{ json_str('record', '$.organization.login') }} as organization_login,

        ----------  strings
        {{ json_str('record', '$.plan_type') }} as plan_type,
        {{ json_str('record', '$.last_activity_editor') }} as last_activity_editor,
        split_part({{ json_str('record', '$.last_activity_editor') }}, '/', 1) as last_activity_editor_name,

        ----------  dates and timestamps (vendor offsets such as -06:00 converted to UTC)
        {{ to_utc(json_str('record', '$.created_at')) }} as created_at,
        {{ to_utc(json_str('record', '$.updated_at')) }} as updated_at,
        {{ to_utc(json_str('record', '$.last_activity_at')) }} as last_activity_at,
        {{ to_utc(json_str('record', '$.last_authenticated_at')) }} as last_authenticated_at,
        cast({{ json_str('record', '$.pending_cancellation_date') }} as date) as pending_cancellation_date,

        ----------  lineage
        _batch_id,
        _extracted_at,
        md5(cast(record as varchar)) as _record_hash

    from source

),

deduped as (

    select *
    from renamed
    qualify assignee_user_id is null
        or row_number() over (
            partition by assignee_user_id
            order by last_activity_at desc nulls last, created_at
        ) = 1

)

select
    coalesce('user:' || cast(assignee_user_id as varchar), 'unassigned:' || _record_hash) as seat_id,
    * exclude (_record_hash)
from deduped
