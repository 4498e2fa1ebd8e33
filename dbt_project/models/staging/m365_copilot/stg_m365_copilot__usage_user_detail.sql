-- Merge stream: one row per (report_refresh_date, user_principal_name); the latest extraction wins.
-- Graph says "no activity in the period" with "", which json_str turns into null before the date cast.
{{ config(**landing_model_config('m365_copilot', 'usage_user_detail')) }}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.userPrincipalName',
    '$.displayName',
    '$.copilotActivityUserDetailsByPeriod[0].reportPeriod',
    '$.reportRefreshDate',
    '$.lastActivityDate',
    '$.copilotChatLastActivityDate',
    '$.microsoftTeamsCopilotLastActivityDate',
    '$.wordCopilotLastActivityDate',
    '$.excelCopilotLastActivityDate',
    '$.powerPointCopilotLastActivityDate',
    '$.outlookCopilotLastActivityDate',
    '$.oneNoteCopilotLastActivityDate',
    '$.loopCopilotLastActivityDate',
] %}
with

source as (

    select *, {{ json_fields('record', paths) }} as _json_fields
    from {{ landing_records('m365_copilot', 'usage_user_detail') }}

),

renamed as (

    select
        ----------  ids (a 32-hex uppercase UPN is a concealed name, not an account)
        {{ json_field_str(paths, '$.userPrincipalName') }} as user_principal_name,
        {{ json_field_str(paths, '$.displayName') }} as display_name,
        coalesce(regexp_full_match({{ json_field_str(paths, '$.userPrincipalName') }}, '[0-9A-F]{32}'), false)
            as is_concealed,

        ----------  numerics
        cast({{ json_field(paths, '$.copilotActivityUserDetailsByPeriod[0].reportPeriod') }} as integer)
            as report_period_days,

        ----------  dates (UTC days; null = no activity in the period)
        cast({{ json_field_str(paths, '$.reportRefreshDate') }} as date) as report_refresh_date,
        cast({{ json_field_str(paths, '$.lastActivityDate') }} as date) as last_activity_date,
        cast({{ json_field_str(paths, '$.copilotChatLastActivityDate') }} as date) as copilot_chat_last_activity_date,
        cast({{ json_field_str(paths, '$.microsoftTeamsCopilotLastActivityDate') }} as date) as teams_last_activity_date,
        cast({{ json_field_str(paths, '$.wordCopilotLastActivityDate') }} as date) as word_last_activity_date,
        cast({{ json_field_str(paths, '$.excelCopilotLastActivityDate') }} as date) as excel_last_activity_date,
        cast({{ json_field_str(paths, '$.powerPointCopilotLastActivityDate') }} as date) as powerpoint_last_activity_date,
        cast({{ json_field_str(paths, '$.outlookCopilotLastActivityDate') }} as date) as outlook_last_activity_date,
        cast({{ json_field_str(paths, '$.oneNoteCopilotLastActivityDate') }} as date) as onenote_last_activity_date,
        cast({{ json_field_str(paths, '$.loopCopilotLastActivityDate') }} as date) as loop_last_activity_date,

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
