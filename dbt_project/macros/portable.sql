{#- Portable helpers for intermediate/ and marts/ (DuckDB and Postgres). -#}

{#- 0..(10^digits - 1) as column n, built from unions and cross joins (no generate_series). -#}
{% macro numbers(digits=3) -%}
    {%- for i in range(digits) %}
    {%- if not loop.first %} cross join {% endif -%}
    (
        {%- for d in range(10) %}select {{ d }} as d{%- if not loop.last %} union all {% endif %}{% endfor -%}
    ) as digits_{{ i }}
    {%- endfor -%}
{%- endmacro %}

{% macro numbers_expr(digits=3) -%}
    {%- for i in range(digits) -%}digits_{{ i }}.d * {{ 10 ** i }}{%- if not loop.last %} + {% endif -%}{%- endfor -%}
{%- endmacro %}

{#- Round for publication (Postgres only rounds numerics), then back to float so BI and pandas get
    plain floats rather than decimals. -#}
{% macro round_pct(expr, places=2) -%}
    cast(round(cast({{ expr }} as {{ dbt.type_numeric() }}), {{ places }}) as {{ type_double() }})
{%- endmacro %}

{#- Double precision on every adapter (dbt's type_float is a 4-byte REAL on DuckDB). -#}
{% macro type_double() -%}
    {%- if target.type == 'postgres' -%}double precision{%- else -%}double{%- endif -%}
{%- endmacro %}

{#- Date arithmetic that returns a date on every adapter. -#}
{% macro add_days(days, date_expr) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}

{#- One row per element of a delimited string, used in a select list (DuckDB and Postgres). -#}
{% macro split_to_rows(string_expr, delimiter) -%}
    {%- if target.type == 'postgres' -%}
        unnest(string_to_array({{ string_expr }}, '{{ delimiter }}'))
    {%- else -%}
        unnest(string_split({{ string_expr }}, '{{ delimiter }}'))
    {%- endif -%}
{%- endmacro %}

{#- Date arithmetic in months that returns a date on every adapter. -#}
{% macro add_months(months, date_expr) -%}
    cast({{ dbt.dateadd('month', months, date_expr) }} as date)
{%- endmacro %}
