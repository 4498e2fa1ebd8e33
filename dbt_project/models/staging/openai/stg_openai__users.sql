-- Snapshot stream: the latest committed batch is the whole organization.
{{ config(**landing_model_config('openai', 'users')) }}
with

source as (

    select * from {{ landing_records('openai', 'users') }}

),

renamed as (

    select
        ----------  ids
        {{ json_str('record', '$.id') }} as user_id,

        ----------  strings
        {{ json_str('record', '$.email') }} as email,
        {{ json_str('record', '$.name') }} as user_name,
        {{ json_str('record', '$.role') }} as role,

        ----------  timestamps
        timezone('UTC', to_timestamp(cast(json_extract_string(record, '$.added_at') as bigint))) as added_at,

        ----------  lineage
        _batch_id,
        _extracted_at

    from source

)

select * from renamed
