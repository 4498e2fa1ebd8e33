-- Merge stream: a ticket is re-exported whenever it changes. The latest batch wins, then the latest
-- generated_timestamp inside a batch. Deleted tickets stay here (flagged) so marts decide.
{{ config(**landing_model_config('zendesk', 'tickets')) }}
with

source as (

    select * from {{ landing_records('zendesk', 'tickets') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.id') as bigint) as ticket_id,
        cast(json_extract_string(record, '$.assignee_id') as bigint) as assignee_id,
        cast(json_extract_string(record, '$.requester_id') as bigint) as requester_id,
        cast(json_extract_string(record, '$.group_id') as bigint) as group_id,
        cast(json_extract_string(record, '$.organization_id') as bigint) as organization_id,

        ----------  strings
        lower({{ json_str('record', '$.status') }}) as status,
        {{ json_str('record', '$.type') }} as ticket_type,
        {{ json_str('record', '$.priority') }} as priority,
        {{ json_str('record', '$.via.channel') }} as via_channel,

        ----------  numerics (metric_set minutes are null until the event happens)
        cast(json_extract_string(record, '$.metric_set.reply_time_in_minutes.calendar') as bigint)
            as first_reply_minutes,
        cast(json_extract_string(record, '$.metric_set.first_resolution_time_in_minutes.calendar') as bigint)
            as first_resolution_minutes,
        cast(json_extract_string(record, '$.metric_set.full_resolution_time_in_minutes.calendar') as bigint)
            as full_resolution_minutes,
        cast(json_extract_string(record, '$.metric_set.reopens') as bigint) as reopens,
        cast(json_extract_string(record, '$.metric_set.replies') as bigint) as replies,
        cast(json_extract_string(record, '$.generated_timestamp') as bigint) as generated_timestamp,

        ----------  booleans
        lower({{ json_str('record', '$.status') }}) = 'deleted' as is_deleted,

        ----------  timestamps (UTC)
        {{ to_utc(json_str('record', '$.created_at')) }} as created_at,
        {{ to_utc(json_str('record', '$.updated_at')) }} as updated_at,
        {{ to_utc(json_str('record', '$.metric_set.solved_at')) }} as solved_at,
        {{ to_utc(json_str('record', '$.metric_set.assigned_at')) }} as assigned_at,
        timezone('UTC', to_timestamp(cast(json_extract_string(record, '$.generated_timestamp') as bigint)))
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
