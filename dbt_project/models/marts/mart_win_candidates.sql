-- The win finder: every team x KPI x task x AI tool the sources cover, catalogued or not, with the same
-- person-level difference-in-differences as mart_workflow_outcomes around the tool's arrival. A place where
-- the tool's users got measurably faster than colleagues on the same work is a candidate, not a verdict:
-- many places are tried at once, and nobody chose this one before looking. Definition v1 in the YAML.
{%- set min_group_size = var('min_group_size') | int %}
{%- set baseline_days = var('win_baseline_days', 84) | int %}
{%- set cohort_days = var('win_cohort_days', 28) | int %}
{%- set post_days = var('win_post_days', 84) | int %}
{%- set min_items = var('win_min_items', 3) | int %}

with

people as (

    select person_key, department, team
    from {{ ref('dim_people') }}
    where team is not null

),

activity as (

    select person_key, tool, activity_date
    from {{ ref('fct_ai_activity_daily') }}
    where is_active

),

kpi_items as (

    select * from {{ ref('int_kpi_items') }}

),

-- every KPI item in its task, and (for KPIs whose task only narrows the work: a repository, an issue type)
-- once more under "all tasks" (task null); a Harvest task is the work itself, never pooled
scoped_items as (

    select kpi, task, person_key, item_id, item_date, kpi_value from kpi_items
    union all
    select kpi, cast(null as {{ dbt.type_string() }}) as task, person_key, item_id, item_date, kpi_value
    from kpi_items
    where task is not null and kpi <> 'harvest_task_hours'

),

data_end as (

    select max(item_date) as last_item_date from kpi_items

),

-- T0 per team and tool: the first day anyone of the team used it (the tool's arrival there; teams get
-- tools at different times); the cohort is frozen from [T0, T0 + cohort_days)
windows as (

    select
        people.team,
        activity.tool,
        min(activity.activity_date) as arrived_on,
        {{ add_days(-1 * baseline_days, 'min(activity.activity_date)') }} as baseline_start,
        {{ add_days(cohort_days, 'min(activity.activity_date)') }} as post_start
    from activity
    inner join people on activity.person_key = people.person_key
    group by people.team, activity.tool

),

clipped_windows as (

    select
        windows.*,
        case
            when {{ add_days('1', 'data_end.last_item_date') }}
                < {{ add_days(cohort_days + post_days, 'windows.arrived_on') }}
                then {{ add_days('1', 'data_end.last_item_date') }}
            else {{ add_days(cohort_days + post_days, 'windows.arrived_on') }}
        end as post_end_excl
    from windows
    cross join data_end

),

cohort_activity as (

    select
        activity.tool,
        activity.person_key,
        count(distinct activity.activity_date) as cohort_active_days
    from activity
    inner join people on activity.person_key = people.person_key
    inner join windows
        on people.team = windows.team
        and activity.tool = windows.tool
        and activity.activity_date >= windows.arrived_on
        and activity.activity_date < windows.post_start
    group by activity.tool, activity.person_key

),

person_periods as (

    select
        people.department,
        people.team,
        scoped_items.kpi,
        scoped_items.task,
        clipped_windows.tool,
        scoped_items.person_key,
        case when coalesce(cohort_activity.cohort_active_days, 0) >= 2 then 'users' else 'colleagues' end as cohort,
        sum(case when scoped_items.item_date < clipped_windows.arrived_on then 1 else 0 end) as pre_items,
        avg(case when scoped_items.item_date < clipped_windows.arrived_on then scoped_items.kpi_value end)
            as pre_mean,
        sum(case when scoped_items.item_date >= clipped_windows.post_start then 1 else 0 end) as post_items,
        avg(case when scoped_items.item_date >= clipped_windows.post_start then scoped_items.kpi_value end)
            as post_mean
    from scoped_items
    inner join people on scoped_items.person_key = people.person_key
    inner join clipped_windows on people.team = clipped_windows.team
    left join cohort_activity
        on cohort_activity.tool = clipped_windows.tool
        and cohort_activity.person_key = scoped_items.person_key
    where (scoped_items.item_date >= clipped_windows.baseline_start
           and scoped_items.item_date < clipped_windows.arrived_on)
       or (scoped_items.item_date >= clipped_windows.post_start
           and scoped_items.item_date < clipped_windows.post_end_excl)
    group by people.department, people.team, scoped_items.kpi, scoped_items.task, clipped_windows.tool,
             scoped_items.person_key, cohort_activity.cohort_active_days

),

persons_used as (

    select *, post_mean - pre_mean as diff
    from person_periods
    where pre_items >= {{ min_items }} and post_items >= {{ min_items }}

),

group_stats as (

    select
        department,
        team,
        kpi,
        task,
        tool,
        sum(case when cohort = 'users' then 1 else 0 end) as users_n,
        sum(case when cohort = 'colleagues' then 1 else 0 end) as colleagues_n,
        sum(case when cohort = 'users' then pre_items + post_items else 0 end) as users_items_n,
        sum(case when cohort = 'colleagues' then pre_items + post_items else 0 end) as colleagues_items_n,
        avg(case when cohort = 'users' then pre_mean end) as users_pre,
        avg(case when cohort = 'users' then diff end) as users_diff,
        var_samp(case when cohort = 'users' then diff end) as users_diff_var,
        avg(case when cohort = 'colleagues' then pre_mean end) as colleagues_pre,
        avg(case when cohort = 'colleagues' then diff end) as colleagues_diff,
        var_samp(case when cohort = 'colleagues' then diff end) as colleagues_diff_var
    from persons_used
    group by department, team, kpi, task, tool

),

