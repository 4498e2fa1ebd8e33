# ruff: noqa: E501 - the card templates are HTML, one element a line
"""AI Outcomes' five Superset dashboards, as code, loaded into a Superset metadata database.

Runs inside Superset's own environment (bi/.venv; outcomes/bi.py creates it and calls this):

    python bi/dashboards.py --uri duckdb:////abs/data/warehouse/analytics.duckdb
    python bi/dashboards.py --uri postgresql+psycopg2://reader@127.0.0.1/analytics --schema analytics

Each dashboard is a list of rows of charts; each chart reads one virtual dataset, a SQL query over the
published marts only (the same SQL on DuckDB and PostgreSQL, apart from two JSON readers). Loading is
idempotent: the database, datasets, charts and dashboards are replaced whole, matched by name.
Anonymous visitors get the Public role with read access to this database only.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

DATABASE_NAME = "AI Outcomes (published)"

# -- datasets: name -> SQL (one string, or one per dialect) -------------------------------------------------------

JSON_SQL = {
    "publication_facts": {
        "duckdb": """select published_at, build_id,
                  cast(json_extract_string(gate, '$.checks_passed') as integer) as checks_passed,
                  cast(json_extract_string(gate, '$.checks_failed') as integer) as checks_failed,
                  coalesce(json_array_length(json_extract(gate, '$.warnings')), 0) as warnings_n
                  from _publication""",
        "postgresql": """select published_at, build_id,
                  cast(gate::json ->> 'checks_passed' as integer) as checks_passed,
                  cast(gate::json ->> 'checks_failed' as integer) as checks_failed,
                  coalesce(json_array_length(gate::json -> 'warnings'), 0) as warnings_n
                  from _publication""",
    },
    "landing_freshness": {
        "duckdb": """select j.key as stream, j.value ->> '$' as batch_id,
                  strptime(substr(j.value ->> '$', 1, 15), '%Y%m%dT%H%M%S') as landed_utc,
                  round(date_diff('second', strptime(substr(j.value ->> '$', 1, 15), '%Y%m%dT%H%M%S'),
                        timezone('UTC', cast(p.published_at as timestamptz))) / 3600.0, 1) as age_hours
                  from _publication p, json_each(p.landed_through) j""",
        "postgresql": """select j.key as stream, j.value as batch_id,
                  to_timestamp(substr(j.value, 1, 15), 'YYYYMMDD"T"HH24MISS') at time zone 'UTC' as landed_utc,
                  round(cast(extract(epoch from cast(p.published_at as timestamptz)
                        - to_timestamp(substr(j.value, 1, 15), 'YYYYMMDD"T"HH24MISS')) / 3600.0 as numeric), 1)
                        as age_hours
                  from _publication p, json_each_text(p.landed_through::json) j""",
    },
}

PCT_COLUMNS = ("effect_pct", "ci_low_pct", "ci_high_pct", "adopters_change_pct", "control_change_pct",
               "naive_change_pct", "target_pct")


def _pct_sql(dialect: str, column: str, signed: bool = True) -> str:
    """A percentage as the run's HTML report prints it: one decimal, signed, n/a when there is none."""
    if dialect == "duckdb":
        text = f"printf('{'%+.1f' if signed else '%.1f'}%%', {column})"
    else:
        sign = f"case when {column} >= 0 then '+' else '' end || " if signed else ""
        text = f"{sign}to_char(round(cast({column} as numeric), 1), 'FM9999999990.0') || '%'"
    return f"coalesce({text}, 'n/a') as {column}_text"


def _cards_sql(dialect: str) -> str:
    texts = ", ".join([*(_pct_sql(dialect, c) for c in PCT_COLUMNS),
                       _pct_sql(dialect, "target_progress_pct", signed=False)])
    return f"""select workflow, workflow_name, team, kpi, direction,
        cast(cast(redesigned_on as date) as varchar) as redesigned_on, adopters_n, control_n, {texts},
        coalesce(verdict, status) as verdict, verdict_reason, coalesce(evidence, 'observational') as evidence, method
        from mart_workflow_outcomes"""


