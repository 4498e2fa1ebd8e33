from dataclasses import replace
from pathlib import Path

from outcomes.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def isolated_settings(data: Path) -> Settings:
    """Settings whose every path lives under `data`."""
    return replace(Settings.from_env(), data_dir=data, landing_root=str(data / "landing"),
                   state_root=str(data / "state"), warehouse_path=data / "warehouse" / "outcomes.duckdb",
                   published_path=data / "warehouse" / "analytics.duckdb", gx_root=data / "gx",
                   runs_dir=data / "runs")


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
