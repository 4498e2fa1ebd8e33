-- For each manager's org (direct and indirect reports in the directory): AI adoption at the end of the
-- data, and, per catalog workflow with people in the org, the org's adopters' and non-adopters' KPI change.
-- Beside them the manager signal: the org against its peers (the orgs of the other managers under the same
-- director), whether its teams have a workflow in the catalog, and whether usage stalls before outcomes.
-- Definition v3 in the YAML. Orgs and groups below min_group_size keep their keys and show no figures.
{%- set min_group_size = var('min_group_size') | int %}
{%- set decent_share = var('decent_usage_share') | float %}
{#- an org's effect gets an interval, and is shown at all, only from this many adopters and controls -#}
{%- set interval_min_n = [var('rollup_interval_min_n', 10) | int, min_group_size] | max %}

with recursive

reports as (

    select manager_person_key as manager_key, person_key, 1 as depth
    from {{ ref('dim_people') }}
    where manager_person_key is not null

    union all

    select reports.manager_key, people.person_key, reports.depth + 1 as depth
    from reports
    inner join {{ ref('dim_people') }} as people on people.manager_person_key = reports.person_key
    where reports.depth < 20

),

managers as (

    select
        people.person_key as manager_key,
        people.display_name as manager_name,
        people.job_title as manager_title,
        people.department as manager_department,
        count(*) as org_size,
        sum(case when reports.depth = 1 then 1 else 0 end) as direct_reports_n
    from reports
    inner join {{ ref('dim_people') }} as people on reports.manager_key = people.person_key
    group by people.person_key, people.display_name, people.job_title, people.department

),

last_day as (

    select max(activity_date) as last_day from {{ ref('fct_ai_activity_daily') }}

),

person_adoption as (

    select
        activity.person_key,
        count(distinct activity.activity_date) as active_days_28d
    from {{ ref('fct_ai_activity_daily') }} as activity
    cross join last_day
    where activity.is_active
      and activity.activity_date > {{ add_days('-28', 'last_day.last_day') }}
    group by activity.person_key

),

licensed as (

    select distinct person_key from {{ ref('int_person_tool_licenses') }}

),

org_adoption as (

    select
        reports.manager_key,
        sum(case when licensed.person_key is not null then 1 else 0 end) as licensed_n,
        sum(case when person_adoption.active_days_28d >= 2 then 1 else 0 end) as engaged_n
    from reports
    left join licensed on reports.person_key = licensed.person_key
    left join person_adoption on reports.person_key = person_adoption.person_key
    group by reports.manager_key

),

windows as (

    select workflow, baseline_start, baseline_end, post_start, post_end
    from {{ ref('mart_workflow_outcomes') }}

),

person_periods as (

    select
        items.workflow,
        items.person_key,
        cohorts.cohort,
        avg(case when items.item_date <= windows.baseline_end then items.kpi_value end) as pre_mean,
        avg(case when items.item_date >= windows.post_start then items.kpi_value end) as post_mean
    from {{ ref('int_workflow_items') }} as items
    inner join windows on items.workflow = windows.workflow
    inner join {{ ref('fct_workflow_cohorts') }} as cohorts
        on items.workflow = cohorts.workflow
        and items.person_key = cohorts.person_key
    where (items.item_date >= windows.baseline_start and items.item_date <= windows.baseline_end)
       or (items.item_date >= windows.post_start and items.item_date <= windows.post_end)
    group by items.workflow, items.person_key, cohorts.cohort

),

org_outcomes as (

    select
        reports.manager_key,
        person_periods.workflow,
        sum(case when person_periods.cohort = 'adopters' then 1 else 0 end) as adopters_n,
        sum(case when person_periods.cohort = 'control' then 1 else 0 end) as control_n,
        avg(case when person_periods.cohort = 'adopters' then person_periods.pre_mean end) as adopters_pre,
        avg(case when person_periods.cohort = 'adopters' then person_periods.post_mean - person_periods.pre_mean end)
            as adopters_diff,
        avg(case when person_periods.cohort = 'control' then person_periods.pre_mean end) as control_pre,
        avg(case when person_periods.cohort = 'control' then person_periods.post_mean - person_periods.pre_mean end)
            as control_diff,
        var_samp(case when person_periods.cohort = 'adopters' then person_periods.post_mean - person_periods.pre_mean end)
            as adopters_diff_var,
        var_samp(case when person_periods.cohort = 'control' then person_periods.post_mean - person_periods.pre_mean end)
            as control_diff_var
    from reports
    inner join person_periods on reports.person_key = person_periods.person_key
    where person_periods.pre_mean is not null
      and person_periods.post_mean is not null
    group by reports.manager_key, person_periods.workflow

),

-- the catalog workflows whose team (a department or team) holds anyone of the org, with their verdicts
org_workflows as (

    select distinct reports.manager_key, outcomes.workflow, outcomes.verdict
    from reports
    inner join {{ ref('dim_people') }} as people on reports.person_key = people.person_key
    inner join {{ ref('mart_workflow_outcomes') }} as outcomes
        on outcomes.team in (people.department, people.team)

),

org_catalog as (

    select
        manager_key,
        count(*) as catalog_workflows_n,
        sum(case when verdict = 'improved' then 1 else 0 end) as improved_workflows_n,
        sum(case when verdict in ('no_change', 'worse') then 1 else 0 end) as not_improved_workflows_n
    from org_workflows
    group by manager_key

),

-- peers: the other managers reporting to the same director (their orgs are disjoint from this one)
directors as (

    select managers.manager_key, people.manager_person_key as director_key
    from managers
    inner join {{ ref('dim_people') }} as people on managers.manager_key = people.person_key
    where people.manager_person_key is not null

),

peer_pairs as (

    select me.manager_key, peer.manager_key as peer_key
    from directors as me
    inner join directors as peer
        on me.director_key = peer.director_key
        and me.manager_key <> peer.manager_key

),

peer_adoption as (

    select
        peer_pairs.manager_key,
        count(*) as peers_n,
        sum(managers.org_size) as peers_org_size,
        sum(org_adoption.engaged_n) as peers_engaged_n
    from peer_pairs
    inner join managers on peer_pairs.peer_key = managers.manager_key
    left join org_adoption on peer_pairs.peer_key = org_adoption.manager_key
    group by peer_pairs.manager_key

),

-- the peers' own org effects on the same workflow, where each is large enough to be estimated
peer_effects as (

    select
        peer_pairs.manager_key,
        org_outcomes.workflow,
        avg(100 * (org_outcomes.adopters_diff - org_outcomes.control_diff) / nullif(org_outcomes.adopters_pre, 0))
            as peers_effect_pct
    from peer_pairs
    inner join org_outcomes on peer_pairs.peer_key = org_outcomes.manager_key
    where org_outcomes.adopters_n >= {{ interval_min_n }}
      and org_outcomes.control_n >= {{ interval_min_n }}
    group by peer_pairs.manager_key, org_outcomes.workflow

),

rows_ as (

    select managers.*, '(adoption)' as workflow, org_adoption.licensed_n, org_adoption.engaged_n,
           cast(null as {{ dbt.type_bigint() }}) as adopters_n, cast(null as {{ dbt.type_bigint() }}) as control_n,
           cast(null as {{ type_double() }}) as adopters_change_pct,
           cast(null as {{ type_double() }}) as control_change_pct,
           cast(null as {{ type_double() }}) as effect_pct,
           cast(null as {{ type_double() }}) as effect_se_pct
    from managers
    left join org_adoption on managers.manager_key = org_adoption.manager_key

    union all

    select
        managers.*,
        org_outcomes.workflow,
        org_adoption.licensed_n,
        org_adoption.engaged_n,
        org_outcomes.adopters_n,
        org_outcomes.control_n,
        100 * org_outcomes.adopters_diff / nullif(org_outcomes.adopters_pre, 0) as adopters_change_pct,
        100 * org_outcomes.control_diff / nullif(org_outcomes.control_pre, 0) as control_change_pct,
        100 * (org_outcomes.adopters_diff - org_outcomes.control_diff) / nullif(org_outcomes.adopters_pre, 0)
            as effect_pct,
        -- the se of mart_workflow_outcomes, over the org's people
        100 * sqrt(org_outcomes.adopters_diff_var / org_outcomes.adopters_n
                   + org_outcomes.control_diff_var / org_outcomes.control_n)
            / nullif(org_outcomes.adopters_pre, 0) as effect_se_pct
    from managers
    inner join org_outcomes on managers.manager_key = org_outcomes.manager_key
    left join org_adoption on managers.manager_key = org_adoption.manager_key

),

org_signal as (

    select
        rows_.*,
        cast(rows_.engaged_n as {{ type_double() }}) / nullif(rows_.org_size, 0) as engaged_share_raw,
        coalesce(peer_adoption.peers_n, 0) as peers_n,
        peer_adoption.peers_org_size,
        cast(peer_adoption.peers_engaged_n as {{ type_double() }}) / nullif(peer_adoption.peers_org_size, 0)
            as peers_engaged_share_raw,
        peer_effects.peers_effect_pct as peers_effect_pct_raw,
        coalesce(org_catalog.catalog_workflows_n, 0) as catalog_workflows_n,
        coalesce(org_catalog.improved_workflows_n, 0) as improved_workflows_n,
        coalesce(org_catalog.not_improved_workflows_n, 0) as not_improved_workflows_n
    from rows_
    left join peer_adoption on rows_.manager_key = peer_adoption.manager_key
    left join peer_effects
        on rows_.manager_key = peer_effects.manager_key
        and rows_.workflow = peer_effects.workflow
    left join org_catalog on rows_.manager_key = org_catalog.manager_key

),

stalls as (

    select
        org_signal.*,
        case
            when org_size < {{ min_group_size }} or engaged_share_raw < {{ decent_share }} then null
            when catalog_workflows_n = 0
                then 'engaged with AI, but no workflow of its teams is in the catalog: no redesign under way'
            when improved_workflows_n = 0 and not_improved_workflows_n > 0
                then 'engaged with AI and redesigning, but no catalog workflow of its teams has improved'
        end as stall_reason
    from org_signal

)

select
    {{ dbt.hash('manager_key') }} as org_id,
    manager_name,
    manager_title,
    manager_department,
    workflow,
    org_size < {{ min_group_size }} as suppressed,
    case when org_size >= {{ min_group_size }} then cast(org_size as {{ dbt.type_bigint() }}) end as org_size,
    case when org_size >= {{ min_group_size }} then cast(direct_reports_n as {{ dbt.type_bigint() }}) end
        as direct_reports_n,
    case when org_size >= {{ min_group_size }} then cast(licensed_n as {{ dbt.type_bigint() }}) end as licensed_n,
    case when org_size >= {{ min_group_size }} then cast(engaged_n as {{ dbt.type_bigint() }}) end as engaged_n,
    case when org_size >= {{ min_group_size }}
        then {{ round_pct('cast(engaged_n as ' ~ type_double() ~ ') / org_size', 4) }} end as engaged_share,
    case when adopters_n >= {{ min_group_size }} then cast(adopters_n as {{ dbt.type_bigint() }}) end as adopters_n,
    case when control_n >= {{ min_group_size }} then cast(control_n as {{ dbt.type_bigint() }}) end as control_n,
    case when adopters_n >= {{ min_group_size }} then {{ round_pct('adopters_change_pct') }} end
        as adopters_change_pct,
    case when control_n >= {{ min_group_size }} then {{ round_pct('control_change_pct') }} end as control_change_pct,
    case when adopters_n >= {{ interval_min_n }} and control_n >= {{ interval_min_n }}
        then {{ round_pct('effect_pct') }} end as effect_pct,
    case when adopters_n >= {{ interval_min_n }} and control_n >= {{ interval_min_n }}
        then {{ round_pct('effect_pct - 1.96 * effect_se_pct') }} end as ci_low_pct,
    case when adopters_n >= {{ interval_min_n }} and control_n >= {{ interval_min_n }}
        then {{ round_pct('effect_pct + 1.96 * effect_se_pct') }} end as ci_high_pct,
    cast(case
        when workflow = '(adoption)' then null
        when adopters_n >= {{ interval_min_n }} and control_n >= {{ interval_min_n }} then 'estimated'
        else 'too small to estimate'
    end as {{ dbt.type_string() }}) as estimate_status,
    -- the manager signal (v3): the org against its peers under the same director, and its redesign status
    case when org_size >= {{ min_group_size }} then cast(peers_n as {{ dbt.type_bigint() }}) end as peers_n,
    case when org_size >= {{ min_group_size }} and peers_org_size >= {{ min_group_size }}
        then {{ round_pct('peers_engaged_share_raw', 4) }} end as peers_engaged_share,
    case when org_size >= {{ min_group_size }} and peers_org_size >= {{ min_group_size }}
        then {{ round_pct('100 * (engaged_share_raw - peers_engaged_share_raw)') }} end as engaged_vs_peers_pts,
    case when org_size >= {{ min_group_size }} then {{ round_pct('peers_effect_pct_raw') }} end as peers_effect_pct,
    case when org_size >= {{ min_group_size }} then cast(catalog_workflows_n as {{ dbt.type_bigint() }}) end
        as catalog_workflows_n,
    case when org_size >= {{ min_group_size }} then catalog_workflows_n > 0 end as redesign_under_way,
    case when org_size >= {{ min_group_size }} then cast(improved_workflows_n as {{ dbt.type_bigint() }}) end
        as improved_workflows_n,
    case when org_size >= {{ min_group_size }} then stall_reason is not null end as translation_stalled,
    cast(stall_reason as {{ dbt.type_string() }}) as stall_reason,
    3 as metric_version
from stalls
