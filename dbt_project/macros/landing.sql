{#-
  Reading the landing zone (DuckDB only: staging is the adapter boundary).

  Layout: <root>/source=<source>/stream=<stream>/date=<YYYY-MM-DD>/<batch_id>.jsonl.gz plus
  <batch_id>.manifest.json. A batch counts only once its manifest exists: only the data files that
  manifests name are read (listed explicitly, never globbed), so a stray or half-written file is never
  opened. Each vendor record stays raw JSON (`record`), so unknown vendor fields never break a read.

  How a stream is read follows its connector's declaration (var `landing_streams`, written by the transform
  step from connectors.landing_streams()):
    merge     incremental model, unique_key `_record_key` (the declared primary key). A build parses only
              the batches it has not built yet; the latest extraction of each key wins (latest_per_key).
    snapshot  table model: only the latest batch is parsed; it is the whole list.
  With var('landing_snapshot') set (the transform always sets it), a build reads only the batches listed
  there, frozen when it started, and records the ones it built in `landing_batches_built`, in the same
  transaction as the model's rows. Without it every committed batch is read (nothing is recorded).
-#}

{% macro landing_root() -%}
    {{ return((var('landing_root', env_var('OUTCOMES_LANDING_ROOT', '../data/landing')) | string).rstrip('/')) }}
{%- endmacro %}

{% macro landing_stream_path(source_name, stream) -%}
    {{ return(landing_root() ~ '/source=' ~ source_name ~ '/stream=' ~ stream) }}
{%- endmacro %}

{#- The stream's declaration: {primary_key: [json paths], disposition: merge | snapshot}. -#}
{% macro landing_stream(source_name, stream) -%}
    {%- set declared = var('landing_streams', none) -%}
    {%- set key = source_name ~ '/' ~ stream -%}
    {%- if declared is none -%}
        {{ exceptions.raise_compiler_error(
            "var 'landing_streams' is not set. Staging reads each landed stream by the primary key and disposition "
            ~ "its connector declares; `outcomes transform` passes them. For a bare dbt call add them: "
            ~ "--vars '{\"landing_streams\": <json of connectors.landing_streams()>}'.") }}
    {%- endif -%}
    {%- if key not in declared -%}
        {{ exceptions.raise_compiler_error(
            "stream " ~ key ~ " is not in var 'landing_streams' (declared: " ~ (declared.keys() | sort | join(', '))
            ~ "). Declare it as a Stream of its connector (or a webhook vendor) before staging reads it.") }}
    {%- endif -%}
    {%- set declaration = declared[key] -%}
    {%- if declaration.get('disposition') not in ('merge', 'snapshot') or not declaration.get('primary_key') -%}
        {{ exceptions.raise_compiler_error(
            "stream " ~ key ~ " needs a primary_key (list of JSON paths) and a disposition of merge or snapshot; "
            ~ "var 'landing_streams' has " ~ tojson(declaration)) }}
    {%- endif -%}
    {{ return(declaration) }}
{%- endmacro %}

{#- Model config for a staging model that reads one landed stream: {{ config(**landing_model_config(s, t)) }}.
    A merge model whose records unnest into several rows each passes `row_id`: a version with no rows then
    yields one placeholder row (row_id null) so that delete+insert still replaces the key's earlier rows,
    and the last hook drops it. -#}
{% macro landing_model_config(source_name, stream, row_id=none) -%}
    {%- if landing_stream(source_name, stream).disposition == 'snapshot' -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {%- set args = "'" ~ source_name ~ "', '" ~ stream ~ "'" -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': '_record_key',
        'on_schema_change': 'fail',
        'post_hook': [
            '{{ landing_forget_built(' ~ args ~ ') }}',
            '{{ landing_mark_built(' ~ args ~ ') }}',
        ] + (['delete from {{ this }} where ' ~ row_id ~ ' is null'] if row_id else []),
    }) }}
{%- endmacro %}

