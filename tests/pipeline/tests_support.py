import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
    "msgraph": ["users", "subscribed_skus"],
    "github_copilot": ["users_daily", "seats", "billing"],
    "zendesk": ["tickets", "users"],
    "m365_copilot": ["usage_user_detail"],
    "openai": ["usage_completions", "costs", "users"],
    "anthropic": ["claude_code", "cost_report"],
    "jira": ["issues", "users", "statuses"],
    "github": ["pull_requests", "pull_request_reviews"],
    "harvest": ["time_entries", "users"],
    "typeform": ["responses"],
    "interviews": ["answers"],
}


class WebhookReceiver:
    """A local webhook endpoint on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"path": self.path, "body": json.loads(body)})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/outcomes"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
