-- int_kpi_items__github plus merged pull requests known only from webhook events. The poll is the source of
-- truth: an event fills in a pull request only until the poll has seen it, so none counts twice and a
-- missed event costs nothing once the poll runs. Same columns as int_kpi_items__github.
with

polled_items as (

    select * from {{ ref('int_kpi_items__github') }}

),

merged_events_for_unpolled as (

    select
        events.*,
        row_number() over (
            partition by events.pull_request_id order by events.received_at desc
        ) as recency
    from {{ ref('stg_github__pull_request_events') }} as events
    where events.is_merged
      and events.merged_at is not null
      and events.author_user_id is not null
      and not exists (
          select 1 from {{ ref('stg_github__pull_requests') }} as polled
          where polled.pull_request_id = events.pull_request_id
      )

)

select
    kpi,
    source,
    source_user_id,
    item_id,
    item_date,
    kpi_value,
    task,
    cast('poll' as {{ dbt.type_string() }}) as record_source
from polled_items

union all

select
    cast('github_pr_merge_hours' as {{ dbt.type_string() }}) as kpi,
    cast('github' as {{ dbt.type_string() }}) as source,
    cast(author_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(pull_request_id as {{ dbt.type_string() }}) as item_id,
    cast(created_at as date) as item_date,
    cast({{ dbt.datediff('created_at', 'merged_at', 'second') }} as double precision) / 3600.0 as kpi_value,
    cast(repo_name as {{ dbt.type_string() }}) as task,
    cast('webhook' as {{ dbt.type_string() }}) as record_source
from merged_events_for_unpolled
where recency = 1
