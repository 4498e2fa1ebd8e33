-- Merge stream: one row per (activity_date, actor, terminal_type, is_remote); the latest extraction wins.
-- `date` is RFC 3339 at midnight UTC (older docs: YYYY-MM-DD); its first ten characters are the day.
-- `tool_actions` is a map whose keys can be missing or new: totals sum every key, the four documented
-- tools also get their own columns, and the rest are counted as "other".
{%- set tools = ['edit_tool', 'multi_edit_tool', 'notebook_edit_tool', 'write_tool'] %}
{{ config(**landing_model_config('anthropic', 'claude_code')) }}
{#- every field read, extracted in one parse of each record (json_fields in macros/landing.sql) -#}
{%- set paths = [
    '$.date',
    '$.actor.type',
    '$.actor.email_address',
    '$.actor.api_key_name',
    '$.terminal_type',
    '$.is_remote',
    '$.organization_id',
    '$.customer_type',
    '$.subscription_type',
    '$.core_metrics.num_sessions',
    '$.core_metrics.lines_of_code.added',
    '$.core_metrics.lines_of_code.removed',
    '$.core_metrics.commits_by_claude_code',
    '$.core_metrics.pull_requests_by_claude_code',
] %}
with

source as (

    select *, {{ json_fields('record', paths) }} as _json_fields
    from {{ landing_records('anthropic', 'claude_code') }}

),

parsed as (

    select
        record,
        _json_fields,
        cast(left({{ json_field_str(paths, '$.date') }}, 10) as date) as activity_date,
        {{ json_field_str(paths, '$.actor.type') }} as actor_type,
        {{ json_field_str(paths, '$.actor.email_address') }} as actor_email_address,
        {{ json_field_str(paths, '$.actor.api_key_name') }} as actor_api_key_name,
        {{ json_field_str(paths, '$.terminal_type') }} as terminal_type,
        coalesce(cast({{ json_field(paths, '$.is_remote') }} as boolean), false) as is_remote,
        cast(json_extract(record, '$.tool_actions') as map(varchar, json)) as tool_actions,
        coalesce(cast(json_extract(record, '$.model_breakdown') as json[]), []) as model_breakdown,
        _batch_id,
        _extracted_at,
        _record_key
    from source

),

deduped as (

    {{ latest_per_key('parsed') }}

),

renamed as (

    select
        ----------  ids
        md5(concat_ws('|', cast(activity_date as varchar), actor_type, coalesce(actor_email_address, ''),
            coalesce(actor_api_key_name, ''), coalesce(terminal_type, ''), cast(is_remote as varchar)))
            as claude_code_row_id,
        case
            when actor_email_address is not null then lower(actor_email_address)
            when actor_api_key_name is not null then 'api_key:' || actor_api_key_name
        end as actor_key,
        actor_type,
        actor_email_address,
        actor_api_key_name,
        {{ json_field_str(paths, '$.organization_id') }} as organization_id,

        ----------  strings
        {{ json_field_str(paths, '$.customer_type') }} as customer_type,
        {{ json_field_str(paths, '$.subscription_type') }} as subscription_type,
        terminal_type,
        array_to_string(list_sort(list_filter(
            coalesce(map_keys(tool_actions), []),
            lambda k: coalesce(cast(tool_actions[k] ->> 'accepted' as bigint), 0)
                + coalesce(cast(tool_actions[k] ->> 'rejected' as bigint), 0) > 0
        )), ',') as tools_used,
        array_to_string(list_sort(list_distinct(
            list_transform(model_breakdown, lambda m: m ->> 'model')
        )), ',') as models_used,

        ----------  numerics
        coalesce(cast({{ json_field(paths, '$.core_metrics.num_sessions') }} as bigint), 0) as num_sessions,
        coalesce(cast({{ json_field(paths, '$.core_metrics.lines_of_code.added') }} as bigint), 0)
            as lines_added,
        coalesce(cast({{ json_field(paths, '$.core_metrics.lines_of_code.removed') }} as bigint), 0)
            as lines_removed,
        coalesce(cast({{ json_field(paths, '$.core_metrics.commits_by_claude_code') }} as bigint), 0)
            as commits_by_claude_code,
        coalesce(cast({{ json_field(paths, '$.core_metrics.pull_requests_by_claude_code') }} as bigint), 0)
            as pull_requests_by_claude_code,
        cast(coalesce(list_sum(list_transform(
            coalesce(map_values(tool_actions), []), lambda t: coalesce(cast(t ->> 'accepted' as bigint), 0)
        )), 0) as bigint) as tool_accepted_count,
        cast(coalesce(list_sum(list_transform(
            coalesce(map_values(tool_actions), []), lambda t: coalesce(cast(t ->> 'rejected' as bigint), 0)
        )), 0) as bigint) as tool_rejected_count,
        {%- for tool in tools %}
        coalesce(cast(tool_actions['{{ tool }}'] ->> 'accepted' as bigint), 0) as {{ tool }}_accepted,
        coalesce(cast(tool_actions['{{ tool }}'] ->> 'rejected' as bigint), 0) as {{ tool }}_rejected,
        {%- endfor %}
        cast(coalesce(list_sum(list_transform(model_breakdown, lambda m: coalesce(cast(m ->> '$.tokens.input' as bigint), 0))), 0)
            as bigint) as input_tokens,
        cast(coalesce(list_sum(list_transform(model_breakdown, lambda m: coalesce(cast(m ->> '$.tokens.output' as bigint), 0))), 0)
            as bigint) as output_tokens,
        cast(coalesce(list_sum(list_transform(model_breakdown, lambda m: coalesce(cast(m ->> '$.tokens.cache_read' as bigint), 0))), 0)
            as bigint) as cache_read_tokens,
        cast(coalesce(list_sum(list_transform(model_breakdown, lambda m: coalesce(cast(m ->> '$.tokens.cache_creation' as bigint), 0))), 0)
            as bigint) as cache_creation_tokens,
        -- an estimate in cents, not billing: spend comes from the cost report
        cast(coalesce(list_sum(list_transform(model_breakdown,
            lambda m: coalesce(cast(m ->> '$.estimated_cost.amount' as decimal(38, 10)), 0))), 0) as decimal(38, 10))
            as estimated_cost_cents,

        ----------  booleans
        is_remote,

        ----------  dates
        activity_date,

        ----------  lineage
        _batch_id,
        _extracted_at,
        _record_key

    from deduped

)

select
    *,
    -- tool uses outside the four documented tools
    tool_accepted_count
        {%- for tool in tools %} - {{ tool }}_accepted{% endfor %} as other_tool_accepted,
    tool_rejected_count
        {%- for tool in tools %} - {{ tool }}_rejected{% endfor %} as other_tool_rejected,
    cast(estimated_cost_cents * cast(0.01 as decimal(38, 10)) as decimal(38, 12)) as estimated_cost
from renamed
