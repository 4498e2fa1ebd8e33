{#- Layers land in plain schemas (staging, intermediate, marts, seeds) so the publish step and BI
    tools can name them without knowing the target's default schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
