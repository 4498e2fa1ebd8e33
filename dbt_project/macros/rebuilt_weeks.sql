{#-
  Marts with a row per ISO week that judge each week over the weeks before it (mart_adoption_segments,
  mart_adoption_weekly) are incremental by week: a build recomputes the weeks from the earliest one whose
  inputs changed, instead of the person x tool x week grid of the company's whole history.

  What each such mart was last built from is kept in `week_inputs_built` (model, week_start, fingerprint):
  a fingerprint of its input rows per week (activity by day, licenses by the day they start), and one row
  with week_start null for the inputs every week reads (people and their teams, thresholds, the group-size
  floor, each tool's first day). A build
    - recomputes every week when there is no record or those whole-table inputs changed (a person who moves
      team moves every week's counts);
    - otherwise recomputes the weeks from the earliest week whose fingerprint changed, and at least from the
      last week built before (it was cut short by the end of the data then).
  Strategy `rebuilt_weeks` deletes the rows from the first recomputed week on and inserts the new ones; the
  record of what they were built from is replaced in the same transaction (post-hooks). The inputs are the
  adoption marts' (macros adoption_week_inputs, adoption_whole_inputs). A full refresh gives
  the same rows (tests/dbt/test_incremental_equals_full.py).
-#}

{% macro week_inputs_built_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='week_inputs_built')) }}
{%- endmacro %}

