"""The run's own report: one static HTML page (`data/report/index.html`) read from the published warehouse.

Five sections, the questions leaders ask: workflow outcomes, adoption reality, spend, managers, data health.
Every figure comes from `analytics.duckdb` (what BI tools see), never from the private warehouse. Charts are
drawn with matplotlib as inline SVG, so the page needs no server, no script and no network. Every number a
card shows also sits in a `data-field` element, which a browser test (or a scraper) can read.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

SEGMENTS = ("power_n", "habitual_n", "novice_n", "low_n", "none_n", "box_ticking_n")
SEGMENT_COLOURS = ("#1b5e20", "#43a047", "#9ccc65", "#fdd835", "#bdbdbd", "#e53935")
VERDICT_COLOURS = {"improved": "#2e7d32", "worsened": "#c62828", "no_change": "#757575"}


def pct(value: Any, signed: bool = True) -> str:
    """A percentage as every card prints it: one decimal, signed, n/a when there is none."""
    if value is None or pd.isna(value):
        return "n/a"
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _esc(value: Any) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():  # a DATE column: print the day
        value = value.date()
    return html.escape("" if value is None else str(value))


def write_html_report(published_path: Path, out_path: Path) -> Path:
    """Write the report for the publication at `published_path`; the page is swapped in whole."""
    import duckdb

    if not published_path.exists():
        raise FileNotFoundError(f"nothing published yet at {published_path}: run the pipeline first")
    con = duckdb.connect(str(published_path), read_only=True)
    try:
        tables = {name: con.execute(f'select * from "{name}"').df() for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    finally:
        con.close()
    page = render(tables)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out_path)
    return out_path


def render(tables: dict[str, pd.DataFrame]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # text stays text in the SVG (searchable, small); fixed ids keep the page the same for the same data
    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "outcomes", "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False})
    publication = _publication(tables.get("_publication"))
    sections = [
        ("outcomes", "Workflow outcomes", _workflow_section(tables)),
        ("adoption", "Adoption reality", _adoption_section(tables)),
        ("spend", "Spend", _spend_section(tables)),
        ("managers", "Managers", _managers_section(tables)),
        ("health", "Data health", _health_section(tables, publication)),
    ]
    nav = " · ".join(f'<a href="#{key}">{title}</a>' for key, title, _ in sections)
    body = "\n".join(f'<section id="{key}"><h2>{title}</h2>\n{content}\n</section>' for key, title, content in sections)
    return PAGE.format(published_at=_esc(publication.get("published_at", "unknown")), nav=nav, body=body)


# -- sections -----------------------------------------------------------------------------------------------


def _workflow_section(tables: dict[str, pd.DataFrame]) -> str:
    outcomes = tables.get("mart_workflow_outcomes")
    if outcomes is None or outcomes.empty:
        return "<p>No workflow in the catalog has an outcome yet.</p>" + _program_parts(tables)
    weekly = tables.get("mart_workflow_outcomes_weekly", pd.DataFrame())
    cards = []
    for row in outcomes.sort_values("workflow").to_dict("records"):
        verdict = row.get("verdict") or row.get("status")
        better = "lower" if row["direction"] == "lower" else "higher"
        target = (f'<span data-field="target_pct">{pct(row.get("target_pct"))}</span>, progress '
                  f'<span data-field="target_progress_pct">{pct(row.get("target_progress_pct"), signed=False)}</span>'
                  if row.get("target_pct") is not None and not pd.isna(row.get("target_pct")) else "none set")
        chart = _weekly_chart(weekly[weekly["workflow"] == row["workflow"]] if not weekly.empty else weekly, row)
        cards.append(f"""
