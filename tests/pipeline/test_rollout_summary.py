"""The run summary names the top candidate wins, the stalled managers and the teams per program stage, from a
small hand-made publication (test_html_report's, plus the three marts), and stays quiet about marts an older
publication lacks."""

from __future__ import annotations

from dataclasses import replace

import duckdb
from test_html_report import write_publication
from tests_support import isolated_settings

from outcomes.report import print_report


def _summary(tmp_path, capsys, with_rollout_marts: bool) -> str:
    published = write_publication(tmp_path / "analytics.duckdb")
    if with_rollout_marts:
        with duckdb.connect(str(published)) as con:
            con.execute("""create table mart_win_candidates as select * from (values
                (2, 'Sales E', 'harvest_task_hours', 'Client calls', 'm365_copilot', -23.3, -43.1, -3.5, 7, 16),
                (1, 'Marketing B', 'harvest_task_hours', 'Campaign brief', 'm365_copilot', -32.9, -40.4, -25.4, 10, 11),
                (null, 'HR A', 'harvest_task_hours', 'Admin', 'openai', null, null, null, null, null))
                as t(candidate_rank, team, kpi, task, tool, effect_pct, ci_low_pct, ci_high_pct, users_n,
                     colleagues_n)""")
            con.execute("""create or replace table mart_manager_rollup as select * from (values
                ('Olu Ops', 'Head of Operations', '(adoption)', 63, true, 'no workflow in the catalog'),
                ('Sam Sales', 'Head of Sales', '(adoption)', 115, true, 'no catalog workflow has improved'),
                ('Sue Support', 'Head of Support', '(adoption)', 62, false, null),
                ('Sam Sales', 'Head of Sales', 'sales_proposal', 115, true, 'no catalog workflow has improved'))
                as t(manager_name, manager_title, workflow, org_size, translation_stalled, stall_reason)""")
            con.execute("""create table mart_program as select * from (values
                ('Support A', 'impact'), ('Support B', 'impact'), ('Marketing B', 'wins found'), ('HR A', 'audited'))
                as t(team, stage)""")
    print_report(replace(isolated_settings(tmp_path / "data"), published_path=published))
    return capsys.readouterr().out


def test_the_run_summary_names_wins_stalled_managers_and_program_stages(tmp_path, capsys):
    out = _summary(tmp_path, capsys, with_rollout_marts=True)
    assert ("  1. Marketing B, harvest_task_hours (Campaign brief) with m365_copilot: -32.9% [95% CI -40.4 .. "
            "-25.4], 10 users vs 11 colleagues") in out
    assert out.index("1. Marketing B") < out.index("2. Sales E") and "HR A, harvest" not in out
    assert "Managers whose orgs use AI without outcomes (2;" in out  # one line per manager, not per workflow
    assert out.index("Sam Sales (Head of Sales)") < out.index("Olu Ops (Head of Operations)")  # largest org first
    assert "Sue Support" not in out
    assert "Program, teams by stage (mart_program): impact 2, wins found 1, audited 1" in out


def test_an_older_publication_gets_no_rollout_lines(tmp_path, capsys):
    out = _summary(tmp_path, capsys, with_rollout_marts=False)
    assert "Candidate wins" not in out and "Program, teams by stage" not in out
    assert "use AI without outcomes" not in out and "Workflow outcomes" in out