{#- on-run-start -#}
{% macro create_week_inputs_built() -%}
    create schema if not exists {{ target.schema }};
    create table if not exists {{ week_inputs_built_relation() }} (
        model varchar(256) not null, week_start date, fingerprint varchar(4000)
    )
{%- endmacro %}

{#- One order-independent fingerprint of a group's rows over `columns` (text): a sum of row hashes. -#}
{% macro rows_fingerprint(columns) -%}
    {{ return(adapter.dispatch('rows_fingerprint')(columns)) }}
{%- endmacro %}

{% macro duckdb__rows_fingerprint(columns) -%}
    cast(sum(hash({{ columns | join(', ') }})) as varchar)
{%- endmacro %}

{% macro default__rows_fingerprint(columns) -%}
    cast(sum(('x' || substr(md5(concat_ws('|'
        {%- for column in columns %}, coalesce(cast({{ column }} as text), '\N'){% endfor -%}
    )), 1, 15))::bit(60)::bigint) as varchar)
{%- endmacro %}

{#- The adoption marts' inputs per week (a query of week_start, fingerprint): the activity of each week, and
    the licenses dated in it (a license counts from its week on, so a seat assigned today changes this week
    and the later ones only). -#}
{% macro adoption_week_inputs() -%}
    with activity_weeks as (
        select
            cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start,
            {{ rows_fingerprint(['person_key', 'tool', 'activity_date', 'actions', 'is_active', 'features_used']) }}
                as fingerprint
        from {{ ref('fct_ai_activity_daily') }}
        group by cast({{ dbt.date_trunc('week', 'activity_date') }} as date)
    ),
    license_weeks as (
        select
            cast({{ dbt.date_trunc('week', 'licensed_at') }} as date) as week_start,
            {{ rows_fingerprint(['person_key', 'tool', 'licensed_at']) }} as fingerprint
        from {{ ref('int_person_tool_licenses') }}
        where licensed_at is not null
        group by cast({{ dbt.date_trunc('week', 'licensed_at') }} as date)
    )
    select
        coalesce(activity_weeks.week_start, license_weeks.week_start) as week_start,
        coalesce(activity_weeks.fingerprint, '') || '/' || coalesce(license_weeks.fingerprint, '') as fingerprint
    from activity_weeks
    full outer join license_weeks on activity_weeks.week_start = license_weeks.week_start
{%- endmacro %}

{#- ... and those every week reads, as one text value (the segment thresholds only where the mart reads them):
    each person's team (a person counts in every week, by their current team), the thresholds, each tool's
    first day (where a tool's weeks start) and the group-size floor -#}
{% macro adoption_whole_inputs(with_thresholds=true) -%}
    select
        coalesce((select {{ rows_fingerprint(['person_key', 'department', 'team']) }} from {{ ref('dim_people') }}), '')
        || '/' || coalesce((select {{ rows_fingerprint(['person_key', 'tool']) }}
                            from {{ ref('int_person_tool_licenses') }} where licensed_at is null), '')
        {%- if with_thresholds %}
        || '/' || coalesce((select {{ rows_fingerprint(['tool', 'power_min_active_weeks', 'power_min_weekly_actions',
                                                        'habitual_min_active_weeks', 'novice_min_weekly_actions',
                                                        'thresholds_version']) }}
                            from {{ ref('adoption_segment_thresholds') }}), '')
        {%- endif %}
        || '/' || coalesce((select {{ rows_fingerprint(['tool', 'first_day']) }} from (
                                select tool, min(activity_date) as first_day
                                from {{ ref('fct_ai_activity_daily') }} group by tool) as tool_first_days), '')
        || '/{{ var("min_group_size") }}'
{%- endmacro %}

{#- The first week_start this build recomputes, as a SQL date literal, or none for every week (a table
    build, a full refresh, or whole-table inputs that changed). -#}
{% macro first_week_to_rebuild(week_inputs, whole_inputs) -%}
    {%- if not execute or not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {%- set state = week_inputs_built_relation() -%}
    {%- set sql -%}
    with current_weeks as ({{ week_inputs }}),
    built as (
        select week_start, fingerprint from {{ state }} where model = '{{ this.identifier }}'
    ),
    built_weeks as (select week_start, fingerprint from built where week_start is not null),
    changed as (
        select coalesce(current_weeks.week_start, built_weeks.week_start) as week_start
        from current_weeks
        full outer join built_weeks on current_weeks.week_start = built_weeks.week_start
        where current_weeks.fingerprint is null or built_weeks.fingerprint is null
            or current_weeks.fingerprint <> built_weeks.fingerprint
    )
    select
        (select max(fingerprint) from built where week_start is null) as built_whole,
        ({{ whole_inputs }}) as current_whole,
        cast((select min(week_start) from changed) as varchar(10)) as first_changed,
        cast((select max(week_start) from built_weeks) as varchar(10)) as last_built,
        cast((select max(week_start) from current_weeks) as varchar(10)) as last_current
    {%- endset -%}
    {%- set row = run_query(sql).rows[0] -%}
    {%- if row['built_whole'] is none or row['built_whole'] != row['current_whole'] or row['last_current'] is none -%}
        {%- do log(this.identifier ~ ': every week (no record of its inputs, or inputs of every week changed)') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set candidates = [row['last_built'], row['last_current']] + ([row['first_changed']] if row['first_changed'] else []) -%}
    {%- set first = candidates | reject('none') | min -%}
    {%- do log(this.identifier ~ ': weeks from ' ~ first) -%}
    {{ return("cast('" ~ first ~ "' as date)") }}
{%- endmacro %}

{#- ... for the adoption mart being built, with the inputs its config names (rebuilt_weeks_config): the model's
    SQL and its strategy ask the same question of the same record. -#}
{% macro adoption_first_week_to_rebuild() -%}
    {{ return(first_week_to_rebuild(
        adoption_week_inputs(), adoption_whole_inputs(config.get('week_inputs_with_thresholds')))) }}
{%- endmacro %}

{#- post-hooks: what the rows were built from replaces the previous record, in the rows' transaction -#}
{% macro forget_week_inputs() -%}
    delete from {{ week_inputs_built_relation() }} where model = '{{ this.identifier }}'
{%- endmacro %}

{% macro remember_week_inputs(week_inputs, whole_inputs) -%}
    insert into {{ week_inputs_built_relation() }} (model, week_start, fingerprint)
    select '{{ this.identifier }}', week_start, fingerprint from ({{ week_inputs }}) as current_weeks
    union all
    select '{{ this.identifier }}', null, ({{ whole_inputs }})
{%- endmacro %}

{#- Incremental strategy: the recomputed weeks replace every row from the first of them on (all rows when
    every week is recomputed). Asked again here, of the same record and inputs, because the model's SQL cannot
    hand the week to its materialization. -#}
{% macro get_incremental_rebuilt_weeks_sql(arg_dict) -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    {%- set first = adoption_first_week_to_rebuild() -%}
    delete from {{ arg_dict['target_relation'] }}
    {%- if first is not none %} where week_start >= {{ first }}{% endif %};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- Model config of such a mart -#}
{% macro rebuilt_weeks_config(with_thresholds) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'rebuilt_weeks',
        'on_schema_change': 'fail',
        'week_inputs_with_thresholds': with_thresholds,
        'post_hook': [
            '{{ forget_week_inputs() }}',
            '{{ remember_week_inputs(adoption_week_inputs(), adoption_whole_inputs(' ~ with_thresholds ~ ')) }}',
        ],
    }) }}
{%- endmacro %}
