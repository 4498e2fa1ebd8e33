"""The pipeline's steps as plain functions: Airflow tasks and the CLI call these, nothing else.

ingest (per source) → transform (one `dbt build`) → gate (GX) → publish (atomic file swap).
Each step writes its result to `data/runs/<step>.json`, the run log that `outcomes run` summarises.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors import landing_streams, sources
from connectors.compaction import compact_streams
from connectors.config import ConnectionConfig
from connectors.errors import ConnectorError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from connectors.webhooks import webhook_streams
from outcomes.catalog import check_teams, load_catalog
from outcomes.child_process import ChildTimedOut, run_bound_child
from outcomes.dbt_models import dbt_model_vars
from outcomes.program import check_program_teams, load_program
from outcomes.published import published_models
from outcomes.settings import Settings
from outcomes.warehouse_lock import warehouse_lock

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
            deadline = float(client.settings.get("stream_deadline_seconds") or settings.stream_deadline_seconds)
            with client.deadline(deadline, stream.key):
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


def reconcile(source: str, conn: ConnectionConfig, settings: Settings, streams: list[str] | None = None,
              full: bool = False, validate: bool = True) -> list[dict[str, Any]]:
    """Re-land the recent past of every incremental stream of one source (docs/late_data.md).

    Each stream is re-read from its cursor minus the re-sync window (`resync_days`: the connection's extra,
    else OUTCOMES_RESYNC_DAYS), or from its first-sync start on a full reload, into a new batch that staging
    dedupes against what landed. The cursor does not move. Where the vendor gives totals, the batch's
    record count is compared with the vendor's count for the same window, and a difference is a warning.
    """
    from datetime import timedelta

    from connectors.reconciliation import RewoundState, rewind_cursor

    module = sources()[source]
    client = module.make_client(conn)
    zone, state = LandingZone(settings.landing_root), StateStore(settings.state_root)
    days = float(client.settings.get("resync_days") or settings.resync_days)
    deadline = float(client.settings.get("stream_deadline_seconds") or settings.stream_deadline_seconds)
    validator = None
    if validate:
        from expectations.runner import landing_batch_validator

        validator = landing_batch_validator()
    counts = getattr(module, "VENDOR_COUNTS", {})
    results, errors = [], []
    for stream in module.STREAMS:
        if stream.disposition != "merge" or (streams and stream.name not in streams):
            continue
        cursor = state.get(source, stream.name)
        rewound = None if full else rewind_cursor(cursor, timedelta(days=days))
        step = f"reconcile_{source}.{stream.name}"
        try:
            with client.deadline(deadline, stream.key):
                landed = land_stream(stream, client, zone, RewoundState(state, rewound), validate=validator,
                                     max_batch_records=settings.max_batch_records,
                                     max_rejected_share=settings.max_rejected_share)
                warnings = []
                if stream.name in counts:
                    vendor = counts[stream.name](client, landed.manifest.window_start)
                    if vendor != landed.records:
                        warnings.append(f"{stream.key}: the vendor counts {vendor} records since "
                                        f"{landed.manifest.window_start or 'the start'}, the batch landed "
                                        f"{landed.records}; records may be missing (or changed meanwhile)")
                        log.warning(warnings[-1])
            result = {**landed.as_dict(), "mode": "full reload" if full or rewound is None else f"last {days:g} days",
                      "from_cursor": rewound, "cursor_kept": cursor, "warnings": warnings}
            results.append(result)
            record_step(settings, step, {"streams": [result], "errors": []})
        except ConnectorError as exc:
            log.error("%s: %s", stream.key, exc)
            errors.append(f"{stream.key}: {exc}")
            record_step(settings, step, {"streams": [], "errors": [errors[-1]]})
    if errors:
        raise StepFailed(f"{len(errors)} reconciliation(s) of {source} failed: " + " | ".join(errors))
    return results


# -- transform -------------------------------------------------------------------------------------


def dbt_vars(settings: Settings) -> dict[str, Any]:
    workflows = load_catalog(settings.workflows_path)
    program = load_program(settings.program_file)
    _check_catalog_teams(settings, workflows, program)
    variables: dict[str, Any] = {
        "landing_root": str(settings.landing_root),
        "min_group_size": settings.min_group_size,
        "min_identity_coverage": settings.min_identity_coverage,
        "workflows": workflows,
        "program": program,
        # each stream's primary key and disposition, as its connector declares them
        "landing_streams": landing_streams(),
        # the last `dbt source freshness` of the landing streams, which mart_source_freshness publishes
        "source_freshness": str(source_freshness_path(settings)),
    }
    if settings.extra_identity_overrides is not None:
        if not settings.extra_identity_overrides.is_file():
            raise StepFailed(f"extra identity overrides file {settings.extra_identity_overrides} does not exist; "
                             "create it (columns source,source_user_id,email) or unset "
                             "OUTCOMES_EXTRA_IDENTITY_OVERRIDES")
        check_overrides_file(settings.extra_identity_overrides)
        variables["extra_identity_overrides"] = str(settings.extra_identity_overrides.resolve())
    seed = settings.dbt_project_dir / "seeds" / "identity_overrides.csv"
    if seed.is_file():
        check_overrides_file(seed)
    return dbt_model_vars(settings.dbt_project_dir, **variables)


OVERRIDE_COLUMNS = ["source", "source_user_id", "email"]


def check_overrides_file(path: Path) -> None:
    """Refuse an identity overrides file of the wrong shape before the build. The extra file is read by
    position (DuckDB's read_csv with declared columns), so a reordered header would link accounts to the
    wrong people without a word; a missing column would fail deep inside dbt."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = [c.strip() for c in rows[0]] if rows else []
    expected = ",".join(OVERRIDE_COLUMNS)
    if header != OVERRIDE_COLUMNS:
        raise StepFailed(f"identity overrides file {path}: its header is {','.join(header) or '(empty)'!r}; expected "
                         f"exactly {expected!r}, in that order; nothing was built")
    for line, row in enumerate(rows[1:], start=2):
        if row and any(c.strip() for c in row) and len(row) != len(OVERRIDE_COLUMNS):
            raise StepFailed(f"identity overrides file {path}: line {line} has {len(row)} field(s) "
                             f"({','.join(row)[:80]!r}); every row needs {expected}; nothing was built")


def _check_catalog_teams(settings: Settings, workflows: list[dict[str, Any]],
                         program: list[dict[str, Any]] | None = None) -> None:
    """Refuse a catalog (or program) whose team has nobody in the latest landed directory (a typo, a renamed team)."""
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
    check_program_teams(program or [], groups, f"msgraph/users batch {latest.batch_id}")


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


def compact_webhook_landing(settings: Settings) -> list[dict[str, Any]]:
    """Past days of the webhook streams (a batch a second while events flow) compacted to a batch each; run
    under the writer lock, so no build is reading the batches it retires."""
    if settings.compact_min_batches <= 0:
        return []
    done = compact_streams(LandingZone(settings.landing_root), webhook_streams(),
                           min_batches=settings.compact_min_batches)
    return [{"stream": f"{c.source}/{c.stream}", "day": c.day, "batches": c.replaced, "records": c.records,
             "left_unverified": list(c.left_unverified)} for c in done]


def freeze_landing(settings: Settings, build_id: str, built_before: frozenset[str] = frozenset()) -> dict[str, Any]:
    """List the batches committed now, each checked against its manifest; the build reads only these.

    A batch committed while dbt runs waits for the next build, so no two models of one build can see
    different landing zones. A batch whose data file does not match its manifest (sha256, record count) is
    quarantined: left out of the build and reported. A data file no manifest names is never read (a stray
    copy, a crash before the manifest, a file that is not even gzip): it is reported and ignored. The
    snapshot is written once per build id and never rewritten.

    A batch is checked until a build has read it: `built_before` names the data files that the last successful
    full build checked and built, which an incremental build does not read again. Checking every batch on every
    build read the whole landing zone each time (4.5 GB of gzip at 50,000 people, minutes per build however
    little had landed). A full refresh reads every batch again, so it passes none and checks them all.
    """
    zone = LandingZone(settings.landing_root)
    manifests, unmanifested = zone.scan()
    batches, quarantined = [], []
    for path, manifest, unreadable in manifests:
        problem = unreadable or (None if manifest.data_file in built_before else zone.verify_batch(manifest))
        if problem:
            log.error("quarantined landing batch %s: %s", path, problem)
            quarantined.append({"manifest": path, "reason": problem})
            continue
        batches.append({"source": manifest.source, "stream": manifest.stream, "batch_id": manifest.batch_id,
                        "data_file": manifest.data_file})
    for path in unmanifested:
        log.warning("ignored landing file without a manifest: %s", path)
    snapshot = snapshot_dir(settings) / f"landing_{build_id}.jsonl"
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    with open(snapshot, "x") as fh:  # "x": one snapshot per build id, never rewritten
        fh.write("".join(json.dumps(b) + "\n" for b in batches))
        fh.flush()
        os.fsync(fh.fileno())
    _prune_snapshots(snapshot.parent, keep=snapshot)
    return {"snapshot": snapshot, "batches": len(batches), "landed_through": landed_through(batches),
            "quarantined": quarantined, "ignored_files": unmanifested}


CURRENT_SNAPSHOT = "current_landing.jsonl"


def _last_full_build(previous: dict[str, Any]) -> str | None:
    """The id of the last full build that succeeded, as of the previous build's record."""
    if previous.get("success") and previous.get("selected") is None and previous.get("build_id"):
        return previous["build_id"]
    return previous.get("last_full_build_id")


def _built_before(settings: Settings, previous: dict[str, Any]) -> frozenset[str]:
    """The data files the last successful full build froze: each matched its manifest then, and every model
    has built it. A selective (webhook-only) build in between does not count (its models may not have read
    every batch it froze), nor does a failed one; without such a build, none: everything is checked."""
    build_id = _last_full_build(previous)
    if not build_id:
        return frozenset()
    try:
        lines = (snapshot_dir(settings) / f"landing_{build_id}.jsonl").read_text().splitlines()
    except FileNotFoundError:
        return frozenset()
    return frozenset(json.loads(line)["data_file"] for line in lines if line.strip())


def point_current_snapshot(snapshot: Path) -> Path:
    """Point the fixed link `current_landing.jsonl` at this build's snapshot (replaced atomically; only
    the holder of the writer lock calls this, so a running build's link never moves under it)."""
    link = snapshot.parent / CURRENT_SNAPSHOT
    staged = snapshot.parent / f".{CURRENT_SNAPSHOT}.{os.getpid()}"
    staged.unlink(missing_ok=True)
    os.symlink(snapshot.name, staged)
    os.replace(staged, link)
    return link


def snapshot_dir(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "snapshots"


def _prune_snapshots(directory: Path, keep: Path, retain: int = 20) -> None:
    """Keep the newest few snapshots (they say what each recent build read); the current one always."""
    old = sorted((p for p in directory.glob("landing_*.jsonl") if p != keep), key=lambda p: p.stat().st_mtime)
    for path in old[: max(0, len(old) - retain + 1)]:
        path.unlink(missing_ok=True)


def warehouse_lock_path(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "warehouse.lock"


def landed_through(batches: list[dict[str, str]]) -> dict[str, str]:
    """The newest batch of each stream a build read ("<source>/<stream>" -> batch id). Batch ids sort by
    extraction time, so a build that read a stream through batch B read every batch of it up to B."""
    newest: dict[str, str] = {}
    for batch in batches:
        key = f"{batch['source']}/{batch['stream']}"
        newest[key] = max(newest.get(key, ""), batch["batch_id"])
    return newest


def transform(settings: Settings, select: str | None = None, full_refresh: bool = False) -> dict[str, Any]:
    """One `dbt build` process: the warehouse has one writer (one DuckDB writing process per file).

    The target is DuckDB: staging reads the landing files with DuckDB's file functions. The intermediate and
    mart models use cross-database macros only and also build on PostgreSQL (tests/dbt). Staging of merge
    streams is incremental: a build parses only the landing batches it has not built yet; full_refresh
    rebuilds every model from all frozen batches (after a staging model changes).

    The writer lock comes first, then a record that this build started: from then on the previous
    success no longer vouches for the warehouse, whatever happens to this build. dbt writes the build id
    into the warehouse at its end (`outcomes_build`), which gate and publish compare with the id they got.
    """
    build_id, started_at = uuid.uuid4().hex, datetime.now(UTC).isoformat()
    holder = {"step": "transform", "build_id": build_id, "started_at": started_at}
    with warehouse_lock(warehouse_lock_path(settings), holder):
        previous = read_step(settings, "transform") or {}
        record_step(settings, "transform", {"build_id": build_id, "started_at": started_at, "pid": os.getpid(),
                                            "status": "running", "success": False, "selected": select,
                                            "full_build_done": False})
        try:
            return _build(settings, select, full_refresh, build_id, started_at, previous)
        except Exception as exc:
            if (read_step(settings, "transform") or {}).get("status") == "running":
                record_step(settings, "transform", {"build_id": build_id, "started_at": started_at,
                                                    "status": "failed", "success": False, "selected": select,
                                                    "full_build_done": False, "failures": [str(exc)]})
            raise


def _build(settings: Settings, select: str | None, full_refresh: bool, build_id: str, started_at: str,
           previous: dict[str, Any]) -> dict[str, Any]:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    project = settings.dbt_project_dir
    target_dir = settings.data_dir / "dbt" / "target"
    variables = dbt_vars(settings)
    compacted = compact_webhook_landing(settings)
    frozen = freeze_landing(settings, build_id, frozenset() if full_refresh else _built_before(settings, previous))
    # The same --vars for every build keep dbt's partial parsing (a change of --vars re-parses the whole
    # project): the snapshot is passed through a fixed link to this build's own file, the build id through
    # the environment, which the on-run-end hook reads only when it executes.
    variables.update(landing_snapshot=str(point_current_snapshot(frozen["snapshot"])))
    cmd = [
        dbt_executable(), "build", "--project-dir", str(project), "--profiles-dir", str(project),
        "--target", settings.dbt_target, "--target-path", str(target_dir), "--vars", json.dumps(variables),
        # Unit tests check model logic on static fixtures, not the data: as dbt's docs advise, they run in
        # development and CI (tests/dbt builds them on DuckDB and PostgreSQL), not in every production build,
        # where they cost about 16 s of every build whatever its size.
        "--exclude-resource-type", "unit_test",
    ]
    if select:
        cmd += ["--select", select]
    if full_refresh:
        cmd.append("--full-refresh")
    if settings.duckdb_temp_dir:
        settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # its log lines reach the task log as dbt writes them (run_bound_child logs each line): no block
        # buffering on the pipe, no colour codes
        "PYTHONUNBUFFERED": "1",
        "DBT_USE_COLORS": "false",
        "DBT_LOG_PATH": str(settings.data_dir / "dbt" / "logs"),
        "OUTCOMES_WAREHOUSE_PATH": str(settings.warehouse_path),
        "OUTCOMES_LANDING_ROOT": str(settings.landing_root),
        "OUTCOMES_BUILD_ID": build_id,
        **settings.duckdb_env,
    }
    started = time.monotonic()
    # a webhook-only build leaves the polled streams' freshness (and mart_source_freshness) as the last full one
    freshness = source_freshness(settings, variables, env, target_dir) if select is None else None
    (target_dir / "run_results.json").unlink(missing_ok=True)  # a stale one must not describe this build
    try:
        proc = run_bound_child(cmd, cwd=str(project), env=env, timeout=settings.build_timeout_seconds,
                               logger=logging.getLogger("outcomes.dbt"))
    except ChildTimedOut as exc:
        raise StepFailed(f"dbt build {build_id} stopped: {exc} (OUTCOMES_BUILD_TIMEOUT_SECONDS="
                         f"{settings.build_timeout_seconds:g}); the warehouse is not vouched for until a "
                         "build succeeds") from None
    summary = _dbt_summary(target_dir / "run_results.json")
    success = proc.returncode == 0
    summary.update(seconds=round(time.monotonic() - started, 1), build_id=build_id, started_at=started_at,
                   status="succeeded" if success else "failed", success=success, selected=select,
                   full_refresh=full_refresh, landing_batches=frozen["batches"], quarantined=frozen["quarantined"],
                   ignored_files=frozen["ignored_files"], compacted=compacted,
                   # a selective build may follow only a warehouse that a full build left whole
                   full_build_done=success and (select is None or bool(previous.get("full_build_done"))),
                   last_full_build_id=build_id if success and select is None else _last_full_build(previous),
                   landed_through=frozen["landed_through"],
                   source_freshness=freshness if freshness is not None else previous.get("source_freshness"))
    if success:
        summary["schema_drift"] = latest_schema_drift(settings.warehouse_path)
    record_step(settings, "transform", summary)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-25:])
        raise StepFailed(f"dbt build {build_id} failed (exit {proc.returncode}); failing nodes: "
                         f"{summary['failures']}\n{tail}")
    return summary


