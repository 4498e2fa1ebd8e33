from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from sandbox_testlib import default_yaml

from sandbox.scenario import ScenarioError, load_scenario, parse_scenario


def test_default_scenario_loads_by_name_with_documented_settings() -> None:
    s = load_scenario("default")
    assert s.seed == 42
    assert s.company.github_org == "acme" and s.company.emu_shortcode == "acme"
    assert s.company.zendesk_subdomain == "acme" and s.company.email_domain == "acme.example"
    assert (s.days, s.rollout_day) == (180, 90)
    assert s.vendors.zendesk_per_page == 1000
    assert s.vendors.github_seats_per_page == 50
    assert s.vendors.msgraph_users_page_size == 100
    assert {d.name for d in s.departments} == {"Support", "Engineering", "Sales", "Finance", "Marketing", "HR",
                                              "Operations"}


def test_null_end_date_means_yesterday_utc_and_window_dates_follow() -> None:
    s = load_scenario("default")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert s.end_date is None and s.resolved_end_date == yesterday
    assert s.start_date == yesterday - timedelta(days=179)
    assert s.rollout_date == s.start_date + timedelta(days=90)


def test_pinned_end_date_gives_hand_computed_window() -> None:
    data = default_yaml()
    data["end_date"] = "2026-03-31"
    s = parse_scenario(data)
    assert s.start_date == date(2025, 10, 3)
    assert s.rollout_date == date(2026, 1, 1)


def test_missing_scenario_names_the_available_ones(tmp_path) -> None:
    with pytest.raises(ScenarioError, match=r"not found; available scenarios: \[.*'default'"):
        load_scenario("does-not-exist")


def test_validation_reports_every_problem_with_its_location(tmp_path) -> None:
    data = default_yaml()
    data["rollout_day"] = 500
    data["departments"][0]["styles"]["power"] = 0.5           # shares no longer sum to 1
    data["departments"][1]["styles"]["wizard"] = 0.0          # unknown style
    data["company"]["colour"] = "blue"                        # unknown key
    data["effects"]["support_resolution"]["styles"] = ["power", "guru"]
    data["vendors"]["zendesk"]["per_page"] = 5000
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "rollout_day: must be inside the window (< days=180), got 500" in msg
    assert "departments[0].styles: shares sum to 1.25, expected 1.0" in msg
    assert "departments[1].styles: unknown style 'wizard'" in msg
    assert "company: unknown key 'colour'" in msg
    assert "effects.support_resolution.styles: unknown style 'guru'" in msg
    assert "vendors.zendesk.per_page: must be <= 1000, got 5000" in msg


def test_wrong_types_and_bad_dates_are_rejected() -> None:
    data = default_yaml()
    data["seed"] = "forty-two"
    data["end_date"] = "31/03/2026"
    data["departments"][0]["headcount"] = True
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    msg = str(err.value)
    assert "seed: expected int, got str 'forty-two'" in msg
    assert "end_date: expected null or YYYY-MM-DD, got '31/03/2026'" in msg
    assert "departments[0].headcount: expected int, got a boolean" in msg


def test_every_problem_line_names_the_file_and_the_field(tmp_path) -> None:
    data = default_yaml()
    data["styles"]["power"]["colour"] = "red"                     # unknown key in a nested mapping
    data["tickets"].pop("reopened_share")                          # missing required key
    data["tools"]["openai"]["departments"]["Legal"] = {"power": 1.0}
    data["kpi_effects"][0]["team"] = "Engineering Z"
    data["departments"][0]["teams"] = 100                          # more teams than people
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    lines = str(err.value).splitlines()[1:]
    assert lines and all(line.strip().startswith(f"{path}: ") for line in lines)
    msg = str(err.value)
    assert "styles.power: unknown key 'colour'; expected one of ['has_seat', 'interactions_mean'," in msg
    assert "tickets: missing required key 'reopened_share'" in msg
    assert "tools.openai.departments: unknown department 'Legal'" in msg
    assert "kpi_effects[0].team: unknown team 'Engineering Z'" in msg
    assert "departments[0]: 100 teams for 60 people; every team needs at least one member" in msg
