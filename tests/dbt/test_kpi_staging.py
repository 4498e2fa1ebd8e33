"""KPI sources through dbt: documented examples, landed unchanged, give hand-computed staging and contract rows.

A small landing zone (Jira, GitHub pull requests, Harvest) is written here and dbt builds only the KPI
staging and contract models on it, once for the module. Hand-computed values:
- ENG-42 (documented example): To Do -> In Progress 2024-05-02 08:00:00Z, -> Done 2024-05-03 16:20:11Z:
  32 h 20 min 11 s = 32.336389 h.
- ENG-43: In Progress at 2024-05-06T11:00+0200 (09:00Z), In Review 15:00Z (still in progress), Done
  2024-05-07 11:30Z, reopened 2024-05-09 10:00Z, Done again 18:00Z: the first cycle, 26.5 h.
- ENG-44: in progress in the first batch, done in the second: the later batch wins (12 h).
- PR 1347 (documented example): opened 2024-05-01 09:00Z, merged 2024-05-03 11:59Z: 50.983333 h.
- Reviews: the REST batch (80 without a pull request url, 81 and 79 with one), then GitHub's documented
  GraphQL answer (tests/contracts/github/reviews-graphql-documented.json) a day later, whose nodes 80 and 81
  are the same reviews (databaseId = REST id): one row each, from the GraphQL batch; 79 stays as REST gave it.
- Harvest entry 636709355 (documented example): 1.5 h of "First-draft report"; an edit re-landed later
  (2.25 h) wins; a running timer is left out.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from make_landing_fixture import write_batch  # noqa: E402

from outcomes.dbt_models import dbt_model_vars

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
MODELS = (
    "stg_jira__issues", "stg_jira__issue_status_history", "stg_jira__issue_status_changes", "stg_jira__users",
    "stg_jira__statuses",
    "stg_github__pull_requests", "stg_github__pull_request_reviews",
    "stg_harvest__time_entries", "stg_harvest__users",
    "int_kpi_items__jira", "int_kpi_items__github", "int_kpi_items__harvest",
    "int_accounts__jira", "int_accounts__github", "int_accounts__harvest",
)
CONTRACT_COLUMNS = ["kpi", "source", "source_user_id", "item_id", "item_date", "kpi_value", "task"]
ACCOUNT_COLUMNS = ["source", "source_user_id", "source_login", "email"]

# --- the vendors' documented examples (Jira, GitHub, Harvest API docs), unchanged ------------------------
JIRA_ISSUE_EXAMPLE = {
    "id": "10042", "key": "ENG-42", "self": "https://acme.atlassian.net/rest/api/3/issue/10042",
    "fields": {
        "summary": "Add export button", "issuetype": {"id": "10001", "name": "Story"},
        "status": {"id": "10002", "name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
        "assignee": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Ana Lopez",
                     "emailAddress": "ana@acme.com"},
        "created": "2024-05-01T09:00:00.000+0000", "updated": "2024-05-03T16:20:11.123+0000",
        "resolutiondate": "2024-05-03T16:20:11.000+0000", "statuscategorychangedate": "2024-05-03T16:20:11.000+0000"},
    "changelog": {"startAt": 0, "maxResults": 2, "total": 2, "histories": [
        {"id": "100501", "author": {"accountId": "5b10ac8d82e05b22cc7d4ef5"}, "created": "2024-05-02T08:00:00.000+0000",
         "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10000",
                    "fromString": "To Do", "to": "3", "toString": "In Progress"}]},
        {"id": "100777", "created": "2024-05-03T16:20:11.000+0000", "author": {"accountId": "5b10ac8d82e05b22cc7d4ef5"},
         "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "3",
                    "fromString": "In Progress", "to": "10002", "toString": "Done"}]}]},
}
GITHUB_PR_EXAMPLE = {
    "url": "https://api.github.com/repos/acme/api/pulls/1347", "id": 1834567890, "node_id": "PR_kwDOAbc123",
    "number": 1347, "state": "closed", "title": "Add CSV export", "draft": False,
    "user": {"login": "octocat", "id": 1, "type": "User"}, "author_association": "MEMBER",
    "created_at": "2024-05-01T09:00:00Z", "updated_at": "2024-05-03T12:00:00Z",
    "closed_at": "2024-05-03T11:59:00Z", "merged_at": "2024-05-03T11:59:00Z", "merge_commit_sha": "e5bd39...",
    "requested_reviewers": [], "labels": [{"name": "feature"}],
    "head": {"ref": "feat/csv", "sha": "6dcb09b..."}, "base": {"ref": "main", "sha": "a1b2c3d..."},
}
GITHUB_REVIEW_EXAMPLE = {"id": 80, "user": {"login": "reviewer1"}, "state": "APPROVED",
                         "submitted_at": "2024-05-02T15:00:00Z", "commit_id": "6dcb09b...",
                         "author_association": "MEMBER"}
HARVEST_ENTRY_EXAMPLE = {
    "id": 636709355, "spent_date": "2024-05-02", "hours": 1.5, "rounded_hours": 1.5, "hours_without_timer": 1.5,
    "notes": "First draft of Q2 report", "is_running": False, "is_locked": False, "billable": True,
    "user": {"id": 1782959, "name": "Kim Allen"}, "client": {"id": 5735774, "name": "ABC Corp"},
    "project": {"id": 14307913, "name": "Reporting"}, "task": {"id": 8083365, "name": "First-draft report"},
    "started_time": None, "ended_time": None, "created_at": "2024-05-02T16:00:00Z",
    "updated_at": "2024-05-02T16:05:00Z",
}

STATUSES = [  # id -> category, as GET /rest/api/3/status returns them (trimmed)
    {"id": sid, "name": name, "statusCategory": {"id": cat, "key": key, "name": cat_name}}
    for sid, name, cat, key, cat_name in (
        ("10000", "To Do", 2, "new", "To Do"), ("3", "In Progress", 4, "indeterminate", "In Progress"),
        ("10003", "In Review", 4, "indeterminate", "In Progress"), ("10002", "Done", 3, "done", "Done"))
]


def _status(frm: str, to: str) -> dict:
    names = {s["id"]: s["name"] for s in STATUSES}
    return {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": frm, "fromString": names[frm],
            "to": to, "toString": names[to]}


def _issue(issue_id: str, key: str, transitions: list[tuple[str, str, str]], status: str, *,
           assignee: dict | None, updated: str, extra_items: list | None = None) -> dict:
    issue = copy.deepcopy(JIRA_ISSUE_EXAMPLE)
    cat = {s["id"]: s["statusCategory"] for s in STATUSES}[status]
    histories = [{"id": f"{issue_id}{n:02d}", "author": {"accountId": "5b10ac8d82e05b22cc7d4ef5"}, "created": when,
                  "items": [_status(frm, to)]} for n, (when, frm, to) in enumerate(transitions)]
    if extra_items and histories:
        histories[0]["items"] = extra_items + histories[0]["items"]
    issue.update({"id": issue_id, "key": key, "self": f"https://acme.atlassian.net/rest/api/3/issue/{issue_id}",
                  "changelog": {"startAt": 0, "maxResults": len(histories), "total": len(histories),
                                "histories": histories}})
    issue["fields"].update({"status": {"id": status, "name": "x", "statusCategory": cat}, "assignee": assignee,
                            "updated": updated, "issuetype": {"id": "10004", "name": "Bug"}})
    return issue


ANA = JIRA_ISSUE_EXAMPLE["fields"]["assignee"]
HIDDEN = {"accountId": "712020:0a1b2c3d-0000-4000-8000-000000000001", "displayName": "Hidden Email"}


def jira_batches() -> tuple[list[dict], list[dict]]:
    reopened = _issue("10043", "ENG-43", [
        ("2024-05-06T11:00:00.000+0200", "10000", "3"),  # 09:00Z
        ("2024-05-06T15:00:00.000+0000", "3", "10003"),
        ("2024-05-07T11:30:00.000+0000", "10003", "10002"),
        ("2024-05-09T10:00:00.000+0000", "10002", "3"),
        ("2024-05-09T18:00:00.000+0000", "3", "10002"),
    ], "10002", assignee=HIDDEN, updated="2024-05-09T18:00:00.000+0000",
        extra_items=[{"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": None, "fromString": "",
                      "to": None, "toString": "backend"}])
    in_progress = _issue("10044", "ENG-44", [("2024-05-10T08:00:00.000+0000", "10000", "3")], "3",
                         assignee=ANA, updated="2024-05-10T08:00:00.000+0000")
    done_later = _issue("10044", "ENG-44", [("2024-05-10T08:00:00.000+0000", "10000", "3"),
                                            ("2024-05-10T20:00:00.000+0000", "3", "10002")], "10002",
                        assignee=ANA, updated="2024-05-10T20:00:00.000+0000")
    never_started = _issue("10045", "ENG-45", [], "10000", assignee=ANA, updated="2024-05-01T09:00:00.000+0000")
    unassigned = _issue("10046", "ENG-46", [("2024-05-02T08:00:00.000+0000", "10000", "3"),
                                            ("2024-05-02T09:00:00.000+0000", "3", "10002")], "10002",
                        assignee=None, updated="2024-05-02T09:00:00.000+0000")
    return ([copy.deepcopy(JIRA_ISSUE_EXAMPLE), reopened, in_progress, never_started, unassigned], [done_later])


def jira_users() -> list[dict]:
    return [
        {"accountId": ANA["accountId"], "accountType": "atlassian", "displayName": "Ana Lopez",
         "emailAddress": "Ana@Acme.com", "active": True},
        {**HIDDEN, "accountType": "atlassian", "active": True},  # emailAddress hidden: the key is absent
        {"accountId": "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", "accountType": "app",
         "displayName": "Automation for Jira", "active": True},
    ]


def github_batches() -> tuple[list[dict], list[dict]]:
    abandoned = {**copy.deepcopy(GITHUB_PR_EXAMPLE), "id": 1834567891, "number": 1348, "merged_at": None,
                 "url": "https://api.github.com/repos/acme/web/pulls/1348", "merge_commit_sha": None,
                 "user": {"login": "dev-two_acme", "id": 2, "type": "User"}}
    bot = {**copy.deepcopy(GITHUB_PR_EXAMPLE), "id": 1834567892, "number": 7,
           "url": "https://api.github.com/repos/acme/web/pulls/7",
           "user": {"login": "dependabot[bot]", "id": 49699333, "type": "Bot"},
           "created_at": "2024-05-04T00:00:00Z", "merged_at": "2024-05-04T06:00:00Z",
           "closed_at": "2024-05-04T06:00:00Z", "updated_at": "2024-05-04T06:00:00Z"}
    relabelled = {**copy.deepcopy(GITHUB_PR_EXAMPLE), "updated_at": "2024-05-05T08:00:00Z",
                  "user": {"login": "octocat-renamed", "id": 1, "type": "User"}}
    return [copy.deepcopy(GITHUB_PR_EXAMPLE), abandoned, bot], [relabelled]


def github_reviews() -> list[dict]:
    linked = {**copy.deepcopy(GITHUB_REVIEW_EXAMPLE), "id": 81,
              "user": {"login": "dev-two_acme", "id": 2, "type": "User"},
              "pull_request_url": "https://api.github.com/repos/acme/api/pulls/1347"}
    other = {**copy.deepcopy(linked), "id": 79, "state": "COMMENTED",
             "pull_request_url": "https://api.github.com/repos/acme/web/pulls/1348"}
    return [copy.deepcopy(GITHUB_REVIEW_EXAMPLE), linked, other]


def github_review_nodes() -> list[dict]:
    """The review nodes of GitHub's documented GraphQL answer, as the connector lands them (unchanged)."""
    answer = json.loads((REPO / "tests/contracts/github/reviews-graphql-documented.json").read_text())
    return [node for pr in answer["data"]["repository"]["pullRequests"]["nodes"] for node in pr["reviews"]["nodes"]]


