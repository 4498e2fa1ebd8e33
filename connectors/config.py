"""Vendor credentials and settings, in the shape of an Airflow Connection.

Inside Airflow they come from Connections (`BaseHook.get_connection`); outside it, from the same
`AIRFLOW_CONN_<ID>` environment variables in Airflow's JSON form, so one definition serves both.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import ConnectorError
from connectors.redaction import register_secret


@dataclass(frozen=True)
class ConnectionConfig:
    conn_id: str
    host: str
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        register_secret(self.password)

    def require_extra(self, key: str) -> Any:
        if key not in self.extra or self.extra[key] in (None, ""):
            raise ConnectorError(f"connection '{self.conn_id}' needs extra.{key}; add it to the Airflow connection.")
        return self.extra[key]

    @classmethod
    def from_airflow(cls, conn: Any) -> ConnectionConfig:
        extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
        return cls(conn.conn_id, conn.host or "", conn.login, conn.password, dict(extra))

    @classmethod
    def from_env(cls, conn_id: str) -> ConnectionConfig:
        name = f"AIRFLOW_CONN_{conn_id.upper()}"
        raw = os.environ.get(name)
        if not raw:
            raise ConnectorError(f"no connection '{conn_id}': set {name} or define it in Airflow.")
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConnectorError(f"{name} must be Airflow's JSON connection form: {exc.msg}") from None
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra)
        return cls(conn_id, data.get("host", ""), data.get("login"), data.get("password"), dict(extra))

    def to_env_value(self) -> str:
        fields = {"conn_type": "http", "host": self.host, "login": self.login, "password": self.password}
        return json.dumps({**fields, "extra": self.extra})
