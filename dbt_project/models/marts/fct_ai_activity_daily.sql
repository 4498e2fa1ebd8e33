-- One row per person, AI tool and UTC day with any reported use. Active = a user-initiated action;
-- suggestions merely shown (passive) do not make a day active. Accounts not linked to a person are left out
-- here and counted in mart_identity_coverage. Every `int_ai_user_days__<tool>` contract model is included
-- by its name.

with

copilot_days as (

    select * from {{ ref('stg_github_copilot__users_daily') }}

),

identities as (

    select person_key, source_user_id
    from {{ ref('int_identity_map') }}
    where source = 'github_copilot'

),

copilot as (

    select
        identities.person_key,
        'github_copilot' as tool,
        copilot_days.activity_date,
        copilot_days.user_initiated_interaction_count + copilot_days.code_acceptance_activity_count as actions,
        copilot_days.code_generation_activity_count as passive_suggestions,
        copilot_days.user_initiated_interaction_count > 0
            or copilot_days.code_acceptance_activity_count > 0
            or copilot_days.used_cli
            -- the cloud (coding) agent works on a task the user assigned: user-initiated
            or copilot_days.used_copilot_cloud_agent
            or copilot_days.used_copilot_code_review_active as is_active,
        copilot_days.features_used,
        copilot_days.ai_credits_used
    from copilot_days
    inner join identities
        on cast(copilot_days.user_id as {{ dbt.type_string() }}) = identities.source_user_id

),

other_tool_days as (
    {{ union_contract_models('int_ai_user_days__', [
        'source', 'tool', 'source_user_id', 'activity_date', 'actions', 'passive_suggestions', 'is_active',
        'features_used',
    ]) }}

),

other_tools as (

    select
        identities.person_key,
        days.tool,
        days.activity_date,
        days.actions,
        days.passive_suggestions,
        days.is_active,
        days.features_used,
        cast(null as {{ type_double() }}) as ai_credits_used
    from other_tool_days as days
    inner join {{ ref('int_identity_map') }} as identities
        on days.source = identities.source
        and days.source_user_id = identities.source_user_id

),

unioned as (

    select * from copilot
    union all
    select * from other_tools

)

-- a person with two accounts on one tool still gets one row per day
select
    person_key,
    tool,
    activity_date,
    cast(sum(actions) as {{ dbt.type_bigint() }}) as actions,
    cast(sum(passive_suggestions) as {{ dbt.type_bigint() }}) as passive_suggestions,
    {{ dbt.bool_or('is_active') }} as is_active,
    max(features_used) as features_used,
    sum(ai_credits_used) as ai_credits_used
from unioned
group by person_key, tool, activity_date
