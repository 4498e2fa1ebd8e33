-- Merge stream: one row per survey response (Typeform `token`), the latest extraction winning. The audit
-- survey's questions are read by their field `ref` (docs/usage_audit.md): tool, frequency, tasks, worked,
-- did_not_work, back_to_manual; choice answers keep Typeform's labels (int_audit_answers maps them).
-- Typeform writes "0001-01-01T00:00:00Z" as the submitted_at of a response never submitted: null here.
{{ config(**landing_model_config('typeform', 'responses')) }}
with

source as (

    select * from {{ landing_records('typeform', 'responses') }}

),

renamed as (

    select
        ----------  ids
        {{ json_str('record', '$.token') }} as response_token,
        {{ json_str('record', '$.response_id') }} as response_id,
        {{ json_str('record', '$.landing_id') }} as landing_id,
        {{ json_str('record', '$.form_id') }} as form_id,

        ----------  strings
        lower({{ json_str('record', '$.hidden.email') }}) as respondent_email,

        ----------  the answers, parsed below
        coalesce(cast(json_extract(record, '$.answers') as json[]), []) as answers,

        ----------  timestamps (UTC)
        {{ to_utc(json_str('record', '$.landed_at')) }} as landed_at,
        case
            when {{ json_str('record', '$.submitted_at') }} like '0001-%' then null
            else {{ to_utc(json_str('record', '$.submitted_at')) }}
        end as submitted_at,

        ----------  lineage
        _batch_id,
        _extracted_at,
        _record_key

    from source

),

deduped as (

    {{ latest_per_key('renamed') }}

),

answers as (

    select
        _record_key,
        answer ->> '$.field.ref' as field_ref,
        coalesce(answer ->> '$.choice.label', answer ->> '$.choice.other', answer ->> '$.text') as single_value,
        -- several choices: the labels, plus the respondent's own "other" text
        case
            when (answer -> '$.choices') is not null then to_json(list_concat(
                coalesce(cast(answer -> '$.choices.labels' as varchar[]), []),
                case when nullif(trim(answer ->> '$.choices.other'), '') is not null
                    then [trim(answer ->> '$.choices.other')] else [] end
            ))
            when nullif(trim(answer ->> '$.choice.label'), '') is not null then to_json([trim(answer ->> '$.choice.label')])
        end as many_values
    from (select _record_key, unnest(answers) as answer from deduped) as unnested

),

pivoted as (

    select
        _record_key,
        max(case when field_ref = 'tool' then nullif(trim(single_value), '') end) as tool_label,
        max(case when field_ref = 'frequency' then nullif(trim(single_value), '') end) as frequency_label,
        max(case when field_ref = 'tasks' then cast(many_values as varchar) end) as tasks_json,
        max(case when field_ref = 'worked' then nullif(trim(single_value), '') end) as worked,
        max(case when field_ref = 'did_not_work' then nullif(trim(single_value), '') end) as did_not_work,
        max(case when field_ref = 'back_to_manual' then cast(many_values as varchar) end) as back_to_manual_json
    from answers
    group by _record_key

)

select
    ----------  ids
    deduped.response_token,
    deduped.response_id,
    deduped.landing_id,
    deduped.form_id,

    ----------  strings
    deduped.respondent_email,
    pivoted.tool_label,
    pivoted.frequency_label,
    pivoted.tasks_json,
    pivoted.worked,
    pivoted.did_not_work,
    pivoted.back_to_manual_json,

    ----------  numerics
    cast(len(deduped.answers) as integer) as answers_n,

    ----------  timestamps (UTC)
    deduped.landed_at,
    deduped.submitted_at,

    ----------  lineage
    deduped._batch_id,
    deduped._extracted_at,
    deduped._record_key

from deduped
left join pivoted on deduped._record_key = pivoted._record_key
