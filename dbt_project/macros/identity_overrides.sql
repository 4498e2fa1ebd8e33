{#-
  A conflicting identity override (one account, two people) stops the build naming the account and the
  people: resolving it by whichever mail sorts first would silently give one person's work to another.
  Exact duplicates (same account, same mail, any case or spacing) are harmless and pass.
-#}
{% macro assert_identity_overrides_agree() -%}
    {%- if execute -%}
        {%- set sql -%}
            select
                namespace,
                account,
                min(email) as first_person,
                max(email) as second_person,
                count(distinct email) as people
            from (
                select
                    case when lower(trim(source)) in ('github', 'github_copilot') then 'github'
                         else lower(trim(source)) end as namespace,
                    lower(trim(source_user_id)) as account,
                    lower(trim(email)) as email
                from {{ ref('stg_identity_overrides') }}
            ) as overrides
            group by namespace, account
            having count(distinct email) > 1
            order by namespace, account
        {%- endset -%}
        {%- set conflicts = run_query(sql) -%}
        {%- if conflicts.rows | length > 0 -%}
            {%- set lines = [] -%}
            {%- for row in conflicts.rows -%}
                {%- do lines.append(row[0] ~ " account '" ~ row[1] ~ "' is mapped to " ~ row[4] ~ " people: "
                                    ~ row[2] ~ " and " ~ row[3]) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                "identity overrides (seeds/identity_overrides.csv and any extra overrides file) have conflicting rows: " ~ (lines | join("; "))
                ~ ". Keep one row per account (the right person) and run again.") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
