from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The documented sources and streams (README), one ingest DAG per source and one Asset per stream.
SOURCE_STREAMS = {
    "msgraph": ["users"],
    "github_copilot": ["users_daily", "seats"],
    "zendesk": ["tickets", "users"],
    "m365_copilot": ["usage_user_detail"],
    "openai": ["usage_completions", "costs", "users"],
    "anthropic": ["claude_code", "cost_report"],
    "jira": ["issues", "users", "statuses"],
    "github": ["pull_requests", "pull_request_reviews"],
    "harvest": ["time_entries", "users"],
}
