-- One row per interview and task it names (`used_for`: what the tool was used for last week;
-- `back_to_manual`: what the interviewee went back to doing by hand), split from the `;`-separated cells.
with

answers as (

    select interview_key, tasks, back_to_manual
    from {{ ref('stg_interviews__answers') }}

),

listed as (

    select interview_key, 'used_for' as task_kind, unnest(string_split(tasks, ';')) as task
    from answers
    where tasks is not null

    union all

    select interview_key, 'back_to_manual' as task_kind, unnest(string_split(back_to_manual, ';')) as task
    from answers
    where back_to_manual is not null

)

select distinct
    ----------  ids
    interview_key,

    ----------  strings
    task_kind,
    trim(task) as task
from listed
where nullif(trim(task), '') is not null
