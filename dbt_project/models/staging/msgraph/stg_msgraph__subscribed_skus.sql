-- Snapshot stream: the tenant's subscribed SKUs from the latest committed batch. prepaidUnits.enabled is
-- what the tenant bought and may assign; consumedUnits what is assigned.
{{ config(**landing_model_config('msgraph', 'subscribed_skus')) }}
with

source as (

    select * from {{ landing_records('msgraph', 'subscribed_skus') }}

)

select
    {{ json_str('record', '$.skuId') }} as sku_id,
    {{ json_str('record', '$.skuPartNumber') }} as sku_part_number,
    {{ json_str('record', '$.capabilityStatus') }} as capability_status,
    {{ json_str('record', '$.appliesTo') }} as applies_to,
    cast(json_extract_string(record, '$.prepaidUnits.enabled') as bigint) as prepaid_enabled,
    cast(json_extract_string(record, '$.prepaidUnits.suspended') as bigint) as prepaid_suspended,
    cast(json_extract_string(record, '$.prepaidUnits.warning') as bigint) as prepaid_warning,
    cast(json_extract_string(record, '$.prepaidUnits.lockedOut') as bigint) as prepaid_locked_out,
    cast(json_extract_string(record, '$.consumedUnits') as bigint) as consumed_units,
    _batch_id,
    _extracted_at
from source
