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
    {{ github_pr_merge_hours_item() }}
from merged_events_for_unpolled
where recency = 1
