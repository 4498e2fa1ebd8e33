-- Anthropic metered spend per day and currency, from the cost report (billing; cents already converted to
-- currency units in staging). It is organisation-level, so source_user_id is null. The Claude Code rows'
-- estimated_cost is an estimate of the same spend and is deliberately not added.
{{ metered_spend_daily('stg_anthropic__cost_report', 'anthropic', 'claude_code') }}