def harvest_batches() -> tuple[list[dict], list[dict]]:
    running = {**copy.deepcopy(HARVEST_ENTRY_EXAMPLE), "id": 636709356, "is_running": True, "hours": 0.42,
               "task": {"id": 8083366, "name": "Meetings"}}
    proposal = {**copy.deepcopy(HARVEST_ENTRY_EXAMPLE), "id": 636709357, "spent_date": "2024-05-03", "hours": 3.0,
                "user": {"id": 1782960, "name": "Lee Seller"}, "task": {"id": 8083367, "name": "Customer proposal"}}
    edited = {**copy.deepcopy(HARVEST_ENTRY_EXAMPLE), "hours": 2.25, "updated_at": "2024-05-06T10:00:00Z"}
    return [copy.deepcopy(HARVEST_ENTRY_EXAMPLE), running, proposal], [edited]


def harvest_users() -> list[dict]:
    return [{"id": 1782959, "first_name": "Kim", "last_name": "Allen", "email": "Kim.Allen@Acme.example",
             "is_active": True, "is_contractor": False, "created_at": "2023-01-01T00:00:00Z",
             "updated_at": "2024-01-01T00:00:00Z"}]


def write_kpi_landing(root: Path) -> Path:
    first = datetime(2024, 5, 11, 2, 0, 0, 123456, tzinfo=UTC)
    second = first + timedelta(days=1)
    jira1, jira2 = jira_batches()
    write_batch(root, "jira", "issues", jira1, first, "ji000001")
    write_batch(root, "jira", "issues", jira2, second, "ji000002")
    write_batch(root, "jira", "users", jira_users(), second, "ju000001")
    write_batch(root, "jira", "statuses", STATUSES, second, "js000001")
    gh1, gh2 = github_batches()
    write_batch(root, "github", "pull_requests", gh1, first, "gp000001")
    write_batch(root, "github", "pull_requests", gh2, second, "gp000002")
    write_batch(root, "github", "pull_request_reviews", github_reviews(), second, "gr000001")
    write_batch(root, "github", "pull_request_reviews", github_review_nodes(), second + timedelta(days=1), "gr000002")
    hv1, hv2 = harvest_batches()
    write_batch(root, "harvest", "time_entries", hv1, first, "ht000001")
    write_batch(root, "harvest", "time_entries", hv2, second, "ht000002")
    write_batch(root, "harvest", "users", harvest_users(), second, "hu000001")
    return root


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("kpi_dbt")
    landing = write_kpi_landing(tmp / "landing")
    db = tmp / "outcomes.duckdb"
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


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def contract(con: duckdb.DuckDBPyConnection, model: str) -> dict[str, tuple]:
    got = con.execute(f"select {', '.join(CONTRACT_COLUMNS)} from intermediate.{model} order by item_id")
    return {r[3]: r for r in got.fetchall()}