<article class="card workflow" id="workflow-{_esc(row['workflow'])}" data-workflow="{_esc(row['workflow'])}">
  <h3>{_esc(row['workflow_name'])} <span class="verdict" data-field="verdict"
      style="background:{VERDICT_COLOURS.get(verdict, '#757575')}">{_esc(verdict)}</span></h3>
  <p class="muted">{_esc(row['team'])} · {_esc(row['kpi'])} ({better} is better) · redesigned on
    <span data-field="redesigned_on">{_esc(row['redesigned_on'])}</span> · <strong>observational</strong>
    ({_esc(row.get('method'))})</p>
  <div class="cols">
    <dl>
      <dt>Effect (difference-in-differences)</dt><dd class="big" data-field="effect_pct">{pct(row['effect_pct'])}</dd>
      <dt>95% confidence interval</dt><dd><span data-field="ci_low_pct">{pct(row['ci_low_pct'])}</span> ..
        <span data-field="ci_high_pct">{pct(row['ci_high_pct'])}</span></dd>
      <dt>People: adopters / control</dt><dd>n = <span data-field="adopters_n">{_esc(row['adopters_n'])}</span> /
        <span data-field="control_n">{_esc(row['control_n'])}</span></dd>
      <dt>Change: adopters / control</dt><dd><span data-field="adopters_change_pct">{pct(row['adopters_change_pct'])}
        </span> / <span data-field="control_change_pct">{pct(row['control_change_pct'])}</span></dd>
      <dt>Target</dt><dd>{target}</dd>
      <dt>Evidence</dt><dd data-field="evidence">{_esc(row.get('evidence') or 'observational')}</dd>
    </dl>
    <figure>{chart}<figcaption>Weekly mean {_esc(row['kpi'])}, adopters vs control (frozen cohorts); the
      dashed line is the redesign.</figcaption></figure>
    <aside class="naive"><h4>Naive before/after</h4>
      <p class="big" data-field="naive_change_pct">{pct(row['naive_change_pct'])}</p>
      <p class="muted">Whole team, items before vs after, no control group: what a dashboard without one would
      show. Context only, not the effect.</p></aside>
  </div>
</article>""")
    return ('<p class="muted">Each effect compares people who adopted AI (cohort frozen at the redesign) with '
            "those who did not, over the same weeks: difference-in-differences with a 95% interval. It is "
            "<strong>observational</strong>: adopters chose to adopt.</p>" + "".join(cards) + _program_parts(tables))


def _adoption_section(tables: dict[str, pd.DataFrame]) -> str:
    segments = tables.get("mart_adoption_segments")
    weekly = tables.get("mart_adoption_weekly")
    parts = []
    if segments is not None and not segments.empty:
        full = segments[~segments["is_partial_week"] & ~segments["suppressed"]]
        latest = full["week_start"].max()
        now = full[(full["week_start"] == latest) & (full["tool"] != "any")]
        parts.append(f"<h3>Segments per team and tool, week of {_esc(latest)}</h3>")
        parts.append(_figure(_segments_chart(now), "People per segment and department (12-week definitions); "
                                                   "box-ticking: licensed or logging in, below engaged."))
        table = now.groupby(["team", "tool"], as_index=False)[["people_n", "licensed_n", "engaged_n", *SEGMENTS]].sum()
        parts.append(_table(table.sort_values(["team", "tool"]), {
            "team": "team", "tool": "tool", "people_n": "people", "licensed_n": "licensed", "engaged_n": "engaged",
            "power_n": "power", "habitual_n": "habitual", "novice_n": "novice", "low_n": "low", "none_n": "none",
            "box_ticking_n": "box-ticking"}, collapsed=True, caption="segments by team and tool"))
        parts.append("<h3>Depth and breadth over time</h3>")
        parts.append(_figure(_depth_breadth_chart(full), "Depth: actions per active day; breadth: distinct "
                                                         "features in 28 days (mean over teams, by tool)."))
    if weekly is not None and not weekly.empty:
        parts.append("<h3>Licensed, active, engaged</h3>")
        parts.append(_figure(_funnel_chart(weekly[~weekly["suppressed"]]),
                             "Company-wide per week: licensed people, active in the week, engaged (active on >= 2 "
                             "of the trailing 28 days)."))
    parts.append(_audit_part(tables))
    return "\n".join(p for p in parts if p) or "<p>No adoption published.</p>"


def _audit_part(tables: dict[str, pd.DataFrame]) -> str:
    """The usage audit's latest survey week: what each team said against its telemetry, the largest gap first."""
    audit = tables.get("mart_reported_vs_real")
    if audit is None or audit.empty or (~audit["suppressed"]).sum() == 0:
        return ""
    visible = audit[~audit["suppressed"]]
    week = visible["survey_week_start"].max()
    latest = visible[visible["survey_week_start"] == week].sort_values("gap_days_per_week", ascending=False)
    flagged = latest[latest["reported_exceeds_real"].astype(bool)]
    named = ", ".join(f"{team} ({tool})" for team, tool in zip(flagged["team"], flagged["tool"], strict=True))
    lead = (f"Reporting more than they use: {_esc(named)}." if named
            else "No team reports more than its telemetry shows.")
    return "\n".join([
        f"<h3>Said against real use, survey week of {_esc(week)}</h3>",
        f"<p class='muted'>The usage audit's answers about last week against the tool's telemetry for the same "
        f"people and week, in days a week. {lead}</p>",
        _table(latest, {"team": "team", "tool": "tool", "people_n": "people", "reported_days_per_week": "said",
                        "real_active_days_per_week": "real", "gap_days_per_week": "gap",
                        "overstated_share": "overstated share", "used_for_tasks": "used for"}),
    ])


