"""Write a small, hand-made landing zone for the dbt tests.

Records are vendor-shaped: the vendors' documented examples (GitHub Copilot users-1-day and seats,
Zendesk tickets with metric_set, Zendesk users, Microsoft Graph users with $expand=manager) are landed
unchanged, plus copies with overridden values for a tiny Support team whose numbers are chosen so that
the workflow effect can be computed by hand (see EXPECTED_SUPPORT_EFFECT).

Also planted: a ticket re-exported in a later batch (latest wins), two versions of one ticket in the
same batch (latest generated_timestamp wins), a deleted ticket, a data file without a manifest (must be
ignored), a `.tmp-xxxx` file holding garbage (must never be read), a seat with a -06:00 offset, a seat
without assignee, and a Graph user with `""` job title.

Usage: python tests/dbt/make_landing_fixture.py <landing_root>
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from connectors.landing import record_schema
from outcomes.catalog import parse_catalog

# --- documented examples, unchanged -------------------------------------------------------------
COPILOT_USER_DAY_EXAMPLE = {
    "report_start_day": "2025-09-04", "report_end_day": "2025-10-01", "day": "2025-10-01",
    "enterprise_id": "1", "organization_id": "42", "user_id": 1, "user_login": "login1",
    "user_initiated_interaction_count": 0, "code_generation_activity_count": 1,
    "code_acceptance_activity_count": 1,
    "loc_suggested_to_add_sum": 10, "loc_suggested_to_delete_sum": 0, "loc_added_sum": 8, "loc_deleted_sum": 0,
    "used_agent": False, "used_chat": False, "used_cli": True,
    "used_copilot_code_review_active": False, "used_copilot_code_review_passive": False,
    "totals_by_ide": [{
        "ide": "vscode", "user_initiated_interaction_count": 0, "code_generation_activity_count": 1,
        "code_acceptance_activity_count": 1, "loc_suggested_to_add_sum": 10, "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": 8, "loc_deleted_sum": 0,
        "last_known_ide_version": {"ide_version": "1.85.0", "sampled_at": "2025-10-01T00:00:02.000Z"},
        "last_known_plugin_version": {"plugin": "", "plugin_version": "", "sampled_at": "2025-10-01T00:00:02.000Z"},
    }],
    "totals_by_feature": [{
        "feature": "code_completion", "user_initiated_interaction_count": 0, "code_generation_activity_count": 1,
        "code_acceptance_activity_count": 1, "loc_suggested_to_add_sum": 10, "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": 8, "loc_deleted_sum": 0,
    }],
    "totals_by_language_feature": [{
        "language": "unknown", "feature": "code_completion", "code_generation_activity_count": 1,
        "code_acceptance_activity_count": 1, "loc_suggested_to_add_sum": 10, "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": 8, "loc_deleted_sum": 0,
    }],
    "totals_by_language_model": [], "totals_by_model_feature": [],
    "totals_by_cli": {
        "session_count": 2, "request_count": 2, "prompt_count": 2,
        "token_usage": {"output_tokens_sum": 5000, "prompt_tokens_sum": 3800, "avg_tokens_per_request": 4400.0},
        "last_known_cli_version": {"cli_version": "1.0.8", "sampled_at": "2025-10-01T00:01:43.000Z"},
    },
    "etl_id": "green", "day_partition": "2025-10-01", "entity_id_partition": 1,
}

COPILOT_BILLING = {
    "seat_breakdown": {"total": 12, "added_this_cycle": 9, "pending_invitation": 0, "pending_cancellation": 0,
                       "active_this_cycle": 12, "inactive_this_cycle": 11},
    "seat_management_setting": "assign_selected", "ide_chat": "enabled", "platform_chat": "enabled",
    "cli": "enabled", "public_code_suggestions": "block", "plan_type": "business",
}
SUBSCRIBED_SKUS = [
    {"capabilityStatus": "Enabled", "consumedUnits": 14,
     "id": "48a80680-7326-48cd-9935-b556b81d3a4e_c7df2760-2c81-4ef7-b578-5b5392b571df",
     "prepaidUnits": {"enabled": 25, "suspended": 0, "warning": 0},
     "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df", "skuPartNumber": "ENTERPRISEPREMIUM", "appliesTo": "User"},
    {"capabilityStatus": "Enabled", "consumedUnits": 3,
     "id": "48a80680-7326-48cd-9935-b556b81d3a4e_639dec6b-bb19-468b-871c-c5c441c4b0cb",
     "prepaidUnits": {"enabled": 10, "suspended": 0, "warning": 0, "lockedOut": 0},
     "skuId": "639dec6b-bb19-468b-871c-c5c441c4b0cb", "skuPartNumber": "Microsoft_365_Copilot", "appliesTo": "User"},
]
SEATS_EXAMPLE = [
    {"created_at": "2021-08-03T18:00:00-06:00", "updated_at": "2021-09-23T15:00:00-06:00",
     "pending_cancellation_date": None, "last_activity_at": "2021-10-14T00:53:32-06:00",
     "last_activity_editor": "vscode/1.77.3/copilot/1.86.82", "last_authenticated_at": "2021-10-14T00:53:32-06:00",
     "plan_type": "business", "assignee": {"login": "octocat", "id": 1, "type": "User", "site_admin": False},
     "assigning_team": {"id": 1, "name": "Justice League", "slug": "justice-league"}},
    {"created_at": "2021-09-23T18:00:00-06:00", "pending_cancellation_date": "2021-11-01",
     "last_activity_at": None, "last_activity_editor": None, "last_authenticated_at": None,
     "assignee": {"login": "octokitten", "id": 2, "type": "User"}},
]

TICKET_EXAMPLE = {
    "id": 35436, "url": "https://acme.zendesk.com/api/v2/tickets/35436.json",
    "created_at": "2024-05-01T09:00:00Z", "updated_at": "2024-05-02T10:30:00Z",
    "generated_timestamp": 1714645860,
    "status": "solved", "type": "incident", "priority": "normal",
    "requester_id": 20978392, "assignee_id": 235323, "group_id": 98738, "organization_id": 509974,
    "tags": ["billing"], "custom_fields": [{"id": 27642, "value": "745"}],
    "via": {"channel": "web"},
    "metric_set": {
        "id": 5527084754447, "ticket_id": 35436,
        "created_at": "2024-05-01T09:00:00Z", "updated_at": "2024-05-02T10:30:00Z",
        "group_stations": 1, "assignee_stations": 1, "reopens": 0, "replies": 2,
        "assigned_at": "2024-05-01T09:05:00Z", "initially_assigned_at": "2024-05-01T09:05:00Z",
        "solved_at": "2024-05-02T10:30:00Z", "latest_comment_added_at": "2024-05-02T10:29:00Z",
        "reply_time_in_minutes": {"calendar": 34, "business": 12},
        "first_resolution_time_in_minutes": {"calendar": 1530, "business": 480},
        "full_resolution_time_in_minutes": {"calendar": 1530, "business": 480},
        "agent_wait_time_in_minutes": {"calendar": 0, "business": 0},
        "requester_wait_time_in_minutes": {"calendar": 1530, "business": 480},
        "on_hold_time_in_minutes": {"calendar": 0, "business": 0},
    },
}

ZENDESK_USER_EXAMPLE = {
    "id": 235323, "email": "pat.agent@other.example", "name": "Pat Agent", "role": "agent", "active": True,
    "suspended": False, "default_group_id": 98738, "time_zone": "Eastern Time (US & Canada)",
    "iana_time_zone": "America/New_York", "created_at": "2023-01-10T12:00:00Z",
    "updated_at": "2024-05-02T10:00:00Z", "custom_role_id": None,
}

# --- the tiny company ---------------------------------------------------------------------------
T0 = date(2026, 3, 2)  # redesigned_on (a Monday)
BASELINE_DAYS, COHORT_DAYS, POST_DAYS = 14, 7, 14
# validated and completed the way the pipeline's catalog is, so dbt sees what a real build passes
WORKFLOWS = parse_catalog({"workflows": [{
    "workflow": "support_resolution", "name": "Support ticket resolution", "team": "Support",
    "tools": ["github_copilot"], "kpi": "zendesk_resolution_hours", "direction": "lower",
    "redesigned_on": T0.isoformat(), "baseline_days": BASELINE_DAYS, "cohort_days": COHORT_DAYS,
    "post_days": POST_DAYS, "min_items": 1, "target_pct": -15,
}]}, "make_landing_fixture.WORKFLOWS")

ADOPTERS = [1, 2, 3, 4, 5]
CONTROLS = [6, 7, 8, 9, 10]
# Resolution hours: baseline 10 h for everyone; post as below.
POST_HOURS = {1: 8, 2: 9, 3: 7, 4: 8, 5: 8, 6: 11, 7: 10, 8: 11, 9: 12, 10: 11}
# d_A = -2,-1,-3,-2,-2 (mean -2, var_samp 0.5); d_C = 1,0,1,2,1 (mean 1, var_samp 0.5)
# effect_abs = -3; se = sqrt(0.5/5 + 0.5/5) = 0.4472136; avg pre_A = 10
# effect_pct = -30; CI = 100*(-3 -/+ 1.96*0.4472136)/10 = -38.77 / -21.23
# adopters_change = -20; control_change = +10; naive = 100*(9.5 - 10)/10 = -5
EXPECTED_SUPPORT_EFFECT = {
    "adopters_n": 5, "control_n": 5, "adopters_change_pct": -20.0, "control_change_pct": 10.0,
    "effect_pct": -30.0, "ci_low_pct": -38.77, "ci_high_pct": -21.23, "naive_change_pct": -5.0,
}


def agent_mail(n: int) -> str:
    return f"agent{n}.support@acme.example"


def agent_login(n: int) -> str:
    login = f"agent{n}-support_acme"
    return login.capitalize() if n == 1 else login  # logins compare case-insensitively


def graph_user(uid: str, name: str, mail: str | None, department: str | None, title: str | None,
               manager: dict | None) -> dict:
    return {
        "id": uid, "displayName": name, "mail": mail, "userPrincipalName": mail or f"{uid}@acme.example",
        "jobTitle": title, "department": department, "employeeId": uid[-4:], "accountEnabled": True,
        "manager": manager,
    }


def graph_users() -> list[dict]:
    lead_id = "00000000-0000-0000-0000-000000000100"
    users = [graph_user(lead_id, "Lee Lead", "lee.lead@acme.example", "Support", "Support Lead", None)]
    manager = {"@odata.type": "#microsoft.graph.user", "id": lead_id, "mail": "lee.lead@acme.example"}
    for n in ADOPTERS + CONTROLS:
        title = "" if n == 10 else "Support Agent"  # Graph sends "" for unset strings
        users.append(graph_user(f"00000000-0000-0000-0000-{n:012d}", f"Agent {n}", agent_mail(n),
                                "Support", title, manager))
    for n in (201, 202):
        users.append(graph_user(f"00000000-0000-0000-0000-{n:012d}", f"Fin {n}", f"fin.{n}@acme.example",
                                "Finance", "Accountant", None))
    return users


def person_key(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def copilot_day(n: int, day: date, *, interactions: int, acceptances: int, suggestions: int,
                cli: bool = False) -> dict:
    record = copy.deepcopy(COPILOT_USER_DAY_EXAMPLE)
    record.update({
        "day": day.isoformat(), "day_partition": day.isoformat(), "user_id": 5000 + n, "user_login": agent_login(n),
        "entity_id_partition": 5000 + n,
        "user_initiated_interaction_count": interactions, "code_acceptance_activity_count": acceptances,
        "code_generation_activity_count": suggestions, "used_cli": cli,
    })
    feature = record["totals_by_feature"][0]  # the breakdown partitions the day: chat holds the interactions
    feature.update({"user_initiated_interaction_count": 0,
                    "code_acceptance_activity_count": acceptances,
                    "code_generation_activity_count": suggestions})
    record["totals_by_feature"].append({
        "feature": "chat_panel_ask_mode", "user_initiated_interaction_count": interactions,
        "code_generation_activity_count": 0, "code_acceptance_activity_count": 0, "loc_suggested_to_add_sum": 0,
        "loc_suggested_to_delete_sum": 0, "loc_added_sum": 0, "loc_deleted_sum": 0,
    })
    record["totals_by_model_feature"] = [{
        "model": "claude-sonnet-4.6", "feature": "chat_panel_ask_mode",
        "user_initiated_interaction_count": interactions,
        "code_generation_activity_count": 0, "code_acceptance_activity_count": 0, "loc_suggested_to_add_sum": 0,
        "loc_suggested_to_delete_sum": 0, "loc_added_sum": 0, "loc_deleted_sum": 0,
    }]
    if not cli:
        del record["totals_by_cli"]
    record["ai_credits_used"] = 0.5  # a newer optional field: must not break anything
    return record


def copilot_days_batch1() -> list[dict]:
    records = [copy.deepcopy(COPILOT_USER_DAY_EXAMPLE)]
    for n in ADOPTERS:  # two active days inside the cohort window -> adopters
        records.append(copilot_day(n, T0, interactions=3, acceptances=1, suggestions=5))
        records.append(copilot_day(n, T0 + timedelta(days=2), interactions=0, acceptances=2, suggestions=4))
    records.append(copilot_day(6, T0 + timedelta(days=1), interactions=2, acceptances=0, suggestions=1))  # 1 day
    for k in range(3):  # agent 7 only sees suggestions: never active
        records.append(copilot_day(7, T0 + timedelta(days=k), interactions=0, acceptances=0, suggestions=9))
    for k in range(3):  # agent 8 is active only after the cohort window: stays in control
        records.append(copilot_day(8, T0 + timedelta(days=COHORT_DAYS + k), interactions=4, acceptances=1,
                                   suggestions=2))
    # agent 9 uses only the CLI once in the window (still one day: control)
    records.append(copilot_day(9, T0 + timedelta(days=3), interactions=0, acceptances=0, suggestions=0, cli=True))
    # re-exported below with other counts: the later batch must win
    records.append(copilot_day(2, T0 + timedelta(days=5), interactions=0, acceptances=0, suggestions=1))
    return records


def copilot_days_batch2() -> list[dict]:
    return [copilot_day(2, T0 + timedelta(days=5), interactions=7, acceptances=0, suggestions=1)]


def seats(latest: bool) -> list[dict]:
    records = copy.deepcopy(SEATS_EXAMPLE)
    for n in ADOPTERS + [7]:
        seat = copy.deepcopy(SEATS_EXAMPLE[0])
        seat.update({"created_at": "2026-02-27T20:00:00-06:00", "updated_at": "2026-02-27T20:00:00-06:00",
                     "last_activity_at": "2026-03-04T17:30:00-06:00",
                     "assignee": {"login": agent_login(n), "id": 5000 + n, "type": "User", "site_admin": False}})
        records.append(seat)
    unassigned = copy.deepcopy(SEATS_EXAMPLE[1])
    unassigned.update({"assignee": None, "created_at": "2026-01-05T09:00:00+01:00"})
    records.append(unassigned)
    if not latest:  # a seat removed before the latest snapshot
        gone = copy.deepcopy(SEATS_EXAMPLE[1])
        gone["assignee"] = {"login": "departed_acme", "id": 4999, "type": "User"}
        records.append(gone)
    return records


def ticket(ticket_id: int, agent: int, created: datetime, hours: float | None, *, status: str = "solved",
           generated: datetime | None = None) -> dict:
    record = copy.deepcopy(TICKET_EXAMPLE)
    created_s = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    generated = generated or created + timedelta(hours=hours or 1)
    solved = created + timedelta(hours=hours) if hours is not None else None
    record.update({
        "id": ticket_id, "url": f"https://acme.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "created_at": created_s, "updated_at": generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generated_timestamp": int(generated.timestamp()), "status": status, "assignee_id": 1000 + agent,
    })
    minutes = int(hours * 60) if hours is not None else None
    metric = record["metric_set"]
    metric.update({
        "ticket_id": ticket_id, "created_at": created_s, "updated_at": record["updated_at"],
        "solved_at": solved.strftime("%Y-%m-%dT%H:%M:%SZ") if solved else None,
        "full_resolution_time_in_minutes": {"calendar": minutes, "business": None},
        "first_resolution_time_in_minutes": {"calendar": minutes, "business": None},
    })
    return record


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def tickets_batch1() -> list[dict]:
    records = [copy.deepcopy(TICKET_EXAMPLE)]
    baseline_day = T0 - timedelta(days=7)
    post_day = T0 + timedelta(days=COHORT_DAYS + 2)
    for n in ADOPTERS + CONTROLS:
        records.append(ticket(70000 + n, n, at(baseline_day), 10))
        if n != 1:
            records.append(ticket(80000 + n, n, at(post_day), POST_HOURS[n]))
    # agent 1's post ticket is still open here; batch 2 re-exports it solved
    records.append(ticket(80001, 1, at(post_day), None, status="open"))
    # an item inside the cohort window counts in neither window
    records.append(ticket(75002, 2, at(T0 + timedelta(days=1)), 100))
    # a deleted ticket is excluded
    records.append(ticket(76006, 6, at(baseline_day), 500, status="deleted"))
    # two versions of one ticket in one batch: the later generated_timestamp wins
    records.append(ticket(90000, 3, at(T0 - timedelta(days=40)), 5,
                          generated=at(T0 - timedelta(days=39), 12)))
    records.append(ticket(90000, 3, at(T0 - timedelta(days=40)), 3,
                          generated=at(T0 - timedelta(days=39), 10)))
    return records


def tickets_batch2() -> list[dict]:
    post_day = T0 + timedelta(days=COHORT_DAYS + 2)
    return [ticket(80001, 1, at(post_day), POST_HOURS[1])]


def zendesk_users() -> list[dict]:
    users = [copy.deepcopy(ZENDESK_USER_EXAMPLE)]
    for n in ADOPTERS + CONTROLS:
        user = copy.deepcopy(ZENDESK_USER_EXAMPLE)
        email = agent_mail(n).upper() if n == 2 else agent_mail(n)  # emails compare case-insensitively
        user.update({"id": 1000 + n, "email": email, "name": f"Agent {n}"})
        users.append(user)
    return users


# --- writing ---------------------------------------------------------------------------------------
def write_batch(root: Path, source: str, stream: str, records: list[dict], extracted_at: datetime,
                suffix: str, *, manifest: bool = True) -> str:
    batch_id = extracted_at.strftime("%Y%m%dT%H%M%S%fZ") + "-" + suffix
    directory = root / f"source={source}" / f"stream={stream}" / f"date={extracted_at:%Y-%m-%d}"
    directory.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()
    (directory / f"{batch_id}.jsonl.gz").write_bytes(gzip.compress(lines, mtime=0))
    if manifest:
        schema: dict[str, set[str]] = {}
        for record in records:
            record_schema(record, schema)
        body = {
            "source": source, "stream": stream, "batch_id": batch_id, "record_count": len(records),
            "window_start": None, "window_end": None, "cursor_before": None, "cursor_after": {"cursor": suffix},
            "sha256": hashlib.sha256(lines).hexdigest(),
            "extracted_at": extracted_at.isoformat().replace("+00:00", "Z"),
            "connector_version": "fixture", "data_file": str((directory / f"{batch_id}.jsonl.gz").relative_to(root)),
            "schema": {path: sorted(types) for path, types in sorted(schema.items())},
        }
        (directory / f"{batch_id}.manifest.json").write_text(json.dumps(body, indent=2))
    return batch_id


def write_fixture(root: str | Path) -> Path:
    root = Path(root)
    first = datetime(2026, 3, 24, 2, 0, 0, 123456, tzinfo=UTC)
    second = first + timedelta(days=1)
    write_batch(root, "msgraph", "users", graph_users() + [graph_user(
        "00000000-0000-0000-0000-000000000999", "Ex Employee", "ex.employee@acme.example", "Support",
        "Support Agent", None)], first, "aaaa0001")
    write_batch(root, "msgraph", "users", graph_users(), second, "aaaa0002")
    write_batch(root, "github_copilot", "users_daily", copilot_days_batch1(), first, "bbbb0001")
    write_batch(root, "github_copilot", "users_daily", copilot_days_batch2(), second, "bbbb0002")
    write_batch(root, "github_copilot", "seats", seats(latest=False), first, "cccc0001")
    write_batch(root, "github_copilot", "seats", seats(latest=True), second, "cccc0002")
    # purchased seats as the vendors report them (GitHub's and Microsoft's documented examples' shape)
    write_batch(root, "github_copilot", "billing", [COPILOT_BILLING], second, "cccc0003")
    write_batch(root, "msgraph", "subscribed_skus", SUBSCRIBED_SKUS, second, "aaaa0004")
    write_batch(root, "zendesk", "tickets", tickets_batch1(), first, "dddd0001")
    write_batch(root, "zendesk", "tickets", tickets_batch2(), second, "dddd0002")
    write_batch(root, "zendesk", "users", zendesk_users(), second, "eeee0001")
    # A crash after the data file and before the manifest: never counts.
    orphan = write_batch(root, "zendesk", "tickets",
                         [ticket(80001, 1, at(T0), 999), ticket(999999, 1, at(T0), 1)],
                         second + timedelta(hours=1), "ffff0001", manifest=False)
    # A half-written temporary file: not even valid gzip.
    tmp_dir = root / "source=zendesk" / "stream=tickets" / f"date={second:%Y-%m-%d}"
    (tmp_dir / f"{orphan}.jsonl.gz.tmp-1a2b").write_bytes(b"not gzip {")
    (tmp_dir / f"{orphan}.manifest.json.tmp-3c4d").write_bytes(b"{broken")
    return root


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_landing_fixture.py <landing_root>")
    print(write_fixture(sys.argv[1]))
