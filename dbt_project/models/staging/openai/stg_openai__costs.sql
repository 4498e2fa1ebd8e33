-- Merge stream of daily cost buckets: the latest extraction of each bucket wins, then each bucket is
-- unnested into its results. Amounts are in currency units (dollars); `value` may come as a number or a
-- string, so it goes through its text form into a decimal.
with

source as (

    select
        record,
        cast(json_extract_string(record, '$.start_time') as bigint) as start_time,
        _batch_id,
        _extracted_at
    from {{ read_landing('openai', 'costs') }}

),

buckets as (

    select *
    from source
    qualify row_number() over (partition by start_time order by _batch_id desc) = 1

),

results as (

    select
        start_time,
        unnest(coalesce(cast(json_extract(record, '$.results') as json[]), [])) as result,
        _batch_id,
        _extracted_at
    from buckets

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
        _batch_id,
        _extracted_at

    from results

)

select
    md5(concat_ws('|', cast(bucket_start_at as varchar), coalesce(project_id, ''), coalesce(line_item, ''),
        coalesce(currency, ''))) as cost_row_id,
    *
from renamed
