-- OpenAI metered spend per day and currency, from the costs API (billing, in currency units). Costs are
-- per project and line item, never per user, so source_user_id is null.
with

costs as (

    select cost_date, currency, amount
    from {{ ref('stg_openai__costs') }}
    where amount is not null

)

select
    cast('openai' as {{ dbt.type_string() }}) as source,
    cast('openai' as {{ dbt.type_string() }}) as tool,
    cast(cost_date as date) as spend_date,
    cast(upper(currency) as {{ dbt.type_string() }}) as currency,
    cast(sum(amount) as numeric(38, 10)) as amount,
    cast(null as {{ dbt.type_string() }}) as source_user_id,
    cast('metered' as {{ dbt.type_string() }}) as cost_kind
from costs
group by cost_date, upper(currency)
