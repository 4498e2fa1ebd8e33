"""Outcome marts against hand-computed values: usage segments at their boundaries, engaged and box-ticking,
a frozen cohort that later activity cannot move, identity coverage and the gate message naming a source.

The landing zone is the hand-made one of make_landing_fixture plus a "Lab" team whose GitHub Copilot days
are chosen so that each segment boundary is hit exactly (see LAB_PLAN).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from connectors import landing_streams
from outcomes.dbt_models import dbt_model_vars

sys.path.insert(0, str(Path(__file__).parent))
import make_landing_fixture as fixture  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

LAST_WEEK = date(2026, 3, 9)  # the Monday whose week is judged; twelve weeks end with it
WEEKS = [LAST_WEEK - timedelta(weeks=11 - k) for k in range(12)]  # WEEKS[0] .. WEEKS[11] == LAST_WEEK


def lab(n: int) -> tuple[str, str, int]:
    return f"lab{n}.lab@acme.example", f"lab{n}-lab_acme", 7000 + n


# person -> list of (week index, day of the week, actions); "passive" = suggestions only. GitHub Copilot's
# thresholds (seed adoption_segment_thresholds v2): power = active in >= 9 of 12 weeks and >= 60 actions a
# week on average (720 in 12 weeks); habitual = >= 9 active weeks; novice = >= 2 a week (24); low = any.
LAB_PLAN: dict[int, list[tuple[int, int, int]]] = {
    1: [(w, 0, 60) for w in range(12)],                          # 12 weeks, 720 actions: power (at the boundary)
    2: [(0, 0, 59)] + [(w, 0, 60) for w in range(1, 12)],        # 12 weeks, 719 actions: habitual
    3: [(w, 0, 1) for w in range(3, 12)],                        # exactly 9 weeks: habitual
    4: [(w, 0, 100) for w in range(8)],                          # 8 weeks, 800 actions: novice; idle lately
    5: [(11, 0, 24)],                                            # 24 actions: novice (at the boundary)
    6: [(11, 0, 23)],                                            # 23 actions: low
    7: [],                                                       # seat, no use: none
    # A real moderate user: about half the workdays, ten interactions a day (Monday, Wednesday, and Friday
    # every other week): 12 weeks, 300 actions. Habitual; the v1 rule (180 actions, one unit for every
    # tool) called this person power, which left Copilot's habitual segment empty.
    9: [(w, d, 10) for w in range(12) for d in ((0, 2, 4) if w % 2 == 0 else (0, 2))],
}
PASSIVE_ONLY = 8  # suggestions shown in the last week, never acted on: none, reported, not engaged
SEATED = [1, 2, 3, 4, 5, 6, 7, 9]
# Hand-computed at LAST_WEEK (trailing 28 days = the last 4 weeks, 8..11):
#   segments: power {1}, habitual {2, 3, 9}, novice {4, 5}, low {6}, none {7, 8}
#   engaged (>= 2 active days in 28 d): {1, 2, 3, 9}; box-ticking (licensed or reported, not engaged):
#   {4, 5, 6, 7} licensed + {8} reported = 5
#   depth = mean actions per active day of those active in 28 d: 1: 240/4, 2: 240/4, 3: 4/4, 5: 24/1,
#         6: 23/1, 9: (4 x 20 + 2 x 10) / 10 = 10  ->  (60 + 60 + 1 + 24 + 23 + 10) / 6 = 29.67
EXPECTED_LAB = {"people_n": 9, "licensed_n": 8, "power_n": 1, "habitual_n": 3, "novice_n": 2, "low_n": 1,
                "none_n": 2, "engaged_n": 4, "box_ticking_n": 5, "depth": 29.67}


def lab_graph_users() -> list[dict]:
    users = []
    for n in range(1, 10):
        mail, _, _ = lab(n)
        user = fixture.graph_user(f"00000000-0000-0000-0000-{7000 + n:012d}", f"Lab {n}", mail, "Lab",
                                  "Researcher", None)
        user["employeeOrgData"] = {"division": None, "costCenter": "Lab A"}
        users.append(user)
    return users


def lab_copilot_day(n: int, day: date, actions: int, suggestions: int = 0) -> dict:
    _, login, uid = lab(n)
    record = fixture.copilot_day(1, day, interactions=actions, acceptances=0, suggestions=suggestions)
    record.update({"user_id": uid, "user_login": login, "entity_id_partition": uid})
    return record


def lab_days() -> list[dict]:
    records = [lab_copilot_day(n, WEEKS[w] + timedelta(days=d), actions)
               for n, plan in LAB_PLAN.items() for w, d, actions in plan]
    records += [lab_copilot_day(PASSIVE_ONLY, WEEKS[11] + timedelta(days=k), 0, suggestions=6) for k in range(3)]
    return records


def lab_seats() -> list[dict]:
    seats = fixture.seats(latest=True)
    for n in SEATED:
        _, login, uid = lab(n)
        seat = dict(fixture.SEATS_EXAMPLE[0], created_at="2025-11-01T09:00:00Z",
                    assignee={"login": login, "id": uid, "type": "User", "site_admin": False})
        seats.append(seat)
    return seats


def later_activity() -> list[dict]:
    """Agent 6 (control) becomes a heavy user after the cohort window closed."""
    start = fixture.T0 + timedelta(days=fixture.COHORT_DAYS)
    return [fixture.copilot_day(6, start + timedelta(days=k), interactions=9, acceptances=3, suggestions=5)
            for k in range(5)]


def write_landing(root: Path, *, with_later_activity: bool) -> Path:
    fixture.write_fixture(root)
    third = datetime(2026, 3, 26, 2, 0, tzinfo=UTC)
    # the latest directory snapshot is the whole directory: the tiny company plus the Lab team
    fixture.write_batch(root, "msgraph", "users", fixture.graph_users() + lab_graph_users(), third, "aaaa0003")
    fixture.write_batch(root, "github_copilot", "users_daily", lab_days(), third, "bbbb0003")
    fixture.write_batch(root, "github_copilot", "seats", lab_seats(), third, "cccc0003")
    if with_later_activity:
        fixture.write_batch(root, "github_copilot", "users_daily", later_activity(), third + timedelta(hours=1),
                            "bbbb0004")
    return root


def build(tmp: Path, *, with_later_activity: bool) -> Path:
    landing = write_landing(tmp / "landing", with_later_activity=with_later_activity)
    db = tmp / "warehouse" / "outcomes.duckdb"
    db.parent.mkdir(parents=True)
    env = {**os.environ, "OUTCOMES_LANDING_ROOT": str(landing), "OUTCOMES_WAREHOUSE_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), "build", "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT), "--target", "duckdb",
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--exclude", "resource_type:unit_test",
         "--vars",
         json.dumps(dbt_model_vars(PROJECT, workflows=fixture.WORKFLOWS, landing_streams=landing_streams()))],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return db


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        "base": build(tmp_path_factory.mktemp("marts_base"), with_later_activity=False),
        "later": build(tmp_path_factory.mktemp("marts_later"), with_later_activity=True),
    }


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_segment_boundaries_engaged_and_box_ticking(warehouses):
    cols = list(EXPECTED_LAB)
    for tool in ("github_copilot", "any"):
        row = query(warehouses["base"], f"""
            select {', '.join(cols)} from marts.mart_adoption_segments
            where team = 'Lab A' and tool = '{tool}' and week_start = date '{LAST_WEEK}'""")
        assert len(row) == 1, tool
        assert dict(zip(cols, row[0], strict=True)) == pytest.approx(EXPECTED_LAB), tool


def test_segments_carry_the_threshold_version_they_were_judged_with(warehouses):
    rows = query(warehouses["base"], """
        select distinct tool, thresholds_version, metric_version from marts.mart_adoption_segments
        where team = 'Lab A' and tool in ('any', 'github_copilot') order by tool""")
    assert rows == [("any", 2, 2), ("github_copilot", 2, 2)]


def test_later_activity_does_not_move_anyone_between_cohorts(warehouses):
    sql = "select person_key, cohort from marts.fct_workflow_cohorts order by person_key"
    base, later = query(warehouses["base"], sql), query(warehouses["later"], sql)
    assert base == later
    assert (fixture.person_key(6), "control") in later
    # ...and the published effect does not move either
    effect = "select effect_pct, ci_low_pct, ci_high_pct, verdict from marts.mart_workflow_outcomes"
    assert query(warehouses["base"], effect) == query(warehouses["later"], effect) == [(-30.0, -38.77, -21.23,
                                                                                          "improved")]


def test_identity_coverage_counts_units_of_unlinked_accounts(warehouses):
    rows = dict(query(warehouses["base"], "select source, coverage from marts.mart_identity_coverage"))
    # Copilot user-days: 20 from the tiny company (the vendor's own example user `login1` matches nobody)
    # plus the Lab's days (one per LAB_PLAN entry, three passive), all linked by the EMU rule
    lab_units = sum(len(p) for p in LAB_PLAN.values()) + 3
    assert rows["github_copilot"] == pytest.approx(round((19 + lab_units) / (20 + lab_units), 4))
    # Zendesk tickets: the vendor example ticket's assignee (235323, pat.agent@other.example) is unknown
    assert rows["zendesk"] == pytest.approx(round(23 / 24, 4))


def test_gate_fails_on_low_coverage_and_names_the_source(warehouses, tmp_path):
    from expectations.runner import Validator
    from expectations.suites import GATE_SUITES

    frame = duckdb.connect(str(warehouses["base"]), read_only=True).sql(
        "select * from marts.mart_identity_coverage").df()
    validator = Validator(None, {"min_identity_coverage": 0.97})
    result = validator.validate(GATE_SUITES["mart_identity_coverage"], frame, "coverage")
    assert not result.success
    message = " ".join(result.critical_failures)
    assert "source=zendesk" in message and "source=github_copilot" not in message
    assert Validator(None, {"min_identity_coverage": 0.9}).validate(
        GATE_SUITES["mart_identity_coverage"], frame, "coverage").success
