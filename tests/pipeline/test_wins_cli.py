"""`outcomes wins`: the win finder's top places as catalog entries that the catalog's own loader accepts."""

from __future__ import annotations

from datetime import date

import duckdb
import yaml

from outcomes.catalog import parse_catalog
from outcomes.cli import main

COLUMNS = ("team, kpi, task, tool, candidate_rank, in_catalog, measurably_faster, suppressed, direction, "
           "arrived_on, baseline_start, post_start, users_n, colleagues_n, effect_pct, ci_low_pct, ci_high_pct, "
           "z_score, places_compared")
ROWS = [
    # the best place, where two tools' users are faster: one entry naming both tools
    "('Marketing B', 'harvest_task_hours', 'Campaign brief', 'm365_copilot', 1, false, true, false, 'lower', "
    "date '2026-06-01', date '2026-03-09', date '2026-06-29', 11, 10, -33.0, -40.4, -25.4, -8.6, 200)",
    "('Marketing B', 'harvest_task_hours', 'Campaign brief', 'openai', null, false, true, false, 'lower', "
    "date '2026-06-03', date '2026-03-11', date '2026-07-01', 7, 14, -30.0, -41.0, -19.0, -5.3, 200)",
    # the second place, no task
    "('Operations A', 'jira_cycle_time_hours', null, 'm365_copilot', 2, false, true, false, 'lower', "
    "date '2026-06-01', date '2026-03-09', date '2026-06-29', 12, 8, -12.0, -20.0, -4.0, -2.9, 200)",
    # the third: left out with --top 2
    "('Sales E', 'harvest_task_hours', 'Client calls', 'm365_copilot', 3, false, true, false, 'lower', "
    "date '2026-06-01', date '2026-03-09', date '2026-06-29', 9, 9, -10.0, -19.0, -1.0, -2.1, 200)",
    # faster, but already in the catalog; and a small group: neither is proposed
    "('Support A', 'zendesk_resolution_hours', null, 'github_copilot', null, true, true, false, 'lower', "
    "date '2026-06-01', date '2026-03-09', date '2026-06-29', 20, 8, -18.0, -22.0, -14.0, -8.8, 200)",
    "('HR A', 'harvest_task_hours', 'Admin', 'm365_copilot', null, false, false, true, 'lower', "
    "date '2026-06-01', date '2026-03-09', date '2026-06-29', null, null, null, null, null, null, 200)",
]


def _published(tmp_path, rows):
    path = tmp_path / "analytics.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"create table mart_win_candidates as select * from (values {', '.join(rows)}) t({COLUMNS})")
    con.close()
    return path


def _wins(capsys, monkeypatch, published, *args) -> str:
    monkeypatch.setenv("OUTCOMES_PUBLISHED_PATH", str(published))
    assert main(["wins", *args]) == 0
    return capsys.readouterr().out


def test_printed_candidates_load_as_catalog_entries(tmp_path, capsys, monkeypatch):
    out = _wins(capsys, monkeypatch, _published(tmp_path, ROWS), "--top", "2")
    entries = parse_catalog(yaml.safe_load("workflows:\n" + out), "pasted", today=date(2026, 11, 30))
    assert [(e["team"], e["kpi"], e["task"]) for e in entries] == [
        ("Marketing B", "harvest_task_hours", "Campaign brief"), ("Operations A", "jira_cycle_time_hours", None)]
    brief = entries[0]
    assert brief["tools"] == ["m365_copilot", "openai"]
    # T0 is the earlier tool's arrival; the windows are the finder's own (84-day baseline, 28-day cohort)
    assert (brief["redesigned_on"], brief["baseline_days"], brief["cohort_days"]) == ("2026-06-01", 84, 28)
    assert "Candidate, not a verdict" in out and "-33.0%" in out and "11 users, 10 colleagues" in out
    assert "Support A" not in out and "HR A" not in out and "Sales E" not in out
    # |z| must reach NormalDist().inv_cdf(1 - 0.05 / 400) = 3.66 over 200 places: 8.6 does, 2.9 does not
    assert "Holds after a Bonferroni correction for the 200 places compared (|z| 8.6 >= 3.7)" in out
    assert "Does not hold after a Bonferroni correction for the 200 places compared (|z| 2.9 < 3.7)" in out


def test_the_printed_entries_paste_into_an_existing_catalog(tmp_path, capsys, monkeypatch):
    out = _wins(capsys, monkeypatch, _published(tmp_path, ROWS))
    catalog = ("workflows:\n  - workflow: support_ticket_resolution\n    name: Support\n    team: Support A\n"
               "    tools: [github_copilot]\n    kpi: zendesk_resolution_hours\n    direction: lower\n"
               "    redesigned_on: \"2026-06-01\"\n")
    entries = parse_catalog(yaml.safe_load(catalog + out), "workflows.yml", today=date(2026, 11, 30))
    assert len(entries) == 4 and len({e["workflow"] for e in entries}) == 4


def test_no_candidates_prints_a_comment_only(tmp_path, capsys, monkeypatch):
    out = _wins(capsys, monkeypatch, _published(tmp_path, ROWS[4:]))
    assert out.startswith("# No candidate wins") and yaml.safe_load(out) is None


def test_a_publication_without_the_win_finder_is_named(tmp_path, capsys, monkeypatch):
    path = tmp_path / "analytics.duckdb"
    duckdb.connect(str(path)).close()
    monkeypatch.setenv("OUTCOMES_PUBLISHED_PATH", str(path))
    assert main(["wins"]) != 0
    assert "has no mart_win_candidates" in capsys.readouterr().err