def _spend_section(tables: dict[str, pd.DataFrame]) -> str:
    seats = tables.get("mart_seat_utilization")
    cost = tables.get("mart_ai_cost")
    parts = []
    if seats is not None and not seats.empty:
        company = seats[(seats["level"] == "company") & ~seats["suppressed"]]
        latest = company["month_start"].max()
        now = company[company["month_start"] == latest]
        parts.append(f"<h3>Seats, month of {_esc(latest)}</h3>")
        parts.append(_figure(_seats_chart(now), "Seats purchased, assigned, active, engaged and idle per tool."))
        parts.append(_table(now.sort_values("tool"), {
            "tool": "tool", "seats_purchased": "purchased", "seats_assigned": "assigned", "active_n": "active",
            "engaged_n": "engaged", "idle_n": "idle", "monthly_price_per_seat": "price per seat",
            "currency": "currency"}))
    if cost is not None and not cost.empty:
        company = cost[cost["level"] == "company"]
        parts.append("<h3>Cost per engaged user</h3>")
        parts.append(_figure(_cost_chart(company), "Per tool and month, in each tool's own currency (currencies "
                                                   "are never added)."))
        latest = cost["month_start"].max()
        teams = cost[(cost["level"] == "team") & (cost["month_start"] == latest)]
        latest = _esc(latest)
        parts.append(_table(teams.sort_values(["team", "tool"]), {
            "team": "team", "tool": "tool", "currency": "currency", "total_spend": "spend",
            "engaged_n": "engaged", "cost_per_engaged_user": "cost per engaged user", "idle_spend": "idle spend"},
            collapsed=True, caption=f"per team and tool, month of {latest}"))
    return "\n".join(parts) or "<p>No spend published.</p>"


