-- Merge stream: an entry is re-landed whenever it changes (edits, running timers). The latest batch
-- wins, then the latest updated_at. spent_date is the user's local date, as Harvest keeps it.
{{ config(**landing_model_config('harvest', 'time_entries')) }}
with

source as (

    select * from {{ landing_records('harvest', 'time_entries') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.id') as bigint) as time_entry_id,
        cast(json_extract_string(record, '$.user.id') as bigint) as user_id,
        cast(json_extract_string(record, '$.task.id') as bigint) as task_id,
        cast(json_extract_string(record, '$.project.id') as bigint) as project_id,
        cast(json_extract_string(record, '$.client.id') as bigint) as client_id,

        ----------  strings
        {{ json_str('record', '$.user.name') }} as user_name,
        {{ json_str('record', '$.task.name') }} as task_name,
        {{ json_str('record', '$.project.name') }} as project_name,
        {{ json_str('record', '$.client.name') }} as client_name,
        {{ json_str('record', '$.notes') }} as notes,

        ----------  numerics
        cast(json_extract_string(record, '$.hours') as double) as hours,
        cast(json_extract_string(record, '$.rounded_hours') as double) as rounded_hours,

        ----------  booleans
        coalesce(cast(json_extract_string(record, '$.is_running') as boolean), false) as is_running,
        cast(json_extract_string(record, '$.is_locked') as boolean) as is_locked,
        cast(json_extract_string(record, '$.billable') as boolean) as is_billable,

        ----------  dates and timestamps (UTC)
        cast({{ json_str('record', '$.spent_date') }} as date) as spent_date,
        {{ to_utc(json_str('record', '$.created_at')) }} as created_at,
        {{ to_utc(json_str('record', '$.updated_at')) }} as updated_at,

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
