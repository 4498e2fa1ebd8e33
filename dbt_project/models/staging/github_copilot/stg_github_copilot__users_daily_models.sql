-- Per-model breakdown of the users-1-day records (`totals_by_model_feature`): one row per user, day, model
-- and feature, from the same winning extraction as stg_github_copilot__users_daily.
{{ config(**unnested_from_merge_config('github_copilot', 'users_daily', 'stg_github_copilot__users_daily',
                                       ['user_id', 'activity_date'])) }}
with

latest as (

    -- the winning extraction of each (day, user_id), already chosen by the users_daily staging model; an
    -- incremental build reads only the ones from batches it has not read (macros/landing.sql)
    select user_id, activity_date, totals_by_model_feature, _batch_id
    from ({{ parent_rows_to_read('stg_github_copilot__users_daily') }}) as users_daily

),

unnested as (

    select
        user_id,
        activity_date,
        unnest(coalesce(cast(totals_by_model_feature as json[]), [])) as entry,
        _batch_id
    from latest

)

select
    ----------  ids
    user_id,
    activity_date,
    nullif(trim(entry ->> 'model'), '') as model,
    nullif(trim(entry ->> 'feature'), '') as feature,

    ----------  numerics
    coalesce(cast(entry ->> 'user_initiated_interaction_count' as bigint), 0) as user_initiated_interaction_count,
    coalesce(cast(entry ->> 'code_generation_activity_count' as bigint), 0) as code_generation_activity_count,
    coalesce(cast(entry ->> 'code_acceptance_activity_count' as bigint), 0) as code_acceptance_activity_count,
    coalesce(cast(entry ->> 'loc_suggested_to_add_sum' as bigint), 0) as loc_suggested_to_add_sum,
    coalesce(cast(entry ->> 'loc_added_sum' as bigint), 0) as loc_added_sum,
    coalesce(cast(entry ->> 'loc_deleted_sum' as bigint), 0) as loc_deleted_sum,

    ----------  lineage
    _batch_id
from unnested