def _managers_section(tables: dict[str, pd.DataFrame]) -> str:
    rollup = tables.get("mart_manager_rollup")
    flags = tables.get("mart_usage_without_outcomes")
    parts = []
    if flags is not None and not flags.empty:
        parts.append("<h3>Usage without outcomes</h3><p class='muted'>People use the tools, but no outcome moved "
                     "(or none is measured): the redesign, not the tool, needs work.</p>")
        parts.append(_table(flags.sort_values(["subject_type", "subject"]), {
            "subject_type": "kind", "subject": "subject", "team": "team", "usage_share": "usage share",
            "effect_pct": "effect", "reason": "why"}))
    if rollup is not None and not rollup.empty:
        visible = rollup[~rollup["suppressed"]]
        adoption = visible[visible["workflow"] == "(adoption)"]
        effects = visible[visible["workflow"] != "(adoption)"].pivot_table(
            index="org_id", columns="workflow", values="effect_pct", aggfunc="first")
        # the chain from the top: the largest org (the whole company) first, then each department's head
        # (largest org of the department) above its team leads
        view = adoption.set_index("org_id").join(effects).reset_index()
        view["_top"] = view["org_size"] == view["org_size"].max()
        view = view.sort_values(["_top", "manager_department", "org_size", "manager_name"],
                                ascending=[False, True, False, True])
        if "translation_stalled" in view.columns:  # the manager signal (rollup v3)
            view["stalled"] = view["translation_stalled"].map({True: "stalled", False: ""})
            view["redesign"] = view["redesign_under_way"].map({True: "under way", False: "none"})
        columns = {"manager_name": "manager", "manager_title": "title", "manager_department": "department",
                   "org_size": "org size", "licensed_n": "licensed", "engaged_share": "engaged share",
                   "peers_engaged_share": "peers' engaged share", "redesign": "redesign", "stalled": "signal",
                   "stall_reason": "why"}
        columns |= {w: f"effect: {w}" for w in effects.columns}
        parts.append("<h3>Rollup by manager (whole reporting chain)</h3><p class='muted'>Peers are the other "
                     "managers under the same director. <em>Stalled</em>: the org uses AI (a decent engaged share) "
                     "but has no workflow in the catalog, or none of its workflows improved: where the translation "
                     "from use to changed work needs a manager's help.</p>")
        parts.append(_table(view, columns, pct_columns=tuple(effects.columns)))
        hidden = int(rollup["suppressed"].sum())
        if hidden:
            parts.append(f"<p class='muted'>{hidden} org rows below the minimum group size are not shown.</p>")
    return "\n".join(parts) or "<p>No manager rollup published.</p>"


def _program_parts(tables: dict[str, pd.DataFrame]) -> str:
    """Below the workflow cards: candidate wins not yet in the catalog, and each team's step from access to impact."""
    parts = []
    wins = tables.get("mart_win_candidates")
    if wins is not None and not wins.empty:
        ranked = wins[wins["candidate_rank"].notna()].sort_values("candidate_rank").head(5)
        ranked = ranked.astype({c: "Int64" for c in ("candidate_rank", "users_n", "colleagues_n")})
        parts.append("<h3>Candidate wins (not yet in the catalog)</h3><p class='muted'>Where people using a tool "
                     "already do the work measurably faster than colleagues on the same work. <strong>Candidates, "
                     "not verdicts</strong>: many places are tried at once. <code>outcomes wins</code> prints them "
                     "as catalog entries.</p>")
        parts.append(_table(ranked, {"candidate_rank": "rank", "team": "team", "kpi": "kpi", "task": "task",
                                     "tool": "tool", "users_n": "users", "colleagues_n": "colleagues",
                                     "effect_pct": "effect", "ci_low_pct": "CI low", "ci_high_pct": "CI high"},
                            pct_columns=("effect_pct", "ci_low_pct", "ci_high_pct"))
                     if not ranked.empty else "<p>No candidate outside the catalog.</p>")
    program = tables.get("mart_program")
    if program is not None and not program.empty:
        parts.append("<h3>Program by team: from access to impact</h3>")
        parts.append(_table(program.sort_values(["department", "team"]), {
            "team": "team", "engaged_share": "engaged share", "audit_last_answered_on": "audit answered",
            "candidate_wins_n": "candidate wins",
            "catalog_workflows": "catalog workflows", "verdicts": "verdicts", "outcome_metrics": "chosen metrics",
            "stage": "stage"}))
    return "\n".join(parts)


