-- `dbt source freshness` of every landing stream that declares thresholds, as the transform ran it just
-- before this build (outcomes/pipeline.py writes one JSON line per stream to var('source_freshness')).
-- Without the file (a bare `dbt build`) the model is empty.
{%- set path = var('source_freshness', none) %}
{%- set found = 0 %}
{%- if execute and path %}
    {%- set found = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] %}
{%- endif %}

{%- if found == 0 %}
select
    cast(null as varchar) as source,
    cast(null as varchar) as stream,
    cast(null as varchar) as status,
    cast(null as timestamp) as newest_batch_at,
    cast(null as timestamp) as checked_at,
    cast(null as double precision) as age_hours,
    cast(null as double precision) as warn_after_hours,
    cast(null as double precision) as error_after_hours,
    cast(null as varchar) as message
where false
{%- else %}
select
    source,
    stream,
    status,
    timezone('UTC', cast(max_loaded_at as timestamptz)) as newest_batch_at,
    timezone('UTC', cast(snapshotted_at as timestamptz)) as checked_at,
    age_hours,
    warn_after_hours,
    error_after_hours,
    message
from read_json(
    '{{ path }}',
    format = 'newline_delimited',
    columns = {
        source: 'varchar', stream: 'varchar', status: 'varchar', max_loaded_at: 'varchar',
        snapshotted_at: 'varchar', age_hours: 'double', warn_after_hours: 'double',
        error_after_hours: 'double', message: 'varchar'
    }
)
{%- endif %}
