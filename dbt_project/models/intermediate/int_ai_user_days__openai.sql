-- OpenAI user-days from completions usage: actions = model requests that day, features = models used.
-- Usage with no user_id (keys no person owns) is not a user-day; it still counts in spend.
with

usage as (

    select
        user_id as source_user_id,
        usage_date as activity_date,
        model,
        num_model_requests
    from {{ ref('stg_openai__usage_completions') }}
    where user_id is not null

),

models as (

    select distinct source_user_id, activity_date, model
    from usage
    where model is not null and num_model_requests > 0

),

features as (

    select
        source_user_id,
        activity_date,
        {{ dbt.listagg('model', "','", 'order by model') }} as features_used
    from models
    group by source_user_id, activity_date

),

days as (

    select
        source_user_id,
        activity_date,
        sum(num_model_requests) as actions
    from usage
    group by source_user_id, activity_date

)

select
    cast('openai' as {{ dbt.type_string() }}) as source,
    cast('openai' as {{ dbt.type_string() }}) as tool,
    cast(days.source_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(days.activity_date as date) as activity_date,
    cast(days.actions as {{ dbt.type_bigint() }}) as actions,
    cast(0 as {{ dbt.type_bigint() }}) as passive_suggestions,
    days.actions > 0 as is_active,
    cast(features.features_used as {{ dbt.type_string() }}) as features_used
from days
left join features
    on days.source_user_id = features.source_user_id
    and days.activity_date = features.activity_date