DATASETS: dict[str, str | dict[str, str]] = {
    "workflow_cards": {d: _cards_sql(d) for d in ("duckdb", "postgresql")},
    # the redesign drawn as a vertical line: two points a minute apart at its date, spanning the series' range
    "workflow_weekly": """select w.workflow, cast(w.week_start as timestamp) as week_start, w.cohort as series,
        w.kpi_mean from mart_workflow_outcomes_weekly w where not w.suppressed
        union all
        select o.workflow, cast(o.redesigned_on as timestamp) + b.shift, 'redesign', b.kpi_mean
        from mart_workflow_outcomes o join (
            select workflow, interval '0 minutes' as shift, min(kpi_mean) as kpi_mean
            from mart_workflow_outcomes_weekly where not suppressed group by workflow
            union all
            select workflow, interval '1 minutes', max(kpi_mean) from mart_workflow_outcomes_weekly
            where not suppressed group by workflow) b on b.workflow = o.workflow""",
    "workflow_naive": """select workflow, 'naive (whole team, no control)' as measure,
        naive_change_pct as change_pct from mart_workflow_outcomes
        union all
        select workflow, 'effect (adopters vs control)', effect_pct from mart_workflow_outcomes""",
    "adoption_segments_latest": """select department, team, tool, people_n, licensed_n, engaged_n, power_n,
        habitual_n, novice_n, low_n, none_n, box_ticking_n
        from mart_adoption_segments
        where not is_partial_week and not suppressed and tool <> 'any'
          and week_start = (select max(week_start) from mart_adoption_segments
                            where not is_partial_week and not suppressed)""",
    "adoption_depth_breadth": """select week_start, tool, avg(depth) as depth, avg(breadth) as breadth
        from mart_adoption_segments where not is_partial_week and not suppressed and tool <> 'any'
        group by week_start, tool""",
    "adoption_funnel": """select week_start, tool, licensed_n, active_n, engaged_n
        from mart_adoption_weekly where not suppressed""",
    "seats_latest": """select tool, currency, seats_purchased, seats_assigned, active_n, engaged_n, idle_n,
        monthly_price_per_seat, active_share_of_assigned
        from mart_seat_utilization where level = 'company' and not suppressed
          and month_start = (select max(month_start) from mart_seat_utilization
                             where level = 'company' and not suppressed)""",
    "cost_company": """select month_start, tool || ' (' || currency || ')' as tool_currency, tool, currency,
        total_spend, engaged_n, cost_per_engaged_user, idle_spend
        from mart_ai_cost where level = 'company'""",
    "cost_company_latest": """select tool || ' (' || currency || ')' as tool_currency, total_spend, engaged_n,
        cost_per_engaged_user, idle_spend
        from mart_ai_cost where level = 'company' and month_start = (select max(month_start) from mart_ai_cost)""",
    "cost_team_latest": """select team, tool, currency, total_spend, engaged_n, cost_per_engaged_user, idle_spend
        from mart_ai_cost where level = 'team' and month_start = (select max(month_start) from mart_ai_cost)""",
    "usage_without_outcomes": """select subject_type, subject, team, kpi, usage_share, effect_pct, reason
        from mart_usage_without_outcomes""",
    "manager_adoption": """select manager_name, manager_title, manager_department, org_size, licensed_n, engaged_n,
        engaged_share, peers_engaged_share, engaged_vs_peers_pts, catalog_workflows_n, redesign_under_way,
        translation_stalled, stall_reason
        from mart_manager_rollup where not suppressed and workflow = '(adoption)'""",
    "win_candidates": """select candidate_rank, team, kpi, task, tool, users_n, colleagues_n, effect_pct, ci_low_pct,
        ci_high_pct, z_score, places_compared, evidence
        from mart_win_candidates where candidate_rank is not null""",
    "program": """select department, team, people_n, engaged_share, audit_answers_collected, audit_last_answered_on,
        candidate_wins_n, best_candidate, catalog_workflows, verdicts, outcome_metrics, stage
        from mart_program""",
    "manager_effects": """select manager_name, manager_department, workflow, org_size, adopters_n, control_n,
        effect_pct, ci_low_pct, ci_high_pct, estimate_status
        from mart_manager_rollup where not suppressed and workflow <> '(adoption)'""",
    "reported_vs_real_latest": """select team, tool, people_n, reported_days_per_week, real_active_days_per_week,
        gap_days_per_week, overstated_share
        from mart_reported_vs_real where not suppressed
          and survey_week_start = (select max(survey_week_start) from mart_reported_vs_real where not suppressed)""",
    "source_freshness": """select source, stream, status, newest_batch_at, age_hours, warn_after_hours, error_after_hours
        from mart_source_freshness""",
    "identity_coverage": """select source, activity_unit, coverage, min_coverage, accounts_n, resolved_accounts_n,
        activity_n, resolved_activity_n from mart_identity_coverage""",
    **JSON_SQL,
}