def source_freshness_path(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "freshness" / "source_freshness.jsonl"


PERIOD_HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}


def source_freshness(settings: Settings, variables: dict[str, Any], env: dict[str, str],
                     target_dir: Path) -> list[dict[str, Any]]:
    """`dbt source freshness` over every landing stream that declares thresholds (dbt_project's sources: the
    newest committed manifest's extracted_at against warn_after / error_after). One row per stream, status
    pass, warn, error or `runtime error` (no committed batch, or the query failed), written where
    mart_source_freshness reads it. dbt writes no result for a stream whose query failed, so the streams
    come from the manifest and a missing result is that stream's runtime error."""
    cmd = [dbt_executable(), "source", "freshness", "--project-dir", str(settings.dbt_project_dir),
           "--profiles-dir", str(settings.dbt_project_dir), "--target", settings.dbt_target,
           "--target-path", str(target_dir), "--vars", json.dumps(variables)]
    results_path = target_dir / "sources.json"
    results_path.unlink(missing_ok=True)
    try:
        proc = run_bound_child(cmd, cwd=str(settings.dbt_project_dir), env=env,
                               timeout=settings.build_timeout_seconds, logger=logging.getLogger("outcomes.dbt"))
    except ChildTimedOut as exc:
        raise StepFailed(f"dbt source freshness stopped: {exc}; nothing was built") from None
    if not results_path.exists():  # exit 1 only says some stream is stale; no file says dbt itself failed
        tail = "\n".join(proc.stdout.splitlines()[-25:])
        raise StepFailed(f"dbt source freshness wrote no results (exit {proc.returncode}); nothing was built\n{tail}")
    measured = {r["unique_id"]: r for r in json.loads(results_path.read_text())["results"]}
    declared = json.loads((target_dir / "manifest.json").read_text())["sources"]
    zone = LandingZone(settings.landing_root)
    rows = []
    for unique_id, node in sorted(declared.items()):
        criteria = (node.get("config") or {}).get("freshness") or node.get("freshness") or {}
        limits = {}
        for kind in ("warn_after", "error_after"):
            rule = criteria.get(kind) or {}
            limits[f"{kind}_hours"] = rule["count"] * PERIOD_HOURS[rule["period"]] if rule.get("count") else None
        if not any(limits.values()):
            continue  # no thresholds (webhook streams: events come only when something happens)
        row = {"source": node["source_name"], "stream": node["name"], **limits}
        result = measured.get(unique_id)
        if result is None:
            landed = zone.manifests(node["source_name"], node["name"])
            row.update(status="runtime error", max_loaded_at=None, snapshotted_at=None, age_hours=None,
                       message="no committed batch" if not landed else "dbt could not measure it (see the "
                       "transform's log)")
        else:
            row.update(status=result["status"], max_loaded_at=result["max_loaded_at"],
                       snapshotted_at=result["snapshotted_at"],
                       age_hours=round(result["max_loaded_at_time_ago_in_s"] / 3600, 2), message=None)
        rows.append(row)
    path = source_freshness_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    os.replace(tmp, path)
    for row in rows:
        if row["status"] != "pass":
            log.warning("source freshness %s/%s: %s (%s)", row["source"], row["stream"], row["status"],
                        row["message"] or f"newest batch {row['age_hours']} h old")
    return rows


