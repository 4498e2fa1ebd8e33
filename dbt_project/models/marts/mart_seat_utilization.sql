-- Seat use per AI tool and calendar month (UTC), for the whole company and per department and team.
-- Definition v2 in the YAML: purchased (the vendor's count, else the seed), assigned (company rows: every
-- seat, unresolved ones included), active, engaged, idle. A count is never negative: where the purchased
-- figure is below the seats assigned, seats_unassigned is null and the row says so.
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

vendor_purchased as (

    select tool, seats_purchased from {{ ref('int_seats_purchased') }}

),

-- every seat by the month's end, resolved to a person or not (company rows)
company_seats as (

    select
        months.tool,
        months.month_start,
        count(*) as seats_assigned,
        sum(case when seats.person_key is null then 1 else 0 end) as seats_unresolved
    from months
    inner join {{ ref('int_tool_seats') }} as seats
        on months.tool = seats.tool
        and seats.licensed_at < {{ add_months('1', 'months.month_start') }}
    group by months.tool, months.month_start

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

),

purchased as (

    select
        grouped.*,
        case when grouped.level = 'company' then coalesce(vendor_purchased.seats_purchased, month_prices.seats_purchased)
        end as seats_purchased,
        case when grouped.level = 'company' then
            case
                when vendor_purchased.seats_purchased is not null then 'vendor'
                when month_prices.seats_purchased is not null then 'seed'
            end
        end as seats_purchased_source,
        -- company: every seat; department and team: people holding one
        case when grouped.level = 'company' then coalesce(company_seats.seats_assigned, 0) else grouped.assigned_n end
            as seats_assigned_all,
        case when grouped.level = 'company' then coalesce(company_seats.seats_unresolved, 0) end as seats_unresolved,
        month_prices.currency,
        month_prices.monthly_price_per_seat
    from grouped
    left join month_prices
        on grouped.tool = month_prices.tool
        and grouped.month_start = month_prices.month_start
    left join vendor_purchased
        on grouped.tool = vendor_purchased.tool
    left join company_seats
        on grouped.tool = company_seats.tool
        and grouped.month_start = company_seats.month_start

)

select
    tool,
    month_start,
    level,
    department,
    team,
    people_n < {{ min_group_size }} as suppressed,
    cast(seats_purchased as {{ dbt.type_bigint() }}) as seats_purchased,
    cast(seats_purchased_source as {{ dbt.type_string() }}) as seats_purchased_source,
    case when people_n >= {{ min_group_size }} then cast(seats_assigned_all as {{ dbt.type_bigint() }}) end
        as seats_assigned,
    case when people_n >= {{ min_group_size }} then cast(seats_unresolved as {{ dbt.type_bigint() }}) end
        as seats_unresolved,
    case when people_n >= {{ min_group_size }} then cast(active_n as {{ dbt.type_bigint() }}) end as active_n,
    case when people_n >= {{ min_group_size }} then cast(engaged_n as {{ dbt.type_bigint() }}) end as engaged_n,
    case when people_n >= {{ min_group_size }} then cast(idle_n as {{ dbt.type_bigint() }}) end as idle_n,
    case when seats_purchased >= seats_assigned_all
        then cast(seats_purchased - seats_assigned_all as {{ dbt.type_bigint() }}) end as seats_unassigned,
    -- the purchased figure (an out-of-date seed, or a contract since reduced) is below the seats assigned
    coalesce(seats_purchased < seats_assigned_all, false) as purchased_below_assigned,
    case when people_n >= {{ min_group_size }} and assigned_n > 0
        then {{ round_pct('cast(assigned_n - idle_n as ' ~ type_double() ~ ') / assigned_n', 4) }}
        end
        as active_share_of_assigned,
    currency,
    monthly_price_per_seat,
    2 as metric_version
from purchased
