"""The Superset dashboards (bi/) on the default scenario's publication, opened in headless Chromium as an
anonymous reader: the numbers a workflow card shows are the mart's, and every dashboard draws its charts.

Superset starts once per session on the session-shared `default_pipeline` run (install from the lock,
metadata from the kept template, dashboards loaded, gunicorn): about a minute when the environment is warm,
two more the first time on a machine. `make test` opens the workflow outcomes dashboard; `make test-bi`
(marker bi_pages) opens all five.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import duckdb
import pytest
from browser_support import assert_cards_match_the_mart, chromium_or_skip, read_fields, rendered_dom, screenshot

from outcomes.bi import PAGES, BIError, Publication, dashboard_path, start

WINDOW = (1400, 4200)  # Superset draws the charts in view: a window as tall as the longest dashboard
BUDGET_MS = 40_000  # virtual time for the dashboard's API calls and chart drawing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def superset(default_pipeline):
    """Superset serving the default scenario's publication (DuckDB), stopped at the end of the session."""
    chromium = chromium_or_skip()
    _, settings = default_pipeline
    try:
        running = start(settings, port=_free_port())
    except BIError as exc:
        if "uv is missing" in str(exc):
            pytest.skip(str(exc))
        raise
    yield running.url, chromium, settings
    running.stop()


def _open(superset, slug: str, shots: Path) -> str:
    url, chromium, _ = superset
    page = rendered_dom(chromium, url + dashboard_path(slug), BUDGET_MS, *WINDOW)
    screenshot(chromium, url + dashboard_path(slug), shots / f"{slug}.png", *WINDOW, budget_ms=BUDGET_MS)
    return page


def _charts_drawn(page: str) -> int:
    """ECharts instances (one per drawn line or bar chart) and tables with rows."""
    return page.count("_echarts_instance_") + len(re.findall(r"<table[^>]*>.*?<tbody[^>]*>\s*<tr", page, re.S))


def _assert_no_chart_failed(page: str) -> None:
    for failure in ("No results were returned", "Unexpected error", "An error occurred", "Data error",
                    "Missing dataset", "Forbidden"):
        assert failure not in page, failure


def test_the_outcomes_dashboard_shows_each_workflow_as_the_mart_holds_it(superset, tmp_path):
    """Workflow outcomes as an anonymous reader sees it: a card per workflow with the mart's numbers, and
    each workflow's weekly before/after chart and naive comparison drawn."""
    _, _, settings = superset
    page = _open(superset, "outcomes", tmp_path)
    workflows = assert_cards_match_the_mart(page, settings.published_path)
    assert workflows >= 3  # the default scenario plants effects in several workflows
    _assert_no_chart_failed(page)
    assert page.count("_echarts_instance_") >= 2 * workflows  # before/after and naive, per workflow
    assert "observational" in page and "redesign" in page
    cards = read_fields(page).fields
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        targets = dict(con.execute("select workflow, target_progress_pct from mart_workflow_outcomes").fetchall())
    for workflow, progress in targets.items():
        shown = cards[workflow]["target_progress_pct"]
        assert shown == ("n/a" if progress is None else f"{progress:.1f}%"), workflow
    assert (tmp_path / "outcomes.png").stat().st_size > 50_000


@pytest.mark.bi_pages
@pytest.mark.parametrize("slug", [s for s in PAGES if s != "outcomes"])
def test_every_dashboard_draws_its_charts_from_the_publication(superset, slug, tmp_path):
    _, _, settings = superset
    page = _open(superset, slug, tmp_path)
    _assert_no_chart_failed(page)
    assert PAGES[slug] in page
    expected = {"adoption": 4, "spend": 3, "managers": 4, "health": 3}[slug]
    assert _charts_drawn(page) >= expected
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        if slug == "health":
            build_id, = con.execute("select build_id from _publication").fetchone()
            fields = read_fields(page).fields[""]
            assert fields["build"] == build_id
            assert fields["quality_gate"].startswith("passed (")
        if slug == "spend":  # each tool's currency is shown beside it, never summed across currencies
            for tool, currency in con.execute("select distinct tool, currency from mart_ai_cost "
                                              "where level = 'company'").fetchall():
                assert f"{tool} ({currency})" in page
        if slug == "managers":
            hidden = {r[0] for r in con.execute("select manager_name from mart_manager_rollup where suppressed "
                                                "except select manager_name from mart_manager_rollup "
                                                "where not suppressed").fetchall()}
            assert not any(name in page for name in hidden)  # orgs under the minimum group size stay out


def test_the_publication_uri_follows_the_settings(tmp_path):
    """DuckDB file by default; the Postgres publication (schema analytics) when a URL is configured."""
    local = Publication(tmp_path / "analytics.duckdb")
    assert local.sqlalchemy_uri == f"duckdb:///{(tmp_path / 'analytics.duckdb').resolve()}"
    assert local.schema is None and not local.ready()
    remote = Publication(tmp_path / "analytics.duckdb", "postgresql://bi:secret@127.0.0.1:5432/analytics")
    assert remote.sqlalchemy_uri == "postgresql+psycopg2://bi:secret@127.0.0.1:5432/analytics"
    assert remote.schema == "analytics" and remote.ready()
    assert "secret" not in remote.description


def test_superset_installs_into_a_fresh_directory_with_its_log_inside(tmp_path):
    """`make bi-install` on a fresh clone: the install log is opened inside the environment's directory before
    the environment is made, which must not stop uv from making it (an empty lock: nothing is downloaded)."""
    from outcomes.bi import install

    lock = tmp_path / "requirements.lock"
    lock.write_text("# no packages\n")
    venv = tmp_path / "bi" / ".venv"
    assert install(venv, lock=lock) is True
    assert (venv / "bin" / "python").exists() and (venv / ".installed").exists()
    assert (venv / "install.log").exists()
    assert install(venv, lock=lock) is False  # current: nothing to do
