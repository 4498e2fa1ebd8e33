-- One row per workflow and AI tool whose use defines its adopters (the catalog's `tools` lists).
{%- set rows = [] %}
{%- for w in workflow_catalog() %}
    {%- set tools = [w.tools] if w.tools is string else w.tools %}
    {%- for tool in tools %}{% do rows.append((w.workflow, tool)) %}{% endfor %}
{%- endfor %}

with

source as (

    {%- for workflow, tool in rows %}
    select {{ sql_literal(workflow) }} as workflow, {{ sql_literal(tool) }} as tool
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not rows %}
    select null as workflow, null as tool where 1 = 0
    {%- endif %}

),

renamed as (

    select
        cast(workflow as {{ dbt.type_string() }}) as workflow,
        cast(tool as {{ dbt.type_string() }}) as tool
    from source

)

select * from renamed
