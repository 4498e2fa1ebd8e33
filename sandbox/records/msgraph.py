"""Microsoft Graph records: the directory's user objects, with their manager when `$expand=manager`."""

from __future__ import annotations

from sandbox.company import Company, Record


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