{#- The declared primary key of a record as one varchar (a JSON array when the key has several parts). A part
    may name alternatives, `a|b`: the first the record carries (a stream landed in two shapes, e.g. GitHub
    reviews by GraphQL `databaseId` or REST `id`). Every path is read in one parse of the record (a key of six
    paths, Claude Code's, parsed each record six times); the values are json_extract_string's. -#}
{% macro landing_record_key(primary_key, record='record') -%}
    {%- set paths = [] -%}
    {%- for part in primary_key -%}{%- for path in part.split('|') -%}{%- do paths.append(path) -%}{%- endfor -%}{%- endfor -%}
    {%- if paths | length == 1 -%}
        json_extract_string({{ record }}, '$.{{ paths[0] }}')
    {%- else -%}
        {%- set parts = [] -%}
        {%- for part in primary_key -%}
            {%- set alternatives = [] -%}
            {%- for path in part.split('|') -%}{%- do alternatives.append('k[' ~ (paths.index(path) + 1) ~ ']') -%}{%- endfor -%}
            {%- do parts.append(alternatives[0] if alternatives | length == 1 else 'coalesce(' ~ alternatives | join(', ') ~ ')') -%}
        {%- endfor -%}
        list_transform(
            [json_extract_string({{ record }}, [{%- for path in paths %}'$.{{ path }}'{{ ', ' if not loop.last }}{% endfor %}])],
            lambda k: {% if parts | length == 1 %}{{ parts[0] }}{% else %}cast(json_array({{ parts | join(', ') }}) as varchar){% endif %}
        )[1]
    {%- endif -%}
{%- endmacro %}

{% macro landing_batches_built_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
                                  identifier='landing_batches_built')) }}
{%- endmacro %}

