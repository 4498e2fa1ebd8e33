-- Hours of each time entry, attributed to its Harvest user and dated by spent_date. Running timers are
-- left out: their hours are not final until the timer stops.
-- kpi_value is double precision (standard SQL on DuckDB and Postgres): type_double() is 4-byte on DuckDB.
with

time_entries as (

    select * from {{ ref('stg_harvest__time_entries') }}

)

select
    cast('harvest_task_hours' as {{ dbt.type_string() }}) as kpi,
    cast('harvest' as {{ dbt.type_string() }}) as source,
    cast(user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(time_entry_id as {{ dbt.type_string() }}) as item_id,
    spent_date as item_date,
    cast(hours as double precision) as kpi_value,
    cast(task_name as {{ dbt.type_string() }}) as task
from time_entries
where not is_running
  and hours is not null
