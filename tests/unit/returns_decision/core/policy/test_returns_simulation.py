"""SimulatePolicy: replaying history under a candidate and the active policy."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from services.common.errors import InvalidArgument
from services.returns_decision.core.decisions import Outcome
from services.returns_decision.core.policy.errors import PolicyInvalid
from services.returns_decision.core.policy.simulation import simulate
from services.returns_decision.core.requests import ReturnRequest
from tests.unit.returns_decision.returns_builders import (
    dump,
    item,
    policy,
    request,
    risk,
    store_with,
)


def history() -> list[ReturnRequest]:
    return [
        request(item("L1"), request_id="in-window", delivered_days_ago=10),
        request(item("L1"), request_id="late", delivered_days_ago=45),
        request(item("L1", final_sale=True), request_id="final-sale", delivered_days_ago=5),
        request(item("L1", price=-1), request_id="broken"),
    ]


def test_simulation_compares_outcomes_and_totals(tmp_path: Path) -> None:
    candidate = policy(
        label="stricter-but-longer",
        return_window={"days": 60},
        extra_rules=[
            {
                "id": "final-sale",
                "when": {"item.final_sale": True},
                "then": {"outcome": "DENY", "reason": "FINAL_SALE"},
            }
        ],
        fees={"return_shipping": "flat", "return_shipping_amount": 500},
    )
    requests = history()
    with store_with(tmp_path, policy()) as store:
        report = simulate(
            store, dump(candidate), requests, [risk()] * len(requests), tenant_id="t1"
        )
        live = len(store.engine.live_rulesets)
    assert live == 1  # the candidate's ruleset is gone
    assert report.active is not None
    active, cand = report.active, report.candidate
    assert (active.decided, active.failed) == (3, 1)
    assert (cand.decided, cand.failed) == (3, 1)
    assert dict(active.outcome_counts)[Outcome.APPROVE_RETURN] == 2
    assert dict(active.outcome_counts)[Outcome.DENY] == 1
    assert dict(cand.outcome_counts)[Outcome.APPROVE_RETURN] == 2
    assert dict(cand.outcome_counts)[Outcome.DENY] == 1
    assert [(c.request_id, c.active_outcome, c.candidate_outcome) for c in report.changed] == [
        ("late", Outcome.DENY, Outcome.APPROVE_RETURN),
        ("final-sale", Outcome.APPROVE_RETURN, Outcome.DENY),
    ]
    assert active.refund_total.amount_minor == 8000
    assert cand.fees_total.amount_minor == 1000
    assert cand.refund_total.amount_minor == 8000 - 1000
    assert cand.policy.label == "stricter-but-longer"
    assert active.net_recovery_total.currency == "USD"
    assert [f.request_id for f in report.failed] == ["broken"]
    assert "items[0].unit_price.amount_minor" in {v.field for v in report.failed[0].violations}


def test_simulation_for_a_new_tenant_has_no_active_side(tmp_path: Path) -> None:
    requests = [dataclasses.replace(r, tenant_id="t9") for r in history()[:2]]
    with store_with(tmp_path, policy()) as store:
        report = simulate(store, dump(policy(tenant="t9")), requests)
    assert report.active is None
    assert report.changed == ()
    assert report.candidate.decided == 2


def test_simulation_rejects_bad_candidates(tmp_path: Path) -> None:
    with store_with(tmp_path, policy()) as store:
        with pytest.raises(PolicyInvalid):
            simulate(store, "schema_version: 1\n", history())
        with pytest.raises(PolicyInvalid) as wrong:
            simulate(store, dump(policy(tenant="t2")), history(), tenant_id="t1")
        assert wrong.value.errors[0].path == "tenant"
        with pytest.raises(InvalidArgument):
            simulate(store, dump(policy()), history(), [risk()])
        assert len(store.engine.live_rulesets) == 1
