"""The run's static HTML report: five sections read from the published warehouse only, numbers as the marts
hold them, opened in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from browser_support import assert_cards_match_the_mart, chromium_or_skip, read_fields, rendered_dom, screenshot

from outcomes.html_report import write_html_report

WORKFLOW_COLUMNS = ("workflow, workflow_name, team, kpi, direction, redesigned_on, adopters_n, control_n, "
                    "adopters_change_pct, control_change_pct, effect_pct, ci_low_pct, ci_high_pct, naive_change_pct, "
                    "target_pct, target_progress_pct, status, method, evidence, verdict")


def write_publication(path: Path) -> Path:
    """A small publication with known numbers: two workflows (one without enough data), every other mart."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"""create table mart_workflow_outcomes as select * from (values
            ('support_ticket_resolution', 'Support ticket resolution', 'Support', 'zendesk_resolution_hours', 'lower',
             date '2026-09-01', 30, 29, -12.39, 6.95, -19.38, -22.8, -15.96, -2.89, -15.0, 129.2, 'ok',
             'did_person_means_normal95', 'observational', 'improved'),
            ('legal_review', 'Legal review', 'Legal', 'jira_cycle_hours', 'lower', date '2026-09-01', 3, 2,
             null, null, null, null, null, 4.25, -10.0, null, 'insufficient_data', 'did_person_means_normal95',
             'observational', 'insufficient_data')) as t({WORKFLOW_COLUMNS})""")
        con.execute("""create table mart_workflow_outcomes_weekly as
            select 'support_ticket_resolution' as workflow,
                   (date '2026-07-06' + to_days(7 * w::int))::date as week_start, cohort,
                   false as suppressed, 30 as people_n,
                   case when cohort = 'adopters' and w >= 8 then 20.5 else 24.0 end as kpi_mean
            from range(16) r(w), (values ('adopters'), ('control')) c(cohort)""")
        con.execute("""create table mart_adoption_segments as select * from (values
            ('Support', 'Support A', 'github_copilot', date '2026-11-16', false, false, 31, 30, 4, 10, 6, 3, 8, 20, 5,
             14.5, 3.0),
            ('Support', 'Support A', 'github_copilot', date '2026-11-23', true, false, 31, 30, 4, 10, 6, 3, 8, 20, 5,
             14.5, 3.0)) as t(department, team, tool, week_start, is_partial_week, suppressed, people_n, licensed_n,
             power_n, habitual_n, novice_n, low_n, none_n, engaged_n, box_ticking_n, depth, breadth)""")
        con.execute("""create table mart_adoption_weekly as select * from (values
            ('Support', 'github_copilot', date '2026-11-16', false, 31, 30, 24, 20, 5, 0.65)) as t(department, tool,
             week_start, suppressed, people_n, licensed_n, active_n, engaged_n, box_ticking_n, engaged_share)""")
        con.execute("""create table mart_seat_utilization as select * from (values
            ('github_copilot', date '2026-11-01', 'company', '(all)', '(all)', false, 450, 428, 295, 259, 133, 'USD',
             19.0)) as t(tool, month_start, level, department, team, suppressed, seats_purchased, seats_assigned,
             active_n, engaged_n, idle_n, currency, monthly_price_per_seat)""")
        con.execute("""create table mart_ai_cost as select * from (values
            ('github_copilot', date '2026-11-01', 'company', '(all)', '(all)', 'USD', 8550.0, 259, 33.01, 2527.0),
            ('m365_copilot', date '2026-11-01', 'company', '(all)', '(all)', 'EUR', 7868.0, 132, 59.61, 3568.7),
            ('m365_copilot', date '2026-11-01', 'team', 'Support', 'Support A', 'EUR', 900.0, 12, 75.0, 150.0))
            as t(tool, month_start, level, department, team, currency, total_spend, engaged_n, cost_per_engaged_user,
                 idle_spend)""")
        con.execute("""create table mart_manager_rollup as select * from (values
            ('o1', 'Priya Chavez', 'Head of Support', 'Support', '(adoption)', false, 62, 54, 0.5, null),
            ('o1', 'Priya Chavez', 'Head of Support', 'Support', 'support_ticket_resolution', false, 62, 54, 0.5,
             -19.4),
            ('o2', 'Quiet Lead', 'Legal Team Lead', 'Legal', '(adoption)', true, null, null, null, null))
            as t(org_id, manager_name, manager_title, manager_department, workflow, suppressed, org_size, licensed_n,
                 engaged_share, effect_pct)""")
        con.execute("""create table mart_usage_without_outcomes as select * from (values
            ('team', 'HR A', 'HR A', 0.5161, null, 'engaged with AI tools, but no workflow measures an outcome'))
            as t(subject_type, subject, team, usage_share, effect_pct, reason)""")
        con.execute("""create table mart_identity_coverage as select * from (values
            ('zendesk', 1.0, 0.9), ('jira', 0.979, 0.9)) as t(source, coverage, min_coverage)""")
        con.execute("create table mart_schema_drift as select 'zendesk/tickets' as stream where false")
        # as dbt source freshness reports them: one stream fresh, one past warn_after, one never landed
        con.execute("""create table mart_source_freshness as select * from (values
            ('zendesk', 'tickets', 'pass', timestamp '2026-11-30 09:00:00', timestamp '2026-11-30 12:00:00', 3.0,
             24.0, 72.0, null),
            ('harvest', 'users', 'warn', timestamp '2026-11-29 06:00:00', timestamp '2026-11-30 12:00:00', 30.0,
             24.0, 72.0, null),
            ('jira', 'statuses', 'runtime error', null, null, null, 24.0, 72.0, 'no committed batch'),
            ('typeform', 'responses', 'warn', timestamp '2026-11-14 12:00:00', timestamp '2026-11-30 12:00:00',
             384.0, 336.0, null, null))
            as t(source, stream, status, newest_batch_at, checked_at, age_hours, warn_after_hours,
                 error_after_hours, message)""")
        con.execute("""create table mart_reported_vs_real as select * from (values
            ('HR A', 'm365_copilot', date '2026-11-16', false, 10, 5.0, 0.9, 4.1, 0.9, true, 'Job descriptions (6)'),
            ('Support A', 'github_copilot', date '2026-11-16', false, 10, 2.1, 2.3, -0.2, 0.1, false,
             'Ticket replies (8)'),
            ('Support A', 'github_copilot', date '2026-11-09', false, 9, 1.0, 0.2, 0.8, 0.3, false, 'Older (1)'),
            ('Legal A', 'openai', date '2026-11-16', true, null, null, null, null, null, null, null))
            as t(team, tool, survey_week_start, suppressed, people_n, reported_days_per_week,
                 real_active_days_per_week, gap_days_per_week, overstated_share, reported_exceeds_real,
                 used_for_tasks)""")
        con.execute("create table _publication as select ? as published_at, ? as tables, ? as landed_through, "
                    "? as build_id, ? as gate",
                    ["2026-11-30T12:00:00+00:00", json.dumps({"mart_workflow_outcomes": 2}),
                     json.dumps({"zendesk/tickets": "20261130T090000000000Z-abcdef01"}), "b42",
                     json.dumps({"checks_passed": 57, "checks_failed": 0, "warnings": ["jira: 2 late issues"]})])
    return path


@pytest.fixture
def report(tmp_path) -> Path:
    return write_html_report(write_publication(tmp_path / "analytics.duckdb"), tmp_path / "report" / "index.html")


def test_each_workflow_card_shows_the_marts_numbers_and_says_observational(report):
    page = report.read_text()
    fields = read_fields(page).fields
    assert fields["support_ticket_resolution"] == {
        "verdict": "improved", "redesigned_on": "2026-09-01", "effect_pct": "-19.4%", "ci_low_pct": "-22.8%",
        "ci_high_pct": "-16.0%", "adopters_n": "30", "control_n": "29", "adopters_change_pct": "-12.4%",
        "control_change_pct": "+7.0%", "target_pct": "-15.0%", "target_progress_pct": "129.2%",
        "evidence": "observational", "naive_change_pct": "-2.9%"}
    # too few people: no effect is made up, the naive figure still shows, labelled as such
    legal = fields["legal_review"]
    assert (legal["effect_pct"], legal["ci_low_pct"], legal["verdict"]) == ("n/a", "n/a", "insufficient_data")
    assert legal["naive_change_pct"] == "+4.2%"
    assert page.count("Naive before/after") == 2 and "observational" in page


def test_the_report_has_five_sections_with_charts_and_needs_no_server(report):
    page = report.read_text()
    assert re.findall(r'<section id="(\w+)"><h2>([^<]+)</h2>', page) == [
        ("outcomes", "Workflow outcomes"), ("adoption", "Adoption reality"), ("spend", "Spend"),
        ("managers", "Managers"), ("health", "Data health")]
    assert read_fields(page).svgs >= 7  # a weekly chart per workflow with data, adoption, spend, coverage
    assert "redesign" in page  # the weekly chart marks the redesign date
    assert "<script" not in page and not re.search(r'(src|href)="https?://', page)  # nothing fetched


def test_the_report_shows_spend_per_currency_managers_and_data_health_from_the_publication(report):
    page = report.read_text()
    health = read_fields(page).fields[""]
    assert health["last_publication"] == "2026-11-30T12:00:00+00:00"
    assert health["build"] == "b42"
    assert health["quality_gate"] == "passed (57 checks passed, 0 failed, 1 warning)"
    assert "jira: 2 late issues" in page
    freshness = re.search(r"<h3>Source freshness</h3>\s*<table>.*?</table>", page, re.S)[0]
    rows = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", freshness)[1:]]
    assert rows == [["harvest/users", "warn", "2026-11-29 06:00", "30.0 h", "24 h / 72 h"],
                    ["jira/statuses", "runtime error: no committed batch", "", "", "24 h / 72 h"],
                    ["typeform/responses", "warn", "2026-11-14 12:00", "384.0 h", "336 h / -"],
                    ["zendesk/tickets", "pass", "2026-11-30 09:00", "3.0 h", "24 h / 72 h"]]
    assert "github_copilot (USD)" in page and "m365_copilot (EUR)" in page  # never one line for two currencies
    assert "Priya Chavez" in page and "-19.4%" in page and "HR A" in page
    assert "Quiet Lead" not in page  # an org below the minimum group size stays hidden
    assert "1 org rows below the minimum group size are not shown" in page


def test_the_report_lists_candidate_wins_the_program_and_stalled_managers(tmp_path):
    published = write_publication(tmp_path / "analytics.duckdb")
    with duckdb.connect(str(published)) as con:
        con.execute("""create table mart_win_candidates as select * from (values
            ('Marketing B', 'harvest_task_hours', 'Campaign brief', 'm365_copilot', 1, 10, 11, -32.9, -40.4, -25.4),
            ('HR A', 'harvest_task_hours', 'Admin', 'openai', null, null, null, null, null, null))
            as t(team, kpi, task, tool, candidate_rank, users_n, colleagues_n, effect_pct, ci_low_pct, ci_high_pct)""")
        con.execute("""create table mart_program as select * from (values
            ('Marketing', 'Marketing B', 0.76, 1, null, null, null, 'wins found'),
            ('Support', 'Support A', 0.74, 0, 'support_ticket_resolution', 'support_ticket_resolution: improved',
             'zendesk_resolution_hours', 'impact'))
            as t(department, team, engaged_share, candidate_wins_n, catalog_workflows, verdicts, outcome_metrics,
                 stage)""")
        con.execute("""create or replace table mart_manager_rollup as select * from (values
            ('o3', 'Olu Ops', 'Head of Operations', 'Operations', '(adoption)', false, 63, 60, 0.86, null, 0.69,
             false, true, 'engaged with AI, but no workflow of its teams is in the catalog'))
            as t(org_id, manager_name, manager_title, manager_department, workflow, suppressed, org_size, licensed_n,
                 engaged_share, effect_pct, peers_engaged_share, redesign_under_way, translation_stalled,
                 stall_reason)""")
    page = write_html_report(published, tmp_path / "index.html").read_text()
    wins = page[page.index("Candidate wins"):page.index("Program by team")]
    assert "Campaign brief" in wins and "<td>10</td><td>11</td>" in wins and "-32.9%" in wins
    assert "HR A" not in wins  # a small group is never listed
    program = page[page.index("Program by team"):]
    assert "wins found" in program and "support_ticket_resolution: improved" in program
    managers = page[page.index('<section id="managers">'):]
    assert "Olu Ops" in managers and "stalled" in managers and "69%" in managers


def test_a_workflow_without_a_weekly_series_still_gets_its_card(tmp_path):
    published = write_publication(tmp_path / "analytics.duckdb")
    with duckdb.connect(str(published)) as con:
        con.execute("delete from mart_workflow_outcomes_weekly")
    page = write_html_report(published, tmp_path / "index.html").read_text()
    assert read_fields(page).fields["support_ticket_resolution"]["effect_pct"] == "-19.4%"
    assert page.count("No weekly series published for this workflow.") == 2


def test_a_missing_publication_says_to_run_the_pipeline(tmp_path):
    with pytest.raises(FileNotFoundError, match="run the pipeline first"):
        write_html_report(tmp_path / "analytics.duckdb", tmp_path / "index.html")
    assert not (tmp_path / "index.html").exists()


def test_chromium_shows_each_workflow_as_the_mart_holds_it(report, tmp_path):
    chromium = chromium_or_skip()
    url = report.as_uri()
    page = rendered_dom(chromium, url)
    assert assert_cards_match_the_mart(page, tmp_path / "analytics.duckdb") == 2
    assert read_fields(page).svgs >= 7  # the charts are in the rendered page
    shot = screenshot(chromium, url, tmp_path / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_default_scenarios_report_in_chromium(default_pipeline, tmp_path):
    """`make run`'s report on the default scenario: the planted effects as the marts hold them."""
    result, settings = default_pipeline
    assert result.report_path == settings.report_path and settings.report_path.exists()
    chromium = chromium_or_skip()
    page = rendered_dom(chromium, settings.report_path.as_uri())
    assert assert_cards_match_the_mart(page, settings.published_path) >= 3
    screenshot(chromium, settings.report_path.as_uri(), tmp_path / "default_report.png", height=4000)


def test_the_audit_shows_the_latest_survey_week_largest_gap_first(report):
    page = report.read_text()
    start = page.index("Said against real use, survey week of 2026-11-16")
    audit = page[start:page.index("</section>", start)]
    assert "Reporting more than they use: HR A (m365_copilot)." in audit
    # the largest gap first, the older week and the suppressed group left out
    assert audit.index("HR A") < audit.index("Support A")
    assert "<td>5.00</td><td>0.90</td><td>4.10</td><td>90%</td><td>Job descriptions (6)</td>" in audit
    assert "Older (1)" not in audit and "Legal A" not in audit
