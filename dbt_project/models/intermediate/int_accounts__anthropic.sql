-- Anthropic (Claude Code) accounts: user actors by lower(email); API-key actors by 'api_key:<name>' with
-- no email, so identity coverage shows them as unresolved unless an override names their owner.
with

actors as (

    select
        actor_key as source_user_id,
        coalesce(actor_email_address, actor_api_key_name) as source_login,
        lower(actor_email_address) as email,
        row_number() over (partition by actor_key order by activity_date desc, _batch_id desc) as recency
    from {{ ref('stg_anthropic__claude_code') }}
    where actor_key is not null

)

select
    cast('anthropic' as {{ dbt.type_string() }}) as source,
    cast(source_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(source_login as {{ dbt.type_string() }}) as source_login,
    cast(email as {{ dbt.type_string() }}) as email
from actors
where recency = 1
