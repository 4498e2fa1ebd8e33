"""Tell Airflow that a webhook stream landed: an asset event through the REST API (POST /api/v2/assets/events).

The token comes from the api-server's /auth/token and is refreshed on 401. The asset id is looked up by
the landing asset's name (`landing.<source>.<stream>`, see outcomes.assets). Credentials are never logged.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from connectors.redaction import register_secret

log = logging.getLogger("connectors.webhooks.notify")


def landing_asset_name(source: str, stream: str) -> str:
    return f"landing.{source}.{stream}"


@dataclass
class AirflowNotifier:
    api_url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    passwords_file: str | None = None  # SimpleAuthManager's generated passwords file (make up)
    timeout: float = 10.0
    _token: str | None = field(default=None, repr=False)
    _asset_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> AirflowNotifier | None:
        url = os.environ.get("OUTCOMES_AIRFLOW_API_URL")
        if not url:
            return None
        return cls(url.rstrip("/"), os.environ.get("OUTCOMES_AIRFLOW_USER", "admin"),
                   os.environ.get("OUTCOMES_AIRFLOW_PASSWORD"), os.environ.get("OUTCOMES_AIRFLOW_PASSWORDS_FILE"))

    def _credentials(self) -> tuple[str, str]:
        password = self.password
        if not password and self.passwords_file and Path(self.passwords_file).exists():
            password = json.loads(Path(self.passwords_file).read_text() or "{}").get(self.username)
        if not password:
            raise RuntimeError(f"no Airflow password for user {self.username!r}: set OUTCOMES_AIRFLOW_PASSWORD "
                               "or OUTCOMES_AIRFLOW_PASSWORDS_FILE")
        register_secret(password)
        return self.username, password

    def _login(self) -> None:
        username, password = self._credentials()
        resp = requests.post(f"{self.api_url}/auth/token", json={"username": username, "password": password},
                             timeout=self.timeout)
        if not resp.ok:
            raise RuntimeError(f"Airflow /auth/token answered {resp.status_code} for user {username!r}")
        self._token = resp.json()["access_token"]
        register_secret(self._token)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        for attempt in range(2):
            if self._token is None:
                self._login()
            resp = requests.request(method, f"{self.api_url}{path}", timeout=self.timeout,
                                    headers={"Authorization": f"Bearer {self._token}"}, **kwargs)
            if resp.status_code != 401 or attempt:
                return resp
            self._token = None  # expired: log in again once
        return resp

    def asset_id(self, name: str) -> int | None:
        if name not in self._asset_ids:
            resp = self._request("GET", "/api/v2/assets", params={"name_pattern": name, "limit": 100})
            resp.raise_for_status()
            for asset in resp.json().get("assets", []):
                if asset.get("name") == name:
                    self._asset_ids[name] = int(asset["id"])
        return self._asset_ids.get(name)

    def notify(self, events: dict[str, dict[str, Any]]) -> set[str]:
        """Post one asset event per landing asset name; returns the names that could not be notified."""
        failed = set()
        for name, extra in events.items():
            try:
                asset_id = self.asset_id(name)
                if asset_id is None:
                    raise RuntimeError(f"Airflow has no asset {name!r} yet (is the transform DAG parsed?)")
                resp = self._request("POST", "/api/v2/assets/events", json={"asset_id": asset_id, "extra": extra})
                if not resp.ok:
                    raise RuntimeError(f"POST /api/v2/assets/events answered {resp.status_code}: {resp.text[:200]}")
            except (requests.RequestException, RuntimeError, ValueError) as exc:
                log.warning("could not tell Airflow about %s (will retry): %s", name, exc)
                failed.add(name)
        return failed