# --- landing suites ------------------------------------------------------------------------------------
def test_reference_examples_pass_the_landing_suites():
    from connectors import github_prs, harvest, jira
    from expectations.runner import landing_batch_validator

    validate = landing_batch_validator()
    for stream, record in ((jira.ISSUES, JIRA_ISSUE_EXAMPLE), (github_prs.PULL_REQUESTS, GITHUB_PR_EXAMPLE),
                           (github_prs.PULL_REQUEST_REVIEWS, GITHUB_REVIEW_EXAMPLE),
                           (github_prs.PULL_REQUEST_REVIEWS, github_review_nodes()[0]),
                           (harvest.TIME_ENTRIES, HARVEST_ENTRY_EXAMPLE)):
        outcome = validate(stream, [record])
        assert outcome.success, (stream.key, outcome.failed_checks)


def test_landing_suites_reject_broken_kpi_batches():
    from connectors import github_prs, harvest, jira
    from expectations.runner import landing_batch_validator

    validate = landing_batch_validator()
    ids_only = {"id": "10042"}  # what /search/jql returns when `fields` is forgotten
    assert not validate(jira.ISSUES, [ids_only]).success
    merged_before_opened = {**GITHUB_PR_EXAMPLE, "merged_at": "2024-04-30T09:00:00Z"}
    assert not validate(github_prs.PULL_REQUESTS, [merged_before_opened]).success
    node = github_review_nodes()[0]  # GraphQL review nodes get the same checks under their own names
    assert not validate(github_prs.PULL_REQUEST_REVIEWS, [node, dict(node)]).success  # databaseId twice
    assert not validate(github_prs.PULL_REQUEST_REVIEWS, [{**node, "submittedAt": "2024-05-02 15:00"}]).success
    assert not validate(github_prs.PULL_REQUEST_REVIEWS, [{**node, "state": "LGTM"}]).success
    assert not validate(harvest.TIME_ENTRIES, [{**HARVEST_ENTRY_EXAMPLE, "hours": 25.0}]).success
    assert not validate(harvest.TIME_ENTRIES, [HARVEST_ENTRY_EXAMPLE, dict(HARVEST_ENTRY_EXAMPLE)]).success
    assert not validate(jira.USERS, []).success and validate(jira.ISSUES, []).success


