-- Webhook stream: one row per Zendesk ticket event (zen:event-type:ticket.*). The receiver lands a delivery
-- once; staging dedupes on the event id again so a re-landed batch can never count twice.
{{ config(**landing_model_config('zendesk', 'ticket_events')) }}
with

source as (

    select * from {{ landing_records('zendesk', 'ticket_events') }}

),

renamed as (

    select
        ----------  ids
        json_extract_string(record, '$.delivery_id') as event_id,
        cast(json_extract_string(record, '$.payload.detail.id') as bigint) as ticket_id,
        cast({{ json_str('record', '$.payload.detail.assignee_id') }} as bigint) as assignee_id,
        cast({{ json_str('record', '$.payload.detail.requester_id') }} as bigint) as requester_id,

        ----------  strings
        json_extract_string(record, '$.event') as event_type,
        lower({{ json_str('record', '$.payload.detail.status') }}) as status,

        ----------  timestamps (UTC)
        {{ to_utc(json_str('record', '$.payload.time')) }} as event_at,
        {{ to_utc(json_str('record', '$.payload.detail.created_at')) }} as created_at,
        {{ to_utc(json_str('record', '$.payload.detail.updated_at')) }} as updated_at,
        {{ to_utc(json_str('record', '$.received_at')) }} as received_at,

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
