-- Snapshot stream: the latest committed batch lists every account. emailAddress is absent when the
-- profile hides it (Jira omits the key), which reads as null here.
{{ config(**landing_model_config('jira', 'users')) }}
with

source as (

    select * from {{ landing_records('jira', 'users') }}

),

renamed as (

    select
        ----------  ids
        {{ json_str('record', '$.accountId') }} as account_id,

        ----------  strings
        {{ json_str('record', '$.accountType') }} as account_type,
        {{ json_str('record', '$.displayName') }} as display_name,
        {{ json_str('record', '$.emailAddress') }} as email,
        {{ json_str('record', '$.timeZone') }} as time_zone,

        ----------  booleans
        cast(json_extract_string(record, '$.active') as boolean) as is_active,

        ----------  lineage
        _batch_id,
        _extracted_at

    from source

)

select *
from renamed
qualify row_number() over (partition by account_id order by display_name) = 1
