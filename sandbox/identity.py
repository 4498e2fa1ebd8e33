"""The identity overrides the sandbox company needs: accounts that neither email nor the GitHub EMU rule link.

An admin lists such accounts in `dbt_project/seeds/identity_overrides.csv`; that file is the customer's and
ships empty. The sandbox computes its own for the scenario it serves and writes them where the dbt build
reads extra overrides from (`extra_identity_overrides` var), so every scenario links as well as the default.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sandbox.company import Company, Record
from sandbox.records.anthropic import api_key_owners
from sandbox.records.jira import jira_data

COLUMNS = ("source", "source_user_id", "email")


def identity_overrides(company: Company) -> list[Record]:
    """Rows of the overrides file: accounts the automatic rules cannot match, as an admin would list them.

    GitHub logins that break the EMU rule; personal Claude Code API keys (the CI key belongs to nobody);
    three in four Jira accounts that hide their email (the rest stay unresolved: a visible coverage gap).
    """
    rows = [{"source": "github", "source_user_id": p["github_login"], "email": p["email"]}
            for p in company.people if p["github_login_follows_rule"] is False]
    if "claude_code" in company.scenario.tools:
        rows += [{"source": "anthropic", "source_user_id": key, "email": email}
                 for key, email in sorted(api_key_owners(company).items()) if email]
    if any(d.name in ("Engineering", "Operations") for d in company.scenario.departments):
        data = jira_data(company)
        person_of = {account: pid for pid, account in data.account_of.items()}
        email_of = {p["person_id"]: p["email"] for p in company.people}
        hidden = [u["accountId"] for u in data.users
                  if u["accountType"] == "atlassian" and "emailAddress" not in u]
        rows += [{"source": "jira", "source_user_id": account, "email": email_of[person_of[account]]}
                 for i, account in enumerate(hidden) if i % 4 != 0]
    return rows


def write_identity_overrides(company: Company, path: Path) -> Path:
    """Write the company's overrides as CSV (the seed's columns) at `path`, replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(identity_overrides(company))
    tmp.replace(path)
    return path
