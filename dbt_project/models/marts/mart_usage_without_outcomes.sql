-- Where AI is used and nothing measurable moves: workflows whose adopters form a decent share of the team
-- yet whose effect's CI contains 0, and teams with decent engagement but no workflow measuring an outcome.
-- The redesign, not the tool, needs work there. Definition v1 in the YAML.
{%- set decent_share = var('decent_usage_share') | float %}

with

outcomes as (

    select * from {{ ref('mart_workflow_outcomes') }}

),

segments as (

    select * from {{ ref('mart_adoption_segments') }}

),

latest_week as (

    select max(week_start) as week_start from segments where not is_partial_week

),

team_usage as (

    select segments.department, segments.team, segments.people_n, segments.engaged_n,
           cast(segments.engaged_n as {{ type_double() }}) / segments.people_n as engaged_share
    from segments
    inner join latest_week on segments.week_start = latest_week.week_start
    where segments.tool = 'any'
      and not segments.suppressed

),

catalog as (

    select team from {{ ref('stg_catalog__workflows') }}

),

workflow_rows as (

    select
        'workflow' as subject_type,
        outcomes.workflow as subject,
        outcomes.team,
        outcomes.kpi,
        outcomes.adopters_share as usage_share,
        outcomes.effect_pct,
        outcomes.ci_low_pct,
        outcomes.ci_high_pct,
        outcomes.naive_change_pct,
        cast('adopters are a decent share of the team, but the confidence interval of the effect contains 0'
            as {{ dbt.type_string() }}) as reason
    from outcomes
    where outcomes.verdict = 'no_change'
      and outcomes.adopters_share >= {{ decent_share }}

),

team_rows as (

    select
        'team' as subject_type,
        team_usage.team as subject,
        team_usage.team,
        cast(null as {{ dbt.type_string() }}) as kpi,
        {{ round_pct('team_usage.engaged_share', 4) }} as usage_share,
        cast(null as {{ type_double() }}) as effect_pct,
        cast(null as {{ type_double() }}) as ci_low_pct,
        cast(null as {{ type_double() }}) as ci_high_pct,
        cast(null as {{ type_double() }}) as naive_change_pct,
        cast('engaged with AI tools, but no workflow in the catalog measures an outcome for this team'
            as {{ dbt.type_string() }}) as reason
    from team_usage
    where team_usage.engaged_share >= {{ decent_share }}
      and not exists (
          select 1 from catalog where catalog.team in (team_usage.team, team_usage.department)
      )

)

select *, 1 as metric_version from workflow_rows
union all
select *, 1 as metric_version from team_rows
