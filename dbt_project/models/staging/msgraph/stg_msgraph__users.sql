-- Snapshot stream: the latest committed batch is the whole directory.
{{ config(**landing_model_config('msgraph', 'users')) }}
with

source as (

    select * from {{ landing_records('msgraph', 'users') }}

),

renamed as (

    select
        ----------  ids
        {{ json_str('record', '$.id') }} as user_id,
        {{ json_str('record', '$.manager.id') }} as manager_user_id,
        {{ json_str('record', '$.employeeId') }} as employee_id,

        ----------  strings ("" from Graph means unset)
        {{ json_str('record', '$.mail') }} as mail,
        {{ json_str('record', '$.userPrincipalName') }} as user_principal_name,
        {{ json_str('record', '$.displayName') }} as display_name,
        {{ json_str('record', '$.department') }} as department,
        -- the team, where the tenant keeps it as the cost centre; the department otherwise
        coalesce(
            {{ json_str('record', '$.employeeOrgData.costCenter') }}, {{ json_str('record', '$.department') }}
        ) as team,
        {{ json_str('record', '$.jobTitle') }} as job_title,
        {{ json_str('record', '$.manager.mail') }} as manager_mail,

        ----------  booleans
        cast(json_extract_string(record, '$.accountEnabled') as boolean) as is_account_enabled,

        ----------  lineage
        _batch_id,
        _extracted_at

    from source
    -- delta pages mark removed users; a full snapshot should not carry them
    where json_extract(record, '$."@removed"') is null

)

select * from renamed
