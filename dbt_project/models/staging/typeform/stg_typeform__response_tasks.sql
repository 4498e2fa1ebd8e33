-- One row per response and task it names: the tasks the respondent used the tool for last week
-- (`used_for`) and those they went back to doing by hand (`back_to_manual`), from the winning version of
-- each response in stg_typeform__responses.
with

responses as (

    select response_token, tasks_json, back_to_manual_json
    from {{ ref('stg_typeform__responses') }}

),

listed as (

    select response_token, 'used_for' as task_kind, unnest(cast(tasks_json as varchar[])) as task
    from responses
    where tasks_json is not null

    union all

    select response_token, 'back_to_manual' as task_kind, unnest(cast(back_to_manual_json as varchar[])) as task
    from responses
    where back_to_manual_json is not null

)

select distinct
    ----------  ids
    response_token,

    ----------  strings
    task_kind,
    trim(task) as task
from listed
where nullif(trim(task), '') is not null
