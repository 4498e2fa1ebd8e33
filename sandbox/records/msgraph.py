"""Microsoft Graph records: the directory's user objects, with their manager when `$expand=manager`, and the
tenant's subscribed SKUs (licences bought and assigned)."""

from __future__ import annotations

import math
import uuid

from sandbox.company import Company, Record

# Microsoft's product ids (skuId) and string ids (skuPartNumber) of the tenant's two SKUs.
M365_E3 = ("05e9a617-0261-4cee-bb44-138d3ef5d965", "SPE_E3")
M365_COPILOT = ("639dec6b-bb19-468b-871c-c5c441c4b0cb", "Microsoft_365_Copilot")
# Copilot licences bought above those assigned
LICENCE_HEADROOM_SHARE = 0.05


def subscribed_skus(company: Company) -> list[Record]:
    """The tenant's subscribedSku objects: Microsoft 365 E3 for everyone, Microsoft 365 Copilot for its
    licence holders plus headroom (prepaidUnits.enabled = purchased, consumedUnits = assigned)."""
    tenant = company.scenario.company.tenant_id
    holders = len(company.tool_holders("m365_copilot")) if "m365_copilot" in company.scenario.tools else 0
    active_people = sum(1 for p in company.people if p["active"])
    out = []
    for (sku_id, part), (prepaid, consumed) in (
            (M365_E3, (active_people + 20, active_people)),
            (M365_COPILOT, (holders + math.ceil(round(LICENCE_HEADROOM_SHARE * holders, 6)), holders))):
        if prepaid == 0:
            continue
        out.append({
            "accountName": company.scenario.company.name, "accountId": tenant,
            "appliesTo": "User", "capabilityStatus": "Enabled", "consumedUnits": consumed,
            "id": f"{tenant}_{sku_id}",
            "prepaidUnits": {"enabled": prepaid, "suspended": 0, "warning": 0, "lockedOut": 0},
            "servicePlans": [{"servicePlanId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{part}/plan")),
                              "servicePlanName": f"{part}_PLAN", "provisioningStatus": "Success",
                              "appliesTo": "User"}],
            "skuId": sku_id, "skuPartNumber": part, "subscriptionIds": [str(uuid.uuid5(uuid.NAMESPACE_URL, part))],
        })
    return out


def graph_users(company: Company, expand_manager: bool = False) -> list[Record]:
    """Microsoft Graph user objects with every property the sandbox knows; the server projects."""
    by_id = {p["person_id"]: p for p in company.people}
    out = []
    for p in company.people:
        u: Record = {
            "id": p["graph_id"], "businessPhones": [], "displayName": p["display_name"],
            "givenName": p["given_name"], "surname": p["surname"], "mail": p["email"],
            "userPrincipalName": p["email"], "jobTitle": p["job_title"], "department": p["department"],
            "employeeId": p["employee_id"], "accountEnabled": p["active"],
            "officeLocation": p["office_location"], "mobilePhone": None, "preferredLanguage": "en-US",
            # the team is kept as the cost centre, as many tenants do
            "employeeOrgData": {"division": None, "costCenter": p["team"]},
        }
        if expand_manager and p["manager_id"]:
            m = by_id[p["manager_id"]]
            u["manager"] = {"@odata.type": "#microsoft.graph.user", "id": m["graph_id"],
                            "displayName": m["display_name"], "mail": m["email"],
                            "userPrincipalName": m["email"], "jobTitle": m["job_title"]}
        out.append(u)
    return out
