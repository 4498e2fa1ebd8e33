-- Claude Code user-days: local and remote rows of one actor are summed. Actions = sessions started plus
-- accepted tool actions; features = tools with any accepted or rejected action. User actors are keyed by
-- lower(email), API-key actors by 'api_key:<name>' (no email: placed only through an override).
{%- set tools = ['edit_tool', 'multi_edit_tool', 'notebook_edit_tool', 'write_tool', 'other_tool'] %}

with

usage as (

    select
        actor_key as source_user_id,
        activity_date,
        num_sessions,
        tool_accepted_count,
        {%- for tool in tools %}
        {{ tool }}_accepted + {{ tool }}_rejected as {{ tool }}_uses{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('stg_anthropic__claude_code') }}
    where actor_key is not null

),

tools_used as (

    {%- for tool in tools %}
    select source_user_id, activity_date, '{{ tool }}' as tool_name
    from usage
    where {{ tool }}_uses > 0
    {% if not loop.last %}union{% endif %}
    {%- endfor %}

),

features as (

    select
        source_user_id,
        activity_date,
        {{ dbt.listagg('tool_name', "','", 'order by tool_name') }} as features_used
    from tools_used
    group by source_user_id, activity_date

),

days as (

    select
        source_user_id,
        activity_date,
        sum(num_sessions + tool_accepted_count) as actions
    from usage
    group by source_user_id, activity_date

)

select
    cast('anthropic' as {{ dbt.type_string() }}) as source,
    cast('claude_code' as {{ dbt.type_string() }}) as tool,
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
