-- Merge stream: one row per interview (email, interviewed_on, tool), the latest dropped file winning. Cells
-- are as typed in the template (docs/templates/interviews.csv); "" is null; tasks and back_to_manual keep
-- their `;`-separated text (stg_interviews__answer_tasks splits them).
{{ config(**landing_model_config('interviews', 'answers')) }}
with

source as (

    select * from {{ landing_records('interviews', 'answers') }}

),

renamed as (

    select
        ----------  ids
        _record_key as interview_key,

        ----------  strings
        lower({{ json_str('record', '$.email') }}) as respondent_email,
        {{ json_str('record', '$.tool') }} as tool,
        {{ json_str('record', '$.frequency') }} as frequency,
        {{ json_str('record', '$.tasks') }} as tasks,
        {{ json_str('record', '$.worked') }} as worked,
        {{ json_str('record', '$.did_not_work') }} as did_not_work,
        {{ json_str('record', '$.back_to_manual') }} as back_to_manual,
        {{ json_str('record', '$.interviewer') }} as interviewer,

        ----------  dates
        cast({{ json_str('record', '$.interviewed_on') }} as date) as interviewed_on,

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
