from __future__ import annotations

import requests
from sandbox_testlib import graph_token

from sandbox import credentials
from sandbox.company import Company
from sandbox.server import SandboxServer

SCOPE = "https://graph.microsoft.com/.default"


def _token_form(**override: str) -> dict[str, str]:
    form = {"client_id": credentials.MS_CLIENT_ID, "client_secret": credentials.MS_CLIENT_SECRET,
            "scope": SCOPE, "grant_type": "client_credentials"}
    return {**form, **override}


def test_client_credentials_token_has_the_documented_shape(server: SandboxServer) -> None:
    r = requests.post(f"{server.login_url}/{credentials.MS_TENANT_ID}/oauth2/v2.0/token", data=_token_form())
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["ext_expires_in"] == 3599
    assert body["access_token"]


def test_bad_client_secret_gives_aadsts7000215(server: SandboxServer) -> None:
    r = requests.post(f"{server.login_url}/{credentials.MS_TENANT_ID}/oauth2/v2.0/token",
                      data=_token_form(client_secret="wrong"))
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.json()["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")


def test_users_without_a_valid_bearer_token_is_401(server: SandboxServer) -> None:
    for headers in ({}, {"Authorization": "Bearer not-issued"}):
        r = requests.get(f"{server.graph_url}/users", headers=headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_paging_with_nextlink_returns_every_user_exactly_once(server: SandboxServer, company: Company) -> None:
    headers = {"Authorization": f"Bearer {graph_token(server)}"}
    url = f"{server.graph_url}/users"
    params: dict[str, str] | None = {
        "$select": "id,displayName,mail,userPrincipalName,jobTitle,department,employeeId,accountEnabled",
        "$expand": "manager($select=id,mail)"}
    ids: list[str] = []
    pages = 0
    while url:
        r = requests.get(url, params=params, headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert "@odata.context" in body
        ids += [u["id"] for u in body["value"]]
        pages += 1
        url, params = body.get("@odata.nextLink"), None
        if url:
            assert url.startswith("http://") and "$skiptoken=" in url
    assert pages == 7  # 604 users at the default page size of 100
    assert sorted(ids) == sorted(p["graph_id"] for p in company.people)


def test_select_projects_fields_and_expand_adds_only_manager_id_and_mail(server: SandboxServer) -> None:
    headers = {"Authorization": f"Bearer {graph_token(server)}"}
    r = requests.get(f"{server.graph_url}/users", headers=headers,
                     params={"$select": "mail,department", "$expand": "manager($select=id,mail)", "$top": "999"})
    users = r.json()["value"]
    assert len(users) == 604 and "@odata.nextLink" not in r.json()
    assert all(set(u) - {"manager"} == {"id", "mail", "department"} for u in users)
    managed = [u for u in users if "manager" in u]
    assert len(managed) == 603
    assert set(managed[0]["manager"]) == {"@odata.type", "id", "mail"}


def test_default_properties_without_select_omit_department(server: SandboxServer) -> None:
    headers = {"Authorization": f"Bearer {graph_token(server)}"}
    u = requests.get(f"{server.graph_url}/users", headers=headers, params={"$top": "1"}).json()["value"][0]
    assert "department" not in u and "displayName" in u and "userPrincipalName" in u


def test_top_above_999_is_rejected(server: SandboxServer) -> None:
    headers = {"Authorization": f"Bearer {graph_token(server)}"}
    r = requests.get(f"{server.graph_url}/users", headers=headers, params={"$top": "1000"})
    assert r.status_code == 400 and "between 1 and 999" in r.json()["error"]["message"]


def test_subscribed_skus_give_copilot_licences_bought_and_assigned(server: SandboxServer, company: Company) -> None:
    r = requests.get(f"{server.graph_url}/subscribedSkus", headers={"Authorization": f"Bearer {graph_token(server)}"})
    assert r.status_code == 200
    skus = {s["skuPartNumber"]: s for s in r.json()["value"]}
    copilot = skus["Microsoft_365_Copilot"]
    holders = len(company.tool_holders("m365_copilot"))
    # assigned = the licence holders; bought = holders plus 5% headroom, rounded up
    assert copilot["consumedUnits"] == holders
    assert copilot["prepaidUnits"]["enabled"] == holders + -(-holders * 5 // 100)
    assert copilot["capabilityStatus"] == "Enabled" and copilot["skuId"]
    assert requests.get(f"{server.graph_url}/subscribedSkus").status_code == 401