{#- on-run-start: the record of which batch each incremental staging model has built (DuckDB only). -#}
{% macro create_landing_batches_built() -%}
    {%- if target.type == 'duckdb' -%}
    create table if not exists {{ landing_batches_built_relation() }} (
        model varchar not null, source varchar not null, stream varchar not null, batch_id varchar not null,
        built_at timestamp not null
    )
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: a merge model's table left by a build from before it was incremental (no _record_key) is
    dropped, so this build creates it whole instead of failing on the changed columns. -#}
{% macro drop_tables_built_before_incremental_staging() -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.get('unique_key') == '_record_key' -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias or node.name) -%}
            {#- run_query does not open a transaction (which dbt would roll back after the hooks) -#}
            {%- if relation is not none and run_query(
                "select count(*) from duckdb_columns() where database_name = '" ~ relation.database
                ~ "' and schema_name = '" ~ relation.schema ~ "' and table_name = '" ~ relation.identifier
                ~ "' and column_name = '_record_key'").columns[0].values()[0] == 0 -%}
                {%- do log('dropping ' ~ relation ~ ' (built before staging was incremental)', info=true) -%}
                {%- do adapter.cache_dropped(relation) %}
    drop table if exists {{ relation }};
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- The frozen batches of one stream (var landing_snapshot), as a query of batch_id. -#}
{% macro landing_snapshot_batches(source_name, stream) -%}
    select batch_id
    from read_json(
        '{{ var("landing_snapshot") }}',
        format = 'newline_delimited',
        columns = {source: 'varchar', stream: 'varchar', batch_id: 'varchar'}
    )
    where source = '{{ source_name }}' and stream = '{{ stream }}'
{%- endmacro %}

{#- The batch ids this model reads now, as a query: for a merge model building incrementally, the frozen
    batches it has not built yet; for a full build all of them; for a snapshot stream only the latest. -#}
{% macro landing_batches_to_read(source_name, stream, incremental) -%}
    {%- set disposition = landing_stream(source_name, stream).disposition -%}
    {%- if var('landing_snapshot', none) -%}
        {%- set available = landing_snapshot_batches(source_name, stream) -%}
    {%- else -%}
        {%- set available -%}
        select regexp_extract(file, '([^/\\]+)\.manifest\.json$', 1) as batch_id
        from glob('{{ landing_stream_path(source_name, stream) }}/date=*/*.manifest.json')
        {%- endset -%}
    {%- endif -%}
    {%- if disposition == 'snapshot' -%}
        select max(batch_id) as batch_id from ({{ available }}) as available
    {%- elif incremental and var('landing_snapshot', none) -%}
        select batch_id from ({{ available }}) as available
        where batch_id not in (
            select batch_id from {{ landing_batches_built_relation() }} where model = '{{ this.identifier }}'
        )
    {%- else -%}
        {{ available }}
    {%- endif -%}
{%- endmacro %}

{#- post-hooks of a merge model, in the transaction of its rows: a full build forgets what was built before,
    and every build records the batches it read. -#}
{% macro landing_forget_built(source_name, stream) -%}
    {%- if var('landing_snapshot', none) and not is_incremental() -%}
    delete from {{ landing_batches_built_relation() }} where model = '{{ this.identifier }}'
    {%- endif -%}
{%- endmacro %}

{% macro landing_mark_built(source_name, stream) -%}
    {%- if var('landing_snapshot', none) -%}
    insert into {{ landing_batches_built_relation() }} (model, source, stream, batch_id, built_at)
    select '{{ this.identifier }}', '{{ source_name }}', '{{ stream }}', batch_id, now()
    from ({{ landing_batches_to_read(source_name, stream, is_incremental()) }}) as read_now
    where batch_id is not null
    {%- endif -%}
{%- endmacro %}

{#- The data files (relative to the landing root) of the batches in `batches` (a query of batch_id): with
    var('landing_snapshot'), as frozen (and checked against their manifests) when the build started; without
    it (a bare `dbt build`), as named by each committed batch's manifest. A data file that no manifest names
    is never read, whatever it holds. -#}
{% macro landing_batch_files(source_name, stream, batches) -%}
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
          and batch_id in ({{ batches }})
        {%- else %}
        select json ->> 'data_file'
        from read_json_objects(
            '{{ landing_stream_path(source_name, stream) }}/date=*/*.manifest.json',
            format = 'auto', hive_partitioning = false
        )
        where json ->> 'source' = '{{ source_name }}' and json ->> 'stream' = '{{ stream }}'
          and json ->> 'batch_id' in ({{ batches }})
        {%- endif %}
        order by 1
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}

{% macro landing_file_list(files, suffix) -%}
    [{%- for f in files -%}'{{ landing_root() }}/{{ f[:-9] ~ suffix }}'{{ ", " if not loop.last }}{%- endfor -%}]
{%- endmacro %}

{#-
  One row per committed vendor record of the batches this build reads:
    record (json), _batch_id, _extracted_at (UTC timestamp) and, for merge streams, _record_key.
  Merge models pass their parsed rows through latest_per_key(); snapshot models get the latest batch only
  (chosen from the manifests, so a newer empty snapshot correctly empties the stream).
-#}
{% macro landing_records(source_name, stream) -%}
    {#- Referencing the declared source records lineage; files are read with the run-time landing_root. -#}
    {%- do source(source_name, stream) -%}
    {%- set declaration = landing_stream(source_name, stream) -%}
    {%- set merge = declaration.disposition == 'merge' -%}
    {%- set batches = landing_batches_to_read(source_name, stream, merge and is_incremental()) -%}
    {%- set files = landing_batch_files(source_name, stream, batches) -%}
    {%- if execute and not files -%}
    (
        select
            cast(null as json) as record,
            cast(null as varchar) as _batch_id,
            cast(null as timestamp) as _extracted_at
            {%- if merge %}, cast(null as varchar) as _record_key{% endif %}
        where false
    )
    {%- else -%}
    (
        with manifests as (
            select
                json ->> 'batch_id' as batch_id,
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
            manifests.extracted_at as _extracted_at
            {%- if merge %},
            {{ landing_record_key(declaration.primary_key, 'data_files.record') }} as _record_key
            {%- endif %}
        from data_files
        inner join manifests on data_files.batch_id = manifests.batch_id
    )
    {%- endif -%}
{%- endmacro %}

{#-
  The latest extraction of each key of a merge stream, from parsed rows carrying _record_key and _batch_id:
  the latest batch wins, then `order_within_batch` (a vendor may send one key twice in a batch).
  rows_per_key='many' keeps every row of the winning version (a record unnested into several rows; each
  row once by `row_id`). Building incrementally, a key whose stored version comes from a later batch than
  the one read now (a batch committed late) keeps the stored one.
-#}
{% macro latest_per_key(relation, order_within_batch=none, rows_per_key='one', row_id=none) -%}
    {%- set order -%}
        _batch_id desc{% if order_within_batch %}, {{ order_within_batch }}{% endif %}
    {%- endset -%}
    select *
    from (
        {%- if rows_per_key == 'one' %}
        select *
        from {{ relation }}
        qualify row_number() over (partition by _record_key order by {{ order }}) = 1
        {%- else %}
        select *
        from (
            select *
            from {{ relation }}
            qualify rank() over (partition by _record_key order by {{ order }}) = 1
        ) as latest_version
        qualify row_number() over (partition by _record_key, {{ row_id }} order by {{ order }}) = 1
        {%- endif %}
    ) as latest
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as stored
        where stored._record_key = latest._record_key and stored._batch_id > latest._batch_id
    )
    {%- endif %}
{%- endmacro %}

{#- A vendor timestamp string (any ISO offset, or Z) as a UTC timestamp without zone. -#}
{% macro to_utc(expr) -%}
    timezone('UTC', cast({{ expr }} as timestamptz))
{%- endmacro %}

{#- Microsoft Graph (and others) send "" for unset strings: make them null. -#}
{% macro json_str(record, path) -%}
    nullif(trim(json_extract_string({{ record }}, '{{ path }}')), '')
{%- endmacro %}

{#-
  Many fields of one record, parsed once. DuckDB parses the JSON document again for every json_extract
  call: twelve single-path extractions of a 4 KB Copilot user-day cost eleven times one extraction of the
  twelve paths as a list. A wide staging model names its paths once (`paths`), extracts them together
  (`json_fields` as _json_fields) and reads each by its path (`json_field`, `json_field_str`); the values
  are exactly json_extract_string's.
-#}
{% macro json_fields(record, paths) -%}
    json_extract_string({{ record }}, [{%- for path in paths %}'{{ path }}'{{ ', ' if not loop.last }}{% endfor %}])
{%- endmacro %}

{% macro json_field(paths, path, fields='_json_fields') -%}
    {%- if path not in paths -%}
        {{ exceptions.raise_compiler_error("json_field: " ~ path ~ " is not among this model's extracted paths") }}
    {%- endif -%}
    {{ fields }}[{{ paths.index(path) + 1 }}]
{%- endmacro %}

{#- json_str of a field extracted with json_fields. -#}
{% macro json_field_str(paths, path, fields='_json_fields') -%}
    nullif(trim({{ json_field(paths, path, fields) }}), '')
{%- endmacro %}

{#-
  The results of a bucket record (OpenAI and Anthropic admin APIs: one record a day holding that day's results),
  as a list to unnest; [null] for a bucket without results, so it keeps one placeholder row (see
  landing_model_config). Build it in a subquery with every other field the model takes from the bucket, and
  unnest it outside: DuckDB evaluates expressions beside an unnest after it, so a field read from the record
  there carried the whole bucket (a 50,000-person day: about 600 results in 400 KB) into each result row, and
  the model ran out of memory.
-#}
{% macro bucket_results(record='record') -%}
    coalesce(nullif(cast(json_extract({{ record }}, '$.results') as json[]), []), [null])
{%- endmacro %}

{#- A staging model that unnests a list of each row of a merge model (the parent) is incremental on the
    parent's batches: a build reads only the parent rows whose winning batch it has not read yet, and replaces
    every row of their keys (a re-extraction may carry fewer list entries, or none). The batches read are
    recorded in `landing_batches_built` under the model's own name, in the transaction of its rows.
    {{ config(**unnested_from_merge_config('github_copilot', 'users_daily', 'stg_...', ['user_id', ...])) }} -#}
{% macro unnested_from_merge_config(source_name, stream, parent, parent_key) -%}
    {%- set args = "'" ~ source_name ~ "', '" ~ stream ~ "'" -%}
    {%- set parent_args = args ~ ", '" ~ parent ~ "'" -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'replace_parent_keys',
        'unnested_parent': parent,
        'unnested_parent_key': parent_key,
        'on_schema_change': 'fail',
        'post_hook': [
            '{{ landing_forget_built(' ~ args ~ ') }}',
            '{{ mark_parent_batches_read(' ~ parent_args ~ ') }}',
        ],
    }) }}
{%- endmacro %}

{#- The parent's rows this build reads (all of them for a full build or a bare `dbt build`). -#}
{% macro parent_rows_to_read(parent) -%}
    select * from {{ ref(parent) }}
    {%- if is_incremental() and var('landing_snapshot', none) %}
    where _batch_id not in (
        select batch_id from {{ landing_batches_built_relation() }} where model = '{{ this.identifier }}'
    )
    {%- endif %}
{%- endmacro %}

{% macro mark_parent_batches_read(source_name, stream, parent) -%}
    {%- if var('landing_snapshot', none) -%}
    insert into {{ landing_batches_built_relation() }} (model, source, stream, batch_id, built_at)
    select distinct '{{ this.identifier }}', '{{ source_name }}', '{{ stream }}', _batch_id, now()
    from ({{ parent_rows_to_read(parent) }}) as read_now
    {%- endif -%}
{%- endmacro %}

{#- Incremental strategy of such a model: the rows of every parent key read now are replaced. -#}
{% macro get_incremental_replace_parent_keys_sql(arg_dict) -%}
    {%- set key = config.get('unnested_parent_key') | join(', ') -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ arg_dict['target_relation'] }}
    where ({{ key }}) in (select {{ key }} from ({{ parent_rows_to_read(config.get('unnested_parent')) }}) as read_now);
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
