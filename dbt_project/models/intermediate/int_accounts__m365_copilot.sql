-- Microsoft 365 Copilot accounts: every user principal seen in a snapshot, with the latest spelling. The
-- UPN is the sign-in name (an email in most tenants); a concealed name is a hash with no email.
with

seen as (

    select
        case when is_concealed then user_principal_name else lower(user_principal_name) end as source_user_id,
        user_principal_name,
        is_concealed,
        row_number() over (
            partition by case when is_concealed then user_principal_name else lower(user_principal_name) end
            order by report_refresh_date desc, _batch_id desc
        ) as recency
    from {{ ref('stg_m365_copilot__usage_user_detail') }}
    where user_principal_name is not null

)

select
    cast('m365_copilot' as {{ dbt.type_string() }}) as source,
    cast(source_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(user_principal_name as {{ dbt.type_string() }}) as source_login,
    cast(
        case when not is_concealed and user_principal_name like '%@%' then lower(user_principal_name) end
        as {{ dbt.type_string() }}
    ) as email
from seen
where recency = 1
