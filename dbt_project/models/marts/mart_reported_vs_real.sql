-- Reported against real use, per team, AI tool and survey week (definition v1): what the usage audit's
-- respondents said about "last week" (int_audit_answers: the Typeform survey and the interviews) against
-- what the tool's telemetry shows for the same people and the same ISO week (fct_ai_activity_daily, days
-- with a user-initiated action). A person answering twice about one tool and week counts once (the latest
-- answer). Real activity is put in the frequency buckets the answers use: >= 4 active days "daily", 2-3
-- "a few times a week", 1 "weekly", none "less than weekly or never". Overstated = the answer's bucket is
-- above the telemetry's. A group reports more than it uses when at least half of it overstates and its
-- reported days exceed its real ones. Rows describing fewer than min_group_size people keep their keys and
-- say `suppressed = true`, with no counts, figures or tasks.
{%- set min_group_size = var('min_group_size') | int %}

with

answers as (

    select
        answer_key,
        person_key,
        department,
        team,
        tool,
        survey_week_start,
        answered_on,
        reported_days_per_week,
        reported_frequency_rank
    from {{ ref('int_audit_answers') }}
    where person_key is not null
      and tool is not null
      and reported_frequency_rank is not null

),

latest as (

    select *
    from (
        select
            answers.*,
            row_number() over (
                partition by person_key, tool, survey_week_start order by answered_on desc, answer_key desc
            ) as pick
        from answers
    ) as ranked
    where pick = 1

),

activity as (

    select person_key, tool, activity_date
    from {{ ref('fct_ai_activity_daily') }}
    where is_active

),

person_weeks as (

    select
        latest.answer_key,
        latest.person_key,
        latest.department,
        latest.team,
        latest.tool,
        latest.survey_week_start,
        latest.reported_days_per_week,
        latest.reported_frequency_rank,
        count(distinct activity.activity_date) as real_active_days
    from latest
    left join activity
        on activity.person_key = latest.person_key
        and activity.tool = latest.tool
        and activity.activity_date >= latest.survey_week_start
        and activity.activity_date < {{ add_days('7', 'latest.survey_week_start') }}
    group by
        latest.answer_key, latest.person_key, latest.department, latest.team, latest.tool,
        latest.survey_week_start, latest.reported_days_per_week, latest.reported_frequency_rank

),

ranked as (

    select
        *,
        case
            when real_active_days >= 4 then 3
            when real_active_days >= 2 then 2
            when real_active_days = 1 then 1
            else 0
        end as real_frequency_rank
    from person_weeks

),

grouped as (

    select
        department,
        team,
        tool,
        survey_week_start,
        count(*) as people_n,
        avg(cast(reported_days_per_week as {{ type_double() }})) as reported_days,
        avg(cast(real_active_days as {{ type_double() }})) as real_days,
        sum(case when reported_frequency_rank = 3 then 1 else 0 end) as reported_daily_n,
        sum(case when real_frequency_rank = 3 then 1 else 0 end) as real_daily_n,
        sum(case when reported_frequency_rank > real_frequency_rank then 1 else 0 end) as overstated_n,
        sum(case when reported_frequency_rank < real_frequency_rank then 1 else 0 end) as understated_n
    from ranked
    group by department, team, tool, survey_week_start

),

task_counts as (

    select
        ranked.team,
        ranked.tool,
        ranked.survey_week_start,
        tasks.task,
        count(distinct ranked.person_key) as people_naming
    from ranked
    inner join {{ ref('int_audit_answer_tasks') }} as tasks
        on tasks.answer_key = ranked.answer_key
        and tasks.task_kind = 'used_for'
    group by ranked.team, ranked.tool, ranked.survey_week_start, tasks.task

),

tasks as (

    select
        team,
        tool,
        survey_week_start,
        {{ dbt.listagg(
            dbt.concat(['task', "' ('", 'cast(people_naming as ' ~ dbt.type_string() ~ ')', "')'"]),
            "'; '",
            'order by people_naming desc, task') }} as used_for_tasks
    from task_counts
    group by team, tool, survey_week_start

)

select
    grouped.department,
    grouped.team,
    grouped.tool,
    grouped.survey_week_start,
    {{ add_days('6', 'grouped.survey_week_start') }} as survey_week_end,
    grouped.people_n < {{ min_group_size }} as suppressed,
    case when grouped.people_n >= {{ min_group_size }}
        then cast(grouped.people_n as {{ dbt.type_bigint() }}) end as people_n,
    case when grouped.people_n >= {{ min_group_size }}
        then {{ round_pct('grouped.reported_days', 2) }} end as reported_days_per_week,
    case when grouped.people_n >= {{ min_group_size }}
        then {{ round_pct('grouped.real_days', 2) }} end as real_active_days_per_week,
    case when grouped.people_n >= {{ min_group_size }}
        then {{ round_pct('grouped.reported_days - grouped.real_days', 2) }} end as gap_days_per_week,
    case when grouped.people_n >= {{ min_group_size }}
        then cast(grouped.reported_daily_n as {{ dbt.type_bigint() }}) end as reported_daily_n,
    case when grouped.people_n >= {{ min_group_size }}
        then cast(grouped.real_daily_n as {{ dbt.type_bigint() }}) end as real_daily_n,
    case when grouped.people_n >= {{ min_group_size }}
        then cast(grouped.overstated_n as {{ dbt.type_bigint() }}) end as overstated_n,
    case when grouped.people_n >= {{ min_group_size }}
        then cast(grouped.understated_n as {{ dbt.type_bigint() }}) end as understated_n,
    case when grouped.people_n >= {{ min_group_size }}
        then {{ round_pct('cast(grouped.overstated_n as ' ~ type_double() ~ ') / grouped.people_n', 4) }}
    end as overstated_share,
    case when grouped.people_n >= {{ min_group_size }}
        then 2 * grouped.overstated_n >= grouped.people_n and grouped.reported_days > grouped.real_days
    end as reported_exceeds_real,
    case when grouped.people_n >= {{ min_group_size }} then tasks.used_for_tasks end as used_for_tasks,
    1 as metric_version
from grouped
left join tasks
    on tasks.team = grouped.team
    and tasks.tool = grouped.tool
    and tasks.survey_week_start = grouped.survey_week_start