SCHEMA_DRIFT_SHOWN = 50


def latest_schema_drift(warehouse_path: Path) -> dict[str, Any]:
    """Fields added, removed or retyped in each stream's newest batch (mart_schema_drift), for the run log."""
    import duckdb

    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select source || '/' || stream, change, field_path, previous_types, types from marts.mart_schema_drift "
            "where batch_id in (select max(batch_id) from staging.stg_landing__batch_schemas group by source, stream) "
            "order by 1, 2, 3"
        ).fetchall()
    except duckdb.Error:
        return {"changes": 0, "shown": []}  # a selective build without the drift mart
    finally:
        con.close()
    shown = [{"stream": s, "change": c, "field": f, "from": before, "to": after} for s, c, f, before, after in rows]
    return {"changes": len(rows), "shown": shown[:SCHEMA_DRIFT_SHOWN]}


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


def warehouse_build_id(settings: Settings) -> str | None:
    """The id the last build wrote into the warehouse itself (dbt's on-run-end hook), or None."""
    import duckdb

    if not settings.warehouse_path.exists():
        return None
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("select table_schema from information_schema.tables "
                           "where table_name = 'outcomes_build'").fetchall()
        if not rows:
            return None
        row = con.execute(f'select build_id from "{rows[0][0]}".outcomes_build').fetchall()
        return row[0][0] if row else None
    finally:
        con.close()


