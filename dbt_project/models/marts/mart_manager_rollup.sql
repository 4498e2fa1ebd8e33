-- For each manager's org (direct and indirect reports in the directory): AI adoption at the end of the
-- data, and, per catalog workflow with people in the org, the org's adopters' and non-adopters' KPI change.
-- Definition v1 in the YAML. Orgs and groups below min_group_size keep their keys and show no figures.
{%- set min_group_size = var('min_group_size') | int %}
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
    2 as metric_version
from rows_
