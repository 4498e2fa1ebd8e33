"""The large-scenario generator: the connectors' landing layout, records the suites accept, and a company
made of shards whose identities stay unique and linked across sources."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections import Counter

import pytest

from connectors import sources
from connectors.landing import LandingZone
from devenv.generate import STREAMS, generate, merge_results


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated") / "landing"
    # two shards of about 150 people, three weeks, batches of at most 1,000 records
    result = generate(300, 21, str(out), shard_people=150, max_batch_records=1000)
    return result, LandingZone(str(out))


def _streams():
    return {f"{m.SOURCE}/{s.name}": s for m in sources().values() for s in m.STREAMS}


def test_every_polled_stream_lands_in_the_connectors_layout(generated):
    result, zone = generated
    assert result.shards == 2 and result.people > 250
    assert set(_streams()) == {f"{s.source}/{s.stream}" for s in STREAMS}
    for key, stream in _streams().items():
        manifests = zone.manifests(stream.source, stream.name)
        assert manifests, key
        for m in manifests:
            raw = gzip.decompress(zone.fs.open(f"{zone.root}/{m.data_file}", "rb").read())
            assert m.record_count == raw.count(b"\n") and hashlib.sha256(raw).hexdigest() == m.sha256
            assert re.fullmatch(rf"source={stream.source}/stream={stream.name}/date=\d{{4}}-\d\d-\d\d/"
                                rf"{m.batch_id}\.jsonl\.gz", m.data_file)
            if stream.disposition == "merge":
                assert m.record_count <= 1000
        if stream.disposition == "snapshot":
            assert len(manifests) == 1, f"{key}: a snapshot is one batch for the whole company"


def test_generated_records_pass_the_landing_suites_with_no_reject(generated):
    from expectations.runner import landing_batch_validator

    _, zone = generated
    validate = landing_batch_validator()
    for key, stream in _streams().items():
        for m in zone.manifests(stream.source, stream.name):
            outcome = validate(stream, zone.read_batch(m))
            assert outcome.success, (key, outcome.failed_checks)


def test_shards_keep_ids_unique_and_every_account_in_the_directory(generated):
    _, zone = generated

    def records(source, stream):
        return [r for m in zone.manifests(source, stream) for r in zone.read_batch(m)]

    directory = records("msgraph", "users")
    emails = {u["mail"] for u in directory}
    assert len(emails) == len(directory) and len({u["id"] for u in directory}) == len(directory)
    assert any(".s1@" in e for e in emails) and any(".s1@" not in e for e in emails)
    for source, stream, key in (("zendesk", "tickets", "id"), ("jira", "issues", "key"),
                                ("harvest", "time_entries", "id"), ("github", "pull_requests", "id"),
                                ("github", "pull_request_reviews", "id")):
        ids = Counter(r[key] for r in records(source, stream))
        assert ids and max(ids.values()) == 1, f"{source}/{stream}: {key} repeats across shards"
    # accounts of other sources name directory people: the same tag on both sides (the planted contractor
    # outside the company's domain is the one exception, in every shard)
    for source, stream, get in (("harvest", "users", lambda r: r["email"]),
                                ("openai", "users", lambda r: r["email"]),
                                ("m365_copilot", "usage_user_detail", lambda r: r["userPrincipalName"])):
        found = {get(r) for r in records(source, stream) if get(r).endswith("@acme.example")}
        assert found and found <= emails, f"{source}/{stream}: {sorted(found - emails)[:3]}"
    reviews = records("github", "pull_request_reviews")
    pull_urls = {p["url"] for p in records("github", "pull_requests")}
    assert {r["pull_request_url"] for r in reviews} <= pull_urls


def test_daily_buckets_add_up_each_group_across_shards():
    rows = [{"line_item": "gpt-4.1, input", "project_id": "p1", "amount": {"value": 1.25, "currency": "usd"},
             "quantity": 100.0},
            {"line_item": "gpt-4.1, input", "project_id": "p1", "amount": {"value": 0.75, "currency": "usd"},
             "quantity": 50.0},
            {"line_item": "gpt-4.1, output", "project_id": "p1", "amount": {"value": 2.0, "currency": "usd"},
             "quantity": 10.0},
            {"workspace_id": None, "description": "Sonnet", "amount": "1.10", "currency": "USD"},
            {"workspace_id": None, "description": "Sonnet", "amount": "2.05", "currency": "USD"}]
    merged = merge_results(rows)
    assert merged == [
        {"line_item": "gpt-4.1, input", "project_id": "p1", "amount": {"value": 2.0, "currency": "usd"},
         "quantity": 150.0},
        {"line_item": "gpt-4.1, output", "project_id": "p1", "amount": {"value": 2.0, "currency": "usd"},
         "quantity": 10.0},
        {"workspace_id": None, "description": "Sonnet", "amount": "3.15", "currency": "USD"},
    ]


def test_the_workflow_catalog_names_teams_of_the_generated_directory(generated):
    from devenv.generate import catalog_path
    from outcomes.catalog import load_catalog

    _, zone = generated
    workflows = load_catalog(catalog_path(zone.root))
    directory = [u for m in zone.manifests("msgraph", "users") for u in zone.read_batch(m)]
    groups = {u["department"] for u in directory} | {u["employeeOrgData"]["costCenter"] for u in directory}
    assert workflows and {w["team"] for w in workflows} <= groups


def test_identity_overrides_name_accounts_that_landed_and_people_of_the_directory(generated):
    import csv

    from devenv.generate import overrides_path

    _, zone = generated
    with open(overrides_path(zone.root)) as fh:
        rows = list(csv.DictReader(fh))
    directory = {u["mail"] for m in zone.manifests("msgraph", "users") for u in zone.read_batch(m)}
    landed = {
        "github": {r["user"]["login"] for m in zone.manifests("github", "pull_requests") for r in zone.read_batch(m)}
        | {r["user_login"] for m in zone.manifests("github_copilot", "users_daily") for r in zone.read_batch(m)},
        "anthropic": {r["actor"].get("api_key_name") for m in zone.manifests("anthropic", "claude_code")
                      for r in zone.read_batch(m)},
        "jira": {u["accountId"] for m in zone.manifests("jira", "users") for u in zone.read_batch(m)},
    }
    assert {r["source"] for r in rows} >= {"jira"} and any("-s1" in r["source_user_id"] for r in rows)
    for row in rows:
        assert row["email"] in directory, row
    overridden = {source: {r["source_user_id"] for r in rows if r["source"] == source} for source in landed}
    assert overridden["jira"] <= landed["jira"]  # the users list has every account
    # every personal key that was used, in every shard, is listed (only the CI keys belong to nobody)
    personal = {k for k in landed["anthropic"] if k and not k.startswith("ci-")}
    assert personal and personal <= overridden["anthropic"]


def test_shards_generated_in_two_processes_land_the_same_records(generated, tmp_path):
    """Workers only change where shards are generated: every stream's records, the overrides and the
    catalog are those of the one-process run."""
    from devenv.generate import catalog_path, overrides_path

    _, zone = generated
    out = tmp_path / "landing"
    result = generate(300, 21, str(out), shard_people=150, max_batch_records=1000, workers=2)
    assert result.shards == 2
    parallel = LandingZone(str(out))

    def lines(z):
        return {f"{m.SOURCE}/{s.name}": Counter(
            line for mf in z.manifests(s.source, s.name)
            for line in gzip.decompress(z.fs.open(f"{z.root}/{mf.data_file}", "rb").read()).splitlines())
            for m in sources().values() for s in m.STREAMS}

    one, two = lines(zone), lines(parallel)
    for key in one:
        assert one[key] and one[key] == two[key], key
    assert overrides_path(out).read_text() == overrides_path(zone.root).read_text()
    assert catalog_path(out).read_text() == catalog_path(zone.root).read_text()
