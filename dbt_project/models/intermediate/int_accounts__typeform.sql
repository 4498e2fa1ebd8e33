-- One row per survey respondent (the hidden field `email`): the account is the email itself, which identity resolution matches against the directory.
select distinct
    cast('typeform' as {{ dbt.type_string() }}) as source,
    cast(respondent_email as {{ dbt.type_string() }}) as source_user_id,
    cast(respondent_email as {{ dbt.type_string() }}) as source_login,
    cast(respondent_email as {{ dbt.type_string() }}) as email
from {{ ref('stg_typeform__responses') }}
where respondent_email is not null
