-- Merge stream of daily cost buckets: the latest extraction of each bucket wins, then each bucket is
-- unnested into its results. `amount` is a decimal string in cents (the lowest currency unit): it is cast
-- without going through a float, and divided by 100 for currency units.
{{ config(**landing_model_config('anthropic', 'cost_report', row_id='cost_row_id')) }}
with

source as (

    select * from {{ landing_records('anthropic', 'cost_report') }}

),

results as (

    -- every field of the bucket is read in `buckets`, before the unnest (bucket_results in macros/landing.sql)
    select
        cost_date,
        bucket_start_at,
        bucket_end_at,
        -- a bucket without results keeps one placeholder row (see landing_model_config)
        unnest(results_list) as result,
        _batch_id,
        _extracted_at,
        _record_key
    from (
        select
            cast(left({{ json_str('record', '$.starting_at') }}, 10) as date) as cost_date,
            {{ to_utc(json_str('record', '$.starting_at')) }} as bucket_start_at,
            {{ to_utc(json_str('record', '$.ending_at')) }} as bucket_end_at,
            {{ bucket_results() }} as results_list,
            _batch_id,
            _extracted_at,
            _record_key
        from source
    ) as buckets

),

renamed as (

    select
        ----------  ids (workspace_id is null for the default workspace)
        {{ json_str('result', '$.workspace_id') }} as workspace_id,

        ----------  strings (null unless grouped by description)
        {{ json_str('result', '$.description') }} as description,
        {{ json_str('result', '$.cost_type') }} as cost_type,
        {{ json_str('result', '$.model') }} as model,
        {{ json_str('result', '$.service_tier') }} as service_tier,
        {{ json_str('result', '$.token_type') }} as token_type,
        {{ json_str('result', '$.context_window') }} as context_window,
        upper({{ json_str('result', '$.currency') }}) as currency,

        ----------  numerics
        cast(json_extract_string(result, '$.amount') as decimal(38, 10)) as amount_cents,
        cast(cast(json_extract_string(result, '$.amount') as decimal(38, 10)) * cast(0.01 as decimal(38, 10))
            as decimal(38, 12)) as amount,

        ----------  dates and timestamps (UTC buckets)
        cost_date,
        bucket_start_at,
        bucket_end_at,

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
            md5(concat_ws('|', cast(cost_date as varchar), coalesce(workspace_id, ''), coalesce(description, ''),
                coalesce(cost_type, ''), coalesce(model, ''), coalesce(token_type, ''), coalesce(service_tier, ''),
                coalesce(context_window, ''), coalesce(currency, '')))
        end as cost_row_id,
        * exclude (_is_placeholder)
    from renamed

)

{{ latest_per_key('keyed', rows_per_key='many', row_id='cost_row_id') }}
