-- Merge stream of daily cost buckets: the latest extraction of each bucket wins, then each bucket is
-- unnested into its results. Amounts are in currency units (dollars); `value` may come as a number or a
-- string, so it goes through its text form into a decimal.
{{ config(**landing_model_config('openai', 'costs', row_id='cost_row_id')) }}
with

source as (

    select * from {{ landing_records('openai', 'costs') }}

),

results as (

    -- every field of the bucket is read in `buckets`, before the unnest (bucket_results in macros/landing.sql)
    select
        start_time,
        -- a bucket without results keeps one placeholder row (see landing_model_config)
        unnest(results_list) as result,
        _batch_id,
        _extracted_at,
        _record_key
    from (
        select
            cast(json_extract_string(record, '$.start_time') as bigint) as start_time,
            {{ bucket_results() }} as results_list,
            _batch_id,
            _extracted_at,
            _record_key
        from source
    ) as buckets

),

renamed as (

    select
        ----------  ids
        {{ json_str('result', '$.project_id') }} as project_id,

        ----------  strings
        {{ json_str('result', '$.line_item') }} as line_item,
        upper({{ json_str('result', '$.amount.currency') }}) as currency,

        ----------  numerics
        cast(json_extract_string(result, '$.amount.value') as decimal(38, 12)) as amount,
        cast(json_extract_string(result, '$.quantity') as double) as quantity,

        ----------  timestamps (UTC buckets)
        timezone('UTC', to_timestamp(start_time)) as bucket_start_at,
        cast(timezone('UTC', to_timestamp(start_time)) as date) as cost_date,

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
            md5(concat_ws('|', cast(bucket_start_at as varchar), coalesce(project_id, ''), coalesce(line_item, ''),
                coalesce(currency, '')))
        end as cost_row_id,
        * exclude (_is_placeholder)
    from renamed

)

{{ latest_per_key('keyed', rows_per_key='many', row_id='cost_row_id') }}