def metric(sql: str, label: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label}


def where(sql: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "clause": "WHERE", "sqlExpression": sql}


def table(name: str, dataset: str, columns: list[str], order: list[str], width: int = 12, height: int = 60,
          row_limit: int = 1000, filters: list[str] = (), time_format: str = "%Y-%m-%d") -> dict[str, Any]:
    return {"name": name, "dataset": dataset, "width": width, "height": height, "viz_type": "table",
            "params": {"query_mode": "raw", "all_columns": columns, "row_limit": row_limit,
                       "order_by_cols": [json.dumps([c, not c.startswith("-")]).replace('"-', '"') for c in order],
                       "adhoc_filters": [where(f) for f in filters], "include_search": True,
                       "table_timestamp_format": time_format}}


def line(name: str, dataset: str, x: str, metrics: list[dict], groupby: list[str] = (), filters: list[str] = (),
         width: int = 6, height: int = 50, y_format: str = "SMART_NUMBER", y_title: str = "") -> dict[str, Any]:
    return {"name": name, "dataset": dataset, "width": width, "height": height,
            "viz_type": "echarts_timeseries_line",
            "params": {"x_axis": x, "time_grain_sqla": None, "metrics": metrics, "groupby": list(groupby),
                       "adhoc_filters": [where(f) for f in filters], "row_limit": 10000, "markerEnabled": True,
                       "markerSize": 4, "show_legend": True, "legendOrientation": "top", "rich_tooltip": True,
                       "y_axis_format": y_format, "y_axis_title": y_title, "y_axis_title_margin": 40,
                       "x_axis_time_format": "%Y-%m-%d", "truncateYAxis": True, "y_axis_bounds": [None, None]}}


def bar(name: str, dataset: str, x: str, metrics: list[dict], groupby: list[str] = (), filters: list[str] = (),
        width: int = 6, height: int = 50, horizontal: bool = False, stack: bool = False,
        y_format: str = "SMART_NUMBER") -> dict[str, Any]:
    return {"name": name, "dataset": dataset, "width": width, "height": height,
            "viz_type": "echarts_timeseries_bar",
            "params": {"x_axis": x, "time_grain_sqla": None, "metrics": metrics, "groupby": list(groupby),
                       "adhoc_filters": [where(f) for f in filters], "row_limit": 10000,
                       "orientation": "horizontal" if horizontal else "vertical",
                       "stack": "Stack" if stack else None, "show_legend": True, "legendOrientation": "top",
                       "show_value": not stack, "y_axis_format": y_format, "x_axis_sort_asc": True,
                       "rich_tooltip": True, "y_axis_bounds": [None, None]}}


def cards(name: str, dataset: str, columns: list[str], template: str, filters: list[str] = (),
          width: int = 12, height: int = 40, style: str = "") -> dict[str, Any]:
    return {"name": name, "dataset": dataset, "width": width, "height": height, "viz_type": "handlebars",
            "params": {"query_mode": "raw", "all_columns": columns, "row_limit": 100,
                       "adhoc_filters": [where(f) for f in filters], "order_by_cols": [],
                       "handlebarsTemplate": template, "styleTemplate": style}}


def markdown(text: str, height: int = 12) -> dict[str, Any]:
    return {"markdown": text, "width": 12, "height": height}


CARD_STYLE = """
.card { border: 1px solid #ddd; border-radius: 8px; padding: 8px 14px; font: 13px/1.4 sans-serif; }
.card h3 { margin: 2px 0 6px; font-size: 16px; }
.verdict { color: #fff; border-radius: 4px; padding: 1px 8px; margin-left: 6px; font-size: 12px; }
.v-improved { background: #2e7d32; } .v-worsened { background: #c62828; }
.v-no_change, .v-insufficient_data { background: #757575; }
.figs { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px 18px; margin-top: 6px; }
.figs span.l { display: block; color: #666; font-size: 11px; }
.big { font-size: 20px; font-weight: 600; }
.muted { color: #666; }
"""