def vouched_build(settings: Settings, build_id: str | None, step: str) -> dict[str, Any]:
    """The recorded, successful build that made the warehouse as it is now, or StepFailed saying why not.

    `build_id` is the id the caller was given (the Asset event's extra in Airflow); None means the one
    recorded in the run log. The warehouse itself must hold the same id: a build that nobody recorded
    (a killed transform's orphan, a bare `dbt build`) never gets through.
    """
    build = read_step(settings, "transform") or {}
    wanted = build_id or build.get("build_id")
    if build_id and build.get("build_id") != build_id:
        raise StepFailed(f"{step}: asked for build {build_id}, but the last recorded transform is build "
                         f"{build.get('build_id')} ({build.get('status', 'unknown')}); refusing")
    if not build.get("success"):
        raise StepFailed(f"{step}: the last transform (build {build.get('build_id')}, "
                         f"{build.get('status', 'no record')}) did not succeed; nothing to {step}")
    inside = warehouse_build_id(settings)
    if inside != wanted:
        raise StepFailed(f"{step}: the warehouse was written by build {inside}, not by the recorded build "
                         f"{wanted}; refusing (run the transform again)")
    return build


def gate(settings: Settings, build_id: str | None = None) -> dict[str, Any]:
    from expectations.runner import run_gate

    holder = {"step": "gate", "build_id": build_id, "started_at": datetime.now(UTC).isoformat()}
    with warehouse_lock(warehouse_lock_path(settings), holder):
        try:
            build = vouched_build(settings, build_id, "gate")
        except StepFailed as exc:
            record_step(settings, "gate", {"success": False, "build_id": build_id, "failures": [str(exc)]})
            raise
        # the vouched build's manifest says which models are published (a refused build may have left none)
        published = [model.relation for model in published_models(dbt_manifest_path(settings))]
        result = run_gate(
            str(settings.warehouse_path), str(settings.gx_root),
            {"min_group_size": settings.min_group_size, "min_identity_coverage": settings.min_identity_coverage},
            published=published, freshness=build.get("source_freshness"),
            stale_blocks=not settings.publish_with_stale_sources,
        )
    failures = result.failures()
    if build.get("quarantined") and not settings.publish_with_quarantined:
        failures.append(
            f"landing: {len(build['quarantined'])} batch(es) did not match their manifest and were left out of "
            f"build {build['build_id']}: " + "; ".join(q["reason"] for q in build["quarantined"])
            + " (restore or remove them and re-ingest; OUTCOMES_PUBLISH_WITH_QUARANTINED=1 publishes without)")
    summary = {
        "success": not failures,
        "build_id": build["build_id"],
        "checks_passed": result.checks_passed,
        "checks_failed": result.checks_failed + (len(failures) - len(result.failures())),
        "failures": failures,
        "warnings": [f"{s.suite}: {w}" for s in result.suites for w in s.warnings],
        "data_docs": result.data_docs,
    }
    record_step(settings, "gate", summary)
    if failures:
        raise StepFailed("quality gate failed, nothing published: " + "; ".join(failures))
    return summary


