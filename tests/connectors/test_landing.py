"""Landing contract: whole batches, manifests, cursor after durability, quarantine, no secrets."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from pathlib import Path

import pytest

from connectors import github_copilot, msgraph, zendesk
from connectors.errors import DataQualityError, MalformedResponseError
from connectors.landing import LandingZone
from connectors.runner import ValidationOutcome, land_stream
from connectors.state import StateStore
from sandbox.records import github_copilot as copilot_records
from sandbox.records import zendesk as zendesk_records


class Crash(Exception):
    pass


def _committed(zone: LandingZone, source: str, stream: str) -> list[dict]:
    return [r for m in zone.manifests(source, stream) for r in zone.read_batch(m)]


def test_batch_layout_and_manifest_match_the_contract(tmp_path, connections, no_sleep):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    result = land_stream(zendesk.USERS, client, zone, state)
    files = sorted(p.relative_to(tmp_path / "landing") for p in (tmp_path / "landing").rglob("*") if p.is_file())
    assert len(files) == 2
    data = next(p for p in files if p.name.endswith(".jsonl.gz"))
    manifest_path = next(p for p in files if p.name.endswith(".manifest.json"))
    parts = data.parts
    assert parts[0] == "source=zendesk" and parts[1] == "stream=users" and parts[2].startswith("date=")
    assert data.name == f"{result.batch_id}.jsonl.gz"
    manifest = json.loads((tmp_path / "landing" / manifest_path).read_text())
    raw = gzip.decompress((tmp_path / "landing" / data).read_bytes())
    assert manifest["sha256"] == hashlib.sha256(raw).hexdigest()
    assert manifest["record_count"] == len(raw.splitlines()) == result.records
    assert manifest["extracted_at"].endswith("Z")


def test_records_land_unchanged_including_unknown_and_null_fields(tmp_path, connections, company, no_sleep):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    client = github_copilot.make_client(connections["github_copilot"], sleep=no_sleep)
    land_stream(github_copilot.SEATS, client, zone, state)
    landed = _committed(zone, "github_copilot", "seats")
    key = lambda s: json.dumps(s, sort_keys=True)  # noqa: E731
    assert sorted(map(key, landed)) == sorted(map(key, copilot_records.seats(company)))


def test_crash_between_batch_and_cursor_loses_and_duplicates_nothing_after_rerun(tmp_path, connections, company,
                                                                                 no_sleep):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)

    def crash(_manifest):
        raise Crash("killed after the batch was durable, before the cursor was saved")

    with pytest.raises(Crash):
        land_stream(zendesk.TICKETS, client, zone, state, after_commit=crash)
    assert state.get("zendesk", "tickets") is None  # cursor did not move
    land_stream(zendesk.TICKETS, client, zone, state)  # the rerun re-extracts the same window
    assert state.get("zendesk", "tickets") is not None
    land_stream(zendesk.TICKETS, client, zone, state)  # and a later run from the cursor adds nothing

    manifests = zone.manifests("zendesk", "tickets")
    assert [m.record_count for m in manifests][2] == 0
    landed = _committed(zone, "zendesk", "tickets")
    expected = {t["id"] for t in zendesk_records.tickets(company)}
    # landing keeps both copies (immutable batches); staging's dedupe on the key yields each ticket once
    assert {t["id"] for t in landed} == expected
    latest = {}
    for m in manifests:
        for t in zone.read_batch(m):
            latest[t["id"]] = t
    assert len(latest) == len(expected)


def test_malformed_page_lands_nothing_and_keeps_cursor(tmp_path, connections, sandbox, no_sleep):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)
    sandbox.add_fault("zendesk", "malformed", path_contains="cursor=", times=1)
    with pytest.raises(MalformedResponseError):
        land_stream(zendesk.TICKETS, client, zone, state)
    assert zone.manifests("zendesk", "tickets") == []
    assert [p for p in (tmp_path / "landing").rglob("*") if p.is_file()] == []  # no temp file either
    assert state.get("zendesk", "tickets") is None


def test_batch_breaking_a_critical_check_is_quarantined_not_committed(tmp_path, connections, no_sleep):
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    client = zendesk.make_client(connections["zendesk"], sleep=no_sleep)

    class RefuseEveryBatch:
        seen = 0

        def start(self, stream):
            return self

        def check(self, record):
            self.seen += 1
            return []

        def finish(self):
            return ValidationOutcome(False, ["expect_column_values_to_be_unique(id)"], {})

    refuse = RefuseEveryBatch()
    with pytest.raises(DataQualityError) as err:
        land_stream(zendesk.USERS, client, zone, state, validate=refuse)
    assert refuse.seen > 0
    assert "quarantined" in str(err.value)
    assert zone.manifests("zendesk", "users") == []
    assert list((tmp_path / "landing" / "_quarantine").rglob("*.reason.json"))


def test_credentials_never_reach_logs_landing_or_state(tmp_path, connections, sandbox, caplog, no_sleep):
    from sandbox import credentials as cred

    secrets = [cred.MS_CLIENT_SECRET, cred.GITHUB_TOKEN, cred.ZENDESK_API_TOKEN]
    zone, state = LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))
    sandbox.add_fault("zendesk", "status", path_contains="/api/v2/users", status=429, retry_after=0, times=1)
    caplog.set_level(logging.DEBUG)
    land_stream(msgraph.USERS, msgraph.make_client(connections["msgraph"], sleep=no_sleep), zone, state)
    land_stream(zendesk.USERS, zendesk.make_client(connections["zendesk"], sleep=no_sleep), zone, state)
    land_stream(github_copilot.SEATS, github_copilot.make_client(connections["github_copilot"], sleep=no_sleep),
                zone, state)
    blobs = [caplog.text]
    for path in Path(tmp_path).rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            blobs.append((gzip.decompress(raw) if path.suffix == ".gz" else raw).decode())
    assert "retry" in caplog.text  # the 429 was logged...
    for secret in secrets:
        assert not any(secret in blob for blob in blobs)  # ...without any credential
    # the issued Graph access token is a secret too
    assert "Bearer " not in caplog.text


def test_committing_a_batch_twice_is_refused_and_leaves_the_first_commit_whole(tmp_path):
    zone = LandingZone(str(tmp_path))
    writer = zone.open_batch("zendesk", "users")
    writer.write_many([{"id": 1}, {"id": 2}])
    first = writer.commit()
    data = (tmp_path / first.data_file).read_bytes()
    with pytest.raises(ValueError, match=f"batch {first.batch_id} is already committed"):
        writer.commit()
    assert zone.manifests("zendesk", "users") == [first]
    assert (tmp_path / first.data_file).read_bytes() == data and zone.verify_batch(first) is None
