-- Microsoft 365 Copilot user-days. Each snapshot row says, per app, the last day of use in its period, so
-- every (user, day, app) it names is a fact; the union over all landed snapshots is exact when snapshots
-- are daily, and a lower bound where some are missing. A lastActivityDate that no app explains (apps the
-- report does not break out) counts as app "other". Actions = apps used that day.
{%- set apps = [
    ('copilot_chat', 'copilot_chat_last_activity_date'),
    ('teams', 'teams_last_activity_date'),
    ('word', 'word_last_activity_date'),
    ('excel', 'excel_last_activity_date'),
    ('powerpoint', 'powerpoint_last_activity_date'),
    ('outlook', 'outlook_last_activity_date'),
    ('onenote', 'onenote_last_activity_date'),
    ('loop', 'loop_last_activity_date'),
] %}

with

snapshots as (

    select
        -- a concealed name is an opaque hash: keep it as given
        case when is_concealed then user_principal_name else lower(user_principal_name) end as source_user_id,
        last_activity_date,
        {%- for app, column in apps %}
        {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('stg_m365_copilot__usage_user_detail') }}
    where user_principal_name is not null

),

app_facts as (

    {%- for app, column in apps %}
    select source_user_id, {{ column }} as activity_date, '{{ app }}' as app
    from snapshots
    where {{ column }} is not null
    {% if not loop.last %}union{% endif %}
    {%- endfor %}

),

other_facts as (

    select distinct
        snapshots.source_user_id,
        snapshots.last_activity_date as activity_date,
        'other' as app
    from snapshots
    where snapshots.last_activity_date is not null
        and not exists (
            select 1
            from app_facts
            where app_facts.source_user_id = snapshots.source_user_id
                and app_facts.activity_date = snapshots.last_activity_date
        )

),

facts as (

    select * from app_facts
    union all
    select * from other_facts

),

days as (

    select
        source_user_id,
        activity_date,
        count(*) as actions,
        {{ dbt.listagg('app', "','", 'order by app') }} as features_used
    from facts
    group by source_user_id, activity_date

)

select
    cast('m365_copilot' as {{ dbt.type_string() }}) as source,
    cast('m365_copilot' as {{ dbt.type_string() }}) as tool,
    cast(source_user_id as {{ dbt.type_string() }}) as source_user_id,
    cast(activity_date as date) as activity_date,
    cast(actions as {{ dbt.type_bigint() }}) as actions,
    cast(0 as {{ dbt.type_bigint() }}) as passive_suggestions,
    actions > 0 as is_active,
    cast(features_used as {{ dbt.type_string() }}) as features_used
from days
