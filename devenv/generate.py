"""Write a large scenario's landing batches directly, without serving pages over HTTP.

A company of N people is generated as shards: copies of the base scenario scaled to about its own size,
each with its own seed. Memory is bounded by one shard (the sandbox materialises a shard's history), so
50,000 people cost the same peak as 600. Every record is what the sandbox would serve the connector for
the whole window, written through `connectors.landing` into the same layout and manifests a connector
writes. Shard 0 is the base scenario itself; later shards get their identities made unique (emails and
logins tagged `.s<k>`, numeric ids offset, string ids derived), consistently across sources, so identity
resolution links them as it links the base company.

Snapshot streams (directories, seats) land as one batch for the whole company (staging reads a
snapshot's latest batch); incremental streams land in batches of at most `max_batch_records`; the daily
cost and usage buckets of every shard are merged by day (through a spill file, not memory).
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import json
import logging
import math
import os
import re
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.landing import BatchWriter, LandingZone

log = logging.getLogger("devenv.generate")
Record = dict[str, Any]
ID_SPACING = 10**13  # numeric ids of shard k are offset by k * ID_SPACING (below 2**53 for 900 shards)


# ------------------------------------------------------------------------------------------ the streams
def _graph_users(company) -> Iterator[Record]:
    from sandbox.records import msgraph

    keep = set("id,displayName,givenName,surname,mail,userPrincipalName,jobTitle,department,employeeId,"
               "accountEnabled,officeLocation,employeeOrgData".split(","))
    for user in msgraph.graph_users(company, expand_manager=True):
        out = {k: v for k, v in user.items() if k in keep}
        if "manager" in user:  # $expand=manager($select=id,mail)
            m = user["manager"]
            out["manager"] = {"@odata.type": m["@odata.type"], "id": m["id"], "mail": m["mail"]}
        yield out


def _copilot_days(company) -> Iterator[Record]:
    from sandbox.records import github_copilot

    day = company.start_date
    while day <= company.end_date:
        yield from github_copilot.user_day_records(company, day)
        day += timedelta(days=1)


def _m365_usage(company) -> Iterator[Record]:
    from sandbox.records import m365_copilot

    day = company.start_date
    while day <= company.end_date:
        yield from m365_copilot.usage_user_detail(company, day, 7)
        day += timedelta(days=1)


def _days(company) -> Iterator:
    day = company.start_date
    while day <= company.end_date:
        yield day
        day += timedelta(days=1)


def _openai_buckets(results: Callable, group_by: tuple[str, ...]) -> Callable:
    def buckets(company) -> Iterator[Record]:
        for day in _days(company):
            start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
            yield {"object": "bucket", "start_time": start, "end_time": start + 86_400,
                   "results": [dict(r) for r in results(company, day, group_by)]}

    return buckets


def _anthropic_cost(company) -> Iterator[Record]:
    from sandbox.records import anthropic

    for day in _days(company):
        yield {"starting_at": f"{day.isoformat()}T00:00:00Z",
               "ending_at": f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z",
               "results": [dict(r) for r in anthropic.cost_results(company, day, ("workspace_id", "description"))]}


def _claude_code(company) -> Iterator[Record]:
    from sandbox.records import anthropic

    for day in _days(company):
        yield from anthropic.claude_code_records(company, day)


def _jira_issues(company) -> Iterator[Record]:
    from connectors.jira import ISSUE_FIELDS
    from sandbox.records.jira import jira_data

    wanted = set(ISSUE_FIELDS)
    for issue in jira_data(company).issues:
        histories = issue["changelog"]["histories"]
        yield {"expand": issue["expand"], "id": issue["id"], "self": issue["self"], "key": issue["key"],
               "fields": {f: v for f, v in issue["fields"].items() if f in wanted},
               "changelog": {"startAt": 0, "maxResults": len(histories), "total": len(histories),
                             "histories": histories}}


def _closed_pulls(company) -> Iterator[Record]:
    from sandbox.records.github import pull_requests

    yield from (pr for pr in pull_requests(company).pulls if pr["state"] == "closed")


def _reviews(company) -> Iterator[Record]:
    from sandbox.records.github import pull_requests

    data = pull_requests(company)
    for pr in data.pulls:
        if pr["state"] == "closed" and pr.get("merged_at"):
            yield from data.reviews.get(pr["id"], [])


def _harvest(attr: str) -> Callable:
    def records(company) -> Iterable[Record]:
        from sandbox.records.harvest import harvest_data

        return getattr(harvest_data(company), attr)

    return records


def _survey(attr: str) -> Callable:
    def records(company) -> Iterable[Record]:
        from sandbox.records.typeform import FORM_ID, survey_data

        rows = getattr(survey_data(company), attr)
        # the connector adds the form to each Typeform item; generated batches carry it the same way
        return [{**r, "form_id": FORM_ID} for r in rows] if attr == "responses" else rows

    return records


def _jira(attr: str) -> Callable:
    def records(company) -> Iterable[Record]:
        from sandbox.records.jira import jira_data

        return getattr(jira_data(company), attr)

    return records


def _records(module: str, function: str) -> Callable:
    """A records function of a sandbox source module, looked up when called (the sandbox loads lazily)."""

    def records(company) -> Iterable[Record]:
        import importlib

        return getattr(importlib.import_module(f"sandbox.records.{module}"), function)(company)

    return records


def _openai_users(company) -> Iterable[Record]:
    from sandbox.records import openai

    return openai.users(company)


def _openai(kind: str) -> Callable:
    def records(company) -> Iterator[Record]:
        from sandbox.records import openai

        if kind == "usage":
            return _openai_buckets(openai.usage_results, tuple(openai.USAGE_GROUP_BY))(company)
        return _openai_buckets(openai.cost_results, tuple(openai.COST_GROUP_BY))(company)

    return records


@dataclass(frozen=True)
class GeneratedStream:
    source: str
    stream: str
    records: Callable[[Any], Iterable[Record]]
    kind: str = "merge"  # "merge", "snapshot" (one batch for the company), "shared" (shard 0 only), "bucket"
    bucket_key: str = ""
    # later shards keep only records that carry an id (an unassigned seat would repeat shard 0's exactly)
    unique_only: bool = False


STREAMS: tuple[GeneratedStream, ...] = (
    GeneratedStream("msgraph", "users", _graph_users, "snapshot"),
    GeneratedStream("github_copilot", "users_daily", _copilot_days),
    GeneratedStream("github_copilot", "seats", _records("github_copilot", "seats"), "snapshot", unique_only=True),
    # one org and one tenant: shard 0's purchase figures (a sharded company's seats outnumber them; the
    # seat mart then reports the conflict instead of a negative count)
    GeneratedStream("github_copilot", "billing", lambda company: [_records("github_copilot", "billing")(company)],
                    "shared"),
    GeneratedStream("msgraph", "subscribed_skus", _records("msgraph", "subscribed_skus"), "shared"),
    GeneratedStream("zendesk", "tickets", _records("zendesk", "tickets")),
    GeneratedStream("zendesk", "users", _records("zendesk", "users"), "snapshot"),
    GeneratedStream("m365_copilot", "usage_user_detail", _m365_usage),
    GeneratedStream("openai", "usage_completions", _openai("usage"), "bucket", "start_time"),
    GeneratedStream("openai", "costs", _openai("costs"), "bucket", "start_time"),
    GeneratedStream("openai", "users", _openai_users, "snapshot"),
    GeneratedStream("anthropic", "claude_code", _claude_code),
    GeneratedStream("anthropic", "cost_report", _anthropic_cost, "bucket", "starting_at"),
    GeneratedStream("jira", "issues", _jira_issues),
    GeneratedStream("jira", "users", _jira("users"), "snapshot"),
    GeneratedStream("jira", "statuses", _jira("statuses"), "shared"),
    GeneratedStream("github", "pull_requests", _closed_pulls),
    GeneratedStream("github", "pull_request_reviews", _reviews),
    GeneratedStream("harvest", "time_entries", _harvest("entries")),
    GeneratedStream("harvest", "users", _harvest("users"), "snapshot"),
    GeneratedStream("typeform", "responses", _survey("responses")),
    GeneratedStream("interviews", "answers", _survey("interviews")),
)


# ------------------------------------------------------------------------------------- shard identities
EMAIL = re.compile(r"([A-Za-z0-9._%+-]+)@")
JIRA_KEY = re.compile(r"^([A-Z][A-Z0-9]*)-(\d+)$")
PULL_URL = re.compile(r"/(pulls|issues)/(\d+)")
# keys whose string value is an opaque id of a person, account, key or record
STRING_ID_KEYS = {"id", "accountId", "user_id", "api_key_id", "node_id", "employeeId", "api_key_name",
                  "ticket_id", "requester_id", "assignee_id", "submitter_id"}
# ids shared by the whole company (statuses, categories, org, projects, enterprise): never made unique
SHARED_ID_PARENTS = {"status", "statusCategory", "issuetype", "priority", "resolution", "project", "from",
                     "to", "organization", "enterprise", "client", "project_ref", "base", "head"}
SHARED_ID_KEYS = {"organization_id", "enterprise_id", "group_id", "workspace_id", "project_id",
                  "brand_id", "ticket_form_id", "forum_topic_id", "problem_id", "sharing_agreement_ids",
                  "field", "fieldId", "fieldtype", "statusCategory", "line_item", "model", "description"}


class ShardIdentity:
    """Makes shard k's identities unique and consistent across sources (k = 0 leaves records unchanged)."""

    def __init__(self, shard: int, shortcode: str, domain: str):
        self.shard, self.tag = shard, f"s{shard}"
        self.login_suffix = f"_{shortcode}"
        self.domain = domain

    def email(self, value: str) -> str:
        return EMAIL.sub(lambda m: f"{m.group(1)}.{self.tag}@", value)

    def string_id(self, value: str) -> str:
        if "@" in value:
            return self.email(value)
        if value.isdigit():
            return str(int(value) + self.shard * ID_SPACING)
        if m := JIRA_KEY.match(value):
            return f"{m.group(1)}-{int(m.group(2)) + self.shard * 10**7}"
        if re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", value):
            return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{self.tag}:{value}"))
        return f"{value}-{self.tag}"

    def string(self, key: str, value: str) -> str:
        if "@" in value and "." in value.split("@")[-1]:
            return self.email(value)
        if key.endswith("login") or value.endswith(self.login_suffix):
            if value.endswith(self.login_suffix):
                return value[: -len(self.login_suffix)] + f"-{self.tag}" + self.login_suffix
            return f"{value}-{self.tag}"
        if key in ("key", "issue_key") and JIRA_KEY.match(value):
            return self.string_id(value)
        if key in ("url", "html_url", "self", "pull_request_url", "issue_url", "_links", "href"):
            return PULL_URL.sub(lambda m: f"/{m.group(1)}/{int(m.group(2)) + self.shard * 10**7}", value)
        return value

    def apply(self, value: Any, key: str = "", parent: str = "") -> Any:
        if self.shard == 0:
            return value
        if isinstance(value, dict):
            if key in SHARED_ID_PARENTS:
                return value
            return {k: self.apply(v, k, key) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v, key, parent) for v in value]
        if isinstance(value, bool) or value is None:
            return value
        if key in SHARED_ID_KEYS:
            return value
        if isinstance(value, int) and (key in ("id", "number") or key.endswith(("_id", "Id"))):
            return value + self.shard * (10**7 if key == "number" else ID_SPACING)
        if isinstance(value, str):
            if key in STRING_ID_KEYS or key.endswith(("_id", "Id")):
                return self.string_id(value)
            return self.string(key, value)
        return value


