"""The landing writer and the stream runner's use of the process: the cycle collector, bounded buffers."""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
from types import SimpleNamespace

import pytest

from connectors.landing import LandingZone
from connectors.runner import ValidationOutcome, land_stream
from connectors.state import StateStore
from connectors.streams import Page, Stream


def _client() -> SimpleNamespace:
    return SimpleNamespace(stats=SimpleNamespace(requests=0, retries=0))


def _stream(extract, name: str = "things") -> Stream:
    return Stream(source="unit", name=name, primary_key=("id",), disposition="merge", extract=extract)


def _stores(tmp_path) -> tuple[LandingZone, StateStore]:
    return LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))


def test_objects_loaded_before_a_stream_skip_full_collections_only_while_it_runs(tmp_path):
    frozen_during = []

    def extract(client, ctx):
        frozen_during.append(gc.get_freeze_count())
        yield Page([{"id": 1}, {"id": 2}], cursor="c1")

    before = gc.get_freeze_count()
    zone, state = _stores(tmp_path)
    result = land_stream(_stream(extract), _client(), zone, state)
    assert result.records == 2
    assert frozen_during[0] > before  # the modules loaded so far were set aside
    assert gc.get_freeze_count() == before  # and handed back


def test_a_failing_stream_hands_loaded_objects_back_to_the_collector(tmp_path):
    def extract(client, ctx):
        yield Page([{"id": 1}])
        raise RuntimeError("vendor went away")

    before = gc.get_freeze_count()
    zone, state = _stores(tmp_path)
    with pytest.raises(RuntimeError, match="vendor went away"):
        land_stream(_stream(extract), _client(), zone, state)
    assert gc.get_freeze_count() == before
    assert zone.manifests("unit", "things") == []


def _records(n: int) -> list[dict]:
    # what vendors send: nested objects, lists, nulls, non-ASCII text, floats, a newline inside a string
    return [{"id": i, "subject": f"Ticket {i}: caf\u00e9 \u2013 \u201cquoted\u201d\nsecond line", "hours": i / 8,
             "via": {"channel": "email", "source": {"from": {"address": f"u{i}@example.com"}, "rel": None}},
             "tags": ["vip"] if i % 3 else [], "custom_fields": [{"id": 7, "value": None if i % 2 else "x"}]}
            for i in range(n)]


def test_records_land_as_one_compact_json_line_each_with_the_manifest_hash_of_those_bytes(tmp_path):
    records = _records(2_345)  # more than one run of the writer
    zone = LandingZone(str(tmp_path))
    writer = zone.open_batch("unit", "things")
    writer.write_many(records)
    manifest = writer.commit()

    expected = "".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records).encode()
    with gzip.open(tmp_path / manifest.data_file, "rb") as fh:  # the standard library reads it back
        landed = fh.read()
    assert landed == expected
    assert manifest.record_count == len(records)
    assert manifest.sha256 == hashlib.sha256(expected).hexdigest()
    assert zone.verify_batch(manifest) is None
    assert manifest.schema["custom_fields[].value"] == ["null", "string"]
    assert manifest.schema["via.source.from.address"] == ["string"]


def test_batches_fill_to_their_limit_across_pages_and_rejects_keep_their_reasons(tmp_path):
    pages = [[{"id": i, "ok": i != 4} for i in range(5)], [{"id": 5, "ok": True}, {"id": 6, "ok": True}]]

    def extract(client, ctx):
        for n, page in enumerate(pages):
            yield Page(page, cursor=f"c{n}")

    class OnlyOk:
        def start(self, stream):
            return self

        def check(self, record):
            return [] if record["ok"] else ["ok is false"]

        def finish(self):
            return ValidationOutcome(True, [], {})

    zone, state = _stores(tmp_path)
    result = land_stream(_stream(extract), _client(), zone, state, validate=OnlyOk(), max_batch_records=3,
                         max_rejected_share=0.5)
    # 7 records in batches of at most 3 (accepted and rejected alike), in the order they came
    assert [(m.record_count, m.rejected_count) for m in result.manifests] == [(3, 0), (2, 1), (1, 0)]
    assert [[r["id"] for r in zone.read_batch(m)] for m in result.manifests] == [[0, 1, 2], [3, 5], [6]]
    assert zone.read_rejects(result.manifests[1]) == [{"reasons": ["ok is false"], "record": {"id": 4, "ok": False}}]
    assert state.get("unit", "things") == "c1"
