-- Merge stream: one row per (report_refresh_date, user_principal_name); the latest extraction wins.
-- Graph says "no activity in the period" with "", which json_str turns into null before the date cast.
{{ config(**landing_model_config('m365_copilot', 'usage_user_detail')) }}
with

source as (

    select * from {{ landing_records('m365_copilot', 'usage_user_detail') }}

),

renamed as (

    select
        ----------  ids (a 32-hex uppercase UPN is a concealed name, not an account)
        {{ json_str('record', '$.userPrincipalName') }} as user_principal_name,
        {{ json_str('record', '$.displayName') }} as display_name,
        coalesce(regexp_full_match({{ json_str('record', '$.userPrincipalName') }}, '[0-9A-F]{32}'), false)
            as is_concealed,

        ----------  numerics
        cast(json_extract_string(record, '$.copilotActivityUserDetailsByPeriod[0].reportPeriod') as integer)
            as report_period_days,

        ----------  dates (UTC days; null = no activity in the period)
        cast({{ json_str('record', '$.reportRefreshDate') }} as date) as report_refresh_date,
        cast({{ json_str('record', '$.lastActivityDate') }} as date) as last_activity_date,
        cast({{ json_str('record', '$.copilotChatLastActivityDate') }} as date) as copilot_chat_last_activity_date,
        cast({{ json_str('record', '$.microsoftTeamsCopilotLastActivityDate') }} as date) as teams_last_activity_date,
        cast({{ json_str('record', '$.wordCopilotLastActivityDate') }} as date) as word_last_activity_date,
        cast({{ json_str('record', '$.excelCopilotLastActivityDate') }} as date) as excel_last_activity_date,
        cast({{ json_str('record', '$.powerPointCopilotLastActivityDate') }} as date) as powerpoint_last_activity_date,
        cast({{ json_str('record', '$.outlookCopilotLastActivityDate') }} as date) as outlook_last_activity_date,
        cast({{ json_str('record', '$.oneNoteCopilotLastActivityDate') }} as date) as onenote_last_activity_date,
        cast({{ json_str('record', '$.loopCopilotLastActivityDate') }} as date) as loop_last_activity_date,

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