# ----------------------------------------------------------------------------------------- the writer
@dataclass
class StreamTotals:
    records: int = 0
    batches: int = 0


@dataclass
class GenerateResult:
    people: int
    days: int
    shards: int
    records: int
    landing_bytes: int
    seconds: float
    streams: dict[str, StreamTotals] = field(default_factory=dict)


class _StreamWriter:
    """Batches of at most max_batch_records for one stream (one batch in all for a snapshot)."""

    def __init__(self, zone: LandingZone, source: str, stream: str, max_records: int | None,
                 extracted_at: datetime, totals: StreamTotals):
        self.zone, self.source, self.stream, self.max = zone, source, stream, max_records
        self.extracted_at, self.totals = extracted_at, totals
        self.batch: BatchWriter | None = None

    def write(self, record: Record) -> None:
        if self.batch is not None and self.max and self.batch.record_count >= self.max:
            self.commit()
        if self.batch is None:
            self.extracted_at += timedelta(microseconds=1)  # later batches sort later
            self.batch = self.zone.open_batch(self.source, self.stream, self.extracted_at)
        self.batch.write(record)
        self.totals.records += 1

    def commit(self) -> None:
        if self.batch is not None:
            self.batch.commit(window_end=self.extracted_at.isoformat(), cursor_after="generated")
            self.totals.batches += 1
            self.batch = None


