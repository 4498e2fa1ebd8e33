"""The gate's checks on the usage audit's marts: figures within range, counts within their group, and the
privacy floor, each failure named by the mart and the row."""

from __future__ import annotations

import duckdb

from expectations.runner import run_gate

COLUMNS = ("team, tool, survey_week_start, suppressed, people_n, reported_days_per_week, real_active_days_per_week, "
           "overstated_share, overstated_n, understated_n, reported_daily_n, real_daily_n")
GOOD = "('HR A', 'm365_copilot', date '2026-11-16', false, 10, 5.0, 1.3, 0.9, 9, 0, 10, 1)"
HIDDEN = "('Legal A', 'openai', date '2026-11-16', true, null, null, null, null, null, null, null, null)"


def _failures(tmp_path, *rows: str, manual: str = "('HR A', date '2026-11-16', 'Job descriptions', false, 10, 4, 1)"):
    db = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute(f"create table marts.mart_reported_vs_real as select * from (values {', '.join(rows)}) t({COLUMNS})")
    con.execute("create table marts.mart_back_to_manual as select * from (values "
                f"{manual}) t(team, survey_week_start, task, suppressed, people_n, used_for_n, back_to_manual_n)")
    con.close()
    result = run_gate(str(db), str(tmp_path / "gx"), {"min_group_size": 5, "min_identity_coverage": 0.9},
                      published=["mart_reported_vs_real", "mart_back_to_manual"])
    # the other gate suites find their marts missing here: only the audit's checks are under test
    return [f for f in result.failures() if f.startswith(("mart.reported_vs_real", "mart.back_to_manual", "privacy."))]


def test_sound_audit_marts_pass(tmp_path):
    assert _failures(tmp_path, GOOD, HIDDEN) == []


def test_figures_out_of_range_or_counts_above_the_group_fail_naming_the_row(tmp_path):
    bad = "('Sales B', 'm365_copilot', date '2026-11-16', false, 6, 6.5, 8.0, 1.2, 7, 0, 6, 0)"
    failures = _failures(tmp_path, GOOD, bad)
    audit = [f for f in failures if f.startswith("mart.reported_vs_real")]
    text = " | ".join(audit)
    for column in ("reported_days_per_week", "real_active_days_per_week", "overstated_share", "overstated_n"):
        assert column in text, (column, audit)
    assert "Sales B" in text


def test_a_small_visible_group_fails_the_privacy_check(tmp_path):
    small = "('Tiny A', 'openai', date '2026-11-16', false, 3, 1.0, 1.0, 0.0, 0, 0, 0, 0)"
    failures = _failures(tmp_path, GOOD, small,
                         manual="('Tiny A', date '2026-11-16', 'Drafting', false, 3, 2, 4)")
    assert any(f.startswith("privacy.mart_reported_vs_real:") and "people_n" in f for f in failures), failures
    assert any(f.startswith("privacy.mart_back_to_manual:") and "people_n" in f for f in failures), failures
    assert any(f.startswith("mart.back_to_manual") and "back_to_manual_n" in f for f in failures), failures
