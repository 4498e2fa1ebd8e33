"""The quick part of the fault campaign (the whole matrix is `make faults`, documented in docs/faults.md)."""

from __future__ import annotations

from devenv.faults import QUICK, run_matrix

# a few seconds each; the 5,000-event webhook floods and anything with thousands of records stay in `make faults`
FAST = ["vendor 401 (token revoked)", "vendor hangs", "vendor empty page", "vendor 200 with an HTML body",
        "has_more without next_page", "github 429 storm", "one batch committed twice", "webhook unsigned",
        "webhook forged", "webhook replayed", "webhook stale", "webhook oversized", "webhook malformed",
        "webhook path traversal", "secrets grep"]


def test_quick_fault_scenarios_lose_nothing_and_refuse_clearly(tmp_path):
    outcomes = run_matrix(tmp_path / "faults", quick=True, only=FAST)
    names = {o.scenario for o in outcomes}
    assert {n for n, _ in QUICK if any(f in n for f in FAST)} <= names and len(names) == len(FAST)
    failed = [(o.scenario, o.note) for o in outcomes if not o.passed]
    assert failed == []
    assert sum(o.lost or 0 for o in outcomes) == 0 and sum(o.duplicated or 0 for o in outcomes) == 0
    refused = [o for o in outcomes if o.scenario.startswith("webhook") and o.scenario != "webhook replayed delivery"]
    assert refused and all(o.clear_error and o.landed == 0 for o in refused)
