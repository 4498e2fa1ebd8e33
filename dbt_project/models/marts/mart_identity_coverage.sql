-- Identity coverage per source (definition v1): the share of the source's activity units whose account
-- resolved to a person. A gap shows here instead of silently shrinking every other mart.
{%- set min_coverage = var('min_identity_coverage') | float %}

with

activity as (

    select * from {{ ref('int_source_activity') }}

),

accounts as (

    select
        accounts.source,
        count(*) as accounts_n,
        sum(case when identities.person_key is not null then 1 else 0 end) as resolved_accounts_n
    from {{ ref('int_source_accounts') }} as accounts
    left join {{ ref('int_identity_map') }} as identities
        on accounts.source = identities.source
        and accounts.source_user_id = identities.source_user_id
    group by accounts.source

),

per_source as (

    select
        source,
        min(activity_unit) as activity_unit,
        sum(units_n) as activity_n,
        sum(case when person_key is not null then units_n else 0 end) as resolved_activity_n
    from activity
    group by source

)

select
    per_source.source,
    per_source.activity_unit,
    cast(coalesce(accounts.accounts_n, 0) as {{ dbt.type_bigint() }}) as accounts_n,
    cast(coalesce(accounts.resolved_accounts_n, 0) as {{ dbt.type_bigint() }}) as resolved_accounts_n,
    cast(per_source.activity_n as {{ dbt.type_bigint() }}) as activity_n,
    cast(per_source.resolved_activity_n as {{ dbt.type_bigint() }}) as resolved_activity_n,
    {{ round_pct('cast(per_source.resolved_activity_n as ' ~ type_double() ~ ') / per_source.activity_n', 4) }}
        as coverage,
    cast({{ min_coverage }} as {{ type_double() }}) as min_coverage,
    1 as metric_version
from per_source
left join accounts on per_source.source = accounts.source
