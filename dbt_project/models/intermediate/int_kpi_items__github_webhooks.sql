-- Merged pull requests known only from `pull_request` webhook events so far, in the contract of
-- int_kpi_items__github. The poll is the source of truth: an event fills in a pull request only until the
-- poll has seen it, so none counts twice and a missed event costs nothing once the poll runs.
with

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
    cast('github_pr_merge_hours' as {{ dbt.type_string() }}) as kpi,
    cast('github' as {{ dbt.type_string() }}) as source,
    cast(author_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(pull_request_id as {{ dbt.type_string() }}) as item_id,
    cast(created_at as date) as item_date,
    cast({{ dbt.datediff('created_at', 'merged_at', 'second') }} as double precision) / 3600.0 as kpi_value,
    cast(repo_name as {{ dbt.type_string() }}) as task
from merged_events_for_unpolled
where recency = 1
