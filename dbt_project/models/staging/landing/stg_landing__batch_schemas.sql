-- The schema of every committed landing batch, as its manifest records it: one row per batch and field
-- path ("a.b", "list[].key") with the JSON types seen. Empty batches have no fields and no rows.
{%- set manifests = landing_root() ~ '/source=*/stream=*/date=*/*.manifest.json' %}
{%- set found = 1 %}
{%- if execute %}
    {%- set found = run_query("select count(*) from glob('" ~ manifests ~ "')").columns[0].values()[0] %}
{%- endif %}

{%- if found == 0 %}
select
    cast(null as varchar) as source,
    cast(null as varchar) as stream,
    cast(null as varchar) as batch_id,
    cast(null as timestamp) as extracted_at,
    cast(null as bigint) as record_count,
    cast(null as varchar) as field_path,
    cast(null as varchar) as field_types,
    cast(null as varchar) as value_types
where false
{%- else %}
with

manifests as (

    select
        json ->> 'source' as source,
        json ->> 'stream' as stream,
        json ->> 'batch_id' as batch_id,
        timezone('UTC', cast(json ->> 'extracted_at' as timestamptz)) as extracted_at,
        cast(json ->> 'record_count' as bigint) as record_count,
        cast(coalesce(json -> 'schema', '{}') as map(varchar, varchar[])) as batch_schema
    from read_json_objects('{{ manifests }}', format = 'auto', hive_partitioning = false)
    {%- if var('landing_snapshot', none) %}
    where json ->> 'batch_id' in (
        select batch_id from read_json('{{ var("landing_snapshot") }}', format = 'newline_delimited',
                                       columns = {source: 'varchar', stream: 'varchar', batch_id: 'varchar'})
    )
    {%- endif %}

),

fields as (

    select
        source,
        stream,
        batch_id,
        extracted_at,
        record_count,
        unnest(map_entries(batch_schema)) as entry
    from manifests

)

select
    source,
    stream,
    batch_id,
    extracted_at,
    record_count,
    entry.key as field_path,
    -- every JSON type seen, and the non-null ones (a field that is null in one batch is not retyped)
    array_to_string(list_sort(entry.value), ',') as field_types,
    array_to_string(list_sort(list_filter(entry.value, lambda t: t <> 'null')), ',') as value_types
from fields
{%- endif %}
