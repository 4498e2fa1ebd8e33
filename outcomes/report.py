"""Human-readable summaries: the run log after `outcomes run`, and the published outcomes."""

from __future__ import annotations

from outcomes.pipeline import read_step
from outcomes.settings import Settings


def print_run_summary(settings: Settings, seconds: float) -> None:
    print("\n== AI Outcomes run summary ==")
    for path in sorted(settings.runs_dir.glob("ingest_*.json")):
        res = read_step(settings, path.stem)
        for s in res.get("streams", []):
            rejected = f"  {s['rejected']} rejected" if s.get("rejected") else ""
            print(f"  landed {s['stream']:<28} {s['records']:>7} rows  {s['pages']:>4} pages  "
                  f"{s['retries']} retries  {s['seconds']}s{rejected}")
        for e in res.get("errors", []):
            print(f"  FAILED {e}")
    t = read_step(settings, "transform")
    if t:
        print(f"  dbt: {t['models']} models built, {t['tests_passed']} tests passed, "
              f"{t['tests_failed']} failed, {t.get('skipped', 0)} skipped ({t['seconds']}s)")
        freshness = t.get("source_freshness") or []
        if freshness:
            passed = sum(row["status"] == "pass" for row in freshness)
            print(f"  dbt source freshness: {passed} of {len(freshness)} streams within their thresholds")
            for row in freshness:
                if row["status"] != "pass":
                    limits = ", ".join(f"{kind} after {row[f'{kind}_after_hours']:g} h" for kind in ("warn", "error")
                                       if row.get(f"{kind}_after_hours") is not None)  # a source may set one
                    why = row.get("message") or f"newest batch {row['age_hours']} h old ({limits})"
                    print(f"    {row['status']:<13} {row['source']}/{row['stream']}: {why}")
        drift = t.get("schema_drift") or {}
        if drift.get("changes"):
            print(f"  schema drift in the latest batches: {drift['changes']} field changes (mart_schema_drift)")
            for d in drift["shown"]:
                types = f" ({d['from'] or '-'} -> {d['to'] or '-'})"
                print(f"    {d['stream']}: {d['change']} {d['field']}{types}")
    g = read_step(settings, "gate")
    if g:
        print(f"  GX gate: {'PASSED' if g['success'] else 'FAILED'}: {g['checks_passed']} checks passed, "
              f"{g['checks_failed']} failed ({len(g.get('warnings', []))} warnings)")
        for f in g.get("failures", []):
            print(f"    critical: {f}")
        if g.get("data_docs"):
            print(f"  Data Docs: {g['data_docs']}")
    p = read_step(settings, "publish")
    if p:
        tables = ", ".join(f"{k} ({v})" for k, v in p["tables"].items())
        print(f"  published: {tables}\n  warehouse for BI (read-only): {p['published_path']}")
        if p.get("postgres"):
            pg = p["postgres"]
            print(f"  also published to {pg['url']}, schema {pg['schema']} (read-only role {pg['reader_role']})")
        for f in p.get("failures", []):
            print(f"    FAILED {f}")
    print(f"  total {seconds:.1f}s")
    if settings.published_path.exists():
        print()
        print_report(settings)