# the *_text columns carry the numbers formatted in SQL (Handlebars has no number helper of that shape)
CARD_TEMPLATE = """{{#each data}}<div class="card" data-workflow="{{workflow}}">
<h3>{{workflow_name}} <span class="verdict v-{{verdict}}" data-field="verdict">{{verdict}}</span></h3>
<div class="muted">{{team}} · {{kpi}} ({{direction}} is better) · redesigned on
<span data-field="redesigned_on">{{redesigned_on}}</span> ·
<strong data-field="evidence">{{evidence}}</strong> ({{method}})</div>
<div class="figs">
<div><span class="l">Effect (difference-in-differences)</span><span class="big" data-field="effect_pct">{{effect_pct_text}}</span></div>
<div><span class="l">95% confidence interval</span><span data-field="ci_low_pct">{{ci_low_pct_text}}</span> .. <span data-field="ci_high_pct">{{ci_high_pct_text}}</span></div>
<div><span class="l">People: adopters / control</span>n = <span data-field="adopters_n">{{adopters_n}}</span> / <span data-field="control_n">{{control_n}}</span></div>
<div><span class="l">Change: adopters / control</span><span data-field="adopters_change_pct">{{adopters_change_pct_text}}</span> / <span data-field="control_change_pct">{{control_change_pct_text}}</span></div>
<div><span class="l">Target, progress</span><span data-field="target_pct">{{target_pct_text}}</span>, <span data-field="target_progress_pct">{{target_progress_pct_text}}</span></div>
<div><span class="l">Naive before/after (no control group; not the effect)</span><span data-field="naive_change_pct">{{naive_change_pct_text}}</span></div>
</div>
<div class="muted">{{verdict_reason}}</div>
</div>{{/each}}"""


def workflow_rows(workflows: list[tuple[str, str]]) -> list[list[dict[str, Any]]]:
    """Per workflow: its card, then its weekly before/after chart with the naive comparison beside it."""
    rows = []
    for workflow, title in workflows:
        only = f"workflow = '{workflow}'"
        rows.append([cards(f"{title}: outcome", "workflow_cards", CARD_COLUMNS, CARD_TEMPLATE, [only], height=34,
                           style=CARD_STYLE)])
        rows.append([
            line(f"{title}: before/after, adopters vs control", "workflow_weekly", "week_start",
                 [metric("MAX(kpi_mean)", "weekly mean")], ["series"], [only], width=8, height=60,
                 y_title="weekly mean KPI (the vertical 'redesign' line marks the redesign)"),
            bar(f"{title}: naive before/after vs the effect", "workflow_naive", "measure",
                [metric("MAX(change_pct)", "change, %")], filters=[only], width=4, height=60),
        ])
    return rows


CARD_COLUMNS = ["workflow", "workflow_name", "team", "kpi", "direction", "redesigned_on", "adopters_n",
                "control_n", *(f"{c}_text" for c in (*PCT_COLUMNS, "target_progress_pct")), "verdict",
                "verdict_reason", "evidence", "method"]

FACTS_TEMPLATE = """{{#each data}}<div class="card"><div class="figs">
<div><span class="l">Last publication</span><span data-field="last_publication">{{published_at}}</span></div>
<div><span class="l">Build</span><span data-field="build">{{build_id}}</span></div>
<div><span class="l">Quality gate</span><span data-field="quality_gate">passed ({{checks_passed}} checks passed,
{{checks_failed}} failed, {{warnings_n}} warnings)</span></div>
</div></div>{{/each}}"""


def funnel_rows(tools: list[str]) -> list[list[dict[str, Any]]]:
    """Licensed vs active vs engaged per week, one chart per tool, two to a row."""
    charts = [line(f"{tool}: licensed, active, engaged per week", "adoption_funnel", "week_start",
                   [metric("SUM(licensed_n)", "licensed"), metric("SUM(active_n)", "active"),
                    metric("SUM(engaged_n)", "engaged")], filters=[f"tool = '{tool}'"], height=45)
              for tool in tools]
    return [charts[i:i + 2] for i in range(0, len(charts), 2)]


