{#- SQL string literal for a catalog value (null-safe, quotes escaped). -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ (value | string).replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{#- The workflow catalog from var('workflows'), validated so a typo fails at compile time. -#}
{% macro workflow_catalog() -%}
    {%- set workflows = var('workflows', []) -%}
    {%- set required = ['workflow', 'team', 'tools', 'kpi', 'redesigned_on'] -%}
    {%- for w in workflows -%}
        {%- for key in required -%}
            {%- if w.get(key) is none -%}
                {{ exceptions.raise_compiler_error("Workflow catalog entry " ~ loop.index ~ " lacks '" ~ key ~ "': every entry needs " ~ required | join(', ')) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(workflows) }}
{%- endmacro %}
