"""The pipeline's steps as plain functions: Airflow tasks and the CLI call these, nothing else.

ingest (per source) → transform (one `dbt build`) → gate (GX) → publish (atomic file swap).
Each step writes its result to `data/runs/<step>.json`, the run log that `outcomes run` summarises.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors import sources
from connectors.config import ConnectionConfig
from connectors.errors import ConnectorError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from outcomes.catalog import check_teams, load_catalog
from outcomes.settings import Settings

log = logging.getLogger("outcomes.pipeline")


class StepFailed(RuntimeError):
    pass


def conn_id_for(source: str) -> str:
    return f"outcomes_{source}"


def record_step(settings: Settings, step: str, result: dict[str, Any]) -> None:
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    result = {"step": step, "finished_at": datetime.now(UTC).isoformat(), **result}
    tmp = settings.runs_dir / f".{step}.json.tmp"
    tmp.write_text(json.dumps(result, indent=2, default=str))
    os.replace(tmp, settings.runs_dir / f"{step}.json")


def read_step(settings: Settings, step: str) -> dict[str, Any] | None:
    path = settings.runs_dir / f"{step}.json"
    return json.loads(path.read_text()) if path.exists() else None


# -- ingest ----------------------------------------------------------------------------------------


def ingest(source: str, conn: ConnectionConfig, settings: Settings, streams: list[str] | None = None,
           validate: bool = True) -> list[dict[str, Any]]:
    """Land every stream of one source. A failed stream does not stop the others; the step fails after."""
    module = sources()[source]
    client = module.make_client(conn)
    zone, state = LandingZone(settings.landing_root), StateStore(settings.state_root)
    validator = None
    if validate:
        from expectations.runner import landing_batch_validator

        validator = landing_batch_validator()
    results, errors = [], []
    for stream in module.STREAMS:
        if streams and stream.name not in streams:
            continue
        # one run-log file per stream: Airflow lands each stream in its own task
        try:
            result = land_stream(stream, client, zone, state, validate=validator,
                                 max_batch_records=settings.max_batch_records,
                                 max_rejected_share=settings.max_rejected_share).as_dict()
            results.append(result)
            record_step(settings, f"ingest_{source}.{stream.name}", {"streams": [result], "errors": []})
        except ConnectorError as exc:
            log.error("%s: %s", stream.key, exc)
            errors.append(f"{stream.key}: {exc}")
            record_step(settings, f"ingest_{source}.{stream.name}", {"streams": [], "errors": [errors[-1]]})
    if errors:
        raise StepFailed(f"{len(errors)} stream(s) of {source} failed: " + " | ".join(errors))
    return results


# -- transform -------------------------------------------------------------------------------------


def dbt_vars(settings: Settings) -> dict[str, Any]:
    workflows = load_catalog(settings.workflows_path)
    _check_catalog_teams(settings, workflows)
    return {
        "landing_root": str(settings.landing_root),
        "min_group_size": settings.min_group_size,
        "min_identity_coverage": settings.min_identity_coverage,
        "workflows": workflows,
    }


def _check_catalog_teams(settings: Settings, workflows: list[dict[str, Any]]) -> None:
    """Refuse a catalog whose team has nobody in the latest landed directory (a typo, a renamed team)."""
    zone = LandingZone(settings.landing_root)
    manifests = zone.manifests("msgraph", "users")
    if not manifests:
        return  # no directory yet: dbt builds nothing per team either
    latest = max(manifests, key=lambda m: m.batch_id)
    groups = set()
    for user in zone.read_batch(latest):
        groups.add(user.get("department"))
        groups.add((user.get("employeeOrgData") or {}).get("costCenter"))
    check_teams(workflows, groups, f"msgraph/users batch {latest.batch_id}")


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def webhook_only_selection(settings: Settings, triggering_uris: list[str]) -> str | None:
    """The dbt selection for a transform that only webhook batches triggered: their staging models and what
    depends on them. None (a full build) for anything else, or while no full build has succeeded yet.

    Everything outside the selection depends only on polled streams, which have not changed since the
    last build, so the warehouse stays as consistent as after a full build, and the fresh events reach the
    published marts in a fraction of the time.
    """
    from connectors.webhooks import webhook_streams

    webhook = {f"x-landing://{source}/{stream}": (source, stream) for source, stream in webhook_streams()}
    if not triggering_uris or any(uri not in webhook for uri in triggering_uris):
        return None
    if not (read_step(settings, "transform") or {}).get("full_build_done"):
        return None
    return " ".join(sorted(f"stg_{source}__{stream}+" for source, stream in map(webhook.get, set(triggering_uris))))


def freeze_landing(settings: Settings) -> Path:
    """List the batches committed now; the build reads only these. A batch committed while dbt runs waits
    for the next build, so no two models of one build can see different landing zones."""
    snapshot = settings.data_dir / "dbt" / "landing_snapshot.jsonl"
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    batches = LandingZone(settings.landing_root).committed_batches()
    snapshot.write_text("".join(json.dumps(b) + "\n" for b in batches))
    return snapshot


def transform(settings: Settings, target: str = "duckdb", select: str | None = None) -> dict[str, Any]:
    """One `dbt build` process: the warehouse has one writer (DESIGN: "One DuckDB writer")."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    project = settings.dbt_project_dir
    target_dir = settings.data_dir / "dbt" / "target"
    variables = {**dbt_vars(settings), "landing_snapshot": str(freeze_landing(settings))}
    cmd = [
        dbt_executable(), "build", "--project-dir", str(project), "--profiles-dir", str(project),
        "--target", target, "--target-path", str(target_dir), "--vars", json.dumps(variables),
    ]
    if select:
        cmd += ["--select", select]
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_PATH": str(settings.data_dir / "dbt" / "logs"),
        "OUTCOMES_WAREHOUSE_PATH": str(settings.warehouse_path),
        "OUTCOMES_LANDING_ROOT": str(settings.landing_root),
    }
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
    summary = _dbt_summary(target_dir / "run_results.json")
    # The gate and publish refer to this id, so a gate result can never vouch for a different build.
    success = proc.returncode == 0
    previous = read_step(settings, "transform") or {}
    summary.update(seconds=round(time.monotonic() - started, 1), build_id=uuid.uuid4().hex, success=success,
                   selected=select,
                   # a selective build may follow only a warehouse that a full build left whole
                   full_build_done=success and (select is None or bool(previous.get("full_build_done"))))
    record_step(settings, "transform", summary)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-25:])
        raise StepFailed(f"dbt build failed (exit {proc.returncode}); failing nodes: {summary['failures']}\n{tail}")
    return summary


