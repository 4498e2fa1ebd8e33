-- Adoption depth per department, team, AI tool (and `any` tool) and ISO week: people per usage segment,
-- engaged and box-ticking counts, depth and breadth. Definition v2 in the YAML. Each week is judged at its
-- end, over the trailing 12 weeks (segments) and the trailing 4 weeks = 28 days (engaged, depth, breadth).
-- Segment thresholds are per tool (seed adoption_segment_thresholds): one action is a different unit in
-- each tool, so one number for all would call a moderate Copilot user `power`.
-- Incremental by week (macros/rebuilt_weeks.sql): only the weeks from the first whose inputs changed, each
-- from the 11 weeks before it.
{%- set min_group_size = var('min_group_size') | int %}
{{ config(**rebuilt_weeks_config(with_thresholds=true)) }}
{%- set first_week = adoption_first_week_to_rebuild() %}
{%- set first_read = add_days('-77', first_week) if first_week is not none else none %}

with

people as (

    select
        person_key,
        coalesce(department, '(unknown)') as department,
        coalesce(team, department, '(unknown)') as team
    from {{ ref('dim_people') }}

),

activity as (

    select person_key, tool, activity_date, actions, is_active, features_used
    from {{ ref('fct_ai_activity_daily') }}
    {%- if first_read is not none %}
    where activity_date >= {{ first_read }}
    {%- endif %}

),

person_days as (

    select
        person_key,
        tool,
        activity_date,
        actions,
        case when is_active then 1 else 0 end as is_active
    from activity

    union all

    select
        person_key,
        'any' as tool,
        activity_date,
        sum(actions) as actions,
        max(case when is_active then 1 else 0 end) as is_active
    from activity
    group by person_key, activity_date

),

feature_days as (

    select distinct person_key, tool, activity_date, feature
    from (
        select
            person_key,
            tool,
            activity_date,
            {{ split_to_rows('features_used', ',') }} as feature
        from activity
        where is_active and features_used is not null and features_used <> ''
    ) as exploded

),

any_feature_days as (

    select person_key, 'any' as tool, activity_date, {{ dbt.concat(['tool', "':'", 'feature']) }} as feature
    from feature_days

    union all

    select person_key, tool, activity_date, feature from feature_days

),

licenses as (

    select person_key, tool, licensed_at from {{ ref('int_person_tool_licenses') }}

    union all

    select person_key, 'any' as tool, min(licensed_at) as licensed_at
    from {{ ref('int_person_tool_licenses') }}
    group by person_key

),

bounds as (

    select
        cast({{ dbt.date_trunc('week', 'min(activity_date)') }} as date) as first_week,
        cast({{ dbt.date_trunc('week', 'max(activity_date)') }} as date) as last_week,
        max(activity_date) as last_day
    from {{ ref('fct_ai_activity_daily') }}

),

weeks as (

    select {{ add_days('7 * (' ~ numbers_expr(3) ~ ')', 'bounds.first_week') }} as week_start
    from bounds
    cross join {{ numbers(3) }}
    where {{ add_days('7 * (' ~ numbers_expr(3) ~ ')', 'bounds.first_week') }} <= bounds.last_week
    {%- if first_read is not none %}
        and {{ add_days('7 * (' ~ numbers_expr(3) ~ ')', 'bounds.first_week') }} >= {{ first_read }}
    {%- endif %}

),

tools as (

    select distinct tool from {{ ref('fct_ai_activity_daily') }}
    union all
    select 'any' as tool where exists (select 1 from {{ ref('fct_ai_activity_daily') }})

),

grid as (

    select people.person_key, people.department, people.team, tools.tool, weeks.week_start
    from people
    cross join tools
    cross join weeks

),

person_weeks as (

    select
        grid.person_key,
        grid.department,
        grid.team,
        grid.tool,
        grid.week_start,
        coalesce(sum(person_days.is_active), 0) as active_days,
        coalesce(sum(case when person_days.is_active = 1 then person_days.actions else 0 end), 0) as actions,
        count(person_days.activity_date) as reported_days
    from grid
    left join person_days
        on grid.person_key = person_days.person_key
        and grid.tool = person_days.tool
        and person_days.activity_date >= grid.week_start
        and person_days.activity_date < {{ add_days('7', 'grid.week_start') }}
    group by grid.person_key, grid.department, grid.team, grid.tool, grid.week_start

),

windowed as (

    select
        *,
        sum(case when active_days > 0 then 1 else 0 end) over (
            partition by person_key, tool order by week_start rows between 11 preceding and current row
        ) as active_weeks_12,
        sum(actions) over (
            partition by person_key, tool order by week_start rows between 11 preceding and current row
        ) as actions_12w,
        sum(active_days) over (
            partition by person_key, tool order by week_start rows between 3 preceding and current row
        ) as active_days_28d,
        sum(actions) over (
            partition by person_key, tool order by week_start rows between 3 preceding and current row
        ) as actions_28d,
        sum(reported_days) over (
            partition by person_key, tool order by week_start rows between 3 preceding and current row
        ) as reported_days_28d
    from person_weeks

),

