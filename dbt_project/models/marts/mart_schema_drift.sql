-- Vendor schema changes, batch by batch: each landing batch compared with the previous batch of the same
-- stream that had records. A field path the previous batch did not carry is `added`, one it carried and
-- this batch does not is `removed`, one whose non-null JSON types changed is `retyped`.
with

fields as (

    select * from {{ ref('stg_landing__batch_schemas') }}

),

batches as (

    select distinct source, stream, batch_id, extracted_at
    from fields

),

ordered as (

    select
        source,
        stream,
        batch_id,
        extracted_at,
        lag(batch_id) over (partition by source, stream order by batch_id) as previous_batch_id
    from batches

),

pairs as (

    select * from ordered where previous_batch_id is not null

),

current_fields as (

    select pairs.*, fields.field_path, fields.value_types
    from pairs
    inner join fields on fields.batch_id = pairs.batch_id

),

previous_fields as (

    select pairs.*, fields.field_path, fields.value_types
    from pairs
    inner join fields on fields.batch_id = pairs.previous_batch_id

),

added as (

    select current_fields.*, cast(null as {{ dbt.type_string() }}) as previous_types, 'added' as change
    from current_fields
    left join previous_fields
        on previous_fields.batch_id = current_fields.batch_id
        and previous_fields.field_path = current_fields.field_path
    where previous_fields.field_path is null

),

removed as (

    select previous_fields.*, previous_fields.value_types as previous_types, 'removed' as change
    from previous_fields
    left join current_fields
        on current_fields.batch_id = previous_fields.batch_id
        and current_fields.field_path = previous_fields.field_path
    where current_fields.field_path is null

),

retyped as (

    select current_fields.*, previous_fields.value_types as previous_types, 'retyped' as change
    from current_fields
    inner join previous_fields
        on previous_fields.batch_id = current_fields.batch_id
        and previous_fields.field_path = current_fields.field_path
    where current_fields.value_types <> previous_fields.value_types
        and current_fields.value_types <> ''
        and previous_fields.value_types <> ''

),

changes as (

    select * from added
    union all
    select * from removed
    union all
    select * from retyped

)

select
    source,
    stream,
    batch_id,
    previous_batch_id,
    extracted_at,
    change,
    field_path,
    previous_types,
    case when change = 'removed' then null else value_types end as types
from changes
