{#-
  The build's own signature in the warehouse: after every `dbt build`/`run`/`seed`, one row in
  `<target schema>.outcomes_build` holds the id the pipeline passed (env OUTCOMES_BUILD_ID). A build
  started without one (a bare `dbt build`) writes `unrecorded-<invocation id>`, which no recorded build
  matches, so the gate and publish refuse a warehouse that a build nobody recorded has touched.
  The id comes from the environment, read only when the hook executes, not from --vars: a new value in
  --vars for every build would make dbt re-parse the whole project each time.
-#}
{% macro record_build_id() -%}
    {%- if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot') -%}
        {%- set build_id = env_var('OUTCOMES_BUILD_ID', 'unrecorded-' ~ invocation_id) -%}
        {%- set relation = target.schema ~ '.outcomes_build' -%}
        {%- call statement('outcomes_build_marker_schema') -%}
            create schema if not exists {{ target.schema }}
        {%- endcall -%}
        {%- call statement('outcomes_build_marker') -%}
            create table if not exists {{ relation }} (build_id varchar(64), invocation_id varchar(64), finished_at timestamp)
        {%- endcall -%}
        {%- call statement('outcomes_build_marker_clear') -%}
            delete from {{ relation }}
        {%- endcall -%}
        {%- call statement('outcomes_build_marker_insert') -%}
            insert into {{ relation }} values ('{{ build_id }}', '{{ invocation_id }}', {{ dbt.current_timestamp() }})
        {%- endcall -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}