breadth as (

    select
        windowed.person_key,
        windowed.tool,
        windowed.week_start,
        count(distinct any_feature_days.feature) as features_28d
    from windowed
    inner join any_feature_days
        on windowed.person_key = any_feature_days.person_key
        and windowed.tool = any_feature_days.tool
        and any_feature_days.activity_date >= {{ add_days('-21', 'windowed.week_start') }}
        and any_feature_days.activity_date < {{ add_days('7', 'windowed.week_start') }}
    where windowed.active_days_28d > 0
    {%- if first_week is not none %}
        and windowed.week_start >= {{ first_week }}
    {%- endif %}
    group by windowed.person_key, windowed.tool, windowed.week_start

),

thresholds as (

    select * from {{ ref('adoption_segment_thresholds') }}

),

tool_classified as (

    select
        windowed.*,
        case
            when windowed.tool = 'any' then null
            when windowed.active_weeks_12 >= thresholds.power_min_active_weeks
                and windowed.actions_12w >= 12 * thresholds.power_min_weekly_actions then 4
            when windowed.active_weeks_12 >= thresholds.habitual_min_active_weeks then 3
            when windowed.actions_12w >= 12 * thresholds.novice_min_weekly_actions then 2
            when windowed.actions_12w > 0 then 1
            else 0
        end as segment_rank
    from windowed
    left join thresholds on windowed.tool = thresholds.tool
    {%- if first_week is not none %}
    -- the weeks before were read only for the windows
    where windowed.week_start >= {{ first_week }}
    {%- endif %}

),

-- `any`: actions of different tools are different units, so a person's segment over all tools is their
-- highest segment in any one tool, not a threshold on summed actions
any_rank as (

    select person_key, week_start, max(segment_rank) as segment_rank
    from tool_classified
    where tool <> 'any'
    group by person_key, week_start

),

classified as (

    select
        tool_classified.*,
        coalesce(breadth.features_28d, 0) as features_28d,
        case when licenses.licensed_at < {{ add_days('7', 'tool_classified.week_start') }} then 1 else 0 end
            as is_licensed,
        case coalesce(tool_classified.segment_rank, any_rank.segment_rank, 0)
            when 4 then 'power'
            when 3 then 'habitual'
            when 2 then 'novice'
            when 1 then 'low'
            else 'none'
        end as segment,
        tool_classified.active_days_28d >= 2 as is_engaged
    from tool_classified
    left join any_rank
        on tool_classified.tool = 'any'
        and tool_classified.person_key = any_rank.person_key
        and tool_classified.week_start = any_rank.week_start
    left join breadth
        on tool_classified.person_key = breadth.person_key
        and tool_classified.tool = breadth.tool
        and tool_classified.week_start = breadth.week_start
    left join licenses
        on tool_classified.person_key = licenses.person_key
        and tool_classified.tool = licenses.tool

),

counts as (

    select
        department,
        team,
        tool,
        week_start,
        count(*) as people_n,
        sum(is_licensed) as licensed_n,
        sum(case when segment = 'power' then 1 else 0 end) as power_n,
        sum(case when segment = 'habitual' then 1 else 0 end) as habitual_n,
        sum(case when segment = 'novice' then 1 else 0 end) as novice_n,
        sum(case when segment = 'low' then 1 else 0 end) as low_n,
        sum(case when segment = 'none' then 1 else 0 end) as none_n,
        sum(case when is_engaged then 1 else 0 end) as engaged_n,
        -- licensed, or showing up in the vendor's report at all, yet not engaged
        sum(case when (is_licensed = 1 or reported_days_28d > 0) and not is_engaged then 1 else 0 end)
            as box_ticking_n,
        avg(case when active_days_28d > 0 then cast(actions_28d as {{ type_double() }}) / active_days_28d end)
            as depth,
        avg(case when active_days_28d > 0 then cast(features_28d as {{ type_double() }}) end) as breadth
    from classified
    group by department, team, tool, week_start

)

select
    counts.department,
    counts.team,
    counts.tool,
    counts.week_start,
    {{ add_days('6', 'counts.week_start') }} as week_end,
    -- the last week is usually cut short by the end of the data
    {{ add_days('6', 'counts.week_start') }} > bounds.last_day as is_partial_week,
    counts.people_n < {{ min_group_size }} as suppressed,
    {%- for col in ['people_n', 'licensed_n', 'power_n', 'habitual_n', 'novice_n', 'low_n', 'none_n',
                    'engaged_n', 'box_ticking_n'] %}
    case when counts.people_n >= {{ min_group_size }} then cast(counts.{{ col }} as {{ dbt.type_bigint() }}) end
        as {{ col }},
    {%- endfor %}
    case when counts.people_n >= {{ min_group_size }} then {{ round_pct('counts.depth') }} end as depth,
    case when counts.people_n >= {{ min_group_size }} then {{ round_pct('counts.breadth') }} end as breadth,
    -- the tool's threshold version; for `any`, the newest of them
    cast(coalesce(tool_thresholds.thresholds_version, all_thresholds.thresholds_version) as {{ dbt.type_bigint() }})
        as thresholds_version,
    2 as metric_version
from counts
cross join bounds
cross join (select max(thresholds_version) as thresholds_version from thresholds) as all_thresholds
left join thresholds as tool_thresholds on counts.tool = tool_thresholds.tool
