"""Microsoft Graph: the people directory (`GET /v1.0/users`) and the tenant's licences
(`GET /v1.0/subscribedSkus`: prepaid units per SKU), app-only OAuth2 client credentials.

Connection: host = Graph base URL (https://graph.microsoft.com/v1.0), login = client id,
password = client secret, extra.tenant_id, optional extra.login_url (https://login.microsoftonline.com).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import requests

from connectors.config import ConnectionConfig
from connectors.errors import MalformedResponseError
from connectors.http import VendorHttpClient
from connectors.pagination import odata_pages
from connectors.redaction import register_secret
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "msgraph"
USER_FIELDS = (
    "id,displayName,givenName,surname,mail,userPrincipalName,jobTitle,department,employeeId,"
    "accountEnabled,officeLocation,employeeOrgData"
)


class ClientCredentialsAuth(requests.auth.AuthBase):
    """Fetches an app-only token and renews it a minute before it expires."""

    def __init__(self, token_client: VendorHttpClient, tenant: str, client_id: str, client_secret: str, scope: str):
        self.token_client, self.tenant = token_client, tenant
        self._form = {
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": scope,
            "grant_type": "client_credentials",
        }
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.time() > self._expires_at - 60:
                response = self.token_client.request("POST", f"{self.tenant}/oauth2/v2.0/token", data=self._form)
                body = self.token_client.parse_json(response)
                if "access_token" not in body:
                    raise MalformedResponseError("Microsoft identity platform: token response has no access_token.")
                self._token = body["access_token"]
                register_secret(self._token)
                self._expires_at = time.time() + float(body.get("expires_in", 3599))
            return self._token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token()}"
        return r

    def __repr__(self) -> str:
        return "ClientCredentialsAuth(***)"


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    tenant = conn.require_extra("tenant_id")
    token_client = VendorHttpClient(
        vendor="Microsoft identity platform",
        base_url=conn.extra.get("login_url", "https://login.microsoftonline.com"),
        secrets=(conn.password or "",),
        hints={
            400: f"the token request for tenant {tenant} was refused; check the client id and tenant id",
            401: f"client secret invalid or expired for tenant {tenant}; create a new secret in Entra ID",
        },
        **overrides,
    )
    auth = ClientCredentialsAuth(
        token_client, tenant, conn.login or "", conn.password or "", "https://graph.microsoft.com/.default"
    )
    return VendorHttpClient(
        vendor="Microsoft Graph",
        base_url=conn.host or "https://graph.microsoft.com/v1.0",
        auth=auth,
        secrets=(conn.password or "",),
        hints={
            401: "the app token was rejected",
            403: "the app lacks the User.Read.All (users) or Organization.Read.All (subscribedSkus) application "
            "permission (grant admin consent)",
        },
        **overrides,
    )


def _extract_users(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    params = {"$select": USER_FIELDS, "$expand": "manager($select=id,mail)", "$top": 999}
    for records in odata_pages(client, "users", params):
        yield Page(records)


USERS = Stream(
    source=SOURCE,
    name="users",
    primary_key=("id",),
    disposition="snapshot",
    extract=_extract_users,
    description="Directory users with department, job title and manager (full snapshot each run).",
)

def _extract_subscribed_skus(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    # one page: Graph returns every SKU of the tenant at once (no paging, no $top)
    for records in odata_pages(client, "subscribedSkus", {}):
        yield Page(records)


SUBSCRIBED_SKUS = Stream(
    source=SOURCE,
    name="subscribed_skus",
    primary_key=("skuId",),
    disposition="snapshot",
    extract=_extract_subscribed_skus,
    description="The tenant's subscribed SKUs with prepaid (purchased) and consumed (assigned) units "
    "(full snapshot each run).",
)

STREAMS = (USERS, SUBSCRIBED_SKUS)
