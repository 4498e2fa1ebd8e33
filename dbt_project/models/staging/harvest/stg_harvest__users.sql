-- Snapshot stream: the latest committed batch lists every Harvest user.
{{ config(**landing_model_config('harvest', 'users')) }}
with

source as (

    select * from {{ landing_records('harvest', 'users') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.id') as bigint) as harvest_user_id,

        ----------  strings
        {{ json_str('record', '$.email') }} as email,
        {{ json_str('record', '$.first_name') }} as first_name,
        {{ json_str('record', '$.last_name') }} as last_name,
        {{ json_str('record', '$.timezone') }} as time_zone,

        ----------  booleans
        cast(json_extract_string(record, '$.is_active') as boolean) as is_active,
        cast(json_extract_string(record, '$.is_contractor') as boolean) as is_contractor,

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
qualify row_number() over (partition by harvest_user_id order by updated_at desc nulls last) = 1
