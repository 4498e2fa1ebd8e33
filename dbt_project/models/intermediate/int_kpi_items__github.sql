-- Time to merge per merged pull request: opened -> merged, attributed to the author's numeric GitHub id
-- (bots and outside logins included; identity resolution leaves them unmatched), dated by the opening.
-- kpi_value is double precision (standard SQL on DuckDB and Postgres): type_double() is 4-byte on DuckDB.
with

pull_requests as (

    select * from {{ ref('stg_github__pull_requests') }}

)

select
    cast('github_pr_merge_hours' as {{ dbt.type_string() }}) as kpi,
    cast('github' as {{ dbt.type_string() }}) as source,
    cast(author_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(pull_request_id as {{ dbt.type_string() }}) as item_id,
    cast(created_at as date) as item_date,
    cast({{ dbt.datediff('created_at', 'merged_at', 'second') }} as double precision) / 3600.0 as kpi_value,
    cast(repo_name as {{ dbt.type_string() }}) as task
from pull_requests
where merged_at is not null
  and author_user_id is not null