def _health_section(tables: dict[str, pd.DataFrame], publication: dict[str, Any]) -> str:
    gate = publication.get("gate") or {}
    # only a build that passed the gate is ever published; the counts say how much it checked
    gate_text = "unknown"
    if publication:
        gate_text = "passed"
        if gate.get("checks_passed") is not None:
            warnings = len(gate.get("warnings") or [])
            gate_text += (f" ({gate['checks_passed']} checks passed, {gate['checks_failed']} failed, "
                          f"{warnings} warning{'' if warnings == 1 else 's'})")
    rows = [("Last publication", publication.get("published_at", "unknown")),
            ("Build", publication.get("build_id", "not recorded")),
            ("Quality gate", gate_text)]
    parts = ["<dl class='facts'>" + "".join(f"<dt>{_esc(k)}</dt><dd data-field='{_esc(k.lower().replace(' ', '_'))}'>"
                                            f"{_esc(v)}</dd>" for k, v in rows) + "</dl>"]
    if gate.get("warnings"):
        parts.append("<ul class='muted'>" + "".join(f"<li>{_esc(w)}</li>" for w in gate["warnings"]) + "</ul>")
    coverage = tables.get("mart_identity_coverage")
    if coverage is not None and not coverage.empty:
        parts.append("<h3>Identity coverage per source</h3>")
        parts.append(_figure(_coverage_chart(coverage), "Share of each source's activity linked to a person; the "
                                                        "line is the gate's floor."))
    freshness = tables.get("mart_source_freshness")
    if freshness is not None and not freshness.empty:
        # dbt source freshness as the transform ran it, against each source's own thresholds
        view = freshness.sort_values(["source", "stream"]).assign(
            stream=lambda f: f["source"] + "/" + f["stream"],
            newest=lambda f: f["newest_batch_at"].map(lambda t: "" if pd.isna(t) else f"{t:%Y-%m-%d %H:%M}"),
            age=lambda f: f["age_hours"].map(lambda h: "" if pd.isna(h) else f"{h:.1f} h"),
            limits=lambda f: [" / ".join("-" if pd.isna(h) else f"{h:g} h" for h in pair)  # a source may set one
                              for pair in zip(f["warn_after_hours"], f["error_after_hours"], strict=True)],
            status=lambda f: [s if not m else f"{s}: {m}" for s, m in zip(f["status"], f["message"].fillna(""),
                                                                          strict=True)])
        parts.append("<h3>Source freshness</h3>")
        parts.append(_table(view, {"stream": "stream", "status": "dbt source freshness", "newest": "newest batch (UTC)",
                                   "age": "age at the build", "limits": "warn / error after"}))
    drift = tables.get("mart_schema_drift")
    if drift is not None:
        parts.append(f"<p>Schema drift: {len(drift)} field changes between landing batches (mart_schema_drift).</p>")
    return "\n".join(parts)


# -- charts ---------------------------------------------------------------------------------------------------


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{_esc(caption)}</figcaption></figure>"


def _weekly_chart(weekly: pd.DataFrame, outcome: dict[str, Any]) -> str:
    import matplotlib.pyplot as plt

    if weekly.empty or "cohort" not in weekly:
        return "<p class='muted'>No weekly series published for this workflow.</p>"
    fig, ax = plt.subplots(figsize=(4.8, 2.5))
    for cohort, colour in (("adopters", "#1565c0"), ("control", "#ef6c00")):
        series = weekly[(weekly["cohort"] == cohort) & ~weekly["suppressed"]].sort_values("week_start")
        ax.plot(pd.to_datetime(series["week_start"]), series["kpi_mean"], marker="o", markersize=2.5,
                color=colour, label=cohort)
    redesign = pd.to_datetime(outcome["redesigned_on"])
    ax.axvline(redesign, color="#424242", linestyle="--", linewidth=1)
    ax.annotate("redesign", (redesign, 1), xycoords=("data", "axes fraction"), xytext=(3, -10),
                textcoords="offset points", fontsize=8)
    ax.set_ylabel(outcome["kpi"])
    ax.legend(frameon=False, fontsize=8)
    fig.autofmt_xdate()
    return _svg(fig)


