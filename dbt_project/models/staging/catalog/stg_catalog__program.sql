-- One row per team and outcome metric the team chose, from the program file in var('program').
{%- set rows = [] %}
{%- for entry in program_entries() %}
    {%- for metric in entry.outcome_metrics %}{% do rows.append((entry.team, loop.index, metric.kpi, metric.get('task'))) %}{% endfor %}
{%- endfor %}

with

source as (

    {%- for team, position, kpi, task in rows %}
    select {{ sql_literal(team) }} as team, {{ position }} as metric_position, {{ sql_literal(kpi) }} as kpi,
           {{ sql_literal(task) }} as task
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not rows %}
    select null as team, 0 as metric_position, null as kpi, null as task where 1 = 0
    {%- endif %}

),

renamed as (

    select
        ----------  strings
        cast(team as {{ dbt.type_string() }}) as team,
        cast(kpi as {{ dbt.type_string() }}) as kpi,
        cast(task as {{ dbt.type_string() }}) as task,

        ----------  numerics
        cast(metric_position as {{ dbt.type_int() }}) as metric_position

    from source

)

select * from renamed