def print_report(settings: Settings) -> None:
    import duckdb

    if not settings.published_path.exists():
        print(f"nothing published yet at {settings.published_path}")
        return
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        rows = con.execute(
            "select workflow, kpi, adopters_n, control_n, adopters_change_pct, control_change_pct, "
            "effect_pct, ci_low_pct, ci_high_pct, naive_change_pct, verdict from mart_workflow_outcomes "
            "order by workflow"
        ).fetchall()
        flagged = con.execute(
            "select subject_type, subject, usage_share from mart_usage_without_outcomes order by 1, 2"
        ).fetchall()
        coverage = con.execute("select source, coverage from mart_identity_coverage order by source").fetchall()
        audit = _latest_audit(con)
        wins, stalled, stages = _rollout_steps(con)
    finally:
        con.close()
    print("Workflow outcomes (difference-in-differences vs non-adopters; observational):")
    for r in rows:
        fmt = lambda v: "n/a" if v is None else f"{v:+.1f}%"  # noqa: E731
        print(f"  {r[0]} ({r[1]}): {r[10]}: effect {fmt(r[6])} [95% CI {fmt(r[7])} .. {fmt(r[8])}], "
              f"adopters {fmt(r[4])} (n={r[2]}), control {fmt(r[5])} (n={r[3]}), naive before/after {fmt(r[9])}")
    if flagged:
        print("Usage without outcomes (the redesign, not the tool, needs work):")
        for kind, subject, share in flagged:
            print(f"  {kind} {subject}: usage share {share:.0%}")
    if audit:
        week, groups, over = audit
        print(f"Usage audit, week of {week} (what people said against telemetry, {groups} team x tool groups):")
        if not over:
            print("  no team reports more than its telemetry shows")
        for team, tool, said, real, share in over:
            print(f"  {team} ({tool}) reports more than it uses: said {said:.1f} days a week, telemetry "
                  f"{real:.1f}; {share:.0%} overstate")
    if wins:
        print("Candidate wins not yet in the catalog (candidates, not verdicts; `outcomes wins` prints them as "
              "catalog entries):")
        for rank, team, kpi, task, tool, effect, low, high, users, colleagues in wins:
            print(f"  {rank}. {team}, {kpi}{f' ({task})' if task else ''} with {tool}: {effect:+.1f}% "
                  f"[95% CI {low:+.1f} .. {high:+.1f}], {users} users vs {colleagues} colleagues")
    if stalled:
        print(f"Managers whose orgs use AI without outcomes ({len(stalled)}; mart_manager_rollup.stall_reason):")
        for name, title, reason in stalled[:5]:
            print(f"  {name} ({title}): {reason}")
        if len(stalled) > 5:
            print(f"  ... and {len(stalled) - 5} more")
    if stages:
        print("Program, teams by stage (mart_program): " + ", ".join(f"{stage} {n}" for stage, n in stages))
    print("Identity coverage (share of activity linked to a person): "
          + ", ".join(f"{source} {value:.1%}" for source, value in coverage))


def _latest_audit(con) -> tuple | None:
    """(week, visible groups, [(team, tool, said, real, overstated share)] reporting more than they use) of
    the latest survey week in mart_reported_vs_real; None before any audit (or in an older publication)."""
    if not con.execute("select count(*) from information_schema.tables "
                       "where table_name = 'mart_reported_vs_real'").fetchone()[0]:
        return None
    week = con.execute("select max(survey_week_start) from mart_reported_vs_real where not suppressed").fetchone()[0]
    if week is None:
        return None
    groups = con.execute("select count(*) from mart_reported_vs_real where not suppressed and survey_week_start = ?",
                         [week]).fetchone()[0]
    over = con.execute("""
        select team, tool, reported_days_per_week, real_active_days_per_week, overstated_share
        from mart_reported_vs_real
        where not suppressed and survey_week_start = ? and reported_exceeds_real
        order by gap_days_per_week desc, team, tool""", [week]).fetchall()
    return week, groups, over


def _rollout_steps(con) -> tuple[list, list, list]:
    """The top 3 candidate wins, the stalled managers (largest org first) and the teams per program stage;
    empty for a publication made before these marts."""
    tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
    wins = con.execute("""
        select candidate_rank, team, kpi, task, tool, effect_pct, ci_low_pct, ci_high_pct, users_n, colleagues_n
        from mart_win_candidates where candidate_rank is not null order by candidate_rank limit 3
    """).fetchall() if "mart_win_candidates" in tables else []
    stalled = con.execute("""
        select manager_name, manager_title, stall_reason from mart_manager_rollup
        where workflow = '(adoption)' and translation_stalled order by org_size desc, manager_name
    """).fetchall() if "mart_manager_rollup" in tables and _has_column(con, "mart_manager_rollup",
                                                                        "translation_stalled") else []
    order = ["impact", "redesigning", "wins found", "audited", "access"]
    stages = sorted(con.execute("select stage, count(*) from mart_program group by stage").fetchall(),
                    key=lambda row: order.index(row[0]) if row[0] in order else len(order)) \
        if "mart_program" in tables else []
    return wins, stalled, stages


def _has_column(con, table: str, column: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.columns where table_name = ? and column_name = ?",
                            [table, column]).fetchone()[0])
