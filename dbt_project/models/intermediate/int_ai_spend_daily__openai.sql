-- OpenAI metered spend per day and currency, from the costs API (billing, in currency units). Costs are
-- per project and line item, never per user, so source_user_id is null.
{{ metered_spend_daily('stg_openai__costs', 'openai', 'openai') }}
