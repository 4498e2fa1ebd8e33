-- Snapshot stream: the org's Copilot seat billing summary from the latest committed batch (one record).
-- seat_breakdown.total is the number of seats billed this cycle: the purchased seats of mart_seat_utilization.
{{ config(**landing_model_config('github_copilot', 'billing')) }}
with

source as (

    select * from {{ landing_records('github_copilot', 'billing') }}

)

select
    {{ json_str('record', '$.plan_type') }} as plan_type,
    cast(json_extract_string(record, '$.seat_breakdown.total') as bigint) as seats_total,
    cast(json_extract_string(record, '$.seat_breakdown.added_this_cycle') as bigint) as seats_added_this_cycle,
    cast(json_extract_string(record, '$.seat_breakdown.pending_invitation') as bigint) as seats_pending_invitation,
    cast(json_extract_string(record, '$.seat_breakdown.pending_cancellation') as bigint)
        as seats_pending_cancellation,
    cast(json_extract_string(record, '$.seat_breakdown.active_this_cycle') as bigint) as seats_active_this_cycle,
    cast(json_extract_string(record, '$.seat_breakdown.inactive_this_cycle') as bigint)
        as seats_inactive_this_cycle,
    {{ json_str('record', '$.seat_management_setting') }} as seat_management_setting,
    _batch_id,
    _extracted_at
from source
