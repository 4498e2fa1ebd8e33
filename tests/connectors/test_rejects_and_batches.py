"""Record-level rejects instead of whole-batch quarantine, bounded batches."""

from __future__ import annotations

from collections import Counter

import pytest

from connectors import harvest
from connectors.errors import DataQualityError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from sandbox.records.harvest import harvest_data


@pytest.fixture(scope="module")
def validator():
    from expectations.runner import landing_batch_validator

    return landing_batch_validator()


def _stores(tmp_path):
    return LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))


def test_one_harvest_entry_over_24_hours_is_rejected_and_the_rest_land(connections, company, no_sleep, tmp_path,
                                                                        validator, monkeypatch):
    entries = harvest_data(company).entries
    bad = entries[len(entries) // 2]
    monkeypatch.setitem(bad, "hours", 25.5)  # a timer left running over a day
    zone, state = _stores(tmp_path)
    result = land_stream(harvest.TIME_ENTRIES, harvest.make_client(connections["harvest"], sleep=no_sleep), zone,
                         state, validate=validator)

    landed = [r["id"] for m in result.manifests for r in zone.read_batch(m)]
    assert Counter(landed) == Counter(e["id"] for e in entries if e["id"] != bad["id"])
    assert result.rejected == 1 and result.manifest.rejected_count == 1
    rejects = zone.read_rejects(result.manifest)
    assert [r["record"]["id"] for r in rejects] == [bad["id"]]
    assert rejects[0]["record"]["hours"] == 25.5
    assert any("hours" in reason and "max_value=24" in reason for reason in rejects[0]["reasons"])
    assert result.manifest.rejects_file.startswith("_rejects/source=harvest/stream=time_entries/date=")
    assert state.get("harvest", "time_entries") == result.cursor_after is not None
    assert result.as_dict()["rejected"] == 1


def test_a_batch_is_refused_whole_when_the_rejected_share_passes_the_threshold(connections, company, no_sleep,
                                                                               tmp_path, validator, monkeypatch):
    entries = harvest_data(company).entries
    for entry in entries[:: len(entries) // 20][:20]:
        monkeypatch.setitem(entry, "hours", 30.0)
    allowed = 10 / len(entries)  # 20 rejects is twice the allowed share
    zone, state = _stores(tmp_path)
    client = harvest.make_client(connections["harvest"], sleep=no_sleep)
    with pytest.raises(DataQualityError) as err:
        land_stream(harvest.TIME_ENTRIES, client, zone, state, validate=validator, max_rejected_share=allowed)
    assert "20 of" in str(err.value) and "quarantined" in str(err.value)
    assert zone.manifests("harvest", "time_entries") == []
    assert state.get("harvest", "time_entries") is None
    quarantined = list((tmp_path / "landing" / "_quarantine").rglob("*.rejects.jsonl.gz"))
    assert len(quarantined) == 1

    # the same data under the default threshold lands, with its 20 rejects
    result = land_stream(harvest.TIME_ENTRIES, client, zone, state, validate=validator)
    assert result.rejected == 20 and result.records == len(entries) - 20


def test_a_duplicate_key_is_a_batch_level_failure(connections, company, no_sleep, tmp_path, validator,
                                                  monkeypatch):
    entries = harvest_data(company).entries
    monkeypatch.setitem(entries[1], "id", entries[0]["id"])
    zone, state = _stores(tmp_path)
    with pytest.raises(DataQualityError, match="unique"):
        land_stream(harvest.TIME_ENTRIES, harvest.make_client(connections["harvest"], sleep=no_sleep), zone,
                    state, validate=validator)
    assert zone.manifests("harvest", "time_entries") == []


def test_an_incremental_stream_lands_in_batches_of_bounded_size(connections, company, no_sleep, tmp_path,
                                                                validator):
    zone, state = _stores(tmp_path)
    entries = harvest_data(company).entries
    result = land_stream(harvest.TIME_ENTRIES, harvest.make_client(connections["harvest"], sleep=no_sleep), zone,
                         state, validate=validator, max_batch_records=1000)
    counts = [m.record_count for m in zone.manifests("harvest", "time_entries")]
    assert len(counts) == -(-len(entries) // 1000) >= 3
    assert all(c == 1000 for c in counts[:-1]) and 0 < counts[-1] <= 1000
    assert [m.batch_id for m in result.manifests] == sorted(m.batch_id for m in result.manifests)
    landed = [r["id"] for m in result.manifests for r in zone.read_batch(m)]
    assert Counter(landed) == Counter(e["id"] for e in entries)
    assert result.records == len(entries) and result.as_dict()["batches"] == len(counts)


def test_a_snapshot_stays_one_batch_whatever_the_limit(connections, no_sleep, tmp_path, validator):
    zone, state = _stores(tmp_path)
    result = land_stream(harvest.USERS, harvest.make_client(connections["harvest"], sleep=no_sleep), zone, state,
                         validate=validator, max_batch_records=5)
    assert len(result.manifests) == 1 and result.records > 5
