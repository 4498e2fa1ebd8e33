-- Merge stream: the latest extraction of each (day, user_id) wins.
{{ config(**landing_model_config('github_copilot', 'users_daily')) }}
-- Counters follow the vendor's feature breakdown (`totals_by_feature`): it partitions the user-day by
-- feature, including the Copilot CLI (`copilot_cli`), and real files carry top-level counters of 0 beside
-- non-zero features. The top-level values are used only when a record has no feature breakdown.
{%- set counters = [
    'user_initiated_interaction_count', 'code_generation_activity_count', 'code_acceptance_activity_count',
    'loc_suggested_to_add_sum', 'loc_suggested_to_delete_sum', 'loc_added_sum', 'loc_deleted_sum',
] %}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.user_id', '$.user_login', '$.login', '$.enterprise_id', '$.organization_id', '$.day', '$.report_day',
    '$.ai_credits_used', '$.ai_adoption_phase.phase_number', '$.ai_adoption_phase.phase',
    '$.ai_adoption_phase.version', '$.totals_by_cli.session_count', '$.totals_by_cli.request_count',
    '$.totals_by_cli.prompt_count', '$.totals_by_cli.token_usage.prompt_tokens_sum',
    '$.totals_by_cli.token_usage.output_tokens_sum', '$.totals_by_cli.last_known_cli_version.cli_version',
    '$.used_agent', '$.used_chat', '$.used_cli', '$.used_copilot_cloud_agent', '$.used_copilot_coding_agent',
    '$.used_copilot_code_review_active', '$.used_copilot_code_review_passive',
] %}
{%- for counter in counters %}{% do paths.append('$.' ~ counter) %}{% endfor %}
{#- what is read of each feature breakdown entry, in one parse of the entry -#}
{%- set feature_paths = ['$.feature'] %}
{%- for counter in counters %}{% do feature_paths.append('$.' ~ counter) %}{% endfor %}

with

source as (

    select
        record,
        {{ json_fields('record', paths) }} as _json_fields,
        -- the breakdowns, kept as JSON: one more parse for the four of them
        json_extract(record, ['$.totals_by_feature', '$.totals_by_cli', '$.totals_by_ide',
                              '$.totals_by_model_feature']) as _json_parts,
        _batch_id,
        _extracted_at,
        _record_key
    from {{ landing_records('github_copilot', 'users_daily') }}

),

extracted as (

    select
        *,
        list_transform(
            coalesce(cast(_json_parts[1] as json[]), []),
            lambda f: {{ json_fields('f', feature_paths) }}
        ) as features
    from source

),

renamed as (

    select
        ----------  ids (user_totals files name the login `login`)
        cast({{ json_field(paths, '$.user_id') }} as bigint) as user_id,
        coalesce({{ json_field_str(paths, '$.user_login') }}, {{ json_field_str(paths, '$.login') }}) as user_login,
        {{ json_field_str(paths, '$.enterprise_id') }} as enterprise_id,
        {{ json_field_str(paths, '$.organization_id') }} as organization_id,

        ----------  dates (report days are UTC days; user_totals files carry the day on the wrapper only)
        cast(coalesce({{ json_field(paths, '$.day') }}, {{ json_field(paths, '$.report_day') }}) as date)
            as activity_date,

        ----------  numerics: the feature breakdown when there is one, else the top-level counters
        len(features) > 0 as counted_from_features,
        {%- for counter in counters %}
        case
            when len(features) > 0
                then list_sum(list_transform(features, lambda f: coalesce(cast({{ json_field(feature_paths, '$.' ~ counter, 'f') }} as bigint), 0)))
            else coalesce(cast({{ json_field(paths, '$.' ~ counter) }} as bigint), 0)
        end as {{ counter }},
        {%- endfor %}
        coalesce(cast({{ json_field(paths, '$.user_initiated_interaction_count') }} as bigint), 0)
            as reported_user_initiated_interaction_count,

        ----------  AI credits and adoption phase (newer fields; null when the file predates them)
        cast({{ json_field(paths, '$.ai_credits_used') }} as double) as ai_credits_used,
        cast({{ json_field(paths, '$.ai_adoption_phase.phase_number') }} as integer) as ai_adoption_phase_number,
        {{ json_field_str(paths, '$.ai_adoption_phase.phase') }} as ai_adoption_phase,
        {{ json_field_str(paths, '$.ai_adoption_phase.version') }} as ai_adoption_phase_version,

        ----------  Copilot CLI (`totals_by_cli`, omitted on days without CLI use)
        cast({{ json_field(paths, '$.totals_by_cli.session_count') }} as bigint) as cli_session_count,
        cast({{ json_field(paths, '$.totals_by_cli.request_count') }} as bigint) as cli_request_count,
        cast({{ json_field(paths, '$.totals_by_cli.prompt_count') }} as bigint) as cli_prompt_count,
        cast({{ json_field(paths, '$.totals_by_cli.token_usage.prompt_tokens_sum') }} as bigint)
            as cli_prompt_tokens,
        cast({{ json_field(paths, '$.totals_by_cli.token_usage.output_tokens_sum') }} as bigint)
            as cli_output_tokens,
        {{ json_field_str(paths, '$.totals_by_cli.last_known_cli_version.cli_version') }} as cli_version,

        ----------  booleans
        coalesce(cast({{ json_field(paths, '$.used_agent') }} as boolean), false) as used_agent,
        coalesce(cast({{ json_field(paths, '$.used_chat') }} as boolean), false) as used_chat,
        coalesce(cast({{ json_field(paths, '$.used_cli') }} as boolean), false)
            or _json_parts[2] is not null as used_cli,
        -- "coding agent" and "cloud agent" name the same agent: files of the renaming period send both flags
        coalesce(cast({{ json_field(paths, '$.used_copilot_cloud_agent') }} as boolean), false)
            or coalesce(cast({{ json_field(paths, '$.used_copilot_coding_agent') }} as boolean), false)
            as used_copilot_cloud_agent,
        coalesce(cast({{ json_field(paths, '$.used_copilot_code_review_active') }} as boolean), false)
            as used_copilot_code_review_active,
        coalesce(cast({{ json_field(paths, '$.used_copilot_code_review_passive') }} as boolean), false)
            as used_copilot_code_review_passive,

        ----------  per-IDE and per-model breakdowns, raw (stg_github_copilot__users_daily_ides / _models)
        _json_parts[3] as totals_by_ide,
        _json_parts[4] as totals_by_model_feature,

        features,
        _batch_id,
        _extracted_at,
        _record_key

    from extracted

),

with_features as (

    -- features the user acted on: breakdown entries with interactions or acceptances (or `agent_edit`
    -- lines added, which fill no suggestion counters), plus the surfaces reported only as flags. Each
    -- feature has one name: CLI use is `copilot_cli` whether it comes as a breakdown entry or as `used_cli`.
    select
        * exclude (features),
        array_to_string(list_sort(list_distinct(list_concat(
            list_transform(
                list_filter(
                    features,
                    lambda f: coalesce(cast({{ json_field(feature_paths, '$.user_initiated_interaction_count', 'f') }} as bigint), 0) > 0
                        or coalesce(cast({{ json_field(feature_paths, '$.code_acceptance_activity_count', 'f') }} as bigint), 0) > 0
                        or ({{ json_field(feature_paths, '$.feature', 'f') }} = 'agent_edit'
                            and coalesce(cast({{ json_field(feature_paths, '$.loc_added_sum', 'f') }} as bigint), 0) > 0)
                ),
                lambda f: {{ json_field(feature_paths, '$.feature', 'f') }}
            ),
            case when used_cli then ['copilot_cli'] else [] end,
            case when used_copilot_cloud_agent then ['copilot_cloud_agent'] else [] end,
            case when used_copilot_code_review_active then ['code_review'] else [] end
        ))), ',') as features_used
    from renamed

),

deduped as (

    {{ latest_per_key('with_features') }}

)

select * from deduped