def dbt_manifest_path(settings: Settings) -> Path:
    """The manifest of the last build: the transform runs dbt with this target directory."""
    return settings.data_dir / "dbt" / "target" / "manifest.json"


def publish(settings: Settings, build_id: str | None = None, publish_url: str | None = None) -> dict[str, Any]:
    """Copy the marts into a new file and rename it over analytics.duckdb (readers never see half a file),
    then, when a PostgreSQL publication is configured (`publish_url`, else `OUTCOMES_PUBLISH_URL`), the same
    tables into its schema `analytics`, swapped in atomically (outcomes/publish_postgres.py)."""
    from outcomes.publish_postgres import PostgresPublishError, postgres_target, publish_to_postgres

    try:
        target = postgres_target(publish_url or settings.publish_url, settings.publish_reader_role)
    except PostgresPublishError as exc:
        raise StepFailed(f"publish: {exc}") from None
    holder = {"step": "publish", "build_id": build_id, "started_at": datetime.now(UTC).isoformat()}
    with warehouse_lock(warehouse_lock_path(settings), holder):
        build = vouched_build(settings, build_id, "publish")
        gate_result = read_step(settings, "gate") or {}
        if not (gate_result.get("success") and gate_result.get("build_id") == build["build_id"]):
            raise StepFailed(f"build {build['build_id']} has not passed the quality gate (the last gate result is "
                             f"for build {gate_result.get('build_id')}, success={gate_result.get('success')}); "
                             "refusing to publish (the last published file stays)")
        summary = _copy_marts(settings, build, gate_result)
        summary["build_id"] = build["build_id"]
        if target is not None:
            try:
                summary["postgres"] = publish_to_postgres(settings.published_path, target)
            except PostgresPublishError as exc:
                record_step(settings, "publish", {**summary, "success": False, "failures": [str(exc)]})
                raise StepFailed(f"{settings.published_path} is published, but {exc}") from None
    record_step(settings, "publish", summary)
    return summary


