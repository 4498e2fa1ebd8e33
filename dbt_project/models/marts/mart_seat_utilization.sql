-- Seat use per AI tool and calendar month (UTC), for the whole company and per department and team.
-- Definition v1 in the YAML: purchased (seed), assigned, active, engaged, idle.
{%- set min_group_size = var('min_group_size') | int %}

with

people as (

    select
        person_key,
        coalesce(department, '(unknown)') as department,
        coalesce(team, department, '(unknown)') as team
    from {{ ref('dim_people') }}

),

licenses as (

    select * from {{ ref('int_person_tool_licenses') }}

),

activity as (

    select
        person_key,
        tool,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start,
        count(distinct activity_date) as active_days
    from {{ ref('fct_ai_activity_daily') }}
    where is_active
    group by person_key, tool, cast({{ dbt.date_trunc('month', 'activity_date') }} as date)

),

months as (

    select distinct tool, month_start from activity

),

prices as (

    select * from {{ ref('tool_seat_prices') }}

),

-- the price row in effect at each month's start
month_prices as (

    select months.tool, months.month_start, prices.seats_purchased, prices.currency, prices.monthly_price_per_seat
    from months
    inner join prices
        on months.tool = prices.tool
        and prices.effective_from <= months.month_start
    where not exists (
        select 1 from prices as later
        where later.tool = prices.tool
          and later.effective_from > prices.effective_from
          and later.effective_from <= months.month_start
    )

),

person_months as (

    -- everyone licensed by the month's end, plus anyone active without a known licence (metered tools)
    select
        people.person_key,
        people.department,
        people.team,
        months.tool,
        months.month_start,
        case when licenses.licensed_at < {{ add_months('1', 'months.month_start') }} then 1 else 0 end
            as is_assigned,
        coalesce(activity.active_days, 0) as active_days
    from months
    cross join people
    left join licenses
        on people.person_key = licenses.person_key
        and months.tool = licenses.tool
    left join activity
        on people.person_key = activity.person_key
        and months.tool = activity.tool
        and months.month_start = activity.month_start
    where licenses.licensed_at < {{ add_months('1', 'months.month_start') }}
       or activity.active_days > 0

),

grouped as (

    {%- for level in ['company', 'department', 'team'] %}
    select
        tool,
        month_start,
        '{{ level }}' as level,
        {{ "department" if level in ('department', 'team') else "'(all)'" }} as department,
        {{ "team" if level == 'team' else "'(all)'" }} as team,
        sum(is_assigned) as assigned_n,
        sum(case when active_days >= 1 then 1 else 0 end) as active_n,
        sum(case when active_days >= 2 then 1 else 0 end) as engaged_n,
        sum(case when is_assigned = 1 and active_days = 0 then 1 else 0 end) as idle_n,
        count(*) as people_n
    from person_months
    group by tool, month_start
        {%- if level in ('department', 'team') %}, department{% endif %}
        {%- if level == 'team' %}, team{% endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select
    grouped.tool,
    grouped.month_start,
    grouped.level,
    grouped.department,
    grouped.team,
    grouped.people_n < {{ min_group_size }} as suppressed,
    case when grouped.level = 'company' then cast(month_prices.seats_purchased as {{ dbt.type_bigint() }}) end
        as seats_purchased,
    case when grouped.people_n >= {{ min_group_size }} then cast(grouped.assigned_n as {{ dbt.type_bigint() }}) end
        as seats_assigned,
    case when grouped.people_n >= {{ min_group_size }} then cast(grouped.active_n as {{ dbt.type_bigint() }}) end
        as active_n,
    case when grouped.people_n >= {{ min_group_size }} then cast(grouped.engaged_n as {{ dbt.type_bigint() }}) end
        as engaged_n,
    case when grouped.people_n >= {{ min_group_size }} then cast(grouped.idle_n as {{ dbt.type_bigint() }}) end
        as idle_n,
    case when grouped.level = 'company' and month_prices.seats_purchased is not null
        then cast(month_prices.seats_purchased - grouped.assigned_n as {{ dbt.type_bigint() }}) end
        as seats_unassigned,
    case when grouped.people_n >= {{ min_group_size }} and grouped.assigned_n > 0
        then {{ round_pct('cast(grouped.assigned_n - grouped.idle_n as ' ~ type_double() ~ ') / grouped.assigned_n', 4) }}
        end
        as active_share_of_assigned,
    month_prices.currency,
    month_prices.monthly_price_per_seat,
    1 as metric_version
from grouped
left join month_prices
    on grouped.tool = month_prices.tool
    and grouped.month_start = month_prices.month_start