def _dbt_summary(run_results: Path) -> dict[str, Any]:
    if not run_results.exists():
        return {"models": 0, "tests_passed": 0, "tests_failed": 0, "failures": ["no run_results.json"]}
    results = json.loads(run_results.read_text())["results"]
    counts = {"models": 0, "seeds": 0, "tests_passed": 0, "tests_failed": 0, "tests_warned": 0, "skipped": 0}
    failures = []
    for r in results:
        kind = r["unique_id"].split(".")[0]
        if kind == "model" and r["status"] == "success":
            counts["models"] += 1
        elif kind == "seed" and r["status"] == "success":
            counts["seeds"] += 1
        if r["status"] == "skipped":
            counts["skipped"] += 1
        elif kind in ("test", "unit_test"):
            key = {"pass": "tests_passed", "warn": "tests_warned"}.get(r["status"], "tests_failed")
            counts[key] += 1
        if r["status"] in ("error", "fail"):
            failures.append(f"{r['unique_id']}: {r.get('message')}")
    return {**counts, "failures": failures}


# -- gate and publish ------------------------------------------------------------------------------


def gate(settings: Settings) -> dict[str, Any]:
    from expectations.runner import run_gate

    build = read_step(settings, "transform") or {}
    if not build.get("success"):
        record_step(settings, "gate", {"success": False, "build_id": build.get("build_id"),
                                       "failures": ["the last transform did not succeed"]})
        raise StepFailed("the last transform did not succeed; nothing to gate")
    result = run_gate(
        str(settings.warehouse_path), settings.landing_root, str(settings.gx_root),
        {"min_group_size": settings.min_group_size, "max_landing_age_hours": settings.max_landing_age_hours,
         "min_identity_coverage": settings.min_identity_coverage},
    )
    summary = {
        "success": result.success,
        "build_id": build["build_id"],
        "checks_passed": result.checks_passed,
        "checks_failed": result.checks_failed,
        "failures": result.failures(),
        "warnings": [f"{s.suite}: {w}" for s in result.suites for w in s.warnings],
        "data_docs": result.data_docs,
    }
    record_step(settings, "gate", summary)
    if not result.success:
        raise StepFailed("quality gate failed, nothing published: " + "; ".join(result.failures()))
    return summary


def published_tables(con) -> list[tuple[str, str]]:
    """Published = the mart_* models: aggregates only, never person-level rows."""
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_name like 'mart\\_%' escape '\\' and table_type = 'BASE TABLE' order by table_name"
    ).fetchall()


def publish(settings: Settings) -> dict[str, Any]:
    """Copy the marts into a new file and rename it over analytics.duckdb (readers never see half a file)."""
    import duckdb

    gate_result = read_step(settings, "gate") or {}
    build = read_step(settings, "transform") or {}
    gated = gate_result.get("success") and gate_result.get("build_id") == build.get("build_id")
    if not (build.get("success") and gated):
        raise StepFailed("the current warehouse build has not passed the quality gate; refusing to publish "
                         "(the last published file stays)")
    target = settings.published_path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{settings.warehouse_path}' as wh (read_only)")
        con.execute(f"attach '{tmp}' as pub")
        tables = published_tables(con)
        rows = {}
        for schema, name in tables:
            con.execute(f'create table pub.main."{name}" as select * from wh."{schema}"."{name}"')
            rows[name] = con.execute(f'select count(*) from pub.main."{name}"').fetchall()[0][0]
        con.execute("create table pub.main._publication as select ? as published_at, ? as tables",
                    [datetime.now(UTC).isoformat(), json.dumps(rows)])
        con.execute("detach pub")
        con.execute("detach wh")
    finally:
        con.close()
    if not rows:
        tmp.unlink(missing_ok=True)
        raise StepFailed("no mart_* tables in the warehouse; nothing to publish")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    summary = {"published_path": str(target), "tables": rows}
    record_step(settings, "publish", summary)
    return summary
