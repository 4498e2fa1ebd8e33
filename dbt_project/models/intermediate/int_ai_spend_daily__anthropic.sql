-- Anthropic metered spend per day and currency, from the cost report (billing; cents already converted to
-- currency units in staging). It is organisation-level, so source_user_id is null. The Claude Code rows'
-- estimated_cost is an estimate of the same spend and is deliberately not added.
with

costs as (

    select cost_date, currency, amount
    from {{ ref('stg_anthropic__cost_report') }}
    where amount is not null

)

select
    cast('anthropic' as {{ dbt.type_string() }}) as source,
    cast('claude_code' as {{ dbt.type_string() }}) as tool,
    cast(cost_date as date) as spend_date,
    cast(upper(currency) as {{ dbt.type_string() }}) as currency,
    cast(sum(amount) as numeric(38, 10)) as amount,
    cast(null as {{ dbt.type_string() }}) as source_user_id,
    cast('metered' as {{ dbt.type_string() }}) as cost_kind
from costs
group by cost_date, upper(currency)