def dashboards(workflows: list[tuple[str, str]], tools: list[str]) -> list[dict[str, Any]]:
    segments = [metric(f"SUM({c}_n)", c.replace("_", "-")) for c in
                ("power", "habitual", "novice", "low", "none", "box_ticking")]
    return [
        {"slug": "outcomes", "title": "1 · Workflow outcomes", "rows": [
            [markdown("Each effect compares people who adopted AI (cohort frozen at the redesign) with those who "
                      "did not, over the same weeks: difference-in-differences with a 95% confidence interval. "
                      "It is **observational**: adopters chose to adopt. The naive before/after beside each "
                      "chart is the whole team before vs after with no control group, shown for context only.")],
            *workflow_rows(workflows),
            [markdown("**Candidate wins** (not yet in the catalog): where people using a tool already do the work "
                      "measurably faster than colleagues on the same work. Candidates, not verdicts: many places "
                      "are tried at once (`outcomes wins` prints them as catalog entries). **Program**: each "
                      "team's furthest step from access to impact, beside the metrics it chose in program.yml.")],
            [table("Candidate wins, not yet in the catalog", "win_candidates",
                   ["candidate_rank", "team", "kpi", "task", "tool", "users_n", "colleagues_n", "effect_pct",
                    "ci_low_pct", "ci_high_pct", "z_score", "places_compared"], ["candidate_rank"], height=50)],
            [table("Program by team: from access to impact", "program",
                   ["team", "engaged_share", "audit_last_answered_on", "candidate_wins_n", "catalog_workflows",
                    "verdicts", "outcome_metrics", "stage"], ["team"], height=80)]]},
        {"slug": "adoption", "title": "2 · Adoption reality", "rows": [
            [markdown("Segments over the trailing 12 weeks (power, habitual, novice, low, none, and box-ticking: "
                      "licensed or logging in, below engaged), latest full week; groups under the minimum group "
                      "size are suppressed in the publication.")],
            [bar("People per segment and department (latest full week, all tools)", "adoption_segments_latest",
                 "department", segments, horizontal=True, stack=True, width=12, height=70)],
            [table("Segments per team and tool (latest full week)", "adoption_segments_latest",
                   ["team", "tool", "people_n", "licensed_n", "engaged_n", "power_n", "habitual_n", "novice_n",
                    "low_n", "none_n", "box_ticking_n"], ["team", "tool"], height=70)],
            *funnel_rows(tools),
            [table("Usage audit, latest survey week: reported vs real active days per week", "reported_vs_real_latest",
                   ["team", "tool", "people_n", "reported_days_per_week", "real_active_days_per_week",
                    "gap_days_per_week", "overstated_share"], ["-gap_days_per_week", "team"], height=50)],
            [line("Depth: actions per active day, by tool", "adoption_depth_breadth", "week_start",
                  [metric("AVG(depth)", "depth")], ["tool"]),
             line("Breadth: distinct features in 28 days, by tool", "adoption_depth_breadth", "week_start",
                  [metric("AVG(breadth)", "breadth")], ["tool"])],
        ]},
        {"slug": "spend", "title": "3 · Spend", "rows": [
            [markdown("Every amount is in its tool's own currency; currencies are never added together. Idle: "
                      "assigned seats whose holder was not active in the month.")],
            [bar("Seats per tool, latest month", "seats_latest", "tool",
                 [metric("SUM(seats_purchased)", "purchased"), metric("SUM(seats_assigned)", "assigned"),
                  metric("SUM(active_n)", "active"), metric("SUM(engaged_n)", "engaged"),
                  metric("SUM(idle_n)", "idle")], width=7),
             table("Seats and price per tool, latest month", "seats_latest",
                   ["tool", "seats_purchased", "seats_assigned", "active_n", "engaged_n", "idle_n",
                    "monthly_price_per_seat", "currency"], ["tool"], width=5, height=50)],
            [line("Cost per engaged user per tool and currency", "cost_company", "month_start",
                  [metric("MAX(cost_per_engaged_user)", "cost per engaged user")], ["tool_currency"], width=7),
             table("Latest month, company: spend and cost per engaged user", "cost_company_latest",
                   ["tool_currency", "total_spend", "engaged_n", "cost_per_engaged_user", "idle_spend"],
                   ["tool_currency"], width=5, height=50)],
            [table("Cost per engaged user per team and tool, latest month", "cost_team_latest",
                   ["team", "tool", "currency", "total_spend", "engaged_n", "cost_per_engaged_user", "idle_spend"],
                   ["team", "tool"], height=70)],
        ]},
        {"slug": "managers", "title": "4 · Managers", "rows": [
            [markdown("Usage without outcomes: people use the tools, but no outcome moved (or none is measured): "
                      "the redesign, not the tool, needs work. The rollup covers each manager's whole reporting "
                      "chain; orgs under the minimum group size are not shown.")],
            [table("Usage without outcomes", "usage_without_outcomes",
                   ["subject_type", "subject", "team", "kpi", "usage_share", "effect_pct", "reason"],
                   ["subject_type", "subject"], height=50)],
            [bar("Engaged share of each manager's org", "manager_adoption", "manager_name",
                 [metric("MAX(engaged_share)", "engaged share")], horizontal=True, width=5, height=80,
                 y_format=".0%"),
             table("Rollup by manager (whole reporting chain)", "manager_adoption",
                   ["manager_name", "manager_title", "manager_department", "org_size", "licensed_n", "engaged_n",
                    "engaged_share"], ["-org_size", "manager_name"], width=7, height=80)],
            [table("Manager signal: engaged share against peers under the same director, redesign, stall",
                   "manager_adoption",
                   ["manager_name", "manager_title", "org_size", "engaged_share", "peers_engaged_share",
                    "engaged_vs_peers_pts", "redesign_under_way", "translation_stalled", "stall_reason"],
                   ["-translation_stalled", "-org_size"], height=70)],
            [table("Each workflow's effect by manager", "manager_effects",
                   ["workflow", "manager_name", "manager_department", "adopters_n", "control_n", "effect_pct",
                    "ci_low_pct", "ci_high_pct", "estimate_status"], ["workflow", "-org_size"], height=70)],
        ]},
        {"slug": "health", "title": "5 · Data health", "rows": [
            [cards("Publication and quality gate", "publication_facts",
                   ["published_at", "build_id", "checks_passed", "checks_failed", "warnings_n"], FACTS_TEMPLATE,
                   height=24, style=CARD_STYLE)],
            [bar("Identity coverage per source (gate floor in the table)", "identity_coverage", "source",
                 [metric("MAX(coverage)", "coverage"), metric("MAX(min_coverage)", "gate floor")], width=6,
                 y_format=".1%"),
             table("Identity coverage per source", "identity_coverage",
                   ["source", "activity_unit", "resolved_activity_n", "activity_n", "coverage", "min_coverage"],
                   ["source"], width=6, height=50)],
            [table("Source freshness at the build (dbt source freshness against each source's thresholds)",
                   "source_freshness", ["source", "stream", "status", "newest_batch_at", "age_hours",
                                        "warn_after_hours", "error_after_hours"], ["source", "stream"], height=60,
                   time_format="%Y-%m-%d %H:%M:%S")],
            [table("Landing freshness: newest batch per stream at publication", "landing_freshness",
                   ["stream", "landed_utc", "age_hours", "batch_id"], ["stream"], height=60,
                   time_format="%Y-%m-%d %H:%M:%S")],
        ]},
    ]


