from __future__ import annotations

import dataclasses
import json
import re
import statistics
import uuid
from datetime import date, datetime, timedelta

import pytest

from sandbox.company import Company, generate_company
from sandbox.identity import identity_overrides
from sandbox.records import github_copilot as copilot_records
from sandbox.records import msgraph as graph_records
from sandbox.records import zendesk as zendesk_records
from sandbox.scenario import Scenario

# Keys of a users-1-day record, as GitHub documents the report.
REPORT_KEYS = {
    "report_start_day", "report_end_day", "day", "enterprise_id", "organization_id", "user_id", "user_login",
    "user_initiated_interaction_count", "code_generation_activity_count", "code_acceptance_activity_count",
    "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum",
    "used_agent", "used_chat", "used_cli", "used_copilot_code_review_active", "used_copilot_code_review_passive",
    "totals_by_ide", "totals_by_feature", "totals_by_language_feature", "totals_by_language_model",
    "totals_by_model_feature", "etl_id", "day_partition", "entity_id_partition",
}
SEVEN = ["user_initiated_interaction_count", "code_generation_activity_count", "code_acceptance_activity_count",
         "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum"]
FEATURES = {"code_completion", "chat_panel_agent_mode", "chat_panel_ask_mode", "chat_panel_edit_mode",
            "chat_panel_plan_mode", "chat_panel_custom_mode", "chat_panel_unknown_mode", "agent_edit"}
METRIC_MINUTE_FIELDS = ["reply_time_in_minutes", "first_resolution_time_in_minutes",
                        "full_resolution_time_in_minutes", "agent_wait_time_in_minutes",
                        "requester_wait_time_in_minutes", "on_hold_time_in_minutes"]


def _ts(s: str) -> int:
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def _snapshot(c: Company, days: list[date]) -> str:
    return json.dumps({
        "people": c.people, "graph": graph_records.graph_users(c, expand_manager=True),
        "seats": copilot_records.seats(c), "zd_users": zendesk_records.users(c), "tickets": zendesk_records.tickets(c),
        "copilot": [copilot_records.user_day_records(c, d) for d in days], "overrides": identity_overrides(c),
    }, default=str, sort_keys=True)


def test_generation_is_deterministic_for_the_same_seed(scenario: Scenario, company: Company) -> None:
    again = generate_company(scenario)
    days = [company.rollout_date + timedelta(days=k) for k in (0, 3, 40)]
    assert _snapshot(again, days) == _snapshot(company, days)


def test_a_different_seed_gives_a_different_company(scenario: Scenario, company: Company) -> None:
    other = generate_company(dataclasses.replace(scenario, seed=7))
    assert [p["email"] for p in other.people] != [p["email"] for p in company.people]
    assert zendesk_records.tickets(other)[0]["created_at"] != zendesk_records.tickets(company)[0]["created_at"] or \
        len(zendesk_records.tickets(other)) != len(zendesk_records.tickets(company))


def test_directory_has_hand_counted_headcount_and_hierarchy(company: Company) -> None:
    # 570 individual contributors + 26 team leads + 7 department heads + 1 CEO.
    assert len(company.people) == 604
    by_id = {p["person_id"]: p for p in company.people}
    ceo = [p for p in company.people if p["manager_id"] is None]
    assert len(ceo) == 1 and ceo[0]["job_title"] == "Chief Executive Officer"
    heads = [p for p in company.people if p["manager_id"] == ceo[0]["person_id"]]
    assert len(heads) == 7
    for p in company.people:
        if p["level"] <= 4:  # staff report to a team lead of the same team
            lead = by_id[p["manager_id"]]
            assert lead["level"] == 6 and lead["team"] == p["team"]
    support = [p for p in company.people if p["is_support_agent"]]
    assert len(support) == 60 and {p["job_title"] for p in support} == {"Support Agent"}
    leads = [p for p in company.people if p["department"] == "Support" and p["level"] == 6]
    assert len(leads) == 2


def test_emails_are_unique_first_dot_last_at_domain(company: Company) -> None:
    emails = [p["email"] for p in company.people]
    assert len(set(emails)) == len(emails)
    for p in company.people:
        local = f"{p['given_name']}.{p['surname']}".lower()
        assert re.fullmatch(re.escape(local) + r"\d*@acme\.example", p["email"])


def test_support_style_quotas_match_team_shares(company: Company) -> None:
    # Support A (30): 10.5/10.5/3/3/3 -> 11/10/3/3/3; Support B (30): 3/4.5/4.5/13.5/4.5 -> 3/5/5/13/4.
    assert company.truth["support_style_counts"] == {"power": 14, "habitual": 15, "novice": 8,
                                                     "box_ticker": 16, "none": 7}


def test_github_logins_follow_the_emu_rule_except_the_overrides(company: Company) -> None:
    holders = [p for p in company.people if p["has_seat"]]
    overrides = {o["source_user_id"]: o["email"] for o in identity_overrides(company) if o["source"] == "github"}
    assert 0.03 <= len(overrides) / len(holders) <= 0.07
    for p in holders:
        rule = p["email"].split("@")[0].replace(".", "-") + "_acme"
        if p["github_login"] in overrides:
            assert p["github_login"] != rule and overrides[p["github_login"]] == p["email"]
            assert p["github_login"].endswith("_acme")
        else:
            assert p["github_login"] == rule
    # the other overrides: personal Claude Code keys and Jira users who hide their email
    assert {o["source"] for o in identity_overrides(company)} == {"github", "anthropic", "jira"}


