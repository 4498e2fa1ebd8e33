-- The unit of activity each source reports, one row per account and unit: AI-tool user-days, tickets,
-- Jira issues, pull requests, time entries. Identity coverage is the share of these units whose
-- account resolves to a person.
{%- set ai_tools = ['m365_copilot', 'openai', 'claude_code'] %}
{%- set kpi_sources = ['jira', 'github', 'harvest'] %}

with

github_copilot as (

    select
        'github_copilot' as source,
        'user_day' as activity_unit,
        cast(user_id as {{ dbt.type_string() }}) as source_user_id
    from {{ ref('stg_github_copilot__users_daily') }}

),

zendesk as (

    select
        'zendesk' as source,
        'ticket' as activity_unit,
        cast(assignee_id as {{ dbt.type_string() }}) as source_user_id
    from {{ ref('stg_zendesk__tickets') }}
    where assignee_id is not null

),

unioned as (

    select * from github_copilot
    union all
    select * from zendesk
    {%- for tool in ai_tools %}
    union all
    select
        cast(source as {{ dbt.type_string() }}) as source,
        'user_day' as activity_unit,
        cast(source_user_id as {{ dbt.type_string() }}) as source_user_id
    from {{ ref('int_ai_user_days__' ~ tool) }}
    {%- endfor %}
    {%- for source in kpi_sources %}
    union all
    select
        cast(source as {{ dbt.type_string() }}) as source,
        'work_item' as activity_unit,
        cast(source_user_id as {{ dbt.type_string() }}) as source_user_id
    from {{ ref('int_kpi_items__' ~ source) }}
    {%- endfor %}

)

select
    unioned.source,
    unioned.activity_unit,
    unioned.source_user_id,
    identities.person_key
from unioned
left join {{ ref('int_identity_map') }} as identities
    on unioned.source = identities.source
    and unioned.source_user_id = identities.source_user_id
