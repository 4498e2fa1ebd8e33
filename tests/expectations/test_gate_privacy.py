"""The gate checks the privacy rule on every published mart that counts people, not on a chosen few."""

from __future__ import annotations

import duckdb

from expectations.runner import run_gate


def _warehouse(path, kpi_people: int, rollup_org: int, suppressed_leak: int | None) -> str:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    leak = "null" if suppressed_leak is None else suppressed_leak
    con.execute("create table marts.mart_kpi_weekly as select * from (values "
                f"('Support', false, {kpi_people}, 40), ('Tiny', true, null, null)) "
                "t(team, suppressed, people_n, items_n)")
    con.execute("create table marts.mart_manager_rollup as select * from (values "
                f"('m1', false, {rollup_org}, 3), ('m2', true, null, {leak})) "
                "t(manager, suppressed, org_size, engaged_n)")
    con.execute("create table marts.mart_ai_cost as select 'copilot' as tool, 1 as engaged_n")  # no people count
    con.close()
    return str(path)


def _privacy_failures(tmp_path, **counts) -> list[str]:
    db = _warehouse(tmp_path / "wh.duckdb", **counts)
    result = run_gate(db, str(tmp_path / "gx"), {"min_group_size": 5, "min_identity_coverage": 0.9},
        published=["mart_kpi_weekly", "mart_manager_rollup", "mart_ai_cost"])
    return [f for f in result.failures() if f.startswith("privacy.")]


def test_small_visible_groups_in_any_published_mart_fail_the_gate(tmp_path):
    failures = _privacy_failures(tmp_path, kpi_people=3, rollup_org=2, suppressed_leak=None)
    assert any(f.startswith("privacy.mart_kpi_weekly:") and "people_n" in f for f in failures), failures
    assert any(f.startswith("privacy.mart_manager_rollup:") and "org_size" in f for f in failures), failures
    assert not any("mart_ai_cost" in f for f in failures)


def test_a_suppressed_row_that_still_shows_a_count_fails_the_gate(tmp_path):
    failures = _privacy_failures(tmp_path, kpi_people=12, rollup_org=9, suppressed_leak=2)
    assert len(failures) == 1 and failures[0].startswith("privacy.mart_manager_rollup.suppressed:"), failures
    assert "engaged_n" in failures[0]


def test_groups_at_or_above_the_minimum_pass(tmp_path):
    assert _privacy_failures(tmp_path, kpi_people=5, rollup_org=9, suppressed_leak=None) == []


def test_the_win_finder_shows_no_side_smaller_than_the_minimum(tmp_path):
    """A candidate whose users or colleagues are fewer than min_group_size shows as `a small group`: a
    visible row with 4 users, or a suppressed one that still shows its count, fails the gate."""
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("create schema marts")
    con.execute("create table marts.mart_win_candidates as select * from (values "
                "('Big', false, 'figures', 11, 10, 300), ('Visible', false, 'figures', 4, 10, 120), "
                "('Leaky', true, 'a small group', null, null, 40)) "
                "t(team, suppressed, shown_as, users_n, colleagues_n, users_items_n)")
    con.close()
    result = run_gate(str(tmp_path / "wh.duckdb"), str(tmp_path / "gx"),
                      {"min_group_size": 5, "min_identity_coverage": 0.9}, published=["mart_win_candidates"])
    failures = [f for f in result.failures() if f.startswith("privacy.")]
    assert len(failures) == 2, failures
    assert any(f.startswith("privacy.mart_win_candidates:") and "users_n" in f for f in failures), failures
    assert any(f.startswith("privacy.mart_win_candidates.suppressed:") and "users_items_n" in f for f in failures)
