-- The AI program per team (month 3 of a rollout): from access (licences, engagement) through the usage audit,
-- candidate wins and catalog workflows to outcome verdicts, beside the metrics the team chose in program.yml, so a leader
-- sees in one table which teams moved from access to impact. Definition v1 in the YAML.
{%- set min_group_size = var('min_group_size') | int %}

with

teams as (

    select department, team, count(*) as people_n
    from {{ ref('dim_people') }}
    where team is not null
    group by department, team
    having count(*) >= {{ min_group_size }}

),

segments as (

    select * from {{ ref('mart_adoption_segments') }}

),

latest_week as (

    select max(week_start) as week_start from segments where not is_partial_week

),

engagement as (

    select segments.department, segments.team, segments.people_n, segments.engaged_n
    from segments
    inner join latest_week on segments.week_start = latest_week.week_start
    where segments.tool = 'any'
      and not segments.suppressed

),

-- step 1: the usage audit's answers (survey and interviews) of the team's people
audit as (

    select
        team,
        count(distinct person_key) as respondents_n,
        min(answered_on) as first_answered_on,
        max(answered_on) as last_answered_on
    from {{ ref('int_audit_answers') }}
    where team is not null
    group by team

),

wins as (

    select
        team,
        count(*) as candidate_wins_n,
        min(candidate_rank) as best_candidate_rank
    from {{ ref('mart_win_candidates') }}
    where candidate_rank is not null
    group by team

),

best_win as (

    select
        candidates.team,
        {{ dbt.concat(["candidates.kpi", "case when candidates.task is not null then "
                       ~ dbt.concat(["' ('", "candidates.task", "')'"]) ~ " else '' end",
                       "' with '", "candidates.tool"]) }} as best_candidate
    from {{ ref('mart_win_candidates') }} as candidates
    inner join wins
        on candidates.team = wins.team
        and candidates.candidate_rank = wins.best_candidate_rank

),

team_workflows as (

    select
        teams.team,
        outcomes.workflow,
        outcomes.redesigned_on,
        outcomes.verdict
    from teams
    inner join {{ ref('mart_workflow_outcomes') }} as outcomes
        on outcomes.team in (teams.team, teams.department)

),

workflows as (

    select
        team,
        count(*) as catalog_workflows_n,
        min(redesigned_on) as first_redesigned_on,
        {{ dbt.listagg('workflow', "', '", 'order by workflow') }} as catalog_workflows,
        {{ dbt.listagg(dbt.concat(["workflow", "': '", "verdict"]), "', '", 'order by workflow') }} as verdicts,
        sum(case when verdict = 'improved' then 1 else 0 end) as improved_n,
        sum(case when verdict = 'no_change' then 1 else 0 end) as no_change_n,
        sum(case when verdict = 'worse' then 1 else 0 end) as worse_n,
        sum(case when verdict not in ('improved', 'no_change', 'worse') then 1 else 0 end) as undecided_n
    from team_workflows
    group by team

),

-- the team's own entry in program.yml wins over its department's
chosen as (

    select
        teams.team,
        program.kpi,
        program.task,
        program.metric_position,
        rank() over (partition by teams.team order by case when program.team = teams.team then 0 else 1 end)
            as entry_order
    from teams
    inner join {{ ref('stg_catalog__program') }} as program
        on program.team in (teams.team, teams.department)

),

metrics as (

    select
        team,
        count(*) as outcome_metrics_n,
        {{ dbt.listagg(
            "case when task is not null then " ~ dbt.concat(["kpi", "' ('", "task", "')'"]) ~ " else kpi end",
            "', '", 'order by metric_position') }} as outcome_metrics
    from chosen
    where entry_order = 1
    group by team

),

joined as (

    select
        teams.department,
        teams.team,
        teams.people_n,
        engagement.engaged_n,
        cast(engagement.engaged_n as {{ type_double() }}) / nullif(engagement.people_n, 0) as engaged_share,
        audit.team is not null as audit_answers_collected,
        audit.respondents_n as audit_respondents_n,
        audit.first_answered_on as audit_first_answered_on,
        audit.last_answered_on as audit_last_answered_on,
        coalesce(wins.candidate_wins_n, 0) as candidate_wins_n,
        best_win.best_candidate,
        coalesce(workflows.catalog_workflows_n, 0) as catalog_workflows_n,
        workflows.catalog_workflows,
        workflows.first_redesigned_on,
        workflows.verdicts,
        coalesce(workflows.improved_n, 0) as improved_n,
        coalesce(workflows.no_change_n, 0) as no_change_n,
        coalesce(workflows.worse_n, 0) as worse_n,
        coalesce(workflows.undecided_n, 0) as undecided_n,
        coalesce(metrics.outcome_metrics_n, 0) as outcome_metrics_n,
        metrics.outcome_metrics
    from teams
    left join engagement on teams.department = engagement.department and teams.team = engagement.team
    left join audit on teams.team = audit.team
    left join wins on teams.team = wins.team
    left join best_win on teams.team = best_win.team
    left join workflows on teams.team = workflows.team
    left join metrics on teams.team = metrics.team

)

select
    department,
    team,
    cast(people_n as {{ dbt.type_bigint() }}) as people_n,
    cast(engaged_n as {{ dbt.type_bigint() }}) as engaged_n,
    {{ round_pct('engaged_share', 4) }} as engaged_share,
    audit_answers_collected,
    -- how many answered, from min_group_size respondents (a handful of answers is shown as collected only)
    case when audit_respondents_n >= {{ min_group_size }}
        then cast(audit_respondents_n as {{ dbt.type_bigint() }}) end as audit_respondents_n,
    audit_first_answered_on,
    audit_last_answered_on,
    cast(candidate_wins_n as {{ dbt.type_bigint() }}) as candidate_wins_n,
    cast(best_candidate as {{ dbt.type_string() }}) as best_candidate,
    cast(catalog_workflows_n as {{ dbt.type_bigint() }}) as catalog_workflows_n,
    cast(catalog_workflows as {{ dbt.type_string() }}) as catalog_workflows,
    first_redesigned_on,
    cast(verdicts as {{ dbt.type_string() }}) as verdicts,
    cast(improved_n as {{ dbt.type_bigint() }}) as improved_n,
    cast(no_change_n as {{ dbt.type_bigint() }}) as no_change_n,
    cast(worse_n as {{ dbt.type_bigint() }}) as worse_n,
    cast(undecided_n as {{ dbt.type_bigint() }}) as undecided_n,
    cast(outcome_metrics_n as {{ dbt.type_bigint() }}) as outcome_metrics_n,
    cast(outcome_metrics as {{ dbt.type_string() }}) as outcome_metrics,
    -- how far the team has come, the furthest step reached
    cast(case
        when improved_n > 0 then 'impact'
        when catalog_workflows_n > 0 then 'redesigning'
        when candidate_wins_n > 0 then 'wins found'
        when audit_answers_collected then 'audited'
        else 'access'
    end as {{ dbt.type_string() }}) as stage,
    1 as metric_version
from joined
