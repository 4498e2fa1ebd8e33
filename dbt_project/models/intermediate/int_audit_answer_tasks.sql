-- One row per usage-audit answer and task it names: what the tool was used for last week (`used_for`) and
-- what the person went back to doing by hand (`back_to_manual`), from both channels.
with

tasks as (

    select
        {{ dbt.concat(["'typeform:'", 'response_token']) }} as answer_key,
        task_kind,
        task
    from {{ ref('stg_typeform__response_tasks') }}

    union all

    select
        {{ dbt.concat(["'interviews:'", 'interview_key']) }} as answer_key,
        task_kind,
        task
    from {{ ref('stg_interviews__answer_tasks') }}

)

select
    ----------  ids
    answers.answer_key,
    answers.person_key,

    ----------  strings
    answers.department,
    answers.team,
    answers.tool,
    tasks.task_kind,
    tasks.task,

    ----------  dates
    answers.survey_week_start
from tasks
inner join {{ ref('int_audit_answers') }} as answers on answers.answer_key = tasks.answer_key
