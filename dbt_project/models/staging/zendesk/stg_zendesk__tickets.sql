-- Merge stream: a ticket is re-exported whenever it changes. The latest batch wins, then the latest
-- generated_timestamp inside a batch. Deleted tickets stay here (flagged) so marts decide.
{{ config(**landing_model_config('zendesk', 'tickets')) }}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.id',
    '$.assignee_id',
    '$.requester_id',
    '$.group_id',
    '$.organization_id',
    '$.status',
    '$.type',
    '$.priority',
    '$.via.channel',
    '$.metric_set.reply_time_in_minutes.calendar',
    '$.metric_set.first_resolution_time_in_minutes.calendar',
    '$.metric_set.full_resolution_time_in_minutes.calendar',
    '$.metric_set.reopens',
    '$.metric_set.replies',
    '$.generated_timestamp',
    '$.created_at',
    '$.updated_at',
    '$.metric_set.solved_at',
    '$.metric_set.assigned_at',
] %}
with

source as (

    select *, {{ json_fields('record', paths) }} as _json_fields
    from {{ landing_records('zendesk', 'tickets') }}

),

renamed as (

    select
        ----------  ids
        cast({{ json_field(paths, '$.id') }} as bigint) as ticket_id,
        cast({{ json_field(paths, '$.assignee_id') }} as bigint) as assignee_id,
        cast({{ json_field(paths, '$.requester_id') }} as bigint) as requester_id,
        cast({{ json_field(paths, '$.group_id') }} as bigint) as group_id,
        cast({{ json_field(paths, '$.organization_id') }} as bigint) as organization_id,

        ----------  strings
        lower({{ json_field_str(paths, '$.status') }}) as status,
        {{ json_field_str(paths, '$.type') }} as ticket_type,
        {{ json_field_str(paths, '$.priority') }} as priority,
        {{ json_field_str(paths, '$.via.channel') }} as via_channel,

        ----------  numerics (metric_set minutes are null until the event happens)
        cast({{ json_field(paths, '$.metric_set.reply_time_in_minutes.calendar') }} as bigint)
            as first_reply_minutes,
        cast({{ json_field(paths, '$.metric_set.first_resolution_time_in_minutes.calendar') }} as bigint)
            as first_resolution_minutes,
        cast({{ json_field(paths, '$.metric_set.full_resolution_time_in_minutes.calendar') }} as bigint)
            as full_resolution_minutes,
        cast({{ json_field(paths, '$.metric_set.reopens') }} as bigint) as reopens,
        cast({{ json_field(paths, '$.metric_set.replies') }} as bigint) as replies,
        cast({{ json_field(paths, '$.generated_timestamp') }} as bigint) as generated_timestamp,

        ----------  booleans
        lower({{ json_field_str(paths, '$.status') }}) = 'deleted' as is_deleted,

        ----------  timestamps (UTC)
        {{ to_utc(json_field_str(paths, '$.created_at')) }} as created_at,
        {{ to_utc(json_field_str(paths, '$.updated_at')) }} as updated_at,
        {{ to_utc(json_field_str(paths, '$.metric_set.solved_at')) }} as solved_at,
        {{ to_utc(json_field_str(paths, '$.metric_set.assigned_at')) }} as assigned_at,
        timezone('UTC', to_timestamp(cast({{ json_field(paths, '$.generated_timestamp') }} as bigint)))
            as generated_at,

        ----------  lineage
        _batch_id,
        _extracted_at,
        _record_key

    from source

),

deduped as (

    {{ latest_per_key('renamed', order_within_batch='generated_timestamp desc nulls last, updated_at desc nulls last') }}

)

select * from deduped