def _segments_chart(week: pd.DataFrame) -> str:
    """One stacked bar per department and tool (the per-team counts are in the table below it)."""
    import matplotlib.pyplot as plt

    tools = sorted(week["tool"].unique())
    data = week.groupby(["department", "tool"])[list(SEGMENTS)].sum()
    departments = sorted(week["department"].unique(), reverse=True)
    fig, axes = plt.subplots(1, len(tools), figsize=(2.1 * len(tools), 0.25 * len(departments) + 1.0),
                             sharey=True, squeeze=False)
    for ax, tool in zip(axes[0], tools, strict=True):
        counts = data.xs(tool, level="tool").reindex(departments, fill_value=0)
        left = [0] * len(departments)
        for segment, colour in zip(SEGMENTS, SEGMENT_COLOURS, strict=True):
            ax.barh(departments, counts[segment], left=left, color=colour, label=segment.removesuffix("_n"))
            left = [a + b for a, b in zip(left, counts[segment], strict=True)]
        ax.set_title(tool, fontsize=9)
    axes[0][0].legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=6)
    return _svg(fig)


def _depth_breadth_chart(segments: pd.DataFrame) -> str:
    import matplotlib.pyplot as plt

    fig, (depth_ax, breadth_ax) = plt.subplots(1, 2, figsize=(9, 2.6))
    for tool, group in segments[segments["tool"] != "any"].groupby("tool"):
        means = group.groupby("week_start")[["depth", "breadth"]].mean().sort_index()
        if means.dropna(how="all").empty:
            continue
        weeks = pd.to_datetime(means.index)
        depth_ax.plot(weeks, means["depth"], label=tool)
        breadth_ax.plot(weeks, means["breadth"], label=tool)
    depth_ax.set_title("depth (actions per active day)", fontsize=9)
    breadth_ax.set_title("breadth (features in 28 days)", fontsize=9)
    depth_ax.legend(fontsize=7, frameon=False)
    fig.autofmt_xdate()
    return _svg(fig)


def _funnel_chart(weekly: pd.DataFrame) -> str:
    import matplotlib.pyplot as plt

    tools = sorted(weekly["tool"].unique())
    fig, axes = plt.subplots(1, len(tools), figsize=(2.4 * len(tools), 2.4), sharey=True, squeeze=False)
    for ax, tool in zip(axes[0], tools, strict=True):
        data = weekly[weekly["tool"] == tool].groupby("week_start")[["licensed_n", "active_n", "engaged_n"]].sum()
        weeks = pd.to_datetime(data.index)
        for column, colour in (("licensed_n", "#9e9e9e"), ("active_n", "#42a5f5"), ("engaged_n", "#1b5e20")):
            ax.plot(weeks, data[column], color=colour, label=column.removesuffix("_n"))
        ax.set_title(tool, fontsize=9)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    axes[0][0].legend(fontsize=7, frameon=False)
    return _svg(fig)


def _seats_chart(month: pd.DataFrame) -> str:
    import matplotlib.pyplot as plt

    columns = ("seats_purchased", "seats_assigned", "active_n", "engaged_n", "idle_n")
    data = month.groupby("tool")[list(columns)].sum()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    width = 0.16
    for i, column in enumerate(columns):
        positions = [x + (i - 2) * width for x in range(len(data))]
        ax.bar(positions, data[column], width, label=column.replace("seats_", "").removesuffix("_n"))
    ax.set_xticks(range(len(data)), data.index)
    ax.legend(fontsize=7, frameon=False, ncol=5, loc="lower left", bbox_to_anchor=(0, 1.02))
    return _svg(fig)


