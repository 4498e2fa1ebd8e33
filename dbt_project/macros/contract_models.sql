{#-
  Contract models: each source delivers its rows to a shared shape through models named
  `<prefix><name>` (int_accounts__<source>, int_ai_user_days__<tool>, int_ai_spend_daily__<source>,
  int_kpi_items__<source>). union_contract_models(prefix, columns) selects `columns` from every such model,
  `union all`, so a new contract model joins the union by its name alone (stands in for
  dbt_utils.union_relations over the models a name pattern matches).

  dbt fixes a model's parents while it parses, and `graph` is still empty then (execute is false): the
  models cannot be found there at parse time. So the parse-time refs come from var('model_names'), every
  model name of the project that the pipeline reads from the model files (outcomes/dbt_models.py), and at
  run time the models are taken from `graph`, which is complete; a model in the graph that the parse did
  not see as a parent (dbt run without that var) is refused with the fix, never silently left out.
-#}
{% macro union_contract_models(prefix, columns) -%}
    {#- graph holds no nodes while dbt parses, nor in a unit test (its given inputs stand in for the parents) -#}
    {%- set graph_nodes = graph.get('nodes') if execute else none -%}
    {%- if graph_nodes -%}
        {%- set names = contract_model_names(graph_nodes, prefix) -%}
        {%- set missing = [] -%}
        {%- for name in names -%}
            {%- if ('model.' ~ project_name ~ '.' ~ name) not in model.depends_on.nodes -%}
                {%- do missing.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ " unions every " ~ prefix ~ "* model, but dbt parsed it without "
                ~ missing | join(', ') ~ " as a parent: pass --vars with model_names (every model of the project; "
                ~ "outcomes.dbt_models.dbt_model_vars() builds it), or run the build through `outcomes`."
            ) }}
        {%- endif -%}
    {%- else -%}
        {%- set names = [] -%}
        {%- for name in var('model_names', []) if name is string and name.startswith(prefix) -%}
            {%- do names.append(name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not names and execute -%}
        {{ exceptions.raise_compiler_error(model.name ~ " unions the " ~ prefix ~ "* models, but the project has none") }}
    {%- endif -%}
    {%- for name in names | sort %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select {{ columns | join(', ') }}
    from {{ ref(name) }}
    {%- endfor %}
{%- endmacro %}

{#- Enabled models of this project whose name starts with prefix. -#}
{% macro contract_model_names(graph_nodes, prefix) -%}
    {%- set names = [] -%}
    {%- for node in graph_nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name
              and node.name.startswith(prefix) and node.config.enabled -%}
            {%- do names.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