# -- loading ----------------------------------------------------------------------------------------------------


def _layout(title: str, rows: list[list[tuple[str, dict[str, Any], Any]]]) -> dict[str, Any]:
    """Superset's position_json: a grid of rows, each holding charts or markdown blocks (12 columns wide)."""
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": title}},
    }
    for r, row in enumerate(rows):
        row_id = f"ROW-{r}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = {"type": "ROW", "id": row_id, "children": [], "parents": ["ROOT_ID", "GRID_ID"],
                          "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        for c, (kind, spec, chart) in enumerate(row):
            item_id = f"{kind}-{r}-{c}"
            layout[row_id]["children"].append(item_id)
            meta = {"width": spec["width"], "height": spec["height"]}
            if kind == "CHART":
                meta |= {"chartId": chart.id, "sliceName": chart.slice_name, "uuid": str(chart.uuid)}
            else:
                meta |= {"code": spec["markdown"]}
            layout[item_id] = {"type": kind, "id": item_id, "children": [],
                               "parents": ["ROOT_ID", "GRID_ID", row_id], "meta": meta}
    return layout


def ensure_admin(password: str) -> None:
    """The login for editing: user `admin`, created once (the password is kept under the data directory)."""
    from superset import security_manager

    if security_manager.find_user(username="admin") is None:
        security_manager.add_user("admin", "AI Outcomes", "admin", "admin@localhost",
                                  security_manager.find_role("Admin"), password=password)