# --- staging -------------------------------------------------------------------------------------------
def test_jira_times_are_utc_and_the_latest_issue_version_wins(warehouse):
    got = rows(warehouse, """select issue_key, cast(created_at as varchar), cast(updated_at as varchar),
                                    status_category_id from staging.stg_jira__issues order by issue_key""")
    assert got[0] == ("ENG-42", "2024-05-01 09:00:00", "2024-05-03 16:20:11.123", 3)
    assert dict((k, cat) for k, _, _, cat in got)["ENG-44"] == 3
    assert len(got) == 5


def test_status_changes_carry_categories_by_id(warehouse):
    got = rows(warehouse, """select from_status_id, to_status_id, from_status_category_id, to_status_category_id,
                                    cast(changed_at as varchar)
                             from staging.stg_jira__issue_status_changes where issue_id = '10043'
                             order by changed_at""")
    assert got == [
        ("10000", "3", 2, 4, "2024-05-06 09:00:00"),
        ("3", "10003", 4, 4, "2024-05-06 15:00:00"),
        ("10003", "10002", 4, 3, "2024-05-07 11:30:00"),
        ("10002", "3", 3, 4, "2024-05-09 10:00:00"),
        ("3", "10002", 4, 3, "2024-05-09 18:00:00"),
    ]  # the labels item of the first history is not a status change


