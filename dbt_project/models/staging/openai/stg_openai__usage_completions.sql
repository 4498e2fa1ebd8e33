-- Merge stream of daily buckets: the latest extraction of each bucket wins, then each bucket is unnested
-- into its results (a bucket with `results: []` yields no row). input_tokens includes cached tokens.
{{ config(**landing_model_config('openai', 'usage_completions', row_id='usage_row_id')) }}
with

source as (

    select * from {{ landing_records('openai', 'usage_completions') }}

),

results as (

    -- every field of the bucket is read in `buckets`, before the unnest (bucket_results in macros/landing.sql)
    select
        start_time,
        end_time,
        -- a bucket without results keeps one placeholder row (see landing_model_config)
        unnest(results_list) as result,
        _batch_id,
        _extracted_at,
        _record_key
    from (
        select
            cast(json_extract_string(record, '$.start_time') as bigint) as start_time,
            cast(json_extract_string(record, '$.end_time') as bigint) as end_time,
            {{ bucket_results() }} as results_list,
            _batch_id,
            _extracted_at,
            _record_key
        from source
    ) as buckets

),

renamed as (

    select
        ----------  ids (null when not grouped on, or usage no user owns)
        {{ json_str('result', '$.user_id') }} as user_id,
        {{ json_str('result', '$.project_id') }} as project_id,
        {{ json_str('result', '$.api_key_id') }} as api_key_id,

        ----------  strings
        {{ json_str('result', '$.model') }} as model,
        {{ json_str('result', '$.service_tier') }} as service_tier,

        ----------  numerics
        coalesce(cast(json_extract_string(result, '$.num_model_requests') as bigint), 0) as num_model_requests,
        coalesce(cast(json_extract_string(result, '$.input_tokens') as bigint), 0) as input_tokens,
        coalesce(cast(json_extract_string(result, '$.input_cached_tokens') as bigint), 0) as input_cached_tokens,
        coalesce(cast(json_extract_string(result, '$.input_tokens') as bigint), 0)
            - coalesce(cast(json_extract_string(result, '$.input_cached_tokens') as bigint), 0)
            as input_uncached_tokens,
        coalesce(cast(json_extract_string(result, '$.output_tokens') as bigint), 0) as output_tokens,
        coalesce(cast(json_extract_string(result, '$.input_audio_tokens') as bigint), 0) as input_audio_tokens,
        coalesce(cast(json_extract_string(result, '$.output_audio_tokens') as bigint), 0) as output_audio_tokens,

        ----------  booleans
        cast(json_extract_string(result, '$.batch') as boolean) as is_batch,

        ----------  timestamps (UTC buckets)
        timezone('UTC', to_timestamp(start_time)) as bucket_start_at,
        timezone('UTC', to_timestamp(end_time)) as bucket_end_at,
        cast(timezone('UTC', to_timestamp(start_time)) as date) as usage_date,

        ----------  lineage
        result is null as _is_placeholder,
        _batch_id,
        _extracted_at,
        _record_key

    from results

),

keyed as (

    select
        case when not _is_placeholder then
            md5(concat_ws('|', cast(bucket_start_at as varchar), coalesce(user_id, ''), coalesce(project_id, ''),
                coalesce(api_key_id, ''), coalesce(model, ''), coalesce(cast(is_batch as varchar), ''),
                coalesce(service_tier, '')))
        end as usage_row_id,
        * exclude (_is_placeholder)
    from renamed

)

{{ latest_per_key('keyed', rows_per_key='many', row_id='usage_row_id') }}
