{#-
  Reading the landing zone (DuckDB only: staging is the adapter boundary).
  With var('landing_snapshot') set, a build reads only the batches listed there, frozen when it started.

  Layout: <root>/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.jsonl.gz plus
  <batch_id>.manifest.json. A batch counts only once its manifest exists, so data files are joined to
  the manifests on batch_id. Globs end in `.jsonl.gz` / `.manifest.json`, which keeps `*.tmp-xxxx`
  files out. Each vendor record stays raw JSON (`record`), so unknown vendor fields never break a read.
-#}

{% macro landing_root() -%}
    {{ return((var('landing_root', env_var('OUTCOMES_LANDING_ROOT', '../data/landing')) | string).rstrip('/')) }}
{%- endmacro %}

{% macro landing_stream_path(source_name, stream) -%}
    {{ return(landing_root() ~ '/source=' ~ source_name ~ '/stream=' ~ stream) }}
{%- endmacro %}

{#- The batches frozen for this build (var landing_snapshot, written by the transform step), as a relation
    (source, stream, batch_id); none when the var is unset (a bare `dbt build` reads every committed batch). -#}
{% macro landing_snapshot_relation(source_name, stream) -%}
    (
        select batch_id
        from read_json(
            '{{ var("landing_snapshot") }}',
            format = 'newline_delimited',
            columns = {source: 'varchar', stream: 'varchar', batch_id: 'varchar'}
        )
        where source = '{{ source_name }}' and stream = '{{ stream }}'
    )
{%- endmacro %}

{% macro landing_has_batches(source_name, stream) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set sql -%}
        {%- if var('landing_snapshot', none) %}
        select count(*) from {{ landing_snapshot_relation(source_name, stream) }} as frozen
        {%- else %}
        select count(*) from glob('{{ landing_stream_path(source_name, stream) }}/date=*/*.manifest.json')
        {%- endif %}
    {%- endset -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#-
  Returns a subquery with one row per committed vendor record:
    record (json), _batch_id, _extracted_at (UTC timestamp), _record_count (batch's manifest count).
  latest_batch_only: for snapshot streams, keep only the newest committed batch. It is chosen from
  the manifests, so a newer empty snapshot correctly empties the stream.
-#}
{% macro read_landing(source_name, stream, latest_batch_only=false) -%}
    {#- Referencing the declared source records lineage; the manifests are read below with the
        run-time landing_root so a changed path never depends on a cached parse. -#}
    {%- do source(source_name, stream) -%}
    {%- set path = landing_stream_path(source_name, stream) -%}
    {%- if not landing_has_batches(source_name, stream) -%}
    (
        select
            cast(null as json) as record,
            cast(null as varchar) as _batch_id,
            cast(null as timestamp) as _extracted_at,
            cast(null as bigint) as _record_count
        where false
    )
    {%- else -%}
    (
        with manifests as (
            select
                json ->> 'batch_id' as batch_id,
                cast(json ->> 'record_count' as bigint) as record_count,
                timezone('UTC', cast(json ->> 'extracted_at' as timestamptz)) as extracted_at
            from read_json_objects(
                '{{ path }}/date=*/*.manifest.json',
                format = 'auto',
                hive_partitioning = false
            )
            where json ->> 'source' = '{{ source_name }}'
              and json ->> 'stream' = '{{ stream }}'
              {%- if var('landing_snapshot', none) %}
              and json ->> 'batch_id' in {{ landing_snapshot_relation(source_name, stream) }}
              {%- endif %}
        ),

        data_files as (
            select
                json as record,
                regexp_extract(filename, '([^/\\]+)\.jsonl\.gz$', 1) as batch_id
            from read_json_objects(
                '{{ path }}/date=*/*.jsonl.gz',
                format = 'newline_delimited',
                filename = true,
                hive_partitioning = false
            )
        )

        select
            data_files.record,
            manifests.batch_id as _batch_id,
            manifests.extracted_at as _extracted_at,
            manifests.record_count as _record_count
        from data_files
        inner join manifests on data_files.batch_id = manifests.batch_id
        {%- if latest_batch_only %}
        where manifests.batch_id = (select max(batch_id) from manifests)
        {%- endif %}
    )
    {%- endif -%}
{%- endmacro %}

{#- A vendor timestamp string (any ISO offset, or Z) as a UTC timestamp without zone. -#}
{% macro to_utc(expr) -%}
    timezone('UTC', cast({{ expr }} as timestamptz))
{%- endmacro %}

{#- Microsoft Graph (and others) send "" for unset strings: make them null. -#}
{% macro json_str(record, path) -%}
    nullif(trim(json_extract_string({{ record }}, '{{ path }}')), '')
{%- endmacro %}
