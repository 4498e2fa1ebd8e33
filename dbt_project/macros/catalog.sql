{#- SQL string literal for a catalog value (null-safe, quotes escaped). -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ (value | string).replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{#- The workflow catalog from var('workflows'). The catalog has one source, workflows.yml (or the sandbox's own),
    validated by outcomes/catalog.py, which fills every option: dbt keeps no catalog or defaults of its own and
    refuses to build without it. While dbt parses (no var needed), the catalog is empty. -#}
{% macro workflow_catalog() -%}
    {%- set how = "run the build through `outcomes`, or by hand with --vars \"$(python -m outcomes.dbt_models)\"" -%}
    {%- set workflows = var('workflows', none) -%}
    {%- if workflows is none -%}
        {%- if execute -%}
            {{ exceptions.raise_compiler_error("var 'workflows' is not set: the workflow catalog comes from workflows.yml, validated by outcomes.catalog; " ~ how) }}
        {%- endif -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set fields = ['workflow', 'name', 'team', 'tools', 'kpi', 'direction', 'redesigned_on', 'baseline_days',
                      'cohort_days', 'post_days', 'min_items', 'target_pct', 'task'] -%}
    {%- for w in workflows -%}
        {%- set position = loop.index -%}
        {%- for key in fields -%}
            {%- if key not in w -%}
                {{ exceptions.raise_compiler_error("Workflow catalog entry " ~ position ~ " (" ~ w.get('workflow', '?') ~ ") lacks '" ~ key ~ "': the catalog reaches dbt validated by outcomes.catalog, every option filled; " ~ how) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(workflows) }}
{%- endmacro %}

{#- The AI program from var('program'): the outcome metrics each team chose (program.yml, validated by
    outcomes/program.py). Empty when the file does not exist or while dbt parses. -#}
{% macro program_entries() -%}
    {{ return(var('program', []) or []) }}
{%- endmacro %}
