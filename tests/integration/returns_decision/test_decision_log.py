"""The decision log and RecordOutcomes through the generated stubs, on a real server:
decisions land in Parquet with the feature rows build_features gives, outcomes are
recorded per line (NOT_FOUND for what was never decided, a repeat updates), bad input is
INVALID_ARGUMENT naming the field."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import grpc
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from bench.returns_samples import APPAREL, item, request
from services.returns_decision import converters
from services.returns_decision.engines.decision_log.schema import (
    INDEX_FILE,
    INPUT_COLUMNS,
    OUTCOMES_TABLE,
    part_files,
)
from services.returns_decision.engines.risk.features import RiskInput, build_features
from services.returns_decision.engines.risk.request_inputs import risk_inputs
from services.returns_decision.server import SPEC
from services.returns_decision.settings import ReturnsSettings
from tests.integration.harness import ServerThread, serving
from tests.integration.returns_decision.conftest import Stub
from tests.integration.returns_decision.test_decisions import violations


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "log"


@pytest.fixture
def logging_server(policies: Path, registry: Path, log_dir: Path) -> Iterator[ServerThread]:
    settings = ReturnsSettings(
        port=0,
        metrics_port=0,
        policies_dir=policies,
        models_registry=registry,
        max_batch_size=50,
        decision_log_dir=log_dir,
        decision_log_flush_seconds=0.05,
    )
    with serving(SPEC, settings) as thread:
        yield thread


@pytest.fixture
def log_stub(logging_server: ServerThread) -> Iterator[Stub]:
    with grpc.insecure_channel(logging_server.target) as channel:
        yield Stub(channel)


def _rows(log_dir: Path, expected: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        rows = [r for p in part_files(log_dir) for r in pq.read_table(p).to_pylist()]
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_every_decision_is_logged_with_the_rows_the_models_scored(
    log_stub: Stub, logging_server: ServerThread, log_dir: Path
) -> None:
    single = request(item("L1"), item("L2", category="electronics"), request_id="one")
    batch = [
        request(item("L1", quantity=2), request_id="two"),
        request(request_id="bad", tenant="no-such-tenant"),  # not decided, not logged
        request(item("L1"), request_id="three", days_since_delivery=3),
    ]
    decided = {"one": log_stub.DecideReturn(single).decision}
    results = log_stub.DecideReturns(pb.DecideReturnsRequest(requests=batch)).results
    assert results[1].HasField("error")
    decided["two"], decided["three"] = results[0].decision, results[2].decision

    rows = _rows(log_dir, 4)
    assert sorted((r["request_id"], r["line_item_id"]) for r in rows) == [
        ("one", "L1"), ("one", "L2"), ("three", "L1"), ("two", "L1"),
    ]  # fmt: skip
    messages = {"one": single, "two": batch[0], "three": batch[2]}
    for row in rows:
        request_id = str(row["request_id"])
        decision = decided[request_id]
        domain = converters.return_request(messages[request_id])
        index = int(str(row["item_index"]))
        inputs = risk_inputs(domain, decision.evaluated_at.ToDatetime(tzinfo=UTC))[index]
        assert RiskInput(**{name: row[name] for name in INPUT_COLUMNS}) == inputs
        assert row["features"] == pytest.approx(build_features(inputs), nan_ok=True)
        assert row["tenant_id"] == APPAREL
        assert row["request_outcome"] == pb.Outcome.Name(decision.outcome).removeprefix("OUTCOME_")
        item_decision = decision.items[index]
        assert row["item_outcome"] == pb.Outcome.Name(item_decision.outcome).removeprefix(
            "OUTCOME_"
        )
        assert row["policy_hash"] == decision.policy.content_hash
        assert row["fraud_model_version"] == decision.fraud.model_version
    # The request's score is its riskiest item's.
    one = [r for r in rows if r["request_id"] == "one"]
    assert max(float(str(r["fraud_score"])) for r in one) == decided["one"].fraud.score
    metrics = logging_server.metrics()
    assert "returns_decision_log_written_total 3.0" in metrics
    assert "returns_decision_log_dropped_total 0.0" in metrics


def test_outcomes_are_recorded_per_line_and_a_repeat_updates(log_stub: Stub, log_dir: Path) -> None:
    log_stub.DecideReturn(request(item("L1"), item("L2"), request_id="r-1"))
    reply = log_stub.RecordOutcomes(
        pb.RecordOutcomesRequest(
            tenant_id=APPAREL,
            outcomes=[
                pb.ReturnOutcome(request_id="r-1", line_item_id="L1", received=True),
                pb.ReturnOutcome(request_id="never-decided", line_item_id="L1", received=True),
                pb.ReturnOutcome(request_id="r-1", line_item_id="L9", received=True),
                pb.ReturnOutcome(
                    request_id="r-1", line_item_id="L2", charged_back=False, fraud_confirmed=True
                ),
            ],
        )
    )
    first, unknown, unknown_line, second = reply.results
    assert first.outcome == pb.ReturnOutcome(request_id="r-1", line_item_id="L1", received=True)
    assert unknown.error.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert unknown_line.error.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert second.outcome.fraud_confirmed
    assert second.outcome.HasField("charged_back")
    assert not second.outcome.charged_back  # false, not "not known"

    # Later news about L1: what it sets replaces, what it leaves unset stays.
    reply = log_stub.RecordOutcomes(
        pb.RecordOutcomesRequest(
            tenant_id=APPAREL,
            outcomes=[
                pb.ReturnOutcome(
                    request_id="r-1",
                    line_item_id="L1",
                    inspected_condition=pb.ITEM_CONDITION_USED,
                    disposition=pb.DISPOSITION_LIQUIDATED,
                    wardrobing_confirmed=True,
                )
            ],
        )
    )
    (merged,) = reply.results
    assert merged.outcome == pb.ReturnOutcome(
        request_id="r-1",
        line_item_id="L1",
        received=True,
        inspected_condition=pb.ITEM_CONDITION_USED,
        disposition=pb.DISPOSITION_LIQUIDATED,
        wardrobing_confirmed=True,
    )
    assert not merged.outcome.HasField("fraud_confirmed")
    with sqlite3.connect(log_dir / INDEX_FILE) as db:
        stored = db.execute(
            f"SELECT line_item_id, received, wardrobing_confirmed FROM {OUTCOMES_TABLE} "
            "ORDER BY line_item_id"
        ).fetchall()
    assert stored == [("L1", 1, 1), ("L2", None, None)]


def test_another_tenant_cannot_record_outcomes_for_a_decision(log_stub: Stub) -> None:
    log_stub.DecideReturn(request(request_id="r-2"))
    reply = log_stub.RecordOutcomes(
        pb.RecordOutcomesRequest(
            tenant_id="another-merchant",
            outcomes=[pb.ReturnOutcome(request_id="r-2", line_item_id="L1", received=False)],
        )
    )
    assert reply.results[0].error.code == grpc.StatusCode.NOT_FOUND.value[0]


def test_bad_outcomes_are_invalid_argument_naming_the_field(log_stub: Stub) -> None:
    def refused(message: pb.RecordOutcomesRequest) -> dict[str, str]:
        with pytest.raises(grpc.RpcError) as caught:
            log_stub.RecordOutcomes(message)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        return violations(caught.value)

    entries = [
        pb.ReturnOutcome(request_id="", line_item_id="L1", received=True),
        pb.ReturnOutcome(request_id="r", line_item_id="L1", disposition=99),  # type: ignore[arg-type]
        pb.ReturnOutcome(request_id="r", line_item_id=" ", inspected_condition=42),  # type: ignore[arg-type]
    ]
    found = refused(pb.RecordOutcomesRequest(tenant_id=APPAREL, outcomes=entries))
    assert set(found) == {
        "outcomes[0].request_id",
        "outcomes[1].disposition",
        "outcomes[2].line_item_id",
        "outcomes[2].inspected_condition",
    }
    assert "outcomes" in refused(pb.RecordOutcomesRequest(tenant_id=APPAREL))
    many = [pb.ReturnOutcome(request_id="r", line_item_id="L1")] * 51
    assert "outcomes" in refused(pb.RecordOutcomesRequest(tenant_id=APPAREL, outcomes=many))
    assert "tenant_id" in refused(pb.RecordOutcomesRequest(outcomes=entries[:1]))


def test_without_the_log_record_outcomes_is_a_failed_precondition(
    policies: Path, registry: Path
) -> None:
    settings = ReturnsSettings(
        port=0,
        metrics_port=0,
        policies_dir=policies,
        models_registry=registry,
        decision_log_enabled=False,
    )
    with serving(SPEC, settings) as thread, grpc.insecure_channel(thread.target) as channel:
        stub = Stub(channel)
        assert stub.DecideReturn(request()).decision.outcome == pb.OUTCOME_APPROVE_RETURN
        with pytest.raises(grpc.RpcError) as caught:
            stub.RecordOutcomes(
                pb.RecordOutcomesRequest(
                    tenant_id=APPAREL,
                    outcomes=[pb.ReturnOutcome(request_id="req-1", line_item_id="L1")],
                )
            )
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "RETURNS_DECISION_LOG_ENABLED" in str(caught.value.details())
