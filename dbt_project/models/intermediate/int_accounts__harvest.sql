-- One row per Harvest user: the users snapshot first (email lower-cased), then users seen only on time
-- entries (name, no email).
with

users as (

    select
        harvest_user_id as user_id,
        {{ dbt.concat(["coalesce(first_name, '')", "' '", "coalesce(last_name, '')"]) }} as user_name,
        email,
        1 as preference
    from {{ ref('stg_harvest__users') }}

),

entry_users as (

    select distinct
        user_id,
        user_name,
        cast(null as {{ dbt.type_string() }}) as email,
        2 as preference
    from {{ ref('stg_harvest__time_entries') }}
    where user_id is not null

),

ranked as (

    select
        user_id,
        user_name,
        email,
        row_number() over (partition by user_id order by preference, user_name) as pick
    from (
        select * from users
        union all
        select * from entry_users
    ) as accounts

)

select
    cast('harvest' as {{ dbt.type_string() }}) as source,
    cast(user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(trim(user_name) as {{ dbt.type_string() }}) as source_login,
    cast(lower(email) as {{ dbt.type_string() }}) as email
from ranked
where pick = 1