def test_graph_users_have_guid_ids_managers_and_some_null_titles(company: Company) -> None:
    users = graph_records.graph_users(company, expand_manager=True)
    assert len(users) == 604
    for u in users:
        assert uuid.UUID(u["id"]).version == 4
        assert u["userPrincipalName"] == u["mail"]
    no_manager = [u for u in users if "manager" not in u]
    assert len(no_manager) == 1 and no_manager[0]["jobTitle"] == "Chief Executive Officer"
    m = users[1]["manager"]
    assert m["@odata.type"] == "#microsoft.graph.user" and m["id"] == no_manager[0]["id"]
    assert 1 <= sum(u["jobTitle"] is None for u in users) <= 10
    assert "manager" not in graph_records.graph_users(company)[1]


def test_no_copilot_activity_before_rollout(company: Company) -> None:
    for k in range(1, 8):
        assert copilot_records.user_day_records(company, company.rollout_date - timedelta(days=k)) == []
    assert min(copilot_records.active_days(company)) >= company.rollout_date
    assert all(p["seat_assigned_on"] >= company.rollout_date for p in company.people if p["has_seat"])


def test_copilot_records_carry_every_real_key_with_real_types(company: Company) -> None:
    seen_cli = False
    day = company.rollout_date + timedelta(days=5)  # a Tuesday
    records = copilot_records.user_day_records(company, day)
    assert len(records) > 100
    for r in records:
        assert REPORT_KEYS <= set(r), REPORT_KEYS - set(r)
        assert isinstance(r["user_id"], int) and isinstance(r["enterprise_id"], str)
        assert isinstance(r["organization_id"], str)
        assert r["day"] == r["report_start_day"] == r["report_end_day"] == r["day_partition"] == day.isoformat()
        assert {f["feature"] for f in r["totals_by_feature"]} <= FEATURES
        for k in SEVEN:
            assert r[k] == sum(f[k] for f in r["totals_by_feature"]) == r["totals_by_ide"][0][k]
        assert r["code_acceptance_activity_count"] <= r["code_generation_activity_count"] or r["used_agent"]
        for lf in r["totals_by_language_feature"]:
            assert "user_initiated_interaction_count" not in lf
        assert ("totals_by_cli" in r) == r["used_cli"]
        seen_cli |= r["used_cli"]
    assert seen_cli


def test_box_tickers_only_ever_show_passive_activity(company: Company) -> None:
    style = {p["github_login"]: p["style"] for p in company.people if p["github_login"]}
    n = 0
    for k in range(0, 60, 3):
        for r in copilot_records.user_day_records(company, company.rollout_date + timedelta(days=k)):
            if style[r["user_login"]] == "box_ticker":
                n += 1
                assert r["code_generation_activity_count"] > 0
                assert r["user_initiated_interaction_count"] == 0
                assert r["code_acceptance_activity_count"] == 0
                assert not (r["used_chat"] or r["used_agent"] or r["used_cli"])
            assert style[r["user_login"]] != "none"
    assert n > 50


def test_power_users_are_active_on_most_workdays_and_novices_rarely(company: Company) -> None:
    workdays = [company.rollout_date + timedelta(days=k) for k in range(60)]
    workdays = [d for d in workdays if d.weekday() < 5]
    style = {p["github_login"]: p["style"] for p in company.people if p["github_login"]}
    counts = {s: 0 for s in ("power", "habitual", "novice")}
    for d in workdays:
        for r in copilot_records.user_day_records(company, d):
            if r["user_initiated_interaction_count"] > 0 and style[r["user_login"]] in counts:
                counts[style[r["user_login"]]] += 1
    # late seats lower the rate a little, hence the loose bounds around 0.80 / 0.45 / 0.03
    totals = {s: sum(1 for p in company.people if p["style"] == s and p["has_seat"]) for s in counts}
    rate = {s: counts[s] / (totals[s] * len(workdays)) for s in counts}
    assert 0.70 <= rate["power"] <= 0.85
    assert 0.38 <= rate["habitual"] <= 0.50
    assert rate["novice"] <= 0.06


def test_seats_have_nullable_fields_offsets_and_one_orphan(company: Company) -> None:
    seats = copilot_records.seats(company)
    assert len(seats) == sum(p["has_seat"] for p in company.people) + 1
    assert sum(s["assignee"] is None for s in seats) == 1
    assert any(s["created_at"].endswith("-06:00") for s in seats)
    assert any(s["pending_cancellation_date"] for s in seats if s["assignee"])
    assert any(s["last_activity_at"] is None for s in seats if s["assignee"])
    for s in seats:
        for key in ("last_activity_at", "last_activity_editor", "last_authenticated_at",
                    "pending_cancellation_date", "assigning_team"):
            assert key in s
        if s["assignee"]:
            assert set(s["assignee"]) == {"login", "id", "type", "site_admin"}
        if s["last_activity_editor"]:
            assert len(s["last_activity_editor"].split("/")) == 4