def _cost_chart(company: pd.DataFrame) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 2.6))
    for (tool, currency), group in company.groupby(["tool", "currency"]):
        group = group.sort_values("month_start")
        ax.plot(pd.to_datetime(group["month_start"]), group["cost_per_engaged_user"], marker="o", markersize=3,
                label=f"{tool} ({currency})")
    ax.set_ylabel("cost per engaged user")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.autofmt_xdate()
    return _svg(fig)


def _coverage_chart(coverage: pd.DataFrame) -> str:
    import matplotlib.pyplot as plt

    data = coverage.sort_values("source")
    fig, ax = plt.subplots(figsize=(7, 2.2))
    ax.bar(data["source"], data["coverage"] * 100, color="#5c6bc0")
    if "min_coverage" in data and data["min_coverage"].notna().any():
        ax.axhline(float(data["min_coverage"].max()) * 100, color="#c62828", linestyle="--", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of activity")
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    return _svg(fig)


# -- helpers --------------------------------------------------------------------------------------------------


def _table(frame: pd.DataFrame, columns: dict[str, str], collapsed: bool = False, caption: str = "",
           pct_columns: tuple[str, ...] = ("effect_pct",)) -> str:
    """An HTML table of `columns` (name -> header); shares as %, `pct_columns` as signed percentages."""
    present = [c for c in columns if c in frame.columns]

    def cell(value: Any, column: str) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, float):
            if column.endswith("share"):
                return f"{value:.0%}"
            return pct(value) if column in pct_columns else f"{value:,.2f}"
        return _esc(value)

    head = "".join(f"<th>{_esc(columns[c])}</th>" for c in present)
    rows = "".join("<tr>" + "".join(f"<td>{cell(r[c], c)}</td>" for c in present) + "</tr>"
                   for r in frame.to_dict("records"))
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if collapsed:
        return f"<details><summary>Table: {_esc(caption)} ({len(frame)} rows)</summary>{table}</details>"
    return table


def _publication(frame: pd.DataFrame | None) -> dict[str, Any]:
    if frame is None or frame.empty:
        return {}
    row = frame.iloc[0].to_dict()
    for key in ("tables", "landed_through", "gate"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI Outcomes</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 0 20px 40px;
  color: #212121; }}
header {{ border-bottom: 1px solid #ddd; margin-bottom: 8px; }}
h1 {{ margin: 18px 0 4px; }} h2 {{ margin-top: 34px; border-bottom: 2px solid #1565c0; }}
.muted {{ color: #616161; }} .big {{ font-size: 1.5em; font-weight: 600; }}
.card {{ border: 1px solid #e0e0e0; border-radius: 6px; padding: 10px 16px; margin: 14px 0; }}
.cols {{ display: grid; grid-template-columns: 220px minmax(0, 1fr) 210px; gap: 18px; align-items: start; }}
dt {{ color: #616161; font-size: .85em; }} dd {{ margin: 0 0 6px; }}
.verdict {{ color: #fff; border-radius: 4px; padding: 1px 8px; font-size: .75em; vertical-align: middle; }}
.naive {{ background: #fafafa; border-left: 3px solid #bdbdbd; padding: 4px 12px; }}
figure {{ margin: 6px 0; }} figcaption {{ color: #616161; font-size: .85em; }}
svg {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; font-size: .9em; margin: 6px 0; }}
th, td {{ border-bottom: 1px solid #eee; padding: 3px 8px; text-align: left; }}
.facts dt {{ float: left; clear: left; width: 150px; }} .facts dd {{ margin-left: 160px; }}
</style></head>
<body><header><h1>AI Outcomes</h1>
<p class="muted">Published {published_at} · read from the published warehouse only · {nav}</p></header>
{body}
</body></html>
"""
