"""The landing writer and the stream runner's use of the process: the cycle collector, bounded buffers."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest

from connectors.landing import LandingZone
from connectors.runner import land_stream
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
