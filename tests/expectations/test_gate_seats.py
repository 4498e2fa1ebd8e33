"""The gate refuses negative seat counts and negative spend (what seat utilisation v1 published when the
price seed said 450 Copilot seats and 1,101 were assigned), and only warns when the purchased figure is
below the seats assigned (published as unknown, not as a negative)."""

from __future__ import annotations

import pandas as pd

from expectations.runner import Validator
from expectations.suites import GATE_SUITES

SETTINGS = {"min_group_size": 5, "min_identity_coverage": 0.9}


def _seats(**company) -> pd.DataFrame:
    row = {"tool": "github_copilot", "month_start": "2026-06-01", "level": "company", "department": "(all)",
           "team": "(all)", "seats_purchased": 1200, "seats_assigned": 1101, "seats_unresolved": 4,
           "seats_unassigned": 99, "active_n": 800, "engaged_n": 700, "idle_n": 301,
           "purchased_below_assigned": False}
    return pd.DataFrame([{**row, **company}])


def _cost(**company) -> pd.DataFrame:
    row = {"tool": "github_copilot", "month_start": "2026-06-01", "level": "company", "department": "(all)",
           "team": "(all)", "currency": "USD", "seat_spend": 22800.0, "metered_spend": 0.0,
           "total_spend": 22800.0, "idle_spend": 7600.0, "cost_per_engaged_user": 32.57}
    return pd.DataFrame([{**row, **company}])


def test_honest_seat_and_cost_rows_pass():
    validator = Validator(None, SETTINGS)
    assert validator.validate(GATE_SUITES["mart_seat_utilization"], _seats(), "seats").success
    assert validator.validate(GATE_SUITES["mart_ai_cost"], _cost(), "cost").success


def test_negative_unassigned_seats_fail_the_gate_and_name_the_row():
    # the v1 figures: 450 purchased (seed) - 1,101 assigned
    frame = _seats(seats_purchased=450, seats_unassigned=-651)
    result = Validator(None, SETTINGS).validate(GATE_SUITES["mart_seat_utilization"], frame, "seats")
    assert not result.success
    message = " ".join(result.critical_failures)
    assert "seats_unassigned" in message and "github_copilot" in message


def test_negative_idle_spend_fails_the_gate():
    result = Validator(None, SETTINGS).validate(GATE_SUITES["mart_ai_cost"], _cost(idle_spend=-12369.0), "cost")
    assert not result.success
    assert "idle_spend" in " ".join(result.critical_failures)


def test_purchased_below_assigned_is_a_warning_not_a_stop():
    frame = _seats(seats_purchased=450, seats_unassigned=None, purchased_below_assigned=True)
    result = Validator(None, SETTINGS).validate(GATE_SUITES["mart_seat_utilization"], frame, "seats")
    assert result.success
    assert any("purchased_below_assigned" in w for w in result.warnings)
