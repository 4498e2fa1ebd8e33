"""Microsoft 365 Copilot, OpenAI and Anthropic: landing suites and dbt models on the vendors' own examples.

The vendors' documented example payloads (Microsoft Graph, OpenAI, Anthropic API docs) are copied unchanged, landed
beside a few hand-made records, and built once with dbt (only these sources' staging and contract models).
Every expected value below is computed by hand from the payloads.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from connectors import anthropic, m365_copilot, openai
from outcomes.dbt_models import dbt_model_vars

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
MODELS = [
    "path:models/staging/m365_copilot", "path:models/staging/openai", "path:models/staging/anthropic",
    "int_ai_user_days__m365_copilot", "int_ai_user_days__openai", "int_ai_user_days__claude_code",
    "int_ai_spend_daily__openai", "int_ai_spend_daily__anthropic",
    "int_accounts__m365_copilot", "int_accounts__openai", "int_accounts__anthropic",
]

# --- documented examples, unchanged --------------------------------------------------------------------
M365_EXAMPLE = {"value": [{"reportRefreshDate": "2025-08-20", "userPrincipalName": "DC8C64D6EC3A3AA17481D7E5EB5B68A6",
  "displayName": "C65E8D8AFA0DAB9639EDFAAEA94AFE66", "lastActivityDate": "2025-08-20",
  "copilotChatLastActivityDate": "2025-08-16", "microsoftTeamsCopilotLastActivityDate": "2025-08-20",
  "wordCopilotLastActivityDate": "2025-08-06", "excelCopilotLastActivityDate": "",
  "powerPointCopilotLastActivityDate": "2025-03-26", "outlookCopilotLastActivityDate": "",
  "oneNoteCopilotLastActivityDate": "", "loopCopilotLastActivityDate": "",
  "copilotActivityUserDetailsByPeriod": [{"reportPeriod": 7}]}]}  # fmt: skip

OPENAI_USAGE_EXAMPLE = {"object": "page",
 "data": [{"object": "bucket", "start_time": 1730419200, "end_time": 1730505600,
   "results": [{"object": "organization.usage.completions.result",
     "input_tokens": 1000, "output_tokens": 500, "input_cached_tokens": 800,
     "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": 5,
     "project_id": None, "user_id": None, "api_key_id": None, "model": None, "batch": None,
     "service_tier": None}]}],
 "has_more": True, "next_page": "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA="}  # fmt: skip

OPENAI_COSTS_EXAMPLE = {"object": "page",
 "data": [{"object": "bucket", "start_time": 1730419200, "end_time": 1730505600,
   "results": [{"object": "organization.costs.result",
     "amount": {"value": 0.06, "currency": "usd"},
     "line_item": None, "project_id": None}]}],
 "has_more": False, "next_page": None}  # fmt: skip

CLAUDE_CODE_EXAMPLE = {"data": [{
   "date": "2025-08-08T00:00:00Z",
   "actor": {"type": "user_actor", "email_address": "user@emaildomain.com"},
   "organization_id": "12345678-1234-5678-1234-567812345678",
   "customer_type": "api", "subscription_type": None, "terminal_type": "iTerm.app", "is_remote": False,
   "core_metrics": {"num_sessions": 15, "lines_of_code": {"added": 342, "removed": 128},
                    "commits_by_claude_code": 8, "pull_requests_by_claude_code": 2},
   "tool_actions": {"edit_tool": {"accepted": 25, "rejected": 3}, "multi_edit_tool": {"accepted": 12, "rejected": 1},
                    "notebook_edit_tool": {"accepted": 5, "rejected": 2}, "write_tool": {"accepted": 8, "rejected": 0}},
   "model_breakdown": [{"model": "claude-sonnet-4-20250514",
      "tokens": {"input": 45230, "output": 12450, "cache_read": 8790, "cache_creation": 2340},
      "estimated_cost": {"amount": 186, "currency": "USD"}}]
 }],
 "has_more": False, "next_page": None}  # fmt: skip

COST_REPORT_EXAMPLE = {"data": [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z",
  "results": [{"amount": "123.78912", "currency": "USD", "cost_type": "tokens",
    "description": "Claude Sonnet 4 Usage - Input Tokens", "model": "claude-sonnet-4-20250514",
    "service_tier": "standard", "token_type": "uncached_input_tokens", "context_window": "0-200k",
    "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"}]}],
 "has_more": True, "next_page": "page_…"}  # fmt: skip


# --- hand-made records beside them --------------------------------------------------------------------
def m365_row(refresh: str, upn: str, **dates: str) -> dict:
    fields = ("lastActivityDate", "copilotChatLastActivityDate", "microsoftTeamsCopilotLastActivityDate",
              "wordCopilotLastActivityDate", "excelCopilotLastActivityDate", "powerPointCopilotLastActivityDate",
              "outlookCopilotLastActivityDate", "oneNoteCopilotLastActivityDate", "loopCopilotLastActivityDate")
    row = {"reportRefreshDate": refresh, "userPrincipalName": upn, "displayName": upn.split("@")[0],
           **dict.fromkeys(fields, ""), **dates, "copilotActivityUserDetailsByPeriod": [{"reportPeriod": 7}]}
    row["lastActivityDate"] = dates.get("lastActivityDate") or max((d for d in dates.values() if d), default="")
    return row


ANA = "Ana.Lopez@Acme.example"
M365_BATCH_1 = M365_EXAMPLE["value"] + [
    m365_row("2025-08-19", ANA, wordCopilotLastActivityDate="2025-08-19",
             microsoftTeamsCopilotLastActivityDate="2025-08-19"),
    m365_row("2025-08-20", ANA, wordCopilotLastActivityDate="2025-08-19",
             microsoftTeamsCopilotLastActivityDate="2025-08-20", copilotChatLastActivityDate="2025-08-20"),
    # active in an app the report does not break out: only lastActivityDate is set
    m365_row("2025-08-20", "bo@acme.example", lastActivityDate="2025-08-18"),
    # licensed and idle: every date is ""
    m365_row("2025-08-20", "idle@acme.example"),
]
# the 2025-08-20 snapshot of Ana extracted again later, now with Excel that day: the later extraction wins
M365_BATCH_2 = [m365_row("2025-08-20", ANA, wordCopilotLastActivityDate="2025-08-19",
                         microsoftTeamsCopilotLastActivityDate="2025-08-20",
                         copilotChatLastActivityDate="2025-08-20", excelCopilotLastActivityDate="2025-08-20")]

DAY2 = 1730505600  # 2024-11-02T00:00:00Z


def usage_result(user: str | None, model: str, requests: int, tokens_in: int = 100, cached: int = 40) -> dict:
    return {"object": "organization.usage.completions.result", "input_tokens": tokens_in, "output_tokens": 10,
            "input_cached_tokens": cached, "input_audio_tokens": 0, "output_audio_tokens": 0,
            "num_model_requests": requests, "project_id": "proj_abc", "user_id": user, "api_key_id": None,
            "model": model, "batch": None, "service_tier": None}


OPENAI_USAGE_BATCH_1 = OPENAI_USAGE_EXAMPLE["data"] + [
    {"object": "bucket", "start_time": DAY2, "end_time": DAY2 + 86400,
     "results": [usage_result("user-abc", "gpt-4o-mini", 1)]},
    {"object": "bucket", "start_time": DAY2 + 86400, "end_time": DAY2 + 2 * 86400, "results": []},
]
# day 2 re-pulled later with more usage: the later bucket replaces the earlier one whole
OPENAI_USAGE_BATCH_2 = [{"object": "bucket", "start_time": DAY2, "end_time": DAY2 + 86400, "results": [
    usage_result("user-abc", "gpt-4o-mini", 3), usage_result("user-abc", "gpt-4o", 2),
    usage_result(None, "gpt-4o-mini", 50)]}]
OPENAI_COSTS = OPENAI_COSTS_EXAMPLE["data"] + [
    {"object": "bucket", "start_time": DAY2, "end_time": DAY2 + 86400, "results": [
        # one client sees `value` as a string: staging is lenient
        {"object": "organization.costs.result", "amount": {"value": "1.25", "currency": "usd"},
         "line_item": "gpt-4o, input", "project_id": "proj_abc", "quantity": 500000.0},
        {"object": "organization.costs.result", "amount": {"value": 0.25, "currency": "usd"},
         "line_item": "gpt-4o, output", "project_id": "proj_abc", "quantity": 25000.0}]}]
OPENAI_USERS = [
    {"object": "organization.user", "id": "user-abc", "name": "Ana Lopez", "email": "Ana.Lopez@Acme.example",
     "role": "owner", "added_at": 1711471533},
    {"object": "organization.user", "id": "user-def", "name": "Bo Chen", "email": "bo@acme.example",
     "role": "reader", "added_at": 1711471600},
]


def claude_row(day: str, actor: dict, *, remote: bool = False, sessions: int = 1, tools: dict | None = None) -> dict:
    row = copy.deepcopy(CLAUDE_CODE_EXAMPLE["data"][0])
    row.update({"date": day, "actor": actor, "is_remote": remote, "terminal_type": "web" if remote else "vscode",
                "tool_actions": tools if tools is not None else {}})
    row["core_metrics"]["num_sessions"] = sessions
    return row


USER = {"type": "user_actor", "email_address": "user@emaildomain.com"}
CI = {"type": "api_actor", "api_key_name": "ci-github-actions"}
CLAUDE_CODE = CLAUDE_CODE_EXAMPLE["data"] + [
    claude_row("2025-08-08T00:00:00Z", USER, remote=True, sessions=2,
               tools={"edit_tool": {"accepted": 4, "rejected": 0}}),
    claude_row("2025-08-08T00:00:00Z", CI, sessions=3, tools={"write_tool": {"accepted": 1, "rejected": 1}}),
    # the older date form, and a tool the docs do not list
    claude_row("2025-08-09", USER, sessions=1, tools={"bash_tool": {"accepted": 3, "rejected": 1}}),
]


def cost_line(amount: str, description: str, token_type: str) -> dict:
    return {"amount": amount, "currency": "USD", "cost_type": "tokens", "description": description,
            "model": "claude-sonnet-4-20250514", "service_tier": "standard", "token_type": token_type,
            "context_window": "0-200k", "workspace_id": None}


COST_REPORT = COST_REPORT_EXAMPLE["data"] + [
    {"starting_at": "2025-08-02T00:00:00Z", "ending_at": "2025-08-03T00:00:00Z", "results": [
        cost_line("100", "Claude Sonnet 4 Usage - Output Tokens", "output_tokens"),
        cost_line("23.5", "Claude Sonnet 4 Usage - Input Tokens", "uncached_input_tokens")]},
]


def write_batch(root: Path, source: str, stream: str, records: list[dict], extracted_at: datetime, suffix: str) -> None:
    batch_id = extracted_at.strftime("%Y%m%dT%H%M%S%fZ") + "-" + suffix
    directory = root / f"source={source}" / f"stream={stream}" / f"date={extracted_at:%Y-%m-%d}"
    directory.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()
    (directory / f"{batch_id}.jsonl.gz").write_bytes(gzip.compress(lines, mtime=0))
    manifest = {"source": source, "stream": stream, "batch_id": batch_id, "record_count": len(records),
                "window_start": None, "window_end": None, "cursor_before": None, "cursor_after": None,
                "sha256": hashlib.sha256(lines).hexdigest(), "extracted_at": extracted_at.isoformat(),
                "connector_version": "fixture",
                "data_file": str((directory / f"{batch_id}.jsonl.gz").relative_to(root))}
    (directory / f"{batch_id}.manifest.json").write_text(json.dumps(manifest))


def write_landing(root: Path) -> Path:
    first = datetime(2026, 3, 24, 2, 0, tzinfo=UTC)
    second = first + timedelta(days=1)
    write_batch(root, "m365_copilot", "usage_user_detail", M365_BATCH_1, first, "m001")
    write_batch(root, "m365_copilot", "usage_user_detail", M365_BATCH_2, second, "m002")
    write_batch(root, "openai", "usage_completions", OPENAI_USAGE_BATCH_1, first, "o001")
    write_batch(root, "openai", "usage_completions", OPENAI_USAGE_BATCH_2, second, "o002")
    write_batch(root, "openai", "costs", OPENAI_COSTS, first, "o003")
    write_batch(root, "openai", "users", OPENAI_USERS, first, "o004")
    write_batch(root, "anthropic", "claude_code", CLAUDE_CODE, first, "a001")
    write_batch(root, "anthropic", "cost_report", COST_REPORT, first, "a002")
    return root


# --- landing suites -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def validate():
    from expectations.runner import landing_batch_validator

    return landing_batch_validator()


def test_documented_examples_pass_the_landing_suites(validate):
    assert validate(m365_copilot.USAGE_USER_DETAIL, M365_EXAMPLE["value"]).success
    assert validate(openai.USAGE_COMPLETIONS, OPENAI_USAGE_EXAMPLE["data"]).success
    assert validate(openai.COSTS, OPENAI_COSTS_EXAMPLE["data"]).success
    assert validate(anthropic.CLAUDE_CODE, CLAUDE_CODE_EXAMPLE["data"]).success
    assert validate(anthropic.COST_REPORT, COST_REPORT_EXAMPLE["data"]).success


def test_fixture_batches_pass_the_landing_suites(validate):
    for stream, records in ((m365_copilot.USAGE_USER_DETAIL, M365_BATCH_1), (openai.USAGE_COMPLETIONS,
                            OPENAI_USAGE_BATCH_1), (openai.COSTS, OPENAI_COSTS), (openai.USERS, OPENAI_USERS),
                            (anthropic.CLAUDE_CODE, CLAUDE_CODE), (anthropic.COST_REPORT, COST_REPORT)):
        outcome = validate(stream, records)
        assert outcome.success, (stream.key, outcome.failed_checks)


def test_concealed_names_warn_but_do_not_block(validate):
    outcome = validate(m365_copilot.USAGE_USER_DETAIL, M365_EXAMPLE["value"])
    assert outcome.success
    assert any("userPrincipalName" in w for w in outcome.summary["warnings"])


def test_broken_batches_are_critical(validate):
    bad_date = dict(M365_EXAMPLE["value"][0], wordCopilotLastActivityDate="Aug 6")
    assert not validate(m365_copilot.USAGE_USER_DETAIL, [bad_date]).success
    twice = OPENAI_USAGE_EXAMPLE["data"] * 2  # one bucket landed twice in a batch
    assert not validate(openai.USAGE_COMPLETIONS, twice).success
    odd_actor = copy.deepcopy(CLAUDE_CODE_EXAMPLE["data"][0])
    odd_actor["actor"] = {"type": "service_actor", "name": "x"}
    assert not validate(anthropic.CLAUDE_CODE, [odd_actor]).success
    same_row = CLAUDE_CODE_EXAMPLE["data"] * 2
    assert not validate(anthropic.CLAUDE_CODE, same_row).success
    assert not validate(openai.USERS, []).success  # a snapshot with nobody in it
    assert validate(anthropic.COST_REPORT, []).success  # nothing new in the window is fine


# --- dbt ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("dbt_ai_usage")
    landing = write_landing(tmp / "landing")
    db = tmp / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir()
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--select", *MODELS,
         "--vars", json.dumps(dbt_model_vars(PROJECT))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def test_m365_empty_strings_become_null_and_concealed_names_stay_hashes(warehouse):
    got = rows(warehouse, """
        select is_concealed, excel_last_activity_date, powerpoint_last_activity_date, report_period_days
        from staging.stg_m365_copilot__usage_user_detail
        where user_principal_name = 'DC8C64D6EC3A3AA17481D7E5EB5B68A6'""")
    assert got == [(True, None, date(2025, 3, 26), 7)]
    accounts = dict((r[0], r[1:]) for r in rows(warehouse, """
        select source_user_id, source_login, email from intermediate.int_accounts__m365_copilot"""))
    assert accounts["DC8C64D6EC3A3AA17481D7E5EB5B68A6"] == ("DC8C64D6EC3A3AA17481D7E5EB5B68A6", None)
    assert accounts["ana.lopez@acme.example"] == (ANA, "ana.lopez@acme.example")
    assert set(accounts) == {"DC8C64D6EC3A3AA17481D7E5EB5B68A6", "ana.lopez@acme.example", "bo@acme.example",
                             "idle@acme.example"}


def test_m365_user_days_are_every_app_date_any_snapshot_names(warehouse):
    got = {(r[0], r[1]): r[2:] for r in rows(warehouse, """
        select source_user_id, activity_date, actions, features_used, is_active, passive_suggestions, source, tool
        from intermediate.int_ai_user_days__m365_copilot""")}
    hashed = "DC8C64D6EC3A3AA17481D7E5EB5B68A6"
    tail = (True, 0, "m365_copilot", "m365_copilot")
    assert got == {
        # the example: chat 08-16, Teams 08-20 (= lastActivityDate), Word 08-06, PowerPoint 03-26
        (hashed, date(2025, 8, 16)): (1, "copilot_chat", *tail),
        (hashed, date(2025, 8, 20)): (1, "teams", *tail),
        (hashed, date(2025, 8, 6)): (1, "word", *tail),
        (hashed, date(2025, 3, 26)): (1, "powerpoint", *tail),
        # Ana: the 08-19 snapshot shows Teams and Word; the re-extracted 08-20 one adds chat, Excel, Teams
        ("ana.lopez@acme.example", date(2025, 8, 19)): (2, "teams,word", *tail),
        ("ana.lopez@acme.example", date(2025, 8, 20)): (3, "copilot_chat,excel,teams", *tail),
        ("bo@acme.example", date(2025, 8, 18)): (1, "other", *tail),
    }


def test_openai_buckets_unnest_with_latest_extraction_and_cached_tokens(warehouse):
    example = rows(warehouse, """
        select user_id, model, input_tokens, input_uncached_tokens, num_model_requests, usage_date
        from staging.stg_openai__usage_completions where usage_date = date '2024-11-01'""")
    assert example == [(None, None, 1000, 200, 5, date(2024, 11, 1))]
    day2 = rows(warehouse, """select count(*), sum(num_model_requests) from staging.stg_openai__usage_completions
                              where usage_date = date '2024-11-02'""")
    assert day2 == [(3, 55)]  # the re-pulled bucket, not 1 request from the first extraction
    empty = rows(warehouse, "select count(*) from staging.stg_openai__usage_completions where usage_date = ?",
                 date(2024, 11, 3))
    assert empty == [(0,)]


def test_openai_user_days_count_requests_of_known_users_only(warehouse):
    got = rows(warehouse, """
        select source, tool, source_user_id, activity_date, actions, passive_suggestions, is_active, features_used
        from intermediate.int_ai_user_days__openai""")
    assert got == [("openai", "openai", "user-abc", date(2024, 11, 2), 5, 0, True, "gpt-4o,gpt-4o-mini")]


def test_openai_spend_is_dollars_in_upper_case_currency(warehouse):
    got = rows(warehouse, """
        select spend_date, currency, amount, source_user_id, cost_kind, source, tool
        from intermediate.int_ai_spend_daily__openai order by spend_date""")
    assert [(r[0], r[1], Decimal(r[2]), *r[3:]) for r in got] == [
        (date(2024, 11, 1), "USD", Decimal("0.06"), None, "metered", "openai", "openai"),
        (date(2024, 11, 2), "USD", Decimal("1.5"), None, "metered", "openai", "openai"),
    ]


def test_openai_accounts_lower_emails(warehouse):
    got = rows(warehouse, "select source_user_id, source_login, email from intermediate.int_accounts__openai "
                          "order by 1")
    assert got == [("user-abc", "Ana Lopez", "ana.lopez@acme.example"), ("user-def", "Bo Chen", "bo@acme.example")]


def test_anthropic_cents_strings_become_currency_units(warehouse):
    got = rows(warehouse, """
        select amount_cents, amount, currency, workspace_id from staging.stg_anthropic__cost_report
        where cost_date = date '2025-08-01'""")
    assert [(Decimal(a), Decimal(b), c, w) for a, b, c, w in got] == [
        (Decimal("123.78912"), Decimal("1.2378912"), "USD", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ")]
    spend = rows(warehouse, """
        select spend_date, currency, amount, source_user_id, tool from intermediate.int_ai_spend_daily__anthropic
        order by spend_date""")
    assert [(d, c, Decimal(a), u, t) for d, c, a, u, t in spend] == [
        (date(2025, 8, 1), "USD", Decimal("1.2378912"), None, "claude_code"),
        (date(2025, 8, 2), "USD", Decimal("1.235"), None, "claude_code"),  # (100 + 23.5) cents
    ]


def test_claude_code_example_parses_to_hand_checked_values(warehouse):
    got = rows(warehouse, """
        select actor_key, activity_date, num_sessions, tool_accepted_count, tool_rejected_count, tools_used,
               estimated_cost_cents, estimated_cost, is_remote, input_tokens, lines_added
        from staging.stg_anthropic__claude_code where terminal_type = 'iTerm.app'""")
    (key, day, sessions, accepted, rejected, tools, cents, usd, remote, tokens_in, added), = got
    assert (key, day, sessions, accepted, rejected) == ("user@emaildomain.com", date(2025, 8, 8), 15, 50, 6)
    assert tools == "edit_tool,multi_edit_tool,notebook_edit_tool,write_tool"
    assert (Decimal(cents), Decimal(usd), remote) == (Decimal(186), Decimal("1.86"), False)
    assert (tokens_in, added) == (45230, 342)


def test_claude_code_user_days_sum_remote_rows_and_keep_api_keys_apart(warehouse):
    got = {(r[0], r[1]): r[2:] for r in rows(warehouse, """
        select source_user_id, activity_date, actions, features_used, source, tool
        from intermediate.int_ai_user_days__claude_code""")}
    assert got == {
        # local 15 sessions + 50 accepted, remote 2 sessions + 4 accepted
        ("user@emaildomain.com", date(2025, 8, 8)):
            (71, "edit_tool,multi_edit_tool,notebook_edit_tool,write_tool", "anthropic", "claude_code"),
        ("api_key:ci-github-actions", date(2025, 8, 8)): (4, "write_tool", "anthropic", "claude_code"),
        # the bare-date row with a tool the docs do not list
        ("user@emaildomain.com", date(2025, 8, 9)): (4, "other_tool", "anthropic", "claude_code"),
    }


def test_api_key_actors_have_no_email(warehouse):
    got = rows(warehouse, "select source_user_id, source_login, email from intermediate.int_accounts__anthropic "
                          "order by 1")
    assert got == [("api_key:ci-github-actions", "ci-github-actions", None),
                   ("user@emaildomain.com", "user@emaildomain.com", "user@emaildomain.com")]


def test_a_large_cost_bucket_unnests_within_a_small_memory_limit(tmp_path):
    """A 50,000-person day is one bucket record of hundreds of KB: each result row must not carry it. With the
    bucket's fields computed beside the unnest, DuckDB carried the record into every result row (28 days of 500
    results, about 200 KB a day here: 2.8 GB carried) and ran out of memory; the limit below holds the results
    themselves many times over."""
    days = [{"starting_at": f"2026-03-{d:02d}T00:00:00Z", "ending_at": f"2026-03-{d + 1:02d}T00:00:00Z",
             "results": [dict(cost_line("1", f"workspace usage {n} " + "x" * 300, "output_tokens"),
                              workspace_id=f"wrkspc_{n}") for n in range(500)]} for d in range(1, 29)]
    landing = tmp_path / "landing"
    write_batch(landing, "anthropic", "cost_report", days, datetime(2026, 3, 29, 2, 0, tzinfo=UTC), "big1")
    db = tmp_path / "outcomes.duckdb"
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "OUTCOMES_DUCKDB_MEMORY_LIMIT": "1GB", "OUTCOMES_DUCKDB_TEMP_DIR": str(tmp_path / "spill"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "run", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
         "--select", "stg_anthropic__cost_report", "--vars", json.dumps(dbt_model_vars(PROJECT))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert rows(con, "select count(*), sum(amount_cents), count(distinct workspace_id), min(bucket_start_at) "
                         "from staging.stg_anthropic__cost_report") == [(14000, 14000, 500, datetime(2026, 3, 1))]
    finally:
        con.close()