estimates as (

    select
        group_stats.*,
        clipped_windows.arrived_on,
        clipped_windows.baseline_start,
        clipped_windows.post_start,
        {{ add_days('-1', 'clipped_windows.post_end_excl') }} as post_end,
        group_stats.users_n >= {{ min_group_size }} and group_stats.colleagues_n >= {{ min_group_size }}
            as large_enough,
        100 * (group_stats.users_diff - group_stats.colleagues_diff) / nullif(group_stats.users_pre, 0)
            as effect_pct,
        100 * sqrt(group_stats.users_diff_var / group_stats.users_n
                   + group_stats.colleagues_diff_var / group_stats.colleagues_n)
            / nullif(group_stats.users_pre, 0) as effect_se_pct
    from group_stats
    inner join clipped_windows
        on group_stats.team = clipped_windows.team
        and group_stats.tool = clipped_windows.tool
    -- a place needs someone on each side to compare at all
    where group_stats.users_n > 0 and group_stats.colleagues_n > 0

),

catalog as (

    select team, kpi, task from {{ ref('stg_catalog__workflows') }}

),

shown as (

    select
        estimates.department,
        estimates.team,
        estimates.kpi,
        estimates.task,
        estimates.tool,
        estimates.large_enough,
        exists (
            select 1 from catalog
            where catalog.team in (estimates.team, estimates.department)
              and catalog.kpi = estimates.kpi
              and (catalog.task is null or catalog.task = estimates.task)
        ) as in_catalog,
        -- every KPI the sources give is a duration: faster is lower
        cast('lower' as {{ dbt.type_string() }}) as direction,
        estimates.arrived_on,
        estimates.baseline_start,
        estimates.post_start,
        estimates.post_end,
        case when estimates.large_enough then cast(estimates.users_n as {{ dbt.type_bigint() }}) end as users_n,
        case when estimates.large_enough then cast(estimates.colleagues_n as {{ dbt.type_bigint() }}) end as colleagues_n,
        case when estimates.large_enough then cast(estimates.users_items_n as {{ dbt.type_bigint() }}) end as users_items_n,
        case when estimates.large_enough then cast(estimates.colleagues_items_n as {{ dbt.type_bigint() }}) end as colleagues_items_n,
        case when estimates.large_enough
            then {{ round_pct('100 * estimates.users_diff / nullif(estimates.users_pre, 0)') }} end
            as users_change_pct,
        case when estimates.large_enough
            then {{ round_pct('100 * estimates.colleagues_diff / nullif(estimates.colleagues_pre, 0)') }} end
            as colleagues_change_pct,
        case when estimates.large_enough then {{ round_pct('estimates.effect_pct') }} end as effect_pct,
        case when estimates.large_enough
            then {{ round_pct('estimates.effect_pct - 1.96 * estimates.effect_se_pct') }} end as ci_low_pct,
        case when estimates.large_enough
            then {{ round_pct('estimates.effect_pct + 1.96 * estimates.effect_se_pct') }} end as ci_high_pct,
        -- effect / se, and how many places had figures: the family a multiple-comparison correction spans
        case when estimates.large_enough
            then {{ round_pct('estimates.effect_pct / nullif(estimates.effect_se_pct, 0)') }} end as z_score,
        sum(case when estimates.large_enough then 1 else 0 end) over () as places_compared
    from estimates

),

flagged as (

    select
        *,
        coalesce(large_enough and ci_high_pct < 0, false) as measurably_faster
    from shown

),

-- a place (team, KPI, task) ranks once, by its best tool; the conservative end of the interval ranks it,
-- so a wide interval around a large point estimate does not outrank a narrow, sure one
best_per_place as (

    select
        *,
        row_number() over (
            partition by team, kpi, coalesce(task, '')
            order by ci_high_pct, effect_pct, tool
        ) as place_order
    from flagged
    where measurably_faster and not in_catalog

),

ranked as (

    select
        team, kpi, task, tool,
        row_number() over (order by ci_high_pct, effect_pct, team, kpi, coalesce(task, '')) as candidate_rank
    from best_per_place
    where place_order = 1

)

select
    flagged.department,
    flagged.team,
    flagged.kpi,
    flagged.task,
    flagged.tool,
    ranked.candidate_rank,
    flagged.in_catalog,
    flagged.measurably_faster,
    flagged.direction,
    not flagged.large_enough as suppressed,
    cast(case when flagged.large_enough then 'figures' else 'a small group' end as {{ dbt.type_string() }})
        as shown_as,
    flagged.arrived_on,
    flagged.baseline_start,
    flagged.post_start,
    flagged.post_end,
    flagged.users_n,
    flagged.colleagues_n,
    flagged.users_items_n,
    flagged.colleagues_items_n,
    flagged.users_change_pct,
    flagged.colleagues_change_pct,
    flagged.effect_pct,
    flagged.ci_low_pct,
    flagged.ci_high_pct,
    flagged.z_score,
    cast(flagged.places_compared as {{ dbt.type_bigint() }}) as places_compared,
    cast('did_person_means_normal95' as {{ dbt.type_string() }}) as method,
    cast('candidate, not a verdict' as {{ dbt.type_string() }}) as evidence,
    1 as metric_version
from flagged
left join ranked
    on flagged.team = ranked.team
    and flagged.kpi = ranked.kpi
    and coalesce(flagged.task, '') = coalesce(ranked.task, '')
    and flagged.tool = ranked.tool
