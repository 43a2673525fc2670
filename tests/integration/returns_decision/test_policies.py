"""ValidatePolicy, SimulatePolicy and hot reload through the generated stubs."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from bench.returns_samples import APPAREL, item, request
from tests.integration.harness import ServerThread
from tests.integration.returns_decision.conftest import Stub
from tests.integration.returns_decision.load import calling

REJECTED = "policy file rejected; the previous version keeps serving"


def test_validate_policy_reports_every_error_with_its_path(stub: Stub, policies: Path) -> None:
    good = (policies / "apparel.yaml").read_text()
    reply = stub.ValidatePolicy(pb.ValidatePolicyRequest(tenant_id=APPAREL, policy_document=good))
    assert reply.valid
    assert not reply.errors
    assert reply.version.label == "2025.2 spring"
    broken = good.replace("days: 30\n", "days: -3\n", 1).replace(
        "    then: {outcome: DENY, reason: GIFT_CARD}",
        "    then: {outcome: DENY, reason: GIFT_CARD, colour: blue}",
    )
    reply = stub.ValidatePolicy(pb.ValidatePolicyRequest(tenant_id=APPAREL, policy_document=broken))
    assert not reply.valid
    paths = [e.path for e in reply.errors]
    assert any(p.startswith("return_window.days") for p in paths), paths
    assert any(p.startswith("rules[") and "colour" in p for p in paths), paths
    assert all(e.message for e in reply.errors)


def test_validate_policy_reports_a_missing_key_once_with_its_line_and_column(
    stub: Stub, policies: Path
) -> None:
    good = (policies / "apparel.yaml").read_text()
    missing = good.replace(
        "then: {outcome: APPROVE, reason: WITHIN_RETURN_POLICY}", "then: {outcome: APPROVE}"
    )
    reply = stub.ValidatePolicy(
        pb.ValidatePolicyRequest(tenant_id=APPAREL, policy_document=missing)
    )
    (error,) = reply.errors
    assert (error.path, error.message) == ("rules[0].then.reason", "required")
    # A missing key points at its closest present parent: the `then:` mapping.
    line = missing.splitlines()[error.line - 1]
    assert line[error.column - 1 :].startswith("{outcome: APPROVE}")


def test_validate_policy_locates_invalid_yaml(stub: Stub) -> None:
    document = "schema_version: 1\ntenant: northwind-apparel\nrules: [unclosed\n"
    reply = stub.ValidatePolicy(
        pb.ValidatePolicyRequest(tenant_id=APPAREL, policy_document=document)
    )
    (error,) = reply.errors
    assert not reply.valid
    assert error.path == ""
    assert error.message.startswith("not valid YAML")
    assert (error.line, error.column) == (4, 1)


def test_simulate_policy_reports_totals_and_changed_outcomes(stub: Stub, policies: Path) -> None:
    stricter = (
        (policies / "apparel.yaml").read_text().replace('label: "2025.2 spring"', 'label: "strict"')
    )
    stricter = stricter.replace("  days: 30\n", "  days: 7\n", 1)
    history = [
        request(request_id="in-both", days_since_delivery=3),
        request(request_id="only-old-window", days_since_delivery=20),
        request(item(final_sale=True), request_id="final", days_since_delivery=3),
    ]
    reply = stub.SimulatePolicy(
        pb.SimulatePolicyRequest(
            tenant_id=APPAREL, candidate_policy_document=stricter, requests=history
        )
    )
    assert reply.active.policy.label == "2025.2 spring"
    assert reply.candidate.policy.label == "strict"
    assert reply.active.decided == reply.candidate.decided == 3
    changed = {c.request_id: c for c in reply.changed}
    assert set(changed) == {"only-old-window"}
    assert changed["only-old-window"].active_outcome == pb.OUTCOME_APPROVE_RETURN
    assert changed["only-old-window"].candidate_outcome != pb.OUTCOME_APPROVE_RETURN
    assert sum(c.count for c in reply.candidate.outcome_counts) == 3
    assert (
        reply.active.refund_totals[0].amount_minor > reply.candidate.refund_totals[0].amount_minor
    )


def test_hot_reload_under_concurrent_calls(
    stub: Stub, server: ServerThread, policies: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = policies / "apparel.yaml"
    original = path.read_text()
    with calling(lambda: stub.DecideReturn(request()).decision.policy.label) as calls:
        # A new version is swapped in...
        path.write_text(original.replace('label: "2025.2 spring"', 'label: "2025.3"'))
        calls.wait_for("2025.3")
        # ...and a broken one never replaces it.
        path.write_text(
            original.replace('label: "2025.2 spring"', 'label: "broken"') + "\nrules: 7\n"
        )
        time.sleep(0.6)
        served_after_break = calls.answers[-1]
    assert not calls.failures, calls.failures[:3]
    assert "2025.2 spring" in calls.answers
    assert served_after_break == "2025.3"
    assert "broken" not in calls.answers
    assert len(calls.answers) > 50
    # The rejection is reported: an error log line naming the file, its errors and the
    # version still served, and the failure counter on the metrics endpoint.
    rejected = [r for r in caplog.records if r.getMessage() == REJECTED]
    assert rejected, [r.getMessage() for r in caplog.records]
    # The last one: write_text is not atomic, so a reload may also have caught the file
    # half-written earlier (rejected too, with the version served then).
    report = rejected[-1].__dict__
    assert report["path"].endswith("apparel.yaml")
    assert report["serving"] == "2025.3"
    assert "rules: duplicate key" in report["errors"]
    assert _reload_failures(server) >= 1


def _reload_failures(server: ServerThread) -> float:
    text = server.metrics()
    found = re.search(r"^returns_policy_reload_failures_total (\S+)$", text, re.MULTILINE)
    assert found, text
    return float(found.group(1))
