-- AI spend per tool, calendar month and currency, for the company and per department and team: seats
-- (tool_seat_prices seed) plus metered usage (vendor cost reports), cost per engaged user and idle spend.
-- One currency per row: amounts in two currencies are never added. Definition v1 in the YAML.
-- Metered spend: every `int_ai_spend_daily__<source>` contract model, included by its name.
{%- set min_group_size = var('min_group_size') | int %}

with

utilization as (

    select * from {{ ref('mart_seat_utilization') }}

),

people as (

    select
        person_key,
        coalesce(department, '(unknown)') as department,
        coalesce(team, department, '(unknown)') as team
    from {{ ref('dim_people') }}

),

spend_days as (
    {{ union_contract_models('int_ai_spend_daily__', ['source', 'tool', 'spend_date', 'currency', 'amount', 'source_user_id']) }}

),

metered as (

    select
        spend.tool,
        cast({{ dbt.date_trunc('month', 'spend.spend_date') }} as date) as month_start,
        upper(spend.currency) as currency,
        spend.amount,
        identities.person_key
    from spend_days as spend
    left join {{ ref('int_identity_map') }} as identities
        on spend.source = identities.source
        and spend.source_user_id = identities.source_user_id

),

metered_by_level as (

    select tool, month_start, 'company' as level, '(all)' as department, '(all)' as team, currency,
           sum(amount) as metered_spend
    from metered
    group by tool, month_start, currency

    union all

    select metered.tool, metered.month_start, 'department' as level, people.department, '(all)' as team,
           metered.currency, sum(metered.amount) as metered_spend
    from metered
    inner join people on metered.person_key = people.person_key
    group by metered.tool, metered.month_start, people.department, metered.currency

    union all

    select metered.tool, metered.month_start, 'team' as level, people.department, people.team,
           metered.currency, sum(metered.amount) as metered_spend
    from metered
    inner join people on metered.person_key = people.person_key
    group by metered.tool, metered.month_start, people.department, people.team, metered.currency

),

seat_spend as (

    -- the company pays for purchased seats; a team is charged for the seats assigned to its people
    select
        tool,
        month_start,
        level,
        department,
        team,
        currency,
        monthly_price_per_seat * case when level = 'company' then seats_purchased else seats_assigned end
            as seat_spend,
        monthly_price_per_seat * case
            -- unassigned seats plus assigned seats nobody used; unknown (null) where the purchased figure
            -- is below the seats assigned (mart_seat_utilization.purchased_below_assigned)
            when level = 'company' then seats_unassigned + idle_n
            else idle_n
        end as idle_spend
    from utilization
    where currency is not null
      and not suppressed

),

credits as (

    select
        credits.tool,
        cast({{ dbt.date_trunc('month', 'credits.usage_date') }} as date) as month_start,
        credits.currency,
        credits.ai_credits_used,
        credits.ai_credits_list_value,
        identities.person_key
    from {{ ref('int_ai_credits_daily__github_copilot') }} as credits
    left join {{ ref('int_identity_map') }} as identities
        on credits.source = identities.source
        and credits.source_user_id = identities.source_user_id

),

credits_by_level as (

    select tool, month_start, 'company' as level, '(all)' as department, '(all)' as team, currency,
           sum(ai_credits_used) as ai_credits_used, sum(ai_credits_list_value) as ai_credits_list_value
    from credits
    group by tool, month_start, currency

    union all

    select credits.tool, credits.month_start, 'department' as level, people.department, '(all)' as team,
           credits.currency, sum(credits.ai_credits_used), sum(credits.ai_credits_list_value)
    from credits
    inner join people on credits.person_key = people.person_key
    group by credits.tool, credits.month_start, people.department, credits.currency

    union all

    select credits.tool, credits.month_start, 'team' as level, people.department, people.team,
           credits.currency, sum(credits.ai_credits_used), sum(credits.ai_credits_list_value)
    from credits
    inner join people on credits.person_key = people.person_key
    group by credits.tool, credits.month_start, people.department, people.team, credits.currency

),

keys as (

    select tool, month_start, level, department, team, currency from seat_spend
    union
    select tool, month_start, level, department, team, currency from metered_by_level
    union
    select tool, month_start, level, department, team, currency from credits_by_level

),

combined as (

    select
        keys.*,
        coalesce(seat_spend.seat_spend, 0) as seat_spend,
        coalesce(metered_by_level.metered_spend, 0) as metered_spend,
        seat_spend.idle_spend,
        credits_by_level.ai_credits_used,
        credits_by_level.ai_credits_list_value
    from keys
    left join seat_spend
        on keys.tool = seat_spend.tool and keys.month_start = seat_spend.month_start
        and keys.level = seat_spend.level and keys.department = seat_spend.department
        and keys.team = seat_spend.team and keys.currency = seat_spend.currency
    left join metered_by_level
        on keys.tool = metered_by_level.tool and keys.month_start = metered_by_level.month_start
        and keys.level = metered_by_level.level and keys.department = metered_by_level.department
        and keys.team = metered_by_level.team and keys.currency = metered_by_level.currency
    left join credits_by_level
        on keys.tool = credits_by_level.tool and keys.month_start = credits_by_level.month_start
        and keys.level = credits_by_level.level and keys.department = credits_by_level.department
        and keys.team = credits_by_level.team and keys.currency = credits_by_level.currency

)

select
    combined.tool,
    combined.month_start,
    combined.level,
    combined.department,
    combined.team,
    combined.currency,
    {{ round_pct('combined.seat_spend') }} as seat_spend,
    {{ round_pct('combined.metered_spend') }} as metered_spend,
    {{ round_pct('combined.seat_spend + combined.metered_spend') }} as total_spend,
    utilization.engaged_n,
    case when utilization.engaged_n > 0
        then {{ round_pct('(combined.seat_spend + combined.metered_spend) / utilization.engaged_n') }} end
        as cost_per_engaged_user,
    {{ round_pct('combined.idle_spend') }} as idle_spend,
    combined.ai_credits_used,
    {{ round_pct('combined.ai_credits_list_value') }} as ai_credits_list_value,
    2 as metric_version
from combined
left join utilization
    on combined.tool = utilization.tool and combined.month_start = utilization.month_start
    and combined.level = utilization.level and combined.department = utilization.department
    and combined.team = utilization.team
-- a team row only where the team is large enough to publish
where combined.level = 'company' or not coalesce(utilization.suppressed, true)