def load(uri: str, schema: str | None) -> dict[str, Any]:
    from superset import db, security_manager
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    dialect = "postgresql" if uri.startswith("postgresql") else "duckdb"
    database = db.session.query(Database).filter_by(database_name=DATABASE_NAME).one_or_none()
    if database is None:
        database = Database(database_name=DATABASE_NAME)
        db.session.add(database)
    database.set_sqlalchemy_uri(uri)
    database.expose_in_sqllab = True
    database.extra = json.dumps({"engine_params": {"connect_args": {"read_only": True}}} if dialect == "duckdb"
                                else {})
    db.session.flush()

    prefix = f'"{schema}".' if schema else ""
    with database.get_sqla_engine(schema=schema) as engine, engine.connect() as con:
        workflows = [(r[0], r[1]) for r in con.exec_driver_sql(
            f"select workflow, workflow_name from {prefix}mart_workflow_outcomes order by workflow")]
        tools = [r[0] for r in con.exec_driver_sql(
            f"select distinct tool from {prefix}mart_adoption_weekly order by tool")]

    # replace what an earlier load made: dashboards, their charts, then the datasets
    specs = dashboards(workflows, tools)
    for old in db.session.query(Dashboard).filter(Dashboard.slug.in_([d["slug"] for d in specs])).all():
        for chart in list(old.slices):
            db.session.delete(chart)
        db.session.delete(old)
    for old in db.session.query(SqlaTable).filter_by(database_id=database.id).all():
        for chart in db.session.query(Slice).filter_by(datasource_id=old.id, datasource_type="table").all():
            db.session.delete(chart)
        db.session.delete(old)
    db.session.flush()

    datasets = {}
    for name, sql in DATASETS.items():
        dataset = SqlaTable(table_name=name, schema=schema, database=database,
                            sql=sql[dialect] if isinstance(sql, dict) else sql)
        db.session.add(dataset)
        db.session.flush()
        dataset.fetch_metadata()
        datasets[name] = dataset

    made = {}
    for spec in specs:
        rows, charts = [], []
        for row in spec["rows"]:
            placed = []
            for item in row:
                if "markdown" in item:
                    placed.append(("MARKDOWN", item, None))
                    continue
                dataset = datasets[item["dataset"]]
                params = {**item["params"], "viz_type": item["viz_type"], "datasource": f"{dataset.id}__table"}
                chart = Slice(slice_name=item["name"], viz_type=item["viz_type"], datasource_type="table",
                              datasource_id=dataset.id, params=json.dumps(params))
                db.session.add(chart)
                db.session.flush()
                charts.append(chart)
                placed.append(("CHART", item, chart))
            rows.append(placed)
        dashboard = Dashboard(dashboard_title=spec["title"], slug=spec["slug"], published=True,
                              position_json=json.dumps(_layout(spec["title"], rows)),
                              json_metadata=json.dumps({"native_filter_configuration": [], "refresh_frequency": 0,
                                                        "color_scheme": "supersetColors", "label_colors": {},
                                                        "expanded_slices": {}, "timed_refresh_immune_slices": []}),
                              slices=charts)
        db.session.add(dashboard)
        made[spec["slug"]] = len(charts)

    # anonymous readers: the Public role (like Gamma, from superset init) may read this database's datasets
    public = security_manager.find_role("Public") or security_manager.add_role("Public")
    for permission, view in (("all_datasource_access", "all_datasource_access"),
                             ("database_access", database.perm)):
        pv = security_manager.add_permission_view_menu(permission, view)
        security_manager.add_permission_role(public, pv)
    db.session.commit()
    return {"database": DATABASE_NAME, "workflows": [w for w, _ in workflows], "dashboards": made}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", required=True, help="SQLAlchemy URI of the publication")
    parser.add_argument("--schema", default=None, help="schema holding the published tables (Postgres)")
    parser.add_argument("--admin-password-file", default=None,
                        help="create the user admin, with the password in this file, if absent")
    args = parser.parse_args(argv)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        if args.admin_password_file:
            with open(args.admin_password_file) as fh:
                ensure_admin(fh.read().strip())
        print(json.dumps(load(args.uri, args.schema)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