def overrides_path(out: str) -> Path:
    """The identity overrides of a generated company, beside its landing zone: build with
    OUTCOMES_EXTRA_IDENTITY_OVERRIDES set to it (accounts no automatic rule links, as an admin would list)."""
    return Path(out).parent / "generated_identity_overrides.csv"


# the key under which each source's override account id appears in its records
OVERRIDE_KEYS = {"github": "login", "anthropic": "api_key_name", "jira": "accountId"}


def _write_overrides(writer: csv.DictWriter, company, ids: ShardIdentity) -> None:
    from sandbox.identity import identity_overrides

    for row in identity_overrides(company):
        key = OVERRIDE_KEYS.get(row["source"], "id")
        writer.writerow({"source": row["source"], "source_user_id": ids.apply({key: row["source_user_id"]})[key],
                         "email": ids.email(row["email"]) if ids.shard else row["email"]})


def _release_sandbox_caches() -> None:
    """The sandbox memoises records per company in module-level caches: a finished shard must not stay
    alive in them, or memory grows with every shard."""
    for name, module in list(sys.modules.items()):
        if name == "sandbox" or name.startswith("sandbox."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    gc.collect()


def catalog_path(out: str) -> Path:
    """The workflow catalog for a generated landing zone, beside it: build with OUTCOMES_WORKFLOWS set to it."""
    return Path(out).parent / "generated_workflows.yml"


def _scaled_scenario(base, shard: int, factor: float, days: int):
    departments = tuple(dataclasses.replace(d, headcount=max(d.teams, round(d.headcount * factor)))
                        for d in base.departments)
    rollout = min(days - 1, max(1, round(base.rollout_day * days / base.days)))
    return dataclasses.replace(base, seed=base.seed + 1000 * shard, days=days, rollout_day=rollout,
                               departments=departments, end_date=base.resolved_end_date)


def _base_people(base) -> int:
    # individual contributors plus a lead per team and a head per department, plus the CEO
    return sum(d.headcount + d.teams + 1 for d in base.departments) + 1


@dataclass(frozen=True)
class _ShardJob:
    """What one shard needs; picklable, so a worker process can generate it."""

    shard: int
    scenario: str
    factor: float
    days: int
    out: str
    spill_dir: str
    max_batch_records: int
    extracted_at: datetime


@dataclass
class _ShardResult:
    shard: int
    people: int
    totals: dict[str, StreamTotals]
    peak_rss_mb: float


def _spill_path(spill_dir: str, *parts: str) -> str:
    path = os.path.join(spill_dir, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def _generate_shard(job: _ShardJob) -> _ShardResult:
    """Land one shard's incremental streams; spill its snapshot records, daily buckets and overrides (the
    parent writes those once for the whole company, in shard order)."""
    import msgspec

    from devenv.sandbox_env import sandbox_catalog
    from outcomes.catalog import write_catalog
    from sandbox.company import generate_company

    base = _base_scenario(job.scenario)
    company = generate_company(_scaled_scenario(base, job.shard, job.factor, job.days))
    if job.shard == 0:  # every shard plants the same effects on the same dates: shard 0's catalog holds
        write_catalog(catalog_path(job.out), sandbox_catalog(company))
    ids = ShardIdentity(job.shard, base.company.emu_shortcode, base.company.email_domain)
    with open(_spill_path(job.spill_dir, "overrides", f"{job.shard:06d}.csv"), "w", newline="") as fh:
        _write_overrides(csv.DictWriter(fh, fieldnames=OVERRIDE_FIELDS, lineterminator="\n"), company, ids)
    zone = LandingZone(job.out)
    encode = msgspec.json.Encoder().encode
    totals = {f"{s.source}/{s.stream}": StreamTotals() for s in STREAMS}
    # shards 1 ms apart, batches of a shard 1 µs apart: a stream's batches sort in shard order
    extracted_at = job.extracted_at + timedelta(milliseconds=job.shard)
    for spec in STREAMS:
        key = f"{spec.source}/{spec.stream}"
        if spec.kind == "shared" and job.shard > 0:
            continue
        if spec.kind == "bucket":
            _spill_buckets(job.spill_dir, spec, job.shard, (ids.apply(r) for r in spec.records(company)))
            continue
        records = (r for r in spec.records(company)
                   if not (spec.unique_only and job.shard > 0 and not r.get("assignee")))
        if spec.kind == "snapshot":
            with open(_spill_path(job.spill_dir, "snapshot", key.replace("/", "."), f"{job.shard:06d}.jsonl"),
                      "wb") as fh:
                for record in records:
                    fh.write(encode(ids.apply(record)) + b"\n")
            continue
        writer = _StreamWriter(zone, spec.source, spec.stream, job.max_batch_records, extracted_at, totals[key])
        for record in records:
            writer.write(ids.apply(record))
        writer.commit()
        extracted_at = writer.extracted_at
    people = len(company.people)
    del company
    _release_sandbox_caches()
    return _ShardResult(job.shard, people, totals, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


OVERRIDE_FIELDS = ("source", "source_user_id", "email")


def _base_scenario(scenario: str):
    from sandbox.scenario import load_scenario

    base = load_scenario(scenario)
    if base.end_date is None:
        base = dataclasses.replace(base, end_date=base.resolved_end_date)
    return base


def generate(people: int, days: int, out: str, *, scenario: str = "default", max_batch_records: int = 100_000,
             shard_people: int | None = None, workers: int = 1,
             progress: Callable[[str], None] | None = None) -> GenerateResult:
    """Land every source of a `people` × `days` company under `out`; returns what was written.

    `workers` > 1 generates shards in that many processes (spawned; each holds one shard at a time)."""
    import msgspec

    if people < 1 or days < 14:
        raise ValueError(f"need at least 1 person and 14 days, got {people} people and {days} days")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    started = time.monotonic()
    base = _base_scenario(scenario)
    per_shard = shard_people or _base_people(base)
    shards = max(1, math.ceil(people / per_shard))
    factor = people / shards / _base_people(base)
    zone = LandingZone(out)
    extracted_at = datetime.now(UTC)
    totals = {f"{s.source}/{s.stream}": StreamTotals() for s in STREAMS}
    spill_dir = tempfile.mkdtemp(prefix="generate-spill-")
    overrides_path(out).parent.mkdir(parents=True, exist_ok=True)
    jobs = [_ShardJob(k, scenario, factor, days, out, spill_dir, max_batch_records, extracted_at)
            for k in range(shards)]
    generated_people = 0
    try:
        for done, result in enumerate(_run_shards(jobs, workers), start=1):
            generated_people += result.people
            for key, t in result.totals.items():
                totals[key].records += t.records
                totals[key].batches += t.batches
            if progress:
                peak = max(result.peak_rss_mb, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
                progress(f"shard {done}/{shards}: {generated_people:,} people, "
                         f"{sum(t.records for t in totals.values()):,} records so far; peak RSS {peak:,.0f} MB")
        after_shards = extracted_at + timedelta(milliseconds=shards)
        decode = msgspec.json.Decoder().decode
        for spec in STREAMS:
            key = f"{spec.source}/{spec.stream}"
            if spec.kind == "snapshot":
                writer = _StreamWriter(zone, spec.source, spec.stream, None, after_shards, totals[key])
                directory = os.path.join(spill_dir, "snapshot", key.replace("/", "."))
                for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else ():
                    with open(os.path.join(directory, name), "rb") as lines:
                        for line in lines:
                            writer.write(decode(line))
                writer.commit()
            elif spec.kind == "bucket":
                _merge_buckets(zone, spec, spill_dir, after_shards, totals[key])
        with open(overrides_path(out), "w", newline="") as fh:
            csv.DictWriter(fh, fieldnames=OVERRIDE_FIELDS, lineterminator="\n").writeheader()
            directory = os.path.join(spill_dir, "overrides")
            for name in sorted(os.listdir(directory)):
                with open(os.path.join(directory, name), newline="") as part:
                    shutil.copyfileobj(part, fh)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
    landing_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(zone.root) for f in files)
    return GenerateResult(generated_people, days, shards, sum(t.records for t in totals.values()), landing_bytes,
                          time.monotonic() - started, totals)


def _run_shards(jobs: list[_ShardJob], workers: int) -> Iterator[_ShardResult]:
    """Shard results as they finish (in this process when workers is 1)."""
    if workers == 1 or len(jobs) == 1:
        yield from map(_generate_shard, jobs)
        return
    import concurrent.futures
    import multiprocessing

    # spawn: a fork would copy the parent's imports and caches into every worker
    with concurrent.futures.ProcessPoolExecutor(min(workers, len(jobs)),
                                                mp_context=multiprocessing.get_context("spawn"),
                                                max_tasks_per_child=1) as pool:
        futures = [pool.submit(_generate_shard, job) for job in jobs]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()


def _spill_buckets(spill_dir: str, spec: GeneratedStream, shard: int, buckets: Iterable[Record]) -> None:
    """Write each day's bucket to that day's spill directory (a file per shard, so workers never share a
    file), so the merge holds one day at a time."""
    for bucket in buckets:
        path = _spill_path(spill_dir, f"{spec.source}.{spec.stream}", str(bucket[spec.bucket_key]),
                           f"{shard:06d}.json")
        with open(path, "w") as fh:
            fh.write(json.dumps(bucket, separators=(",", ":")))


def _merge_buckets(zone: LandingZone, spec: GeneratedStream, spill_dir: str, extracted_at: datetime,
                   totals: StreamTotals) -> None:
    """One bucket per day holding every shard's results, in day order."""
    directory = os.path.join(spill_dir, f"{spec.source}.{spec.stream}")
    writer = _StreamWriter(zone, spec.source, spec.stream, None, extracted_at, totals)
    for day in sorted(os.listdir(directory)) if os.path.isdir(directory) else ():
        merged: Record | None = None
        for name in sorted(os.listdir(os.path.join(directory, day))):
            with open(os.path.join(directory, day, name)) as fh:
                bucket = json.load(fh)
            if merged is None:
                merged = bucket
            else:
                merged["results"].extend(bucket["results"])
        if merged is not None:
            merged["results"] = merge_results(merged["results"])
            writer.write(merged)
    writer.commit()


def merge_results(results: list[Record]) -> list[Record]:
    """A day's grouped results from every shard as one list: rows of the same group (same non-numeric
    fields, e.g. a model and line item shared by the whole company) add up their figures."""
    merged: dict[tuple, Record] = {}
    for row in results:
        group = tuple((k, json.dumps(v)) for k, v in sorted(row.items()) if not _is_figure(k, v))
        if group not in merged:
            merged[group] = dict(row)
            continue
        into = merged[group]
        for k, v in row.items():
            if _is_figure(k, v):
                into[k] = _add(into[k], v)
    return list(merged.values())


def _is_figure(key: str, value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return True
    if key == "amount":  # Anthropic: a decimal string; OpenAI: {"value", "currency"}
        return isinstance(value, str | dict)
    return False


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, dict):
        return {**a, "value": a["value"] + b["value"]}
    if isinstance(a, str):
        return str(Decimal(a) + Decimal(b))
    return a + b
