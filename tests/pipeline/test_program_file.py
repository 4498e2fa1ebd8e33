"""program.yml: the outcome metrics each team chose, validated on load with errors that name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from outcomes.program import ProgramError, check_program_teams, load_program
from outcomes.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
teams:
  - team: Support
    outcome_metrics:
      - zendesk_resolution_hours
  - team: Finance
    outcome_metrics:
      - {kpi: harvest_task_hours, task: First-draft report}
      - jira_cycle_time_hours
"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "program.yml"
    path.write_text(body)
    return path


def test_a_bare_kpi_name_is_a_metric_and_tasks_are_kept(tmp_path):
    support, finance = load_program(_write(tmp_path, GOOD))
    assert support == {"team": "Support", "outcome_metrics": [{"kpi": "zendesk_resolution_hours", "task": None}]}
    assert finance["outcome_metrics"] == [{"kpi": "harvest_task_hours", "task": "First-draft report"},
                                          {"kpi": "jira_cycle_time_hours", "task": None}]


@pytest.mark.parametrize(("change", "message"), [
    (("- zendesk_resolution_hours", "- zendesk_resolution_minutes"),
     "teams[0] (Support): outcome_metrics[0].kpi: unknown kpi 'zendesk_resolution_minutes'"),
    (("{kpi: harvest_task_hours, task: First-draft report}", "harvest_task_hours"),
     "teams[1] (Finance): outcome_metrics[0]: kpi 'harvest_task_hours' needs `task`"),
    (("      - jira_cycle_time_hours\n",
      "      - jira_cycle_time_hours\n      - github_pr_merge_hours\n      - zendesk_resolution_hours\n"),
     "teams[1] (Finance): outcome_metrics: a team chooses at most 3 outcome metrics, got 4"),
    (("  - team: Finance\n", "  - team: Finance\n    owner: Ann\n"),
     "teams[1] (Finance): owner: unknown key; allowed: team, outcome_metrics"),
    (("    outcome_metrics:\n      - zendesk_resolution_hours\n", "    outcome_metrics: []\n"),
     "teams[0] (Support): outcome_metrics: must not be empty"),
    (("  - team: Finance", "  - team: Support"), "teams[1]: team 'Support' is declared twice"),
])
def test_program_errors_name_the_file_the_team_and_the_problem(tmp_path, change, message):
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    assert str(caught.value).startswith(str(path)), caught.value
    assert message in str(caught.value), caught.value


@pytest.mark.parametrize("body", ["teams: []\n", "- team: Support\n", "teams: {Support: [x]}\n"])
def test_a_program_of_the_wrong_shape_says_what_it_expects(tmp_path, body):
    with pytest.raises(ProgramError, match="expected a non-empty 'teams:' list"):
        load_program(_write(tmp_path, body))


def test_unparsable_yaml_is_named(tmp_path):
    with pytest.raises(ProgramError, match="not valid YAML"):
        load_program(_write(tmp_path, "teams: [\n"))


def test_no_program_file_means_no_team_has_chosen_yet(tmp_path):
    assert load_program(tmp_path / "program.yml") == []


def test_a_program_team_must_have_people_in_the_directory(tmp_path):
    entries = load_program(_write(tmp_path, GOOD.replace("team: Finance", "team: Fiance")))
    with pytest.raises(ProgramError, match="program team 'Fiance' has no people in the directory"):
        check_program_teams(entries, ["Support", "Finance", "Support A"], "msgraph/users batch b1")


def test_the_program_file_sits_beside_the_catalog(monkeypatch):
    monkeypatch.delenv("OUTCOMES_PROGRAM", raising=False)
    monkeypatch.setenv("OUTCOMES_WORKFLOWS", "/srv/catalog/workflows.yml")
    assert Settings.from_env().program_file == Path("/srv/catalog/program.yml")
    monkeypatch.setenv("OUTCOMES_WORKFLOWS", "/data/sandbox/default_workflows.yml")
    assert Settings.from_env().program_file == Path("/data/sandbox/default_program.yml")
    monkeypatch.setenv("OUTCOMES_PROGRAM", "/elsewhere/plan.yml")
    assert Settings.from_env().program_file == Path("/elsewhere/plan.yml")


def test_shipped_program_is_valid():
    teams = {entry["team"] for entry in load_program(ROOT / "program.yml")}
    assert teams == {"Support", "Finance", "Engineering"}