def test_github_and_harvest_staging_dedupe_on_the_vendor_key(warehouse):
    assert rows(warehouse, """select repo_full_name, author_login, is_merged from staging.stg_github__pull_requests
                              where pull_request_id = 1834567890""") == [("acme/api", "octocat-renamed", True)]
    assert rows(warehouse, "select hours, spent_date from staging.stg_harvest__time_entries "
                           "where time_entry_id = 636709355") == [(2.25, date(2024, 5, 2))]
    assert rows(warehouse, """select review_id, repo_full_name, pull_request_number
                              from staging.stg_github__pull_request_reviews order by review_id""") == [
        (79, "acme/web", 1348), (80, "acme/api", 1347), (81, "acme/api", 1347)]


def test_rest_and_graphql_reviews_share_columns_and_merge_into_one_row_each(warehouse):
    oid = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    assert rows(warehouse, """
        select review_id, repo_full_name, pull_request_number, reviewer_user_id, reviewer_login, state,
               author_association, commit_id, cast(submitted_at as varchar), _batch_id like '%gr000002'
        from staging.stg_github__pull_request_reviews order by review_id""") == [
        (79, "acme/web", 1348, 2, "dev-two_acme", "COMMENTED", "MEMBER", "6dcb09b...", "2024-05-02 15:00:00", False),
        (80, "acme/api", 1347, 2, "reviewer1", "APPROVED", "MEMBER", oid, "2024-05-02 15:00:00", True),
        (81, "acme/api", 1347, None, "hubot", "COMMENTED", "CONTRIBUTOR", oid, "2024-05-02 16:30:00", True),
    ]


