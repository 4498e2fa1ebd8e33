"""The usage audit on a small fixture: survey responses and interviews of test_outcome_marts' Lab team about
GitHub Copilot, staged, linked to people, and compared with the Lab's telemetry of the same week.

The Lab's week of 2026-03-09 (LAB_PLAN, week 11): active days 1: 1, 2: 1, 3: 1, 4: 0, 5: 1, 6: 1, 7: 0,
8: 0 (suggestions only), 9: 2 (Monday and Wednesday). Every expected figure below is worked out by hand
from those days and the answers written here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from connectors import landing_streams
from outcomes.catalog import parse_catalog
from outcomes.dbt_models import dbt_model_vars

sys.path.insert(0, str(Path(__file__).parent))
import make_landing_fixture as fixture  # noqa: E402
import test_outcome_marts as outcome_marts  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
WEEK = outcome_marts.LAST_WEEK  # Monday 2026-03-09
FORM = "LabAudit"
# one catalog workflow of the Lab whose task is one the Lab names
LAB_WORKFLOW = parse_catalog({"workflows": [{
    "workflow": "lab_code_review", "name": "Lab code review", "team": "Lab A", "tools": ["github_copilot"],
    "kpi": "github_pr_merge_hours", "task": "Code review", "direction": "lower", "redesigned_on": "2026-03-02",
}]}, "test_audit_marts")


def response(token: str, email: str | None, frequency: str | None, tasks: list[str], *,
             submitted: str = "2026-03-17T10:00:00Z", back_to_manual: list[str] | None = None,
             tool: str = "GitHub Copilot") -> dict:
    answers = [{"field": {"id": "f1", "type": "multiple_choice", "ref": "tool"}, "type": "choice",
                "choice": {"label": tool}}]
    if frequency:
        answers.append({"field": {"id": "f2", "type": "multiple_choice", "ref": "frequency"}, "type": "choice",
                        "choice": {"label": frequency}})
    if tasks:
        answers.append({"field": {"id": "f3", "type": "multiple_choice", "ref": "tasks"}, "type": "choices",
                        "choices": {"labels": tasks}})
    if back_to_manual:
        answers.append({"field": {"id": "f6", "type": "multiple_choice", "ref": "back_to_manual"},
                        "type": "choices", "choices": {"labels": back_to_manual}})
    answers.append({"field": {"id": "f4", "type": "long_text", "ref": "worked"}, "type": "text", "text": "Tests"})
    return {"landing_id": token, "token": token, "landed_at": "2026-03-17T09:55:00Z", "submitted_at": submitted,
            "hidden": {"email": email} if email else {}, "answers": answers, "form_id": FORM}


def interview(n: int, day: str, frequency: str, tasks: str, back_to_manual: str = "") -> dict:
    return {"interviewed_on": day, "email": outcome_marts.lab(n)[0].upper(), "tool": "github_copilot",
            "frequency": frequency, "tasks": tasks, "worked": "", "did_not_work": "", "back_to_manual": back_to_manual,
            "interviewer": "lead"}


def write_landing(root: Path) -> Path:
    """Survey responses and interviews of the Lab about last week (the week of 2026-03-09)."""
    lab = [outcome_marts.lab(n)[0] for n in range(10)]
    first = datetime(2026, 3, 24, 3, 0, tzinfo=UTC)
    fixture.write_batch(root, "typeform", "responses", [
        response("t1", lab[1], "A few times a week", ["Writing code", "Code review"]),
        response("t2", lab[2], "Every day", ["Writing code"], back_to_manual=["Code review"]),
        response("t3", lab[3], "About once a week", ["Code review"]),
        response("t4", lab[4], "Not at all", []),
        response("t5", lab[5], "Every day", ["Writing code"]),
        response("t9", lab[9], "Every day", ["Writing code", "Writing tests"]),
        response("tx", "nobody@elsewhere.example", "Every day", ["Writing code"]),  # links to no one
        response("t0", lab[8], None, [], submitted="0001-01-01T00:00:00Z"),         # never submitted
    ], first, "tf0001")
    # re-extracted later: respondent 1's response as it stands now (the latest extraction wins)
    fixture.write_batch(root, "typeform", "responses", [
        response("t1", lab[1], "Every day", ["Writing code", "Code review"]),
    ], datetime(2026, 3, 25, 3, 0, tzinfo=UTC), "tf0002")
    fixture.write_batch(root, "interviews", "answers", [
        interview(6, "2026-03-16", "weekly", "Writing code", back_to_manual="Writing code"),
        interview(7, "2026-03-16", "never", ""),
        # respondent 3 answered the survey too: the interview, later, is the one that counts
        interview(3, "2026-03-18", "weekly", "Code review; Writing tests"),
    ], first, "iv0001")
    return root


def build(tmp: Path, workflows: list[dict]) -> Path:
    landing = outcome_marts.write_landing(tmp / "landing", with_later_activity=False)
    write_landing(landing)
    db = tmp / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir(parents=True)
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--exclude", "resource_type:unit_test",
         # tests of models outside the selection stay out
         "--indirect-selection", "cautious", "--select", "+mart_reported_vs_real", "+mart_back_to_manual",
         "--vars", json.dumps(dbt_model_vars(PROJECT, workflows=workflows, landing_streams=landing_streams()))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return db


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    db = build(tmp_path_factory.mktemp("audit"), fixture.WORKFLOWS + LAB_WORKFLOW)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def test_staging_keeps_the_latest_extraction_and_reads_the_questions_by_ref(warehouse):
    got = warehouse.execute("""
        select response_token, respondent_email, tool_label, frequency_label, tasks_json, submitted_at
        from staging.stg_typeform__responses where response_token in ('t1', 't0', 'tx') order by 1""").fetchall()
    assert got == [
        ("t0", outcome_marts.lab(8)[0], "GitHub Copilot", None, None, None),
        ("t1", outcome_marts.lab(1)[0], "GitHub Copilot", "Every day", '["Writing code","Code review"]',
         datetime(2026, 3, 17, 10, 0)),
        ("tx", "nobody@elsewhere.example", "GitHub Copilot", "Every day", '["Writing code"]',
         datetime(2026, 3, 17, 10, 0)),
    ]


def test_answers_link_to_people_through_the_identity_map(warehouse):
    got = warehouse.execute("""
        select answer_key, person_key is not null, team, tool, frequency, reported_days_per_week, survey_week_start
        from intermediate.int_audit_answers order by answer_key""").fetchall()
    lab = "Lab A"
    # the unsubmitted response is left out; the interview emails were typed in capitals
    assert [(k, linked, team) for k, linked, team, *_ in got] == [
        ('interviews:["LAB3.LAB@ACME.EXAMPLE","2026-03-18","github_copilot"]', True, lab),
        ('interviews:["LAB6.LAB@ACME.EXAMPLE","2026-03-16","github_copilot"]', True, lab),
        ('interviews:["LAB7.LAB@ACME.EXAMPLE","2026-03-16","github_copilot"]', True, lab),
        ("typeform:t1", True, lab), ("typeform:t2", True, lab), ("typeform:t3", True, lab),
        ("typeform:t4", True, lab), ("typeform:t5", True, lab), ("typeform:t9", True, lab),
        ("typeform:tx", False, None),
    ]
    assert {row[3] for row in got} == {"github_copilot"}
    assert {row[6] for row in got} == {WEEK}
    assert {row[0]: (row[4], row[5]) for row in got}["typeform:t4"] == ("never", 0.0)


def test_reported_against_real_for_the_same_people_and_week(warehouse):
    row = warehouse.execute("""
        select suppressed, people_n, reported_days_per_week, real_active_days_per_week, gap_days_per_week,
               reported_daily_n, real_daily_n, overstated_n, understated_n, overstated_share, reported_exceeds_real,
               used_for_tasks, survey_week_end
        from marts.mart_reported_vs_real
        where team = 'Lab A' and tool = 'github_copilot' and survey_week_start = ?""", [WEEK]).fetchall()
    # people 1, 2, 3 (interview), 4, 5, 6, 7, 9: said 5, 5, 1, 0, 5, 1, 0, 5 days (22 / 8 = 2.75); were active
    # 1, 1, 1, 0, 1, 1, 0, 2 days (7 / 8 = 0.875); 1, 2, 5 and 9 said every day and overstate (4 of 8)
    assert row == [(False, 8, 2.75, 0.88, 1.88, 4, 0, 4, 0, 0.5, True,
                    "Writing code (5); Code review (2); Writing tests (2)", date(2026, 3, 15))]
    assert warehouse.execute("select count(*) from marts.mart_reported_vs_real").fetchall() == [(1,)]


def test_back_to_manual_per_task_tied_to_the_catalog(warehouse):
    got = warehouse.execute("""
        select task, people_n, used_for_n, back_to_manual_n, workflow, in_catalog
        from marts.mart_back_to_manual where team = 'Lab A' and survey_week_start = ? order by task""",
                            [WEEK]).fetchall()
    assert got == [
        ("Code review", 8, 2, 1, "lab_code_review", True),
        ("Writing code", 8, 5, 1, None, False),
        ("Writing tests", 8, 2, 0, None, False),
    ]


def test_groups_below_the_privacy_floor_publish_no_figures(tmp_path):
    """The same answers with min_group_size 9: the Lab's eight respondents are one suppressed row each."""
    landing = outcome_marts.write_landing(tmp_path / "landing", with_later_activity=False)
    write_landing(landing)
    db = tmp_path / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir(parents=True)
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
         "--exclude", "resource_type:test", "resource_type:unit_test",
         "--select", "+mart_reported_vs_real", "+mart_back_to_manual",
         "--vars", json.dumps(dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_streams=landing_streams(),
                                             min_group_size=9))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("""
            select suppressed, people_n, reported_days_per_week, overstated_n, reported_exceeds_real, used_for_tasks
            from marts.mart_reported_vs_real""").fetchall() == [(True, None, None, None, None, None)]
        assert con.execute("""
            select team, task, suppressed, people_n, used_for_n, back_to_manual_n, workflow
            from marts.mart_back_to_manual""").fetchall() == [("Lab A", None, True, None, None, None, None)]
    finally:
        con.close()
