-- Manual identity links: the identity_overrides seed (the customer's file) and, when the var
-- extra_identity_overrides names a CSV with the same columns, that file's rows too (a development
-- environment writes its simulated company's links there). Reading a file by path is DuckDB's read_csv:
-- staging is the adapter boundary. Without the var this model is portable SQL.
{%- set extra_path = var('extra_identity_overrides', none) %}

with

seed as (

    select source, source_user_id, email
    from {{ ref('identity_overrides') }}

),

{%- if extra_path %}

extra as (

    select source, source_user_id, email
    from read_csv(
        {{ sql_literal(extra_path) }},
        header = true,
        columns = {'source': 'varchar', 'source_user_id': 'varchar', 'email': 'varchar'}
    )

),
{%- endif %}

unioned as (

    select * from seed
    {%- if extra_path %}
    union
    select * from extra
    {%- endif %}

)

select
    cast(source as {{ dbt.type_string() }}) as source,
    cast(source_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(email as {{ dbt.type_string() }}) as email
from unioned
