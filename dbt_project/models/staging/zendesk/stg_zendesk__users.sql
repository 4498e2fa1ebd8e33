-- Snapshot stream: the latest committed batch lists every agent and admin.
{{ config(**landing_model_config('zendesk', 'users')) }}
with

source as (

    select * from {{ landing_records('zendesk', 'users') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.id') as bigint) as zendesk_user_id,
        cast(json_extract_string(record, '$.default_group_id') as bigint) as default_group_id,

        ----------  strings
        {{ json_str('record', '$.email') }} as email,
        {{ json_str('record', '$.name') }} as user_name,
        {{ json_str('record', '$.role') }} as role,
        {{ json_str('record', '$.iana_time_zone') }} as iana_time_zone,

        ----------  booleans
        cast(json_extract_string(record, '$.active') as boolean) as is_active,
        cast(json_extract_string(record, '$.suspended') as boolean) as is_suspended,

        ----------  timestamps (UTC)
        {{ to_utc(json_str('record', '$.created_at')) }} as created_at,
        {{ to_utc(json_str('record', '$.updated_at')) }} as updated_at,

        ----------  lineage
        _batch_id,
        _extracted_at

    from source

)

select *
from renamed
qualify row_number() over (partition by zendesk_user_id order by updated_at desc nulls last) = 1
