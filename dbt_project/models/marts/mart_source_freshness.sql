-- Each landing stream's freshness when the build started, as `dbt source freshness` judged it against the
-- thresholds its source declares.
select
    source,
    stream,
    status,
    newest_batch_at,
    checked_at,
    age_hours,
    warn_after_hours,
    error_after_hours,
    message
from {{ ref('stg_landing__source_freshness') }}
