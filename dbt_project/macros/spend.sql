{#- The int_ai_spend_daily__<source> contract from a staging cost model with cost_date, currency and amount
    (currency units): metered spend per day and currency, not attributable to a user. -#}
{% macro metered_spend_daily(cost_model, source_name, tool) -%}
select
    cast('{{ source_name }}' as {{ dbt.type_string() }}) as source,
    cast('{{ tool }}' as {{ dbt.type_string() }}) as tool,
    cast(cost_date as date) as spend_date,
    cast(upper(currency) as {{ dbt.type_string() }}) as currency,
    cast(sum(amount) as numeric(38, 10)) as amount,
    cast(null as {{ dbt.type_string() }}) as source_user_id,
    cast('metered' as {{ dbt.type_string() }}) as cost_kind
from {{ ref(cost_model) }}
where amount is not null
group by cost_date, upper(currency)
{%- endmacro %}
