-- Adoption per department, AI tool and ISO week (Monday, UTC). Each week is judged at its end:
-- licensed = seat created on or before the week's last day; active = >= 1 active day in the week;
-- engaged = active on >= 2 days in the 28 days ending with the week; box-ticking = licensed, not engaged.
-- Rows describing fewer than min_group_size people keep their keys but carry no counts.
-- Incremental by week (macros/rebuilt_weeks.sql): only the weeks from the first whose inputs changed.
{%- set min_group_size = var('min_group_size') | int %}
{{ config(**rebuilt_weeks_config(with_thresholds=false)) }}
{%- set first_week = adoption_first_week_to_rebuild() %}

with

people as (

    select
        person_key,
        coalesce(department, '(unknown)') as department
    from {{ ref('dim_people') }}

),

activity as (

    select * from {{ ref('fct_ai_activity_daily') }}
    {%- if first_week is not none %}
    -- a week reads the 28 days ending with it
    where activity_date >= {{ add_days('-21', first_week) }}
    {%- endif %}

),

licenses as (

    select * from {{ ref('int_person_tool_licenses') }}

),

tool_ranges as (

    select
        tool,
        cast({{ dbt.date_trunc('week', 'min(activity_date)') }} as date) as first_week,
        cast({{ dbt.date_trunc('week', 'max(activity_date)') }} as date) as last_week
    from {{ ref('fct_ai_activity_daily') }}
    group by tool

),

-- every week between a tool's first and last reported day, so quiet weeks show as zeros
weeks as (

    select
        tool_ranges.tool,
        {{ add_days('7 * (' ~ numbers_expr(3) ~ ')', 'tool_ranges.first_week') }} as week_start
    from tool_ranges
    cross join {{ numbers(3) }}
    where {{ add_days('7 * (' ~ numbers_expr(3) ~ ')', 'tool_ranges.first_week') }} <= tool_ranges.last_week
    {%- if first_week is not none %}
        and {{ add_days('7 * (' ~ numbers_expr(3) ~ ')', 'tool_ranges.first_week') }} >= {{ first_week }}
    {%- endif %}

),

person_weeks as (

    select
        people.department,
        people.person_key,
        weeks.tool,
        weeks.week_start,
        {{ add_days('7', 'weeks.week_start') }} as week_end_excl
    from people
    cross join weeks

),

person_week_status as (

    select
        person_weeks.department,
        person_weeks.person_key,
        person_weeks.tool,
        person_weeks.week_start,
        max(case when licenses.licensed_at < person_weeks.week_end_excl then 1 else 0 end) as is_licensed,
        count(distinct case
            when activity.activity_date >= person_weeks.week_start then activity.activity_date
        end) as active_days_in_week,
        count(distinct activity.activity_date) as active_days_28d
    from person_weeks
    left join licenses
        on person_weeks.person_key = licenses.person_key
        and person_weeks.tool = licenses.tool
    left join activity
        on person_weeks.person_key = activity.person_key
        and person_weeks.tool = activity.tool
        and activity.is_active
        and activity.activity_date >= {{ add_days('-21', 'person_weeks.week_start') }}
        and activity.activity_date < person_weeks.week_end_excl
    group by person_weeks.department, person_weeks.person_key, person_weeks.tool, person_weeks.week_start

),

counts as (

    select
        department,
        tool,
        week_start,
        count(*) as people_n,
        sum(is_licensed) as licensed_n,
        sum(case when active_days_in_week >= 1 then 1 else 0 end) as active_n,
        sum(case when active_days_28d >= 2 then 1 else 0 end) as engaged_n,
        sum(case when is_licensed = 1 and active_days_28d < 2 then 1 else 0 end) as box_ticking_n
    from person_week_status
    group by department, tool, week_start

)

select
    department,
    tool,
    week_start,
    {{ add_days('6', 'week_start') }} as week_end,
    people_n < {{ min_group_size }} as suppressed,
    case when people_n >= {{ min_group_size }} then cast(people_n as {{ dbt.type_bigint() }}) end as people_n,
    case when people_n >= {{ min_group_size }} then cast(licensed_n as {{ dbt.type_bigint() }}) end as licensed_n,
    case when people_n >= {{ min_group_size }} then cast(active_n as {{ dbt.type_bigint() }}) end as active_n,
    case when people_n >= {{ min_group_size }} then cast(engaged_n as {{ dbt.type_bigint() }}) end as engaged_n,
    case when people_n >= {{ min_group_size }} then cast(box_ticking_n as {{ dbt.type_bigint() }}) end as box_ticking_n,
    case when people_n >= {{ min_group_size }}
        then {{ round_pct('cast(engaged_n as ' ~ type_double() ~ ') / people_n', 4) }} end as engaged_share
from counts
