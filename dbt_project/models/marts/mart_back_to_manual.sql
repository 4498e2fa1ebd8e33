-- What the usage audit's respondents went back to doing by hand, per team, survey week and task
-- (definition v1), beside how many used the tool for that task, tied to the workflow catalog where the
-- task is one of it: a catalog workflow of the same team (or its department) whose `task`, name or key
-- equals the answer's task (case-insensitive). A person counts once per task whatever the tools they
-- answered about. Teams with fewer than min_group_size respondents that week show one row, task null,
-- `suppressed = true`, no counts: their tasks alone would say what a small group answered.
{%- set min_group_size = var('min_group_size') | int %}

with

answers as (

    select person_key, department, team, survey_week_start
    from {{ ref('int_audit_answers') }}
    where person_key is not null

),

team_weeks as (

    select
        department,
        team,
        survey_week_start,
        count(distinct person_key) as people_n
    from answers
    group by department, team, survey_week_start

),

task_counts as (

    select
        team,
        survey_week_start,
        task,
        count(distinct case when task_kind = 'used_for' then person_key end) as used_for_n,
        count(distinct case when task_kind = 'back_to_manual' then person_key end) as back_to_manual_n
    from {{ ref('int_audit_answer_tasks') }}
    where person_key is not null
    group by team, survey_week_start, task

),

catalog as (

    select workflow, workflow_name, team, task
    from {{ ref('stg_catalog__workflows') }}
    where workflow is not null

),

matched as (

    select
        task_counts.team,
        task_counts.survey_week_start,
        task_counts.task,
        min(catalog.workflow) as workflow
    from task_counts
    inner join team_weeks
        on team_weeks.team = task_counts.team
        and team_weeks.survey_week_start = task_counts.survey_week_start
    inner join catalog
        on catalog.team in (team_weeks.team, team_weeks.department)
        and lower(trim(task_counts.task)) in (
            lower(trim(catalog.task)), lower(trim(catalog.workflow_name)), lower(trim(catalog.workflow))
        )
    group by task_counts.team, task_counts.survey_week_start, task_counts.task

),

visible as (

    select
        team_weeks.department,
        team_weeks.team,
        team_weeks.survey_week_start,
        task_counts.task,
        false as suppressed,
        cast(team_weeks.people_n as {{ dbt.type_bigint() }}) as people_n,
        cast(task_counts.used_for_n as {{ dbt.type_bigint() }}) as used_for_n,
        cast(task_counts.back_to_manual_n as {{ dbt.type_bigint() }}) as back_to_manual_n,
        matched.workflow,
        matched.workflow is not null as in_catalog
    from team_weeks
    inner join task_counts
        on task_counts.team = team_weeks.team
        and task_counts.survey_week_start = team_weeks.survey_week_start
    left join matched
        on matched.team = task_counts.team
        and matched.survey_week_start = task_counts.survey_week_start
        and matched.task = task_counts.task
    where team_weeks.people_n >= {{ min_group_size }}

),

hidden as (

    select
        department,
        team,
        survey_week_start,
        cast(null as {{ dbt.type_string() }}) as task,
        true as suppressed,
        cast(null as {{ dbt.type_bigint() }}) as people_n,
        cast(null as {{ dbt.type_bigint() }}) as used_for_n,
        cast(null as {{ dbt.type_bigint() }}) as back_to_manual_n,
        cast(null as {{ dbt.type_string() }}) as workflow,
        cast(null as boolean) as in_catalog
    from team_weeks
    where people_n < {{ min_group_size }}

)

select *, {{ add_days('6', 'survey_week_start') }} as survey_week_end, 1 as metric_version from visible
union all
select *, {{ add_days('6', 'survey_week_start') }} as survey_week_end, 1 as metric_version from hidden
