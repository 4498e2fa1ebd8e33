-- One row per interviewee: the account is the email itself, which identity resolution matches against the directory.
select distinct
    cast('interviews' as {{ dbt.type_string() }}) as source,
    cast(respondent_email as {{ dbt.type_string() }}) as source_user_id,
    cast(respondent_email as {{ dbt.type_string() }}) as source_login,
    cast(respondent_email as {{ dbt.type_string() }}) as email
from {{ ref('stg_interviews__answers') }}
where respondent_email is not null