def remove_stale_publish_files(target: Path) -> list[Path]:
    """Remove the temp copies (and their DuckDB .wal) that a publish killed mid-copy left behind: those of
    processes that no longer exist. A live publisher's file is left alone."""
    removed = []
    for path in target.parent.glob(f".{target.name}.tmp-*"):
        pid = path.name.removeprefix(f".{target.name}.tmp-").removesuffix(".wal")
        if not pid.isdigit() or _pid_alive(int(pid)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
        log.warning("removed %s, left by publish process %s that no longer runs", path, pid)
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# the DuckDB storage format of analytics.duckdb: readable by DuckDB 1.4 and later, not only by the pipeline's own
PUBLISHED_STORAGE_VERSION = "v1.4.0"


def _copy_marts(settings: Settings, build: dict[str, Any], gate_result: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    models = published_models(dbt_manifest_path(settings))
    if not models:
        raise StepFailed("no model carries `meta: {published: true}`; nothing to publish")
    target = settings.published_path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    remove_stale_publish_files(target)
    tmp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{settings.warehouse_path}' as wh (read_only)")
        built = {tuple(r) for r in con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = 'wh'"
        ).fetchall()}
        absent = [f"{m.schema}.{m.relation}" for m in models if (m.schema, m.relation) not in built]
        if absent:
            raise StepFailed(f"published models missing from the warehouse: {absent}; run a full transform "
                             "(the last published file stays)")
        # written in a storage format older DuckDB clients read: BI tools bundle their own DuckDB (Evidence's is 1.4)
        con.execute(f"attach '{tmp}' as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')")
        rows = {}
        for model in models:
            con.execute(f'create table pub.main."{model.relation}" as '
                        f'select * from wh."{model.schema}"."{model.relation}"')
            rows[model.relation] = con.execute(f'select count(*) from pub.main."{model.relation}"').fetchall()[0][0]
        # what a BI reader needs to judge the data: when, how much, how fresh, and what the gate found
        gate_summary = {k: gate_result.get(k) for k in ("checks_passed", "checks_failed", "warnings")}
        con.execute("create table pub.main._publication as select ? as published_at, ? as tables, "
                    "? as landed_through, ? as build_id, ? as gate",
                    [datetime.now(UTC).isoformat(), json.dumps(rows), json.dumps(build.get("landed_through") or {}),
                     build["build_id"], json.dumps(gate_summary)])
        con.execute("detach pub")
        con.execute("detach wh")
    finally:
        con.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return {"published_path": str(target), "tables": rows}
