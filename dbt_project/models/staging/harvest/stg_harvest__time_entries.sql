-- Merge stream: an entry is re-landed whenever it changes (edits, running timers). The latest batch
-- wins, then the latest updated_at. spent_date is the user's local date, as Harvest keeps it.
{{ config(**landing_model_config('harvest', 'time_entries')) }}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.id',
    '$.user.id',
    '$.task.id',
    '$.project.id',
    '$.client.id',
    '$.user.name',
    '$.task.name',
    '$.project.name',
    '$.client.name',
    '$.notes',
    '$.hours',
    '$.rounded_hours',
    '$.is_running',
    '$.is_locked',
    '$.billable',
    '$.spent_date',
    '$.created_at',
    '$.updated_at',
] %}
with

source as (

    select *, {{ json_fields('record', paths) }} as _json_fields
    from {{ landing_records('harvest', 'time_entries') }}

),

renamed as (

    select
        ----------  ids
        cast({{ json_field(paths, '$.id') }} as bigint) as time_entry_id,
        cast({{ json_field(paths, '$.user.id') }} as bigint) as user_id,
        cast({{ json_field(paths, '$.task.id') }} as bigint) as task_id,
        cast({{ json_field(paths, '$.project.id') }} as bigint) as project_id,
        cast({{ json_field(paths, '$.client.id') }} as bigint) as client_id,

        ----------  strings
        {{ json_field_str(paths, '$.user.name') }} as user_name,
        {{ json_field_str(paths, '$.task.name') }} as task_name,
        {{ json_field_str(paths, '$.project.name') }} as project_name,
        {{ json_field_str(paths, '$.client.name') }} as client_name,
        {{ json_field_str(paths, '$.notes') }} as notes,

        ----------  numerics
        cast({{ json_field(paths, '$.hours') }} as double) as hours,
        cast({{ json_field(paths, '$.rounded_hours') }} as double) as rounded_hours,

        ----------  booleans
        coalesce(cast({{ json_field(paths, '$.is_running') }} as boolean), false) as is_running,
        cast({{ json_field(paths, '$.is_locked') }} as boolean) as is_locked,
        cast({{ json_field(paths, '$.billable') }} as boolean) as is_billable,

        ----------  dates and timestamps (UTC)
        cast({{ json_field_str(paths, '$.spent_date') }} as date) as spent_date,
        {{ to_utc(json_field_str(paths, '$.created_at')) }} as created_at,
        {{ to_utc(json_field_str(paths, '$.updated_at')) }} as updated_at,

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
