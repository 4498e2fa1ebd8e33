-- Snapshot stream: the workflow statuses with their category; the key to reading changelog status ids.
{{ config(**landing_model_config('jira', 'statuses')) }}
with

source as (

    select * from {{ landing_records('jira', 'statuses') }}

),

renamed as (

    select
        ----------  ids
        {{ json_str('record', '$.id') }} as status_id,
        {{ json_str('record', '$.scope.project.id') }} as scope_project_id,

        ----------  strings
        {{ json_str('record', '$.name') }} as status_name,
        {{ json_str('record', '$.statusCategory.key') }} as status_category_key,

        ----------  numerics
        cast(json_extract_string(record, '$.statusCategory.id') as integer) as status_category_id,

        ----------  lineage
        _batch_id,
        _extracted_at

    from source

)

select *
from renamed
qualify row_number() over (partition by status_id order by status_name) = 1
