-- Time to merge per merged pull request: opened -> merged, attributed to the author's numeric GitHub id
-- (bots and outside logins included; identity resolution leaves them unmatched), dated by the opening.
-- kpi_value is double precision (standard SQL on DuckDB and Postgres): type_double() is 4-byte on DuckDB.
with

pull_requests as (

    select * from {{ ref('stg_github__pull_requests') }}

)

select
    {{ github_pr_merge_hours_item() }}
from pull_requests
where merged_at is not null
  and author_user_id is not null
