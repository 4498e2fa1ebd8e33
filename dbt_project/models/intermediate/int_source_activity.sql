-- The units of activity each source reports, counted per account and unit: AI-tool user-days, tickets,
-- Jira issues, pull requests, time entries, usage-audit answers (survey and interviews). Identity coverage is
-- the share of these units whose account resolves to a person. Counted per account, not one row per unit:
-- at 50,000 people a row per unit is tens of millions of rows that only the coverage counts read. Every `int_ai_user_days__<tool>` and `int_kpi_items__<source>` contract
-- model is included by its name.

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

audit_answers as (

    -- an answer with no email (a survey link without #email=) links to nobody and counts against coverage
    select
        'typeform' as source,
        'audit_answer' as activity_unit,
        cast(respondent_email as {{ dbt.type_string() }}) as source_user_id
    from {{ ref('stg_typeform__responses') }}
    where submitted_at is not null

    union all

    select
        'interviews' as source,
        'audit_answer' as activity_unit,
        cast(respondent_email as {{ dbt.type_string() }}) as source_user_id
    from {{ ref('stg_interviews__answers') }}

),

user_days as (
    {{ union_contract_models('int_ai_user_days__', ['source', 'source_user_id']) }}

),

work_items as (
    {{ union_contract_models('int_kpi_items__', ['source', 'source_user_id']) }}

),

unioned as (

    select * from github_copilot
    union all
    select * from zendesk
    union all
    select * from audit_answers
    union all
    select
        cast(source as {{ dbt.type_string() }}) as source,
        'user_day' as activity_unit,
        cast(source_user_id as {{ dbt.type_string() }}) as source_user_id
    from user_days
    union all
    select
        cast(source as {{ dbt.type_string() }}) as source,
        'work_item' as activity_unit,
        cast(source_user_id as {{ dbt.type_string() }}) as source_user_id
    from work_items

),

per_account as (

    select
        source,
        activity_unit,
        source_user_id,
        count(*) as units_n
    from unioned
    group by source, activity_unit, source_user_id

)

select
    per_account.source,
    per_account.activity_unit,
    per_account.source_user_id,
    cast(per_account.units_n as {{ dbt.type_bigint() }}) as units_n,
    identities.person_key
from per_account
left join {{ ref('int_identity_map') }} as identities
    on per_account.source = identities.source
    and per_account.source_user_id = identities.source_user_id
