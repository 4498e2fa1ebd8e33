-- GitHub AI credits each Copilot user consumed per day (users-1-day `ai_credits_used`), with the list value
-- of those credits. GitHub bills Copilot usage in AI credits at 1 credit = 0.01 USD; the per-user figure
-- is a consumption signal, not an invoice: each seat includes a monthly credit allowance pooled across the
-- organization, so only consumption beyond the pool is billed on top of the seat price.
{%- set usd_per_credit = 0.01 %}

select
    cast('github_copilot' as {{ dbt.type_string() }}) as source,
    cast('github_copilot' as {{ dbt.type_string() }}) as tool,
    cast(user_id as {{ dbt.type_string() }}) as source_user_id,
    activity_date as usage_date,
    cast(ai_credits_used as {{ type_double() }}) as ai_credits_used,
    cast('USD' as {{ dbt.type_string() }}) as currency,
    cast(ai_credits_used * {{ usd_per_credit }} as {{ type_double() }}) as ai_credits_list_value
from {{ ref('stg_github_copilot__users_daily') }}
where ai_credits_used is not null