# --- contract models -------------------------------------------------------------------------------------
def test_jira_cycle_time_items(warehouse):
    items = contract(warehouse, "int_kpi_items__jira")
    assert set(items) == {"10042", "10043", "10044"}  # never started and unassigned issues are left out
    kpi, source, user, item, day, hours, task = items["10042"]
    assert (kpi, source, user, day, task) == ("jira_cycle_time_hours", "jira", "5b10ac8d82e05b22cc7d4ef5",
                                              date(2024, 5, 2), "Story")
    assert hours == pytest.approx(32 + 20 / 60 + 11 / 3600, abs=1e-6)
    assert items["10043"][4:] == (date(2024, 5, 6), pytest.approx(26.5), "Bug")  # reopen: the first cycle
    assert items["10043"][2] == HIDDEN["accountId"]
    assert items["10044"][5] == pytest.approx(12.0)


def test_github_merge_hours_items(warehouse):
    items = contract(warehouse, "int_kpi_items__github")
    assert set(items) == {"1834567890", "1834567892"}  # the abandoned pull request has no merge time
    assert items["1834567890"] == ("github_pr_merge_hours", "github", "1", "1834567890", date(2024, 5, 1),
                                   pytest.approx(50 + 59 / 60, abs=1e-6), "api")
    assert items["1834567892"][2] == "49699333" and items["1834567892"][5] == pytest.approx(6.0)


def test_harvest_task_hours_items(warehouse):
    items = contract(warehouse, "int_kpi_items__harvest")
    assert set(items) == {"636709355", "636709357"}  # the running timer is left out
    assert items["636709355"] == ("harvest_task_hours", "harvest", "1782959", "636709355", date(2024, 5, 2),
                                  2.25, "First-draft report")
    assert items["636709357"][6] == "Customer proposal"


def test_accounts_have_one_row_each_with_lower_case_email(warehouse):
    def accounts(model: str) -> dict[str, tuple]:
        got = warehouse.execute(f"select {', '.join(ACCOUNT_COLUMNS)} from intermediate.{model}").fetchall()
        return {r[1]: r for r in got}

    jira_accounts = accounts("int_accounts__jira")
    assert jira_accounts[ANA["accountId"]] == ("jira", ANA["accountId"], "Ana Lopez", "ana@acme.com")
    assert jira_accounts[HIDDEN["accountId"]][3] is None
    assert len(jira_accounts) == 3
    github_accounts = accounts("int_accounts__github")
    assert github_accounts["1"] == ("github", "1", "octocat-renamed", None)  # the latest login wins
    assert set(github_accounts) == {"1", "2", "49699333"}  # the review without a user id is not an account
    harvest_accounts = accounts("int_accounts__harvest")
    assert harvest_accounts["1782959"] == ("harvest", "1782959", "Kim Allen", "kim.allen@acme.example")
    assert harvest_accounts["1782960"] == ("harvest", "1782960", "Lee Seller", None)


def test_contract_columns_are_exact(warehouse):
    for model in ("int_kpi_items__jira", "int_kpi_items__github", "int_kpi_items__harvest"):
        cols = [r[0] for r in warehouse.execute(f"describe intermediate.{model}").fetchall()]
        assert cols == CONTRACT_COLUMNS, model
    for model in ("int_accounts__jira", "int_accounts__github", "int_accounts__harvest"):
        cols = [r[0] for r in warehouse.execute(f"describe intermediate.{model}").fetchall()]
        assert cols == ACCOUNT_COLUMNS, model


if __name__ == "__main__":  # write the fixture for manual dbt runs
    print(json.dumps(str(write_kpi_landing(Path(sys.argv[1])))))
