-- Jira cycle time per issue: first entry into an in-progress category (4) -> first entry into the done
-- category (3) after it. A reopened issue (done -> in progress -> done) keeps its first cycle. Categories
-- are read by id, never by status name. Attributed to the current assignee, dated by the start of work.
-- kpi_value is double precision (standard SQL on DuckDB and Postgres): type_double() is 4-byte on DuckDB.
with

status_changes as (

    select * from {{ ref('stg_jira__issue_status_changes') }}

),

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

work_started as (

    select
        issue_id,
        min(changed_at) as started_at
    from status_changes
    where to_status_category_id = 4
      and (from_status_category_id is null or from_status_category_id <> 4)
    group by issue_id

),

work_done as (

    select
        work_started.issue_id,
        min(status_changes.changed_at) as done_at
    from work_started
    inner join status_changes
        on status_changes.issue_id = work_started.issue_id
        and status_changes.changed_at > work_started.started_at
        and status_changes.to_status_category_id = 3
        and (status_changes.from_status_category_id is null or status_changes.from_status_category_id <> 3)
    group by work_started.issue_id

)

select
    cast('jira_cycle_time_hours' as {{ dbt.type_string() }}) as kpi,
    cast('jira' as {{ dbt.type_string() }}) as source,
    cast(issues.assignee_account_id as {{ dbt.type_string() }}) as source_user_id,
    cast(issues.issue_id as {{ dbt.type_string() }}) as item_id,
    cast(work_started.started_at as date) as item_date,
    cast({{ dbt.datediff('work_started.started_at', 'work_done.done_at', 'second') }} as double precision)
        / 3600.0 as kpi_value,
    cast(issues.issue_type as {{ dbt.type_string() }}) as task
from work_started
inner join work_done on work_done.issue_id = work_started.issue_id
inner join issues on issues.issue_id = work_started.issue_id
where issues.assignee_account_id is not null