def test_zendesk_users_are_agents_and_admins_with_one_inactive_agent(company: Company) -> None:
    users = zendesk_records.users(company)
    keys = {"id", "email", "name", "role", "active", "suspended", "default_group_id", "time_zone",
            "iana_time_zone", "created_at", "updated_at", "custom_role_id"}
    assert all(keys <= set(u) for u in users)
    assert {u["role"] for u in users} == {"agent", "admin"}
    assert sum(u["role"] == "agent" for u in users) == 60
    inactive = [u for u in users if not u["active"]]
    assert len(inactive) == 1 and inactive[0]["role"] == "agent"


def test_tickets_are_consistent_and_include_the_checklist_cases(company: Company) -> None:
    user_id_of = zendesk_records.zendesk_data(company).user_id_of
    agents = {user_id_of[p["person_id"]] for p in company.people if p["is_support_agent"]}
    tickets = zendesk_records.tickets(company)
    statuses = {t["status"] for t in tickets}
    assert {"closed", "solved", "deleted", "open", "pending"} <= statuses
    keys = [(t["generated_timestamp"], t["id"]) for t in tickets]
    assert keys == sorted(keys)
    cutoff = _ts(f"{company.end_date + timedelta(days=1)}T00:00:00Z")
    reopened = 0
    for t in tickets:
        ms = t["metric_set"]
        assert t["generated_timestamp"] >= _ts(t["updated_at"]) >= _ts(t["created_at"])
        assert t["generated_timestamp"] < cutoff
        assert all(set(ms[f]) == {"calendar", "business"} for f in METRIC_MINUTE_FIELDS)
        if t["status"] in ("solved", "closed"):
            assert t["assignee_id"] in agents
            full = ms["full_resolution_time_in_minutes"]["calendar"]
            assert isinstance(full, int)
            assert abs((_ts(ms["solved_at"]) - _ts(t["created_at"])) / 60 - full) <= 1
            reopened += ms["reopens"] > 0
            if ms["reopens"]:
                assert ms["first_resolution_time_in_minutes"]["calendar"] < full
        elif t["status"] in ("open", "pending"):
            assert ms["solved_at"] is None
            assert ms["full_resolution_time_in_minutes"] == {"calendar": None, "business": None}
    assert reopened > 100
    late = [t for t in tickets if t["generated_timestamp"] - _ts(t["updated_at"]) >= 3600]
    assert [t["id"] for t in late] == [company.truth["system_updated_ticket_id"]]


def _medians(company: Company, min_age_days: int = 14) -> dict[tuple[bool, bool], float]:
    # Hand analysis from vendor records only: tickets -> assignee -> person's style.
    user_id_of = zendesk_records.zendesk_data(company).user_id_of
    style = {user_id_of[p["person_id"]]: p["style"] for p in company.people if p["person_id"] in user_id_of}
    rollout = company.rollout_date.isoformat()
    last_created = (company.end_date - timedelta(days=min_age_days)).isoformat()
    groups: dict[tuple[bool, bool], list[int]] = {}
    for t in zendesk_records.tickets(company):
        if t["status"] not in ("solved", "closed") or t["created_at"][:10] > last_created:
            continue
        adopter = style[t["assignee_id"]] in ("power", "habitual")
        post = t["created_at"][:10] >= rollout
        groups.setdefault((adopter, post), []).append(t["metric_set"]["full_resolution_time_in_minutes"]["calendar"])
    return {k: statistics.median(v) for k, v in groups.items()}


def test_planted_support_effect_and_drift_are_in_the_tickets(company: Company) -> None:
    m = _medians(company)
    adopter_ratio = m[(True, True)] / m[(True, False)]
    control_ratio = m[(False, True)] / m[(False, False)]
    assert adopter_ratio == pytest.approx(0.82 * 1.05, rel=0.06)
    assert control_ratio == pytest.approx(1.05, rel=0.06)
    # The naive before/after on adopters alone understates the effect because of the drift.
    assert adopter_ratio / control_ratio == pytest.approx(0.82, rel=0.08)


def test_truth_states_the_planted_facts(company: Company) -> None:
    t = company.truth
    assert t["rollout_date"] == date(2026, 1, 1) and t["start_date"] == date(2025, 10, 3)
    assert t["end_date"] == date(2026, 3, 31)
    assert t["support_effect_pct"] == -18 and t["drift_pct"] == 5
    assert t["adopter_styles"] == ["power", "habitual"]
    assert t["expected_adopter_post_pre_ratio"] == pytest.approx(0.861)


def test_the_company_imports_no_records_or_simulator_module() -> None:
    # records modules build on the company; the company importing them back makes a cycle
    import ast
    from pathlib import Path

    import sandbox.company

    tree = ast.parse(Path(sandbox.company.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    ours = {m for m in imported if m.startswith("sandbox")}
    assert ours and not {m for m in ours if m.startswith(("sandbox.records", "sandbox.vendors", "sandbox.identity"))}
