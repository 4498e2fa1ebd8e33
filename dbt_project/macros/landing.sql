{#-
  Reading the landing zone (DuckDB only: staging is the adapter boundary).
  With var('landing_snapshot') set, a build reads only the batches listed there, frozen when it started.

  Layout: <root>/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.jsonl.gz plus
  <batch_id>.manifest.json. A batch counts only once its manifest exists: only the data files that
  manifests name are read (listed explicitly, never globbed), so a stray or half-written file is never
  opened. Each vendor record stays raw JSON (`record`), so unknown vendor fields never break a read.
-#}

{% macro landing_root() -%}
    {{ return((var('landing_root', env_var('OUTCOMES_LANDING_ROOT', '../data/landing')) | string).rstrip('/')) }}
{%- endmacro %}

{% macro landing_stream_path(source_name, stream) -%}
    {{ return(landing_root() ~ '/source=' ~ source_name ~ '/stream=' ~ stream) }}
{%- endmacro %}

{#- The data files (relative to the landing root) of the stream's batches this build reads: with
    var('landing_snapshot'), the ones frozen (and checked against their manifests) when the build started;
    without it (a bare `dbt build`), every committed batch, as named by its manifest. A data file that no
    manifest names is never read, whatever it holds. -#}
{% macro landing_batch_files(source_name, stream) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- if not var('landing_snapshot', none) -%}
        {%- set found = run_query("select count(*) from glob('" ~ landing_stream_path(source_name, stream)
                                  ~ "/date=*/*.manifest.json')") -%}
        {%- if found.columns[0].values()[0] == 0 -%}{{ return([]) }}{%- endif -%}
    {%- endif -%}
    {%- set sql -%}
        {%- if var('landing_snapshot', none) %}
        select data_file
        from read_json(
            '{{ var("landing_snapshot") }}',
            format = 'newline_delimited',
            columns = {source: 'varchar', stream: 'varchar', batch_id: 'varchar', data_file: 'varchar'}
        )
        where source = '{{ source_name }}' and stream = '{{ stream }}'
        {%- else %}
        select json ->> 'data_file'
        from read_json_objects(
            '{{ landing_stream_path(source_name, stream) }}/date=*/*.manifest.json',
            format = 'auto', hive_partitioning = false
        )
        where json ->> 'source' = '{{ source_name }}' and json ->> 'stream' = '{{ stream }}'
        {%- endif %}
        order by 1
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}

{% macro landing_has_batches(source_name, stream) -%}
    {{ return(landing_batch_files(source_name, stream) | length > 0) }}
{%- endmacro %}

{% macro landing_file_list(files, suffix) -%}
    [{%- for f in files -%}'{{ landing_root() }}/{{ f[:-9] ~ suffix }}'{{ ", " if not loop.last }}{%- endfor -%}]
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
    {%- set files = landing_batch_files(source_name, stream) -%}
    {%- if not files -%}
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
                {{ landing_file_list(files, '.manifest.json') }},
                format = 'auto',
                hive_partitioning = false
            )
            where json ->> 'source' = '{{ source_name }}'
              and json ->> 'stream' = '{{ stream }}'
        ),

        data_files as (
            select
                json as record,
                regexp_extract(filename, '([^/\\]+)\.jsonl\.gz$', 1) as batch_id
            from read_json_objects(
                {{ landing_file_list(files, '.jsonl.gz') }},
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
