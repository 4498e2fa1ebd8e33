-- Merge stream: the latest extraction of each (day, user_id) wins.
{{ config(**landing_model_config('github_copilot', 'users_daily')) }}
with

source as (

    select * from {{ landing_records('github_copilot', 'users_daily') }}

),

renamed as (

    select
        ----------  ids
        cast(json_extract_string(record, '$.user_id') as bigint) as user_id,
        {{ json_str('record', '$.user_login') }} as user_login,
        {{ json_str('record', '$.enterprise_id') }} as enterprise_id,
        {{ json_str('record', '$.organization_id') }} as organization_id,

        ----------  dates (report days are UTC days)
        cast(json_extract_string(record, '$.day') as date) as activity_date,

        ----------  numerics
        coalesce(cast(json_extract_string(record, '$.user_initiated_interaction_count') as bigint), 0)
            as user_initiated_interaction_count,
        coalesce(cast(json_extract_string(record, '$.code_generation_activity_count') as bigint), 0)
            as code_generation_activity_count,
        coalesce(cast(json_extract_string(record, '$.code_acceptance_activity_count') as bigint), 0)
            as code_acceptance_activity_count,
        coalesce(cast(json_extract_string(record, '$.loc_suggested_to_add_sum') as bigint), 0) as loc_suggested_to_add_sum,
        coalesce(cast(json_extract_string(record, '$.loc_suggested_to_delete_sum') as bigint), 0) as loc_suggested_to_delete_sum,
        coalesce(cast(json_extract_string(record, '$.loc_added_sum') as bigint), 0) as loc_added_sum,
        coalesce(cast(json_extract_string(record, '$.loc_deleted_sum') as bigint), 0) as loc_deleted_sum,

        ----------  booleans
        coalesce(cast(json_extract_string(record, '$.used_agent') as boolean), false) as used_agent,
        coalesce(cast(json_extract_string(record, '$.used_chat') as boolean), false) as used_chat,
        coalesce(cast(json_extract_string(record, '$.used_cli') as boolean), false) as used_cli,
        coalesce(cast(json_extract_string(record, '$.used_copilot_code_review_active') as boolean), false)
            as used_copilot_code_review_active,
        coalesce(cast(json_extract_string(record, '$.used_copilot_code_review_passive') as boolean), false)
            as used_copilot_code_review_passive,

        ----------  features the user acted on (totals_by_feature with user-initiated use, plus the CLI
        ----------  and active code review, which the feature breakdown does not include)
        array_to_string(list_sort(list_distinct(list_concat(
            list_transform(
                list_filter(
                    coalesce(cast(json_extract(record, '$.totals_by_feature') as json[]), []),
                    lambda f: coalesce(cast(f ->> 'user_initiated_interaction_count' as bigint), 0) > 0
                        or coalesce(cast(f ->> 'code_acceptance_activity_count' as bigint), 0) > 0
                        -- agent_edit writes code directly and fills no suggestion counters
                        or (f ->> 'feature' = 'agent_edit' and coalesce(cast(f ->> 'loc_added_sum' as bigint), 0) > 0)
                ),
                lambda f: f ->> 'feature'
            ),
            case when coalesce(cast(json_extract_string(record, '$.used_cli') as boolean), false)
                then ['cli'] else [] end,
            case when coalesce(cast(json_extract_string(record, '$.used_copilot_code_review_active') as boolean), false)
                then ['code_review'] else [] end
        ))), ',') as features_used,

        ----------  lineage
        _batch_id,
        _extracted_at,
        _record_key

    from source

),

deduped as (

    {{ latest_per_key('renamed') }}

)

select * from deduped
